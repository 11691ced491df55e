"""Each rule of a resource at its boundary: the last allowed value passes, the next one is refused."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from tests.conftest import another_place
from vicinato.booking.models import Resource
from vicinato.booking.services import BookingError, block_resource, cancel, check_rules, reserve
from vicinato.register.models import Closure, Membership, OpeningHours, Place

from .conftest import NOW, TUESDAY, at, make_resource

pytestmark = pytest.mark.django_db


def refused(person, resource, start, end, units=1, now=NOW) -> dict[str, str]:
    return {r.rule: r.message for r in check_rules(person, resource, start, end, units, now)}


def test_a_booking_inside_the_rules_passes(person, resource):
    assert refused(person, resource, at("09:00"), at("10:00")) == {}


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("08:00", "09:00", "This place opens at 08:30; choose a later start."),
        ("18:30", "19:30", "This place closes at 19:00; choose an earlier end."),
        ("19:00", "20:00", "This place closes at 19:00; choose an earlier start."),
    ],
)
def test_opening_hours_refuse_outside(person, resource, start, end, message):
    assert refused(person, resource, at(start), at(end)) == {"opening_hours": message}


def test_opening_hours_allow_the_whole_day(person, resource):
    resource.max_minutes = 10 * 60 + 30
    assert refused(person, resource, at("08:30"), at("19:00")) == {}


def test_a_day_without_opening_hours_is_refused(person, resource):
    saturday = date(2030, 3, 9)
    assert refused(person, resource, at("09:00", saturday), at("10:00", saturday)) == {
        "opening_hours": "This place is closed on Saturday; choose another day."
    }


def test_a_booking_over_midnight_is_refused(person, resource):
    assert "opening_hours" in refused(person, resource, at("18:00"), at("18:00") + timedelta(hours=7))


def test_closures_refuse_their_days_included(person, resource, place):
    Closure.objects.create(place=place, start_date=date(2030, 3, 1), end_date=TUESDAY, reason_it="Lavori")
    assert refused(person, resource, at("09:00"), at("10:00")) == {
        "closure": "This place is closed from 2030-03-01 to 2030-03-05 (Lavori); choose another day."
    }
    wednesday = TUESDAY + timedelta(days=1)
    assert refused(person, resource, at("09:00", wednesday), at("10:00", wednesday)) == {}


def test_slots_are_counted_from_the_opening_time(person, resource):
    assert refused(person, resource, at("08:45"), at("09:45")) == {
        "slot": "Bookings start every 30 minutes from 08:30; choose a start such as 09:00."
    }
    assert refused(person, resource, at("09:00"), at("10:15")) == {
        "slot": "Bookings last whole slots of 30 minutes; choose an end such as 10:30."
    }
    assert refused(person, resource, at("09:30"), at("11:00")) == {}


def test_duration_limits(person, resource):
    assert refused(person, resource, at("09:00"), at("09:30")) == {
        "min_duration": "Bookings must last at least 1 hour; choose a later end."
    }
    assert refused(person, resource, at("09:00"), at("13:00")) == {}
    assert refused(person, resource, at("09:00"), at("13:30")) == {
        "max_duration": "Bookings may last at most 4 hours; choose an earlier end."
    }


def test_notice(person, resource):
    resource.min_notice_minutes = 120
    monday = NOW.date()
    assert refused(person, resource, at("09:00", monday), at("10:00", monday)) == {}
    assert refused(person, resource, at("08:30", monday), at("09:30", monday)) == {
        "notice": "Bookings must be made at least 2 hours ahead."
    }


def test_the_past_is_refused(person, resource):
    assert set(refused(person, resource, at("09:00"), at("10:00"), now=at("09:01"))) == {"past"}


def test_days_ahead(person, resource):
    last = NOW.date() + timedelta(days=14)
    assert refused(person, resource, at("09:00", last), at("10:00", last)) == {}
    after = last + timedelta(days=1)
    assert refused(person, resource, at("09:00", after), at("10:00", after)) == {
        "days_ahead": "Bookings open 14 days ahead; choose a date until 2030-03-18."
    }


def test_blocks_refuse_what_they_meet(person, staff, resource):
    block_resource(resource, at("10:00"), at("12:00"), "Pulizie", staff)
    assert refused(person, resource, at("09:00"), at("10:00")) == {}
    assert refused(person, resource, at("11:30"), at("12:30")) == {
        "block": "This resource is closed from 2030-03-05 10:00 to 2030-03-05 12:00 (Pulizie); choose another time."
    }


@pytest.mark.parametrize(
    ("language", "reason_it", "reason_en", "shown"),
    [
        ("en", "Pulizie", "Cleaning", "Cleaning"),
        ("it", "Pulizie", "Cleaning", "Pulizie"),
        ("en", "Pulizie", "", "Pulizie"),  # only one written: the reader sees that one
        ("it", "", "Cleaning", "Cleaning"),
    ],
)
def test_a_blocks_reason_is_shown_in_the_readers_language(
    person, staff, resource, language, reason_it, reason_en, shown
):
    block_resource(resource, at("10:00"), at("12:00"), reason_it, staff, reason_en=reason_en)
    with translation.override(language):
        message = refused(person, resource, at("10:00"), at("11:00"))["block"]
    assert f"({shown})" in message
    assert all(f"({other})" not in message for other in {reason_it, reason_en} - {shown, ""})


def test_units_between_one_and_the_capacity(person, resource):
    assert refused(person, resource, at("09:00"), at("10:00"), units=2) == {}
    assert refused(person, resource, at("09:00"), at("10:00"), units=3) == {
        "units": "This resource has 2 units; book between 1 and 2."
    }
    assert "units" in refused(person, resource, at("09:00"), at("10:00"), units=0)


def test_times_need_an_offset_and_an_order(person, resource):
    naive = datetime.combine(TUESDAY, time(9))
    assert set(refused(person, resource, naive, naive + timedelta(hours=1))) == {"time_zone"}
    assert set(refused(person, resource, at("10:00"), at("09:00"))) == {"order"}


def test_an_inactive_resource_takes_no_bookings(person, resource):
    resource.is_active = False
    assert set(refused(person, resource, at("09:00"), at("10:00"))) == {"inactive"}


def test_members_only(person, resource, organisation):
    resource.who_may_book = Resource.WhoMayBook.MEMBERS
    resource.save()
    resource.organisations.add(organisation)
    assert refused(person, resource, at("09:00"), at("10:00")) == {
        "who_may_book": "Only members of Cowork Test S.r.l. may book this resource; ask your organisation to join."
    }
    Membership.objects.create(organisation=organisation, user=person)
    assert refused(person, resource, at("09:00"), at("10:00")) == {}


def test_members_only_admits_verified_employees_not_pending_or_former(person, resource, organisation):
    from vicinato.agreements.models import Affiliation

    resource.who_may_book = Resource.WhoMayBook.MEMBERS
    resource.save()
    resource.organisations.add(organisation)
    employee = Affiliation.objects.create(
        organisation=organisation, person=person, method=Affiliation.Method.ADMIN
    )
    assert "who_may_book" in refused(person, resource, at("09:00"), at("10:00"))  # still pending
    employee.state = Affiliation.State.ACTIVE
    employee.save()
    assert refused(person, resource, at("09:00"), at("10:00")) == {}
    employee.state = Affiliation.State.ENDED
    employee.save()
    assert "who_may_book" in refused(person, resource, at("09:00"), at("10:00"))


def test_agreement_holders_only_is_refused_until_agreements_exist(person, resource):
    resource.who_may_book = Resource.WhoMayBook.AGREEMENT
    assert "agreement" in refused(person, resource, at("09:00"), at("10:00"))["who_may_book"]


def other_place(place) -> Place:
    elsewhere = another_place(place)
    OpeningHours.objects.create(place=elsewhere, weekday=TUESDAY.weekday(), opens=time(9), closes=time(18))
    return elsewhere


def test_per_day_limit_counts_the_bookings_at_the_place(person, resource, place):
    resource.max_per_day_per_person = 2
    resource.save()
    lockers = make_resource(place, kind=Resource.Kind.LOCKER, name_it="Armadietti")
    elsewhere = make_resource(other_place(place))
    reserve(person, resource, at("09:00"), at("10:00"), now=NOW)
    reserve(person, elsewhere, at("09:00"), at("10:00"), now=NOW)  # another place: not counted
    second = reserve(person, lockers, at("10:00"), at("11:00"), now=NOW)
    assert refused(person, resource, at("14:00"), at("15:00")) == {
        "per_day": "You can book at most 2 times a day at this place; choose another day."
    }
    wednesday = TUESDAY + timedelta(days=1)
    assert refused(person, resource, at("14:00", wednesday), at("15:00", wednesday)) == {}
    cancel(second, person, now=NOW)  # a cancelled booking no longer counts
    assert refused(person, resource, at("14:00"), at("15:00")) == {}


def test_per_week_limit_counts_monday_to_sunday(person, resource):
    resource.max_per_week_per_person = 2
    resource.save()
    for day in (TUESDAY, TUESDAY + timedelta(days=1)):
        reserve(person, resource, at("09:00", day), at("10:00", day), now=NOW)
    friday, next_monday = TUESDAY + timedelta(days=3), TUESDAY + timedelta(days=6)
    assert refused(person, resource, at("09:00", friday), at("10:00", friday)) == {
        "per_week": "You can book at most 2 times a week at this place; choose another week."
    }
    assert refused(person, resource, at("09:00", next_monday), at("10:00", next_monday)) == {}


def test_reserve_refuses_with_every_failing_rule_by_field(person, resource):
    with pytest.raises(ValidationError) as refusal:
        reserve(person, resource, at("08:00"), at("08:30"), now=NOW)
    assert {e.code for errors in refusal.value.error_dict.values() for e in errors} == {
        "opening_hours",
        "min_duration",
    }
    assert set(refusal.value.message_dict) == {"start", "end"}


@pytest.mark.parametrize(
    ("booked", "start", "end", "allowed"),
    [
        # after a booking
        ("09:00", "10:00", "11:00", False),
        ("09:00", "10:30", "11:30", True),
        # before a booking
        ("10:00", "08:30", "09:30", True),
        ("10:00", "09:00", "10:00", False),
    ],
)
def test_buffer_around_a_booking(person, other_person, single, booked, start, end, allowed):
    single.buffer_minutes = 30
    single.save()
    reserve(person, single, at(booked), at(booked) + timedelta(hours=1), now=NOW)
    if allowed:
        reserve(other_person, single, at(start), at(end), now=NOW)
    else:
        with pytest.raises(BookingError):
            reserve(other_person, single, at(start), at(end), now=NOW)
