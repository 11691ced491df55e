"""Reservations and open waiting-list offers both hold units, read together in one query: in the free units
a booking sees and in the availability people are shown; an expired offer holds nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from vicinato.booking.models import WaitingListEntry
from vicinato.booking.services import BookingError, availability, free_units, reserve

from .conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db


def free_at_nine(resource) -> int:
    return next(s.free for s in availability(resource, TUESDAY, now=NOW) if s.start == at("09:00"))


@pytest.fixture
def offer(resource, user_factory):
    """One unit of the desk room (2 units) offered to someone until 07:30, for 09:00-10:00."""
    return WaitingListEntry.objects.create(
        resource=resource,
        person=user_factory("waiting"),
        start=at("09:00"),
        end=at("10:00"),
        position=1,
        state=WaitingListEntry.State.OFFERED,
        offer_expires_at=NOW + timedelta(minutes=30),
    )


def test_an_open_offer_and_a_reservation_hold_a_unit_each(person, other_person, resource, offer):
    assert free_at_nine(resource) == 1
    reserve(person, resource, at("09:00"), at("10:00"), now=NOW)
    assert free_units(resource, at("09:00"), at("10:00"), NOW) == 0
    assert free_at_nine(resource) == 0
    with pytest.raises(BookingError, match="No unit"):
        reserve(other_person, resource, at("09:30"), at("10:30"), now=NOW)


def test_an_expired_offer_holds_nothing(person, other_person, resource, offer):
    later = NOW + timedelta(hours=1)
    assert free_units(resource, at("09:00"), at("10:00"), later) == 2
    reserve(person, resource, at("09:00"), at("10:00"), now=later)
    assert reserve(other_person, resource, at("09:00"), at("10:00"), now=later).pk
