"""Blocks of one named unit (desk A2 is broken this week): only that unit is closed. Booking it is refused
saying until when and why, "any free" skips it, availability shows it taken, the bookings it holds then are
the affected ones (cancelled, or moved to other free desks), and lifting the block offers it to the waiting
list. The other desks stay bookable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vicinato.booking import services
from vicinato.booking.models import Block, Reservation, Resource, WaitingListEntry
from vicinato.booking.services import BookingError, availability, block_resource, reserve, units

from .conftest import NOW, TUESDAY, at, desk, make_resource

pytestmark = pytest.mark.django_db
S = Reservation.State
W = WaitingListEntry.State
JSON = "application/json"


@pytest.fixture
def broken(named, staff) -> Block:
    """A2 is closed from 10:00 to 12:00 on Tuesday."""
    block, _affected = block_resource(
        named, at("10:00"), at("12:00"), "Broken chair", staff, desk(named, "A2")
    )
    return block


def refusal(error: ValidationError) -> tuple[str, str]:
    [(field, [found])] = error.error_dict.items()
    return field, found.code


# --- booking ---------------------------------------------------------------------------------------------------
def test_booking_a_blocked_desk_names_it_the_reason_the_end_and_another_desk(broken, named, person):
    with pytest.raises(ValidationError) as caught:
        reserve(person, named, at("11:00"), at("12:00"), unit=desk(named, "A2").pk, now=NOW)
    assert refusal(caught.value) == ("unit", "unit_block")
    assert caught.value.messages == [
        "Desk A2 is closed until 2030-03-05 12:00 (Broken chair); choose desk A1 or any free desk."
    ]
    assert not Reservation.objects.exists()


def test_a_blocked_desk_with_no_other_free_says_so(broken, named, person, other_person, user_factory):
    reserve(other_person, named, at("10:00"), at("11:00"), unit=desk(named, "A1").pk, now=NOW)
    reserve(user_factory("carla"), named, at("10:00"), at("11:00"), now=NOW)
    with pytest.raises(ValidationError, match="no other desk is free; choose another time"):
        reserve(person, named, at("10:00"), at("11:00"), unit=desk(named, "A2").pk, now=NOW)


@pytest.mark.parametrize(("start", "end"), [("09:00", "10:00"), ("12:00", "13:00")])
def test_a_booking_may_end_when_the_block_starts_or_start_when_it_ends(broken, named, person, start, end):
    # With a cleaning buffer too: nobody uses a blocked desk, so the buffer may run into the block.
    Resource.objects.filter(pk=named.pk).update(buffer_minutes=15)
    named.refresh_from_db()
    booked = reserve(person, named, at(start), at(end), unit=desk(named, "A2").pk, now=NOW)
    assert booked.unit.name == "A2"


@pytest.mark.parametrize(("start", "end"), [("09:00", "10:30"), ("11:30", "12:30"), ("09:30", "13:00")])
def test_a_booking_meeting_the_block_at_all_is_refused(broken, named, person, start, end):
    with pytest.raises(ValidationError, match="Desk A2 is closed until"):
        reserve(person, named, at(start), at(end), unit=desk(named, "A2").pk, now=NOW)


def test_any_free_desk_skips_the_blocked_one(broken, named, person, other_person, user_factory):
    first = reserve(person, named, at("10:00"), at("11:00"), now=NOW)
    second = reserve(other_person, named, at("10:00"), at("11:00"), now=NOW)
    assert (first.unit.name, second.unit.name) == ("A1", "Window 3")
    with pytest.raises(BookingError, match="No desk is free"):
        reserve(user_factory("carla"), named, at("10:00"), at("11:00"), now=NOW)
    # Outside the block A2 is the second free one again.
    assert reserve(user_factory("dario"), named, at("09:00"), at("10:00"), now=NOW).unit.name == "A1"
    assert reserve(user_factory("elena"), named, at("09:00"), at("10:00"), now=NOW).unit.name == "A2"


def test_the_other_desks_and_the_resource_stay_bookable(broken, named, person):
    assert services.check_rules(person, named, at("10:00"), at("11:00"), now=NOW) == []
    assert services.free_units(named, at("10:00"), at("11:00"), NOW) == 2
    assert services.free_units(named, at("12:00"), at("13:00"), NOW) == 3


def test_a_block_of_a_whole_resource_still_closes_it(named, staff, person):
    block_resource(named, at("10:00"), at("12:00"), "Works", staff)
    refusals = services.check_rules(person, named, at("10:00"), at("11:00"), now=NOW)
    assert [r.rule for r in refusals] == ["block"]


def test_moving_a_booking_onto_the_blocked_desk_is_refused(broken, named, person):
    booked = reserve(person, named, at("09:00"), at("10:00"), unit=desk(named, "A2").pk, now=NOW)
    with pytest.raises(ValidationError, match="Desk A2 is closed until"):
        services.reschedule(booked, at("10:00"), at("11:00"), person, unit=desk(named, "A2").pk, now=NOW)


# --- availability ----------------------------------------------------------------------------------------------
def test_availability_shows_the_blocked_desk_taken_in_its_slots(broken, named, place):
    for target in (named, place):
        slots = {(s.resource_id, s.start): s for s in availability(target, TUESDAY, now=NOW)}
        inside, before, after = (slots[(named.pk, at(t))] for t in ("11:30", "09:30", "12:00"))
        assert (inside.free, [u.name for u in inside.units]) == (2, ["A1", "Window 3"])
        assert before.free == after.free == 3


def test_availability_costs_the_same_queries_with_unit_blocks(named, place, staff):
    def count(target) -> int:
        with CaptureQueriesContext(connection) as queries:
            availability(target, TUESDAY, days=7, now=NOW)
        return len(queries)

    before = (count(place), count(named))
    block_resource(named, at("10:00"), at("12:00"), "", staff, desk(named, "A2"))
    block_resource(named, at("14:00"), at("16:00"), "", staff, desk(named, "A1"))
    assert (count(place), count(named)) == before


# --- blocking: input, permissions, affected bookings ------------------------------------------------------------
def test_only_an_active_unit_of_the_resource_may_be_blocked(named, staff, place, admin):
    other = make_resource(place, name_it="Altra sala")
    units.add_units(other, admin, [("B1", "")], now=NOW)
    units.update_unit(desk(named, "Finestra 3"), admin, is_active=False, now=NOW)
    for wrong in (desk(other, "B1"), desk(named, "Finestra 3"), 999999):
        with pytest.raises(ValidationError) as caught:
            block_resource(named, at("10:00"), at("12:00"), "", staff, wrong)
        assert refusal(caught.value) == ("unit", "unit")
    assert not Block.objects.exists()


def test_only_the_place_staff_block_a_desk(named, person, outsider):
    for who in (person, outsider):
        with pytest.raises(PermissionDenied):
            block_resource(named, at("10:00"), at("12:00"), "", who, desk(named, "A2"))


def test_the_affected_bookings_are_those_of_the_desk_in_the_block(named, staff, person, other_person):
    on_a2 = reserve(person, named, at("10:00"), at("11:00"), unit=desk(named, "A2").pk, now=NOW)
    reserve(other_person, named, at("10:00"), at("11:00"), unit=desk(named, "A1").pk, now=NOW)  # other desk
    reserve(other_person, named, at("12:00"), at("13:00"), unit=desk(named, "A2").pk, now=NOW)  # after it
    block, affected = block_resource(named, at("10:00"), at("12:00"), "Broken", staff, desk(named, "A2"))
    assert affected == [on_a2] and list(services.bookings_in_block(block)) == [on_a2]
    cancelled, kept = services.cancel_affected(block, staff, "The desk is broken", now=NOW)
    assert (cancelled, kept) == ([on_a2], [])
    assert list(Reservation.objects.filter(state=S.CANCELLED)) == [on_a2]


def test_the_affected_bookings_move_to_other_free_desks(named, staff, person, other_person):
    on_a2 = reserve(person, named, at("10:00"), at("11:00"), unit=desk(named, "A2").pk, now=NOW)
    reserve(other_person, named, at("10:00"), at("11:00"), unit=desk(named, "A1").pk, now=NOW)
    later = reserve(other_person, named, at("12:00"), at("13:00"), unit=desk(named, "A2").pk, now=NOW)
    block, _affected = block_resource(named, at("10:00"), at("12:00"), "Broken", staff, desk(named, "A2"))
    moved = units.move_blocked_bookings(block, staff, now=NOW)
    on_a2.refresh_from_db()
    later.refresh_from_db()
    assert moved == [on_a2] and on_a2.unit.name == "Window 3" and on_a2.state == S.CONFIRMED
    assert later.unit.name == "A2"  # after the block: it stays
    assert on_a2.events.last().note == "A2 → Window 3"
    assert list(services.bookings_in_block(block)) == []


def test_a_move_is_all_or_none(named, staff, person, other_person, user_factory):
    early = reserve(person, named, at("09:00"), at("10:00"), unit=desk(named, "A2").pk, now=NOW)
    late = reserve(other_person, named, at("11:00"), at("12:00"), unit=desk(named, "A2").pk, now=NOW)
    for n, name in enumerate(("A1", "Finestra 3")):  # both other desks taken at 11:00
        reserve(user_factory(f"p{n}"), named, at("11:00"), at("12:00"), unit=desk(named, name).pk, now=NOW)
    block, affected = block_resource(named, at("09:00"), at("12:00"), "", staff, desk(named, "A2"))
    assert affected == [early, late]
    with pytest.raises(ValidationError, match="cannot all move"):
        units.move_blocked_bookings(block, staff, now=NOW)
    assert set(
        Reservation.objects.filter(pk__in=[early.pk, late.pk]).values_list("unit__name_it", flat=True)
    ) == {"A2"}


def test_a_move_does_not_land_on_another_blocked_desk(named, staff, person):
    on_a2 = reserve(person, named, at("10:00"), at("11:00"), unit=desk(named, "A2").pk, now=NOW)
    block_resource(named, at("08:30"), at("19:00"), "", staff, desk(named, "A1"))
    block, _affected = block_resource(named, at("10:00"), at("12:00"), "", staff, desk(named, "A2"))
    units.move_blocked_bookings(block, staff, now=NOW)
    on_a2.refresh_from_db()
    assert on_a2.unit.name == "Window 3"


def test_deactivating_a_desk_does_not_move_its_bookings_onto_a_blocked_one(named, staff, admin, person):
    on_a2 = reserve(person, named, at("10:00"), at("11:00"), unit=desk(named, "A2").pk, now=NOW)
    block_resource(named, at("08:30"), at("19:00"), "", staff, desk(named, "A1"))
    units.update_unit(desk(named, "A2"), admin, is_active=False, move_bookings=True, now=NOW)
    on_a2.refresh_from_db()
    assert on_a2.unit.name == "Window 3"


def test_only_blocks_of_a_unit_move_bookings_and_only_staff_move_them(named, staff, person):
    whole, _affected = block_resource(named, at("10:00"), at("12:00"), "", staff)
    with pytest.raises(ValidationError, match="closes the whole resource"):
        units.move_blocked_bookings(whole, staff, now=NOW)
    block, _affected = block_resource(named, at("13:00"), at("14:00"), "", staff, desk(named, "A2"))
    with pytest.raises(PermissionDenied):
        units.move_blocked_bookings(block, person, now=NOW)


# --- the waiting list ------------------------------------------------------------------------------------------
def test_lifting_the_block_offers_the_freed_desk_to_the_waiting_list(
    broken, named, staff, person, user_factory
):
    for n, name in enumerate(("A1", "Finestra 3")):
        reserve(user_factory(f"p{n}"), named, at("10:00"), at("11:00"), unit=desk(named, name).pk, now=NOW)
    entry = services.join_waiting_list(person, named, at("10:00"), at("11:00"), now=NOW)  # A2 is blocked
    assert services.offer_free_units(named, NOW) == []  # still blocked: nothing to offer
    offers = services.lift_block(broken, staff, now=NOW)
    entry.refresh_from_db()
    assert offers == [entry] and (entry.state, entry.unit.name) == (W.OFFERED, "A2")


def test_leaving_the_line_once_accepted_is_refused(named, person, user_factory):
    takers = [user_factory(f"taker{n}") for n in range(3)]
    taken = [reserve(taker, named, at("10:00"), at("11:00"), now=NOW) for taker in takers]
    entry = services.join_waiting_list(person, named, at("10:00"), at("11:00"), now=NOW)
    services.cancel(taken[0], takers[0], now=NOW)
    entry.refresh_from_db()
    services.accept_offer(entry, person, now=NOW)
    with pytest.raises(BookingError, match=r"no longer in line \(Accepted\); there is nothing to leave"):
        services.leave_waiting_list(entry, person, now=NOW)
    assert WaitingListEntry.objects.filter(pk=entry.pk, state=W.ACCEPTED).exists()


def test_booking_another_desk_during_a_unit_block_costs_no_more_queries(named, staff, person, other_person):
    def count(who, start) -> int:
        with CaptureQueriesContext(connection) as queries:
            reserve(who, named, at(start), at(start) + timedelta(hours=1), now=NOW)
        return len(queries)

    before = count(person, "15:00")
    block_resource(named, at("10:00"), at("12:00"), "", staff, desk(named, "A2"))
    assert count(other_person, "10:00") == before
