"""What a booking costs: the price per slot, capped by the price per day for each Rome calendar day it covers
(a day pass); with only a price per day, that price for each day."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from vicinato.booking.models import Resource
from vicinato.booking.services import price_cents, reserve

from .conftest import NOW, ROME, at, make_resource

pytestmark = pytest.mark.django_db


def priced(per_slot: int, per_day: int | None, slot: int = 60) -> Resource:
    return Resource(slot_minutes=slot, price_cents_per_slot=per_slot, price_cents_per_day=per_day)


@pytest.mark.parametrize(
    ("per_slot", "per_day", "start", "end", "units", "cents"),
    [
        (200, None, "09:00", "12:00", 1, 600),  # per slot only
        (200, 1200, "09:00", "14:00", 1, 1000),  # under the day price
        (200, 1200, "09:00", "15:00", 1, 1200),  # exactly the day price
        (200, 1200, "09:00", "18:00", 1, 1200),  # capped
        (200, 1200, "09:00", "18:00", 2, 2400),  # per unit
        (0, 1500, "09:00", "10:00", 1, 1500),  # only a price per day: that price
        (0, 0, "09:00", "18:00", 1, 0),  # a day price of zero: free
        (200, 0, "09:00", "18:00", 1, 0),
        (0, None, "09:00", "18:00", 1, 0),
    ],
)
def test_price_per_slot_and_per_day(per_slot, per_day, start, end, units, cents):
    assert price_cents(priced(per_slot, per_day), at(start), at(end), units) == cents


def test_a_slot_begun_counts_whole():
    assert price_cents(priced(200, None, slot=30), at("09:00"), at("09:45")) == 400


def test_the_day_price_caps_each_rome_calendar_day_of_a_booking_over_midnight():
    # 20:00 to 03:00 the next day, Rome time: 4 hours on the first day, 3 on the second.
    start = datetime(2030, 3, 5, 20, 0, tzinfo=ROME)
    end = start + timedelta(hours=7)
    assert price_cents(priced(200, None), start, end) == 1400
    assert price_cents(priced(200, 700), start, end) == 700 + 600
    assert price_cents(priced(200, 500), start, end) == 500 + 500
    assert price_cents(priced(0, 900), start, end) == 1800  # two days
    # Midnight in Rome, not in UTC: 23:00-01:00 Rome is one UTC day (22:00-00:00 UTC) but two Rome days.
    late = datetime(2030, 3, 5, 23, 0, tzinfo=ROME)
    assert price_cents(priced(0, 900), late, late + timedelta(hours=2)) == 1800
    ending_at_midnight = datetime(2030, 3, 5, 22, 0, tzinfo=ROME)
    assert price_cents(priced(0, 900), ending_at_midnight, ending_at_midnight + timedelta(hours=2)) == 900


def test_a_booking_stores_its_price(place, person, other_person):
    resource = make_resource(
        place,
        name_it="Scrivanie",
        name_en="",
        slot_minutes=60,
        max_minutes=600,
        price_cents_per_slot=200,
        price_cents_per_day=1200,
    )
    assert reserve(person, resource, at("08:30"), at("17:30"), now=NOW).price_cents == 1200
    assert reserve(other_person, resource, at("08:30"), at("10:30"), now=NOW).price_cents == 400
