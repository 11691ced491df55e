"""Weekly series: every date that can be booked is, the others come back with their reason."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from vicinato.booking.models import Reservation
from vicinato.booking.services import cancel_series, create_series, reserve
from vicinato.register.models import Closure

from .conftest import NOW, at

pytestmark = pytest.mark.django_db
S = Reservation.State


def test_a_series_books_what_it_can_and_reports_the_rest(person, other_person, single, place):
    reserve(other_person, single, at("09:00", date(2030, 3, 12)), at("10:00", date(2030, 3, 12)), now=NOW)
    Closure.objects.create(
        place=place, start_date=date(2030, 3, 14), end_date=date(2030, 3, 14), reason_it="Festa"
    )
    # Tuesdays and Thursdays for two weeks; the resource books 14 days ahead (until 18 March).
    result = create_series(
        person, single, [1, 3], time(9), time(10), date(2030, 3, 5), date(2030, 3, 21), now=NOW
    )
    assert [r.start.date() for r in result.reservations] == [date(2030, 3, 5), date(2030, 3, 7)]
    assert all(r.series == result.series for r in result.reservations)
    conflicts = dict(result.conflicts)
    assert list(conflicts) == [date(2030, 3, 12), date(2030, 3, 14), date(2030, 3, 19), date(2030, 3, 21)]
    assert "No unit of this resource is free" in conflicts[date(2030, 3, 12)]
    assert "closed from 2030-03-14 to 2030-03-14 (Festa)" in conflicts[date(2030, 3, 14)]
    assert "Bookings open 14 days ahead" in conflicts[date(2030, 3, 19)]


def test_a_series_needs_weekdays_and_an_order(person, single):
    with pytest.raises(ValidationError) as refusal:
        create_series(person, single, [7], time(9), time(10), date(2030, 3, 5), date(2030, 3, 1), now=NOW)
    assert set(refusal.value.message_dict) == {"weekdays", "until_date"}


def test_cancel_a_series_from_a_date(person, single):
    result = create_series(
        person, single, [0, 1, 2, 3, 4], time(9), time(10), date(2030, 3, 5), date(2030, 3, 8), now=NOW
    )
    cancelled, kept = cancel_series(result.series, person, from_date=date(2030, 3, 7), now=NOW)
    assert [r.start.date() for r in cancelled] == [date(2030, 3, 7), date(2030, 3, 8)]
    assert kept == []
    states = dict(Reservation.objects.values_list("start__date", "state"))
    assert list(states.values()) == [S.CONFIRMED, S.CONFIRMED, S.CANCELLED, S.CANCELLED]


def test_cancel_a_series_keeps_what_is_past_the_deadline(person, single):
    single.cancellation_deadline_minutes = 24 * 60
    single.save()
    result = create_series(
        person, single, [1, 2], time(9), time(10), date(2030, 3, 5), date(2030, 3, 6), now=NOW
    )
    cancelled, kept = cancel_series(result.series, person, now=at("10:00", NOW.date()))
    assert [r.start.date() for r in cancelled] == [date(2030, 3, 6)]
    assert [(r.start.date(), "could be cancelled until" in why) for r, why in kept] == [
        (date(2030, 3, 5), True)
    ]


def test_only_the_person_or_the_place_cancel_a_series(person, other_person, staff, single):
    result = create_series(
        person, single, [1], time(9), time(10), date(2030, 3, 5), date(2030, 3, 5), now=NOW
    )
    with pytest.raises(PermissionDenied):
        cancel_series(result.series, other_person, now=NOW)
    cancelled, _kept = cancel_series(result.series, staff, reason="Closed for works", now=NOW)
    assert len(cancelled) == 1
