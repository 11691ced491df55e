"""Free units per slot, from a fixed number of queries whatever the number of slots."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from vicinato.booking.services import availability, block_resource, reserve
from vicinato.register.models import Closure

from .conftest import NOW, TUESDAY, at, make_resource

pytestmark = pytest.mark.django_db


def free_at(slots, resource, hhmm, day=TUESDAY) -> int:
    return next(s.free for s in slots if s.resource_id == resource.pk and s.start == at(hhmm, day))


def test_slots_follow_the_opening_hours(resource):
    slots = availability(resource, TUESDAY, now=NOW)
    assert slots[0].start == at("08:30") and slots[-1].end == at("19:00")
    assert len(slots) == 21  # 10½ hours of 30-minute slots
    assert all(s.free == 2 for s in slots)


def test_reservations_blocks_and_buffers_reduce_free_units(person, other_person, staff, resource):
    resource.buffer_minutes = 30
    resource.save()
    reserve(person, resource, at("09:00"), at("10:00"), now=NOW)
    reserve(other_person, resource, at("09:30"), at("10:30"), now=NOW)
    block_resource(resource, at("15:00"), at("16:00"), "", staff)
    slots = availability(resource, TUESDAY, now=NOW)
    assert [free_at(slots, resource, t) for t in ("08:30", "09:00", "09:30", "10:00", "10:30", "11:00")] == [
        1,  # a booking here would need its buffer until 09:30
        0,  # ... and here until 10:00, when both units are taken
        0,
        0,  # the first booking's buffer and the second booking
        1,  # the second booking's buffer
        2,
    ]
    assert [free_at(slots, resource, t) for t in ("14:30", "15:00", "15:30", "16:00")] == [2, 0, 0, 2]


def test_weekends_and_closures_have_no_slots(resource, place):
    Closure.objects.create(place=place, start_date=TUESDAY, end_date=TUESDAY)
    days = {s.start.date() for s in availability(resource, NOW.date(), days=7, now=NOW)}
    assert days == {NOW.date(), date(2030, 3, 6), date(2030, 3, 7), date(2030, 3, 8)}


def test_a_place_gives_the_slots_of_its_active_resources(place, resource):
    lockers = make_resource(place, name_it="Armadietti", capacity=10, slot_minutes=60)
    make_resource(place, name_it="Chiusa", is_active=False)
    slots = availability(place, TUESDAY, now=NOW)
    assert {s.resource_id for s in slots} == {resource.pk, lockers.pk}
    assert free_at(slots, lockers, "09:30") == 10


def test_one_query_per_kind_of_row_whatever_the_slots(person, place, resource, django_assert_num_queries):
    make_resource(place, name_it="Armadietti", capacity=10)
    for day in range(5):
        start = at("09:00", NOW.date() + timedelta(days=day))
        reserve(person, resource, start, start + timedelta(hours=1), now=NOW)
    # Resources, opening hours, closures, and the reservations with offers and blocks.
    with django_assert_num_queries(4):
        week = availability(place, NOW.date(), days=7, now=NOW)
    with django_assert_num_queries(4):
        day = availability(place, TUESDAY, now=NOW)
    with django_assert_num_queries(3):  # a resource: its place's hours, closures, and its rows
        availability(resource, NOW.date(), days=7, now=NOW)
    assert len(week) == 5 * len(day)
    assert free_at(week, resource, "09:00", date(2030, 3, 8)) == 1
