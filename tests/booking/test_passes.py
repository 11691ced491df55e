"""Monthly passes: taken for a calendar month of a resource that offers one, refused as bookings are, cancelled
before the month begins; the price rule makes the holder's bookings of that month cost nothing for one unit."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from vicinato.booking.models import Block, MonthlyPass, Resource
from vicinato.booking.personal_data import PASSES
from vicinato.booking.services import buy_pass, cancel, cancel_pass, price_cents, reschedule, reserve

from .conftest import MONTHLY_PASS_DESKS, NOW, ROME, at, make_resource

pytestmark = pytest.mark.django_db
MARCH, APRIL = date(2030, 3, 1), date(2030, 4, 1)


@pytest.fixture
def desks(place) -> Resource:
    return make_resource(place, **MONTHLY_PASS_DESKS)


def codes(error: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


def test_the_price_rule_knows_the_pass_of_the_month():
    resource = Resource(slot_minutes=60, price_cents_per_slot=200, price_cents_per_day=1200)
    march = MonthlyPass(month=MARCH)
    assert price_cents(resource, at("08:30"), at("11:30"), 1, march) == 0
    # One unit is covered; the others are paid as ever.
    assert price_cents(resource, at("08:30"), at("11:30"), 3, march) == 1200
    # A pass of another month covers nothing.
    assert price_cents(resource, at("08:30"), at("11:30"), 1, MonthlyPass(month=APRIL)) == 600


def test_a_pass_makes_the_holders_bookings_of_its_month_free(desks, person, other_person):
    taken = buy_pass(person, desks, date(2030, 3, 17), now=NOW)
    assert (taken.month, taken.price_cents, taken.state) == (MARCH, 18000, "active")
    mine = reserve(person, desks, at("08:30"), at("17:30"), now=NOW)
    assert (mine.price_cents, mine.monthly_pass) == (0, taken)
    two = reserve(
        person, desks, at("08:30", date(2030, 3, 6)), at("09:30", date(2030, 3, 6)), units=2, now=NOW
    )
    assert two.price_cents == 200  # the second unit
    # Someone else pays; and April is not covered.
    assert reserve(other_person, desks, at("08:30"), at("11:30"), now=NOW).price_cents == 600
    april = reserve(person, desks, at("08:30", date(2030, 4, 2)), at("11:30", date(2030, 4, 2)), now=NOW)
    assert (april.price_cents, april.monthly_pass) == (600, None)
    # Moved into March, it is covered; moved out, it is paid again.
    moved = reschedule(april, at("08:30", date(2030, 3, 7)), at("11:30", date(2030, 3, 7)), person, now=NOW)
    assert (moved.price_cents, moved.monthly_pass) == (0, taken)


def test_a_second_pass_for_the_same_month_is_refused(desks, person, other_person):
    buy_pass(person, desks, MARCH, now=NOW)
    with translation.override("it"), pytest.raises(ValidationError) as refused:
        buy_pass(person, desks, date(2030, 3, 20), now=NOW)
    assert codes(refused.value) == {"month": ["pass_held"]}
    assert "marzo 2030" in refused.value.error_dict["month"][0].message
    buy_pass(other_person, desks, MARCH, now=NOW)  # someone else may
    buy_pass(person, desks, APRIL, now=NOW)  # and another month
    assert MonthlyPass.objects.filter(person=person).count() == 2


def test_a_stranger_is_refused_on_an_agreement_only_resource(place, person):
    reserved = make_resource(place, who_may_book=Resource.WhoMayBook.AGREEMENT, price_cents_per_month=9000)
    with pytest.raises(ValidationError) as refused:
        buy_pass(person, reserved, MARCH, now=NOW)
    assert codes(refused.value) == {"resource": ["who_may_book"]}
    assert not MonthlyPass.objects.exists()


def test_members_only_resources_refuse_others(place, person, organisation):
    members = make_resource(place, who_may_book=Resource.WhoMayBook.MEMBERS, price_cents_per_month=9000)
    members.organisations.add(organisation)
    with pytest.raises(ValidationError) as refused:
        buy_pass(person, members, MARCH, now=NOW)
    assert codes(refused.value) == {"resource": ["who_may_book"]}


@pytest.mark.parametrize(
    ("month", "rules", "expected"),
    [
        (date(2030, 2, 1), {}, {"month": ["pass_month"]}),  # ended
        (date(2030, 6, 1), {}, {"start": ["days_ahead"]}),  # beyond the 60 days ahead
        (MARCH, {"price_cents_per_month": None}, {"resource": ["no_pass"]}),
        (MARCH, {"is_active": False}, {"resource": ["inactive"]}),
    ],
)
def test_the_engines_refusals_apply_to_a_month(place, person, month, rules, expected):
    resource = make_resource(place, **{"max_days_ahead": 60, "price_cents_per_month": 18000, **rules})
    with pytest.raises(ValidationError) as refused:
        buy_pass(person, resource, month, now=NOW)
    assert codes(refused.value) == expected


def test_a_resource_closed_all_month_sells_no_pass_for_it(desks, person):
    Block.objects.create(
        resource=desks, start=datetime(2030, 3, 25, tzinfo=ROME), end=datetime(2030, 5, 2, tzinfo=ROME)
    )
    with pytest.raises(ValidationError) as refused:
        buy_pass(person, desks, APRIL, now=NOW)
    assert codes(refused.value) == {"month": ["block"]}
    buy_pass(person, desks, MARCH, now=NOW)  # closed for part of March only


def test_a_pass_is_cancelled_until_its_month_begins(desks, person):
    april = buy_pass(person, desks, APRIL, now=NOW)
    covered = reserve(person, desks, at("08:30", date(2030, 4, 2)), at("11:30", date(2030, 4, 2)), now=NOW)
    with pytest.raises(ValidationError) as refused:
        cancel_pass(april, now=NOW)
    assert codes(refused.value) == {"month": ["pass_used"]}
    cancel(covered, person, now=NOW)
    cancelled = cancel_pass(april, now=NOW)
    assert (cancelled.state, cancelled.cancelled_at) == ("cancelled", NOW)
    with pytest.raises(ValidationError):
        cancel_pass(cancelled, now=NOW)
    # Taken again after a cancellation; but March has begun: too late to cancel it.
    buy_pass(person, desks, APRIL, now=NOW)
    march = buy_pass(person, desks, MARCH, now=NOW)
    with pytest.raises(ValidationError) as refused:
        cancel_pass(march, now=NOW)
    assert codes(refused.value) == {"month": ["pass_month"]}


def test_a_persons_passes_are_in_their_data_export(desks, person):
    buy_pass(person, desks, APRIL, now=NOW)
    [row] = PASSES.export(person)
    assert (row["resource"], row["month"], row["price_eur"], row["state"]) == (
        "Desk room",
        "2030-04",
        "180.00",
        "Active",
    )
