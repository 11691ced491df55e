"""A booking reads what its rules need in the query that locks the resource and in one more: it refuses exactly
what `check_rules` refuses (which reads the same on its own), with the same messages, and costs the same few
queries whatever the rules and the place."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vicinato.booking.models import Block, Reservation
from vicinato.booking.services import check_rules, reserve
from vicinato.register.models import Closure, OpeningHours

from .conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db


def closed_today(place, resource, person):
    Closure.objects.create(place=place, start_date=date(2030, 3, 1), end_date=TUESDAY, reason_it="Lavori")


def closed_tomorrow(place, resource, person):
    Closure.objects.create(
        place=place, start_date=TUESDAY + timedelta(days=1), end_date=TUESDAY + timedelta(5)
    )


def blocked_late_morning(place, resource, person):
    Block.objects.create(resource=resource, start=at("10:00"), end=at("12:00"), reason_it="Pulizie")


def lunch_break(place, resource, person):
    """Tuesday: 08:30-12:30 and 14:00-19:00 (the second interval first in the table)."""
    OpeningHours.objects.filter(place=place, weekday=TUESDAY.weekday()).delete()
    OpeningHours.objects.create(place=place, weekday=TUESDAY.weekday(), opens=time(14), closes=time(19))
    OpeningHours.objects.create(
        place=place, weekday=TUESDAY.weekday(), opens=time(8, 30), closes=time(12, 30)
    )


def one_a_day_already_booked(place, resource, person):
    resource.max_per_day_per_person = 1
    resource.save()
    reserve(person, resource, at("15:00"), at("16:00"), now=NOW)


def one_a_week_booked_on_monday(place, resource, person):
    resource.max_per_week_per_person = 1
    resource.save()
    monday = TUESDAY - timedelta(days=1)
    reserve(person, resource, at("15:00", monday), at("16:00", monday), now=NOW)


def nothing(place, resource, person):
    pass


@pytest.mark.parametrize(
    ("setup", "start", "end", "rules"),
    [
        (nothing, "09:00", "10:00", set()),
        (nothing, "18:30", "19:30", {"opening_hours"}),
        (nothing, "08:45", "09:45", {"slot"}),
        (closed_today, "09:00", "10:00", {"closure"}),
        (closed_tomorrow, "09:00", "10:00", set()),
        (blocked_late_morning, "11:30", "12:30", {"block"}),
        (blocked_late_morning, "09:00", "10:00", set()),
        (blocked_late_morning, "12:00", "13:00", set()),
        (lunch_break, "13:00", "14:00", {"opening_hours"}),  # in the break: opens again at 14:00
        (lunch_break, "12:00", "13:00", {"opening_hours"}),  # closes at 12:30
        (lunch_break, "14:00", "15:30", set()),
        (lunch_break, "14:15", "15:15", {"slot"}),  # slots counted from 14:00
        (lunch_break, "11:30", "12:30", set()),
        (one_a_day_already_booked, "09:00", "10:00", {"per_day"}),
        (one_a_week_booked_on_monday, "09:00", "10:00", {"per_week"}),
    ],
)
def test_a_booking_refuses_what_check_rules_refuses(place, resource, person, setup, start, end, rules):
    setup(place, resource, person)
    expected = {
        (r.field, r.rule, r.message) for r in check_rules(person, resource, at(start), at(end), now=NOW)
    }
    assert {rule for _field, rule, _message in expected} == rules
    if not rules:
        assert reserve(person, resource, at(start), at(end), now=NOW).pk
        return
    with pytest.raises(ValidationError) as refusal:
        reserve(person, resource, at(start), at(end), now=NOW)
    given = {(f, e.code, e.message) for f, errors in refusal.value.error_dict.items() for e in errors}
    assert given == expected


def test_a_booking_costs_the_same_queries_whatever_the_rules(place, resource, person, other_person):
    resource.max_per_day_per_person = 3
    resource.max_per_week_per_person = 5
    resource.save()
    lunch_break(place, resource, person)
    Closure.objects.create(
        place=place, start_date=TUESDAY + timedelta(days=7), end_date=TUESDAY + timedelta(8)
    )
    Block.objects.create(resource=resource, start=at("16:00"), end=at("17:00"))
    reserve(other_person, resource, at("09:00"), at("10:00"), now=NOW)
    reserve(person, resource, at("14:00"), at("15:00"), now=NOW)
    with CaptureQueriesContext(connection) as queries:
        reservation = reserve(person, resource, at("09:00"), at("11:00"), now=NOW)
    statements = [q["sql"].split()[0].lstrip("(") for q in queries if "SAVEPOINT" not in q["sql"]]
    # The resource with its rules (locked), the person (locked: limits), the bookings around it and the
    # person's, then the reservation, its history and its mail's task.
    assert statements == ["SELECT", "SELECT", "SELECT", "INSERT", "INSERT", "INSERT"]
    assert Reservation.objects.get(pk=reservation.pk).events.get().action == "create"
