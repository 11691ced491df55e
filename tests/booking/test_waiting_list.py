"""Waiting lists: a freed unit is offered to the first in line, held for a while, then to the next."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from vicinato.booking.models import Reservation, WaitingListEntry
from vicinato.booking.services import (
    BookingError,
    accept_offer,
    block_resource,
    cancel,
    expire_offers,
    join_waiting_list,
    lift_block,
    release_no_shows,
    reserve,
)

from .conftest import NOW, at

pytestmark = pytest.mark.django_db
W = WaitingListEntry.State


@pytest.fixture
def full(person, single):
    """The meeting room is booked by `person` on Tuesday 09:00-10:00."""
    return reserve(person, single, at("09:00"), at("10:00"), now=NOW)


@pytest.fixture
def line(full, single, user_factory):
    """Two people waiting for the room at that time, in this order."""
    return [
        join_waiting_list(user_factory(name), single, at("09:00"), at("10:00"), now=NOW)
        for name in ("c1", "c2")
    ]


def test_joining_needs_a_full_period_and_the_rules(person, other_person, single):
    with pytest.raises(BookingError, match="A unit is free at that time; book it instead"):
        join_waiting_list(other_person, single, at("09:00"), at("10:00"), now=NOW)
    reserve(person, single, at("09:00"), at("10:00"), now=NOW)
    with pytest.raises(ValidationError):
        join_waiting_list(other_person, single, at("08:00"), at("09:00"), now=NOW)
    entry = join_waiting_list(other_person, single, at("09:00"), at("10:00"), now=NOW)
    again = join_waiting_list(other_person, single, at("09:00"), at("10:00"), now=NOW)
    assert (entry.pk, entry.position, entry.state) == (again.pk, 1, W.WAITING)


def test_a_cancellation_offers_the_unit_to_the_first_in_line(
    person, full, line, single, django_capture_on_commit_callbacks, run_worker
):
    first, second = line
    with django_capture_on_commit_callbacks(execute=True):
        cancel(full, person, now=NOW)
    run_worker()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.offer_expires_at) == (W.OFFERED, NOW + timedelta(minutes=single.offer_minutes))
    assert second.state == W.WAITING
    assert [m.to for m in mail.outbox if "A place freed up for you" in m.subject] == [["c1@example.org"]]


def test_an_offer_holds_the_unit(person, other_person, full, line, single):
    cancel(full, person, now=NOW)
    with pytest.raises(BookingError):
        reserve(other_person, single, at("09:00"), at("10:00"), now=NOW)


def test_accepting_an_offer_books_the_unit(person, full, line):
    first, _second = line
    cancel(full, person, now=NOW)
    with pytest.raises(PermissionDenied):
        accept_offer(first, person, now=NOW)
    reservation = accept_offer(first, first.person, now=NOW + timedelta(minutes=5))
    first.refresh_from_db()
    assert (reservation.state, reservation.person) == (Reservation.State.CONFIRMED, first.person)
    assert (first.state, first.reservation) == (W.ACCEPTED, reservation)


def test_an_expired_offer_goes_to_the_next_in_line(person, full, line, single):
    first, second = line
    cancel(full, person, now=NOW)
    expiry = NOW + timedelta(minutes=single.offer_minutes)
    assert expire_offers(expiry - timedelta(seconds=1)) == 0
    assert expire_offers(expiry) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state, second.offer_expires_at) == (
        W.EXPIRED,
        W.OFFERED,
        expiry + timedelta(minutes=single.offer_minutes),
    )
    with pytest.raises(BookingError, match="This offer is no longer open"):
        accept_offer(first, first.person, now=expiry)


def test_a_no_show_offers_the_rest_of_the_period(person, single, user_factory):
    reserve(person, single, at("09:00"), at("11:00"), now=NOW)
    waiting = join_waiting_list(user_factory("late"), single, at("10:00"), at("11:00"), now=NOW)
    release_no_shows(at("09:20"))
    waiting.refresh_from_db()
    assert waiting.state == W.OFFERED


def test_lifting_a_block_makes_offers(person, staff, other_person, single):
    reserve(person, single, at("09:00"), at("10:00"), now=NOW)
    entry = join_waiting_list(other_person, single, at("09:00"), at("10:00"), now=NOW)
    block, affected = block_resource(single, at("08:30"), at("12:00"), "Works", staff)
    assert [r.person for r in affected] == [person]
    cancel(affected[0], staff, "Works", now=NOW)
    entry.refresh_from_db()
    assert entry.state == W.WAITING  # still blocked
    with pytest.raises(PermissionDenied):
        lift_block(block, other_person, now=NOW)
    assert lift_block(block, staff, now=NOW) == [entry]
