"""What a person may do to a booking now is decided by the engine once (`allowed_actions`), with the same
deadline and check-in window the transitions apply: pages and API ask, never work a rule out again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from vicinato.booking.models import Reservation
from vicinato.booking.services import (
    allowed_actions,
    cancel,
    cancellation_deadline,
    check_in,
    checkin_window,
    reserve,
    transition,
)

from .conftest import NOW, at, make_resource

pytestmark = pytest.mark.django_db
S = Reservation.State


@pytest.fixture
def strict(place):
    """A room with a 2-hour cancellation deadline and a 15-minute check-in window."""
    return make_resource(place, cancellation_deadline_minutes=120, checkin_window_minutes=15)


def test_the_deadline_and_the_window_are_read_off_the_resource(person, strict):
    booking = reserve(person, strict, at("10:00"), at("11:00"), now=NOW)
    assert cancellation_deadline(booking) == at("08:00")
    assert checkin_window(booking) == (at("09:45"), at("10:15"))


def test_the_person_may_cancel_and_reschedule_until_the_deadline_then_nothing(person, strict):
    booking = reserve(person, strict, at("10:00"), at("11:00"), now=NOW)
    assert allowed_actions(booking, person, now=at("08:00")) == ["cancel", "reschedule"]
    assert allowed_actions(booking, person, now=at("08:01")) == []
    # What the list leaves out, the transition refuses with its reason.
    with pytest.raises(Exception, match="could be cancelled until"):
        cancel(booking, person, now=at("08:01"))


def test_staff_may_decide_check_in_within_the_window_and_cancel_at_any_time(person, staff, strict, place):
    approved = make_resource(place, name_it="Sala", name_en="Room", requires_approval=True)
    request = reserve(person, approved, at("10:00"), at("11:00"), now=NOW)
    assert allowed_actions(request, staff, now=NOW) == ["confirm", "reject", "cancel", "reschedule"]
    booking = reserve(person, strict, at("10:00"), at("11:00"), now=NOW)
    assert allowed_actions(booking, staff, now=at("09:44")) == ["cancel", "reschedule"]
    assert allowed_actions(booking, staff, now=at("09:45")) == ["cancel", "check_in", "reschedule"]
    assert allowed_actions(booking, staff, now=at("10:16")) == ["cancel", "reschedule"]
    # The day plan's shortcut gives the same answer without reading permissions.
    assert allowed_actions(booking, staff, now=at("09:45"), staff=True) == [
        "cancel",
        "check_in",
        "reschedule",
    ]
    check_in(booking.checkin_code, staff, now=at("09:50"))
    booking.refresh_from_db()
    assert allowed_actions(booking, staff, now=at("09:50")) == []


def test_others_may_do_nothing_and_ended_bookings_offer_nothing(person, other_person, outsider, strict):
    booking = reserve(person, strict, at("10:00"), at("11:00"), now=NOW)
    assert allowed_actions(booking, other_person, now=NOW) == []
    assert allowed_actions(booking, outsider, now=NOW) == []
    transition(booking, "cancel", person, now=NOW)
    booking.refresh_from_db()
    assert allowed_actions(booking, person, now=NOW) == []


def test_the_day_after_the_clocks_go_back_the_window_is_counted_in_real_minutes(person, strict):
    """Europe/Rome, 2030-10-27: 02:00-03:00 happens twice; the deadline is two real hours before the start."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    start = datetime(2030, 10, 27, 3, 30, tzinfo=ZoneInfo("Europe/Rome"))
    booking = Reservation(resource=strict, person=person, start=start, end=start + timedelta(hours=1))
    assert (start.astimezone(UTC) - cancellation_deadline(booking)).total_seconds() == 2 * 3600
    opens, closes = checkin_window(booking)
    assert (closes - opens).total_seconds() == 30 * 60
