"""Named units (desks "A1", "Window 3"): a booking holds one, chosen or the first free one; never two bookings
on one unit at once; availability says which are free; the units are added, reordered and deactivated by the
place's administrators, with the capacity following the active ones."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.booking.test_api import URL, client_for
from vicinato.booking import services
from vicinato.booking.forms import ResourceForm
from vicinato.booking.models import Reservation, WaitingListEntry
from vicinato.booking.services import BookingError, availability, reserve, units

from .conftest import NOW, TUESDAY, at, desk, make_resource

pytestmark = pytest.mark.django_db
W = WaitingListEntry.State


# --- booking a unit --------------------------------------------------------------------------------------------
def test_the_capacity_is_the_number_of_active_named_units(named):
    assert (named.capacity, named.has_named_units) == (3, True)
    assert [u.name for u in services.active_units(named)] == ["A1", "A2", "Window 3"]


def test_any_free_unit_is_the_first_free_one_in_order(named, person, other_person):
    first = reserve(person, named, at("09:00"), at("10:00"), now=NOW)
    second = reserve(other_person, named, at("09:00"), at("10:00"), now=NOW)
    assert (first.unit.name, second.unit.name) == ("A1", "A2")
    # The order decides, not the creation.
    units.update_unit(desk(named, "Finestra 3"), named.place.operator.memberships.get().user, order=0)
    third = reserve(person, named, at("11:00"), at("12:00"), now=NOW)
    assert third.unit.name_it == "Finestra 3"


def test_a_chosen_unit_that_is_taken_is_refused_with_another_to_choose(named, person, other_person):
    a1 = desk(named, "A1")
    reserve(person, named, at("09:00"), at("10:00"), unit=a1.pk, now=NOW)
    with pytest.raises(BookingError) as refusal:
        reserve(other_person, named, at("09:30"), at("10:30"), unit=a1.pk, now=NOW)
    assert str(refusal.value) == "Desk A1 is taken at that time; choose desk A2 or any free desk."
    # Back to back shares the unit; the chosen free one is taken even when an earlier one is free.
    assert reserve(other_person, named, at("10:00"), at("11:00"), unit=a1.pk, now=NOW).unit_id == a1.pk
    window = desk(named, "Finestra 3")
    assert (
        reserve(other_person, named, at("09:00"), at("10:00"), unit=window.pk, now=NOW).unit_id == window.pk
    )


def test_the_buffer_keeps_a_unit_taken_after_a_booking(named, person, other_person):
    named.buffer_minutes = 30
    named.save()
    a1 = desk(named, "A1")
    reserve(person, named, at("09:00"), at("10:00"), unit=a1.pk, now=NOW)
    with pytest.raises(BookingError, match="Desk A1 is taken"):
        reserve(other_person, named, at("10:00"), at("11:00"), unit=a1.pk, now=NOW)
    assert reserve(other_person, named, at("10:30"), at("11:30"), unit=a1.pk, now=NOW).unit_id == a1.pk


def test_when_every_unit_is_taken_the_refusal_says_so(named, user_factory):
    for n in range(3):
        reserve(user_factory(f"p{n}"), named, at("09:00"), at("10:00"), now=NOW)
    late = user_factory("late")
    with pytest.raises(BookingError, match="^No desk is free for the whole period"):
        reserve(late, named, at("09:00"), at("10:00"), now=NOW)
    with pytest.raises(BookingError, match="^Desk A2 is taken at that time and no other desk is free"):
        reserve(late, named, at("09:00"), at("10:00"), unit=desk(named, "A2").pk, now=NOW)


def test_named_units_are_booked_one_at_a_time(named, person):
    with pytest.raises(ValidationError) as refusal:
        reserve(person, named, at("09:00"), at("10:00"), units=2, now=NOW)
    assert refusal.value.message_dict == {
        "units": ["Desks are booked one at a time: book 1, choosing a desk or any free desk."]
    }


def test_a_unit_of_another_resource_or_an_inactive_one_is_refused(named, place, admin, person):
    other = make_resource(place, name_it="Altra sala")
    [elsewhere] = units.add_units(other, admin, [("B1", "")], now=NOW)
    units.add_units(named, admin, [("A4", "")], now=NOW)
    units.update_unit(desk(named, "A4"), admin, is_active=False, now=NOW)
    for wrong in (elsewhere.pk, desk(named, "A4").pk):
        with pytest.raises(ValidationError) as refusal:
            reserve(person, named, at("09:00"), at("10:00"), unit=wrong, now=NOW)
        assert refusal.value.message_dict == {
            "unit": ["This desk is not bookable here; choose one of A1, A2, Window 3, or any free desk."]
        }


def test_a_unit_for_a_resource_of_identical_units_is_refused(resource, single, person, admin):
    [b1] = units.add_units(single, admin, [("B1", "")], now=NOW)
    with pytest.raises(ValidationError) as refusal:
        reserve(person, resource, at("09:00"), at("10:00"), unit=b1.pk, now=NOW)
    assert "unit" in refusal.value.message_dict


# --- availability ----------------------------------------------------------------------------------------------
def test_availability_names_the_units_free_for_each_slot(named, person, place):
    reserve(person, named, at("09:00"), at("10:00"), now=NOW)  # A1
    slots = {s.start: s for s in availability(named, TUESDAY, now=NOW)}
    assert [u.name for u in slots[at("09:30")].units] == ["A2", "Window 3"]
    assert slots[at("09:30")].free == 2 and slots[at("10:00")].free == 3
    by_place = {(s.resource_id, s.start): s for s in availability(place, TUESDAY, now=NOW)}
    assert [u.name for u in by_place[(named.pk, at("09:00"))].units] == ["A2", "Window 3"]


def test_availability_of_identical_units_gives_no_names(resource):
    assert {s.units for s in availability(resource, TUESDAY, now=NOW)} == {None}


def test_availability_costs_the_same_queries_for_more_bookings_and_units(named, place, admin, user_factory):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            availability(place, TUESDAY, days=7, now=NOW)
        return len(queries)

    few = count()
    units.add_units(named, admin, [(f"C{n}", "") for n in range(5)], now=NOW)
    for n, start in enumerate(("09:00", "11:00", "14:00")):
        reserve(user_factory(f"p{n}"), named, at(start), at(start) + timedelta(hours=2), now=NOW)
    assert count() == few


# --- series and waiting list -----------------------------------------------------------------------------------
def _tuesdays_nine_to_ten(person, resource, last_day, **options):
    """A series of `resource` from 09:00 to 10:00 every Tuesday from TUESDAY to `last_day`."""
    return services.create_series(
        person,
        resource,
        [TUESDAY.weekday()],
        at("09:00").time(),
        at("10:00").time(),
        TUESDAY,
        last_day,
        NOW,
        **options,
    )


def test_a_series_keeps_the_desk_free_on_most_dates(named, person, other_person):
    week = timedelta(days=7)
    # A1 is taken on the second Tuesday: the series takes A2, free on every date.
    reserve(other_person, named, at("09:00", TUESDAY + week), at("10:00", TUESDAY + week), now=NOW)
    result = _tuesdays_nine_to_ten(person, named, TUESDAY + week)
    assert [r.unit.name for r in result.reservations] == ["A2", "A2"] and not result.conflicts


def test_a_series_on_a_chosen_desk_reports_the_dates_it_is_taken(named, person, other_person):
    named.max_days_ahead = 30
    named.save()
    week = timedelta(days=7)
    a1 = desk(named, "A1")
    reserve(
        other_person, named, at("09:00", TUESDAY + week), at("10:00", TUESDAY + week), unit=a1.pk, now=NOW
    )
    result = _tuesdays_nine_to_ten(person, named, TUESDAY + 2 * week, unit=a1.pk)
    assert [r.unit_id for r in result.reservations] == [a1.pk, a1.pk]
    [(day, reason)] = result.conflicts
    assert (
        day == TUESDAY + week and reason == "Desk A1 is taken at that time; choose desk A2 or any free desk."
    )


def test_a_waiting_list_offer_holds_a_desk_and_accepting_takes_it(named, person, user_factory):
    holders = [reserve(user_factory(f"p{n}"), named, at("09:00"), at("10:00"), now=NOW) for n in range(3)]
    entry = services.join_waiting_list(person, named, at("09:00"), at("10:00"), now=NOW)
    services.cancel(holders[1], holders[1].person, now=NOW)  # A2 frees up
    entry.refresh_from_db()
    assert (entry.state, entry.unit.name) == (W.OFFERED, "A2")
    offered = client_for(person).get(f"{URL}/waiting-list/{entry.pk}").json()
    assert (offered["unit"], offered["unit_name"]) == (entry.unit_id, "A2")
    # The offer holds A2: nobody else takes it meanwhile.
    with pytest.raises(BookingError, match="No desk is free"):
        reserve(user_factory("latecomer"), named, at("09:00"), at("10:00"), now=NOW)
    reservation = services.accept_offer(entry, person, now=NOW)
    assert reservation.unit.name == "A2"


# --- managing units --------------------------------------------------------------------------------------------
def test_naming_the_units_gives_each_booking_ahead_one(resource, admin, person, other_person):
    first = reserve(person, resource, at("09:00"), at("10:00"), now=NOW)
    second = reserve(other_person, resource, at("09:30"), at("11:00"), now=NOW)
    with pytest.raises(ValidationError) as refusal:
        units.add_units(resource, admin, [("A1", "")], now=NOW)
    assert refusal.value.message_dict == {
        "names": ["Bookings ahead hold 2 units at the same time; name at least 2."]
    }
    resource.refresh_from_db()
    assert (resource.capacity, resource.has_named_units, resource.units.count()) == (2, False, 0)
    units.add_units(resource, admin, [("A1", ""), ("A2", "")], now=NOW)
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.unit.name, second.unit.name) == ("A1", "A2")


def test_names_must_differ(named, admin):
    with pytest.raises(ValidationError) as refusal:
        units.add_units(named, admin, [("a1", "")], now=NOW)
    assert refusal.value.message_dict == {
        "names": ["Another unit of this resource is called a1; choose another name."]
    }
    with pytest.raises(ValidationError, match="written twice"):
        units.add_units(named, admin, [("Z", ""), ("z", "")], now=NOW)
    with pytest.raises(ValidationError) as refusal:
        units.update_unit(desk(named, "A2"), admin, name_it="A1", now=NOW)
    assert "name_it" in refusal.value.message_dict


def test_a_unit_with_bookings_ahead_is_deactivated_only_moving_them(named, admin, person, other_person):
    a1, a2 = desk(named, "A1"), desk(named, "A2")
    mine = reserve(person, named, at("09:00"), at("10:00"), unit=a1.pk, now=NOW)
    reserve(person, named, at("14:00"), at("15:00"), unit=a1.pk, now=NOW)
    reserve(other_person, named, at("09:00"), at("10:00"), unit=a2.pk, now=NOW)
    with pytest.raises(ValidationError) as refusal:
        units.update_unit(a1, admin, is_active=False, now=NOW)
    [message] = refusal.value.message_dict["is_active"]
    assert message.startswith("2 bookings ahead hold A1 (the first on ") and "move them" in message
    named.refresh_from_db()
    assert named.capacity == 3
    unit, moved = units.update_unit(a1, admin, is_active=False, move_bookings=True, now=NOW)
    assert not unit.is_active and len(moved) == 2
    mine.refresh_from_db()
    assert mine.unit.name == "Window 3"  # A2 is taken at 09:00
    assert mine.events.last().note == "A1 → Window 3"
    named.refresh_from_db()
    assert named.capacity == 2
    # Past bookings do not count: a unit with only past ones is deactivated at once.
    later = NOW + timedelta(days=30)
    units.update_unit(a1, admin, is_active=True, now=NOW)
    assert units.update_unit(desk(named, "A2"), admin, is_active=False, now=later)[1] == []


def test_moving_is_refused_when_the_other_units_are_taken(named, admin, user_factory):
    for n in range(3):
        reserve(user_factory(f"p{n}"), named, at("09:00"), at("10:00"), now=NOW)
    with pytest.raises(ValidationError, match="cannot all move"):
        units.update_unit(desk(named, "A1"), admin, is_active=False, move_bookings=True, now=NOW)
    assert Reservation.objects.filter(unit__name_it="A1").count() == 1


def test_the_last_active_unit_stays(resource, admin):
    [only] = units.add_units(resource, admin, [("A1", "")], now=NOW)
    with pytest.raises(ValidationError, match="last unit taking bookings"):
        units.update_unit(only, admin, is_active=False, now=NOW)


def test_the_capacity_of_named_units_is_not_edited_by_hand(named, admin):
    form = ResourceForm(
        {**{f: getattr(named, f) for f in ResourceForm._meta.fields if f != "organisations"}, "capacity": 7},
        instance=named,
    )
    assert not form.is_valid()
    assert form.errors["capacity"] == [
        "This resource has 3 named units taking bookings, and that is its capacity; add or deactivate named "
        "units to change it."
    ]


def test_only_the_places_administrators_manage_units(resource, admin, staff, outsider, person):
    for who in (staff, outsider, person):
        with pytest.raises(PermissionDenied):
            units.add_units(resource, who, [("A1", "")], now=NOW)
    [a1] = units.add_units(resource, admin, [("A1", "")], now=NOW)
    for who in (staff, outsider, person):
        with pytest.raises(PermissionDenied):
            units.update_unit(a1, who, name_it="Z", now=NOW)
