"""What a calendar offers is what the booking accepts: the slots carry the rule that would refuse the person
(their limits a day and a week, a booking of theirs at the same time, too far ahead), and a person never holds
two bookings of one resource at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from vicinato.booking.services import cancel, check_rules, offered_slots, reschedule, reserve

from .conftest import NOW, TUESDAY, at, make_resource

pytestmark = pytest.mark.django_db


def rules(person, resource, slot) -> set[str]:
    return {
        r.rule for r in check_rules(person, resource, slot.start, slot.start + timedelta(minutes=60), now=NOW)
    }


def test_a_second_booking_of_the_same_resource_at_the_same_time_is_refused(person, resource):
    reserve(person, resource, at("09:00"), at("10:00"), now=NOW)
    with pytest.raises(ValidationError) as refused:
        reserve(person, resource, at("09:30"), at("10:30"), now=NOW)
    assert refused.value.message_dict == {
        "start": ["You already have a booking of this from 09:00 to 10:00; change that one instead."]
    }
    # Back to back is not at the same time; another resource or another person is not concerned.
    reserve(person, resource, at("10:00"), at("11:00"), now=NOW)
    other = make_resource(resource.place, name_it="Altra sala", name_en="Other room")
    reserve(person, other, at("09:00"), at("10:00"), now=NOW)


def test_a_cancelled_booking_no_longer_overlaps(person, resource):
    first = reserve(person, resource, at("09:00"), at("10:00"), now=NOW)
    cancel(first, person, now=NOW)
    reserve(person, resource, at("09:00"), at("10:00"), now=NOW)


def test_moving_a_booking_over_its_own_time_is_not_an_overlap(person, resource):
    booking = reserve(person, resource, at("09:00"), at("10:00"), now=NOW)
    moved = reschedule(booking, at("09:30"), at("10:30"), person, now=NOW)
    assert (moved.start, moved.end) == (at("09:30"), at("10:30"))


def test_slots_that_have_begun_or_lack_notice_are_not_offered(person, place):
    room = make_resource(place, capacity=1, min_notice_minutes=60)
    today = NOW.date()
    # NOW is 07:00; the place opens at 08:30: 08:30 is offered (90 minutes ahead), and at 08:10, only from 09:30.
    assert offered_slots(room, today, person, now=NOW)[0].start == at("08:30", today)
    assert offered_slots(room, today, person, now=at("08:10", today))[0].start == at("09:30", today)


def test_a_person_at_their_daily_limit_is_told_on_every_slot_of_the_day(person, other_person, place):
    desk = make_resource(place, max_per_day_per_person=1)
    reserve(person, desk, at("09:00"), at("10:00"), now=NOW)
    mine = offered_slots(desk, TUESDAY, person, now=NOW)
    assert mine and {s.refusal.rule for s in mine} == {"per_day"}
    assert mine[0].refusal.message == "You can book at most 1 time a day at this place; choose another day."
    # Someone else, or nobody signed in, may book them; the next day is free for the person again.
    assert all(s.refusal is None for s in offered_slots(desk, TUESDAY, other_person, now=NOW))
    assert all(s.refusal is None for s in offered_slots(desk, TUESDAY, None, now=NOW))
    assert all(s.refusal is None for s in offered_slots(desk, TUESDAY + timedelta(days=1), person, now=NOW))


def test_the_weekly_limit_counts_the_whole_week_at_the_place(person, place):
    desk = make_resource(place, max_per_week_per_person=2)
    room = make_resource(place, name_it="Sala", name_en="Room", max_per_week_per_person=2)
    reserve(person, desk, at("09:00"), at("10:00"), now=NOW)
    reserve(
        person,
        room,
        at("09:00", TUESDAY + timedelta(days=1)),
        at("10:00", TUESDAY + timedelta(days=1)),
        now=NOW,
    )
    friday = TUESDAY + timedelta(days=3)
    assert {s.refusal.rule for s in offered_slots(desk, friday, person, now=NOW)} == {"per_week"}
    next_monday = TUESDAY + timedelta(days=6)
    assert all(s.refusal is None for s in offered_slots(desk, next_monday, person, now=NOW))


def test_the_person_s_own_booking_marks_the_slots_it_meets(person, resource):
    reserve(person, resource, at("09:00"), at("10:00"), now=NOW)
    # The shortest booking (60 minutes) from 08:30 would end at 09:30: it meets 09:00-10:00 too.
    refused = {s.start for s in offered_slots(resource, TUESDAY, person, now=NOW) if s.refusal}
    assert refused == {at("08:30"), at("09:00"), at("09:30")}


def test_days_beyond_the_booking_horizon_are_refused_for_everyone(person, resource):
    far = NOW.date() + timedelta(days=resource.max_days_ahead + 1)
    while far.weekday() > 4:
        far += timedelta(days=1)
    assert {s.refusal.rule for s in offered_slots(resource, far, None, now=NOW)} == {"days_ahead"}


@pytest.mark.parametrize("limits", [{}, {"max_per_day_per_person": 1}, {"max_per_week_per_person": 1}])
def test_every_slot_offered_is_accepted_and_every_slot_refused_is_refused(person, place, limits):
    """Whatever the person holds, the calendar and the rules agree slot by slot."""
    desk = make_resource(place, capacity=3, **limits)
    reserve(person, desk, at("11:00"), at("12:00"), now=NOW)
    slots = [
        s
        for s in offered_slots(desk, TUESDAY, person, now=NOW)
        if s.start + timedelta(hours=1) <= at("19:00")
    ]
    assert slots
    for slot in slots:
        assert bool(rules(person, desk, slot)) == (slot.refusal is not None), slot.start
        if slot.refusal:
            assert slot.refusal.rule in rules(person, desk, slot)
