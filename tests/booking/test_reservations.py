"""Reserving, idempotency, the reservation's states and who may move them, check-in and no-shows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from vicinato.booking.models import Reservation, ReservationEvent
from vicinato.booking.services import (
    BookingError,
    cancel,
    check_in,
    complete_finished,
    release_no_shows,
    reserve,
    run_scheduled_jobs,
    transition,
)

from .conftest import NOW, at

pytestmark = pytest.mark.django_db
S = Reservation.State


def book(person, resource, start="09:00", end="10:00", **kwargs) -> Reservation:
    return reserve(person, resource, at(start), at(end), now=NOW, **kwargs)


def test_a_reservation_is_confirmed_priced_and_recorded(person, resource):
    resource.price_cents_per_slot = 250
    resource.save()
    reservation = book(person, resource, "09:00", "10:30", units=2)
    assert (reservation.state, reservation.units, reservation.price_cents) == (S.CONFIRMED, 2, 250 * 3 * 2)
    event = reservation.events.get()
    assert (event.action, event.from_state, event.to_state, event.actor) == (
        "create",
        "",
        S.CONFIRMED,
        person,
    )


def test_capacity_is_refused_with_409_error_when_full(person, other_person, resource):
    book(person, resource, units=2)
    with pytest.raises(BookingError, match="No unit of this resource is free at that time"):
        book(other_person, resource, "09:30", "10:30")
    # Back-to-back bookings share a unit.
    assert book(other_person, resource, "10:00", "11:00").state == S.CONFIRMED


def test_capacity_counts_units_held_at_the_same_time_not_all_overlaps(
    person, other_person, user_factory, resource
):
    book(person, resource, "09:00", "10:00")
    book(person, resource, "10:00", "11:00")
    assert book(other_person, resource, "09:00", "11:00").state == S.CONFIRMED
    with pytest.raises(BookingError, match="No unit"):
        book(user_factory("carla"), resource, "09:30", "10:30")


def test_asking_more_units_than_free_says_how_many_are(person, other_person, resource):
    book(person, resource)
    with pytest.raises(BookingError, match="Only 1 unit is free at that time"):
        book(other_person, resource, units=2)


def test_same_idempotency_key_gives_the_same_reservation(person, resource):
    first = book(person, resource, idempotency_key="k-1")
    again = book(person, resource, idempotency_key="k-1")
    assert again.pk == first.pk
    assert Reservation.objects.count() == 1


def test_an_idempotency_key_reused_for_another_booking_is_refused(person, resource):
    book(person, resource, idempotency_key="k-1")
    with pytest.raises(ValidationError) as refusal:
        book(person, resource, "11:00", "12:00", idempotency_key="k-1")
    assert "idempotency_key" in refusal.value.message_dict


def test_idempotency_keys_are_per_person(person, other_person, resource):
    book(person, resource, idempotency_key="k-1")
    book(other_person, resource, idempotency_key="k-1")
    assert Reservation.objects.count() == 2


def test_approval_flow(person, staff, resource):
    resource.requires_approval = True
    resource.save()
    reservation = book(person, resource)
    assert reservation.state == S.REQUESTED
    with pytest.raises(PermissionDenied):
        transition(reservation, "confirm", person, now=NOW)
    with pytest.raises(ValidationError):
        transition(reservation, "reject", staff, now=NOW)  # a rejection needs a reason
    assert transition(reservation, "confirm", staff, now=NOW).state == S.CONFIRMED
    assert list(reservation.events.values_list("action", "actor__username")) == [
        ("create", "ada"),
        ("confirm", "operator"),
    ]


def test_a_request_holds_its_units(person, other_person, single):
    single.requires_approval = True
    single.save()
    book(person, single)
    with pytest.raises(BookingError):
        book(other_person, single)


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (S.REQUESTED, "check_in"),
        (S.REQUESTED, "complete"),
        (S.CONFIRMED, "confirm"),
        (S.CONFIRMED, "complete"),
        (S.CANCELLED, "cancel"),
        (S.CANCELLED, "confirm"),
        (S.REJECTED, "confirm"),
        (S.CHECKED_IN, "cancel"),
        (S.CHECKED_IN, "no_show"),
        (S.NO_SHOW, "check_in"),
        (S.COMPLETED, "cancel"),
    ],
)
def test_refused_transitions(person, resource, state, action):
    reservation = book(person, resource)
    Reservation.objects.filter(pk=reservation.pk).update(state=state)
    actor = None if action in ("complete", "no_show") else person
    with pytest.raises((BookingError, PermissionDenied)):
        transition(reservation, action, actor, "reason", now=NOW)
    reservation.refresh_from_db()
    assert reservation.state == state
    assert ReservationEvent.objects.filter(reservation=reservation).count() == 1


def test_the_refusal_says_from_where_a_move_is_allowed(person, staff, resource):
    reservation = book(person, resource)
    cancel(reservation, person, now=NOW)
    with pytest.raises(
        BookingError,
        match="'check_in' is not possible for a reservation that is 'Cancelled'; it is possible from: Confirmed",
    ):
        transition(reservation, "check_in", staff, now=at("09:00"))


def test_unknown_actions_and_jobs_moves_by_people_are_refused(person, staff, resource):
    reservation = book(person, resource)
    with pytest.raises(BookingError, match="Unknown action"):
        transition(reservation, "teleport", staff, now=NOW)
    with pytest.raises(PermissionDenied):
        transition(reservation, "no_show", staff, now=at("10:00"))


# --- cancelling: who and until when ----------------------------------------------------------------------------
def test_people_cancel_their_own_until_the_deadline(person, resource):
    resource.cancellation_deadline_minutes = 120
    resource.save()
    reservation = book(person, resource)
    with pytest.raises(BookingError, match="could be cancelled until 2030-03-05 07:00"):
        cancel(reservation, person, now=at("07:01"))
    cancelled = cancel(reservation, person, now=at("07:00"))
    assert cancelled.state == S.CANCELLED
    assert cancelled.events.last().actor == person


def test_people_cannot_cancel_others_bookings(person, other_person, outsider, resource):
    reservation = book(person, resource)
    for intruder in (other_person, outsider):
        with pytest.raises(PermissionDenied):
            cancel(reservation, intruder, "because", now=NOW)
    assert Reservation.objects.get().state == S.CONFIRMED


def test_operators_cancel_with_a_reason_even_after_the_deadline(person, staff, resource):
    resource.cancellation_deadline_minutes = 24 * 60
    resource.save()
    reservation = book(person, resource)
    with pytest.raises(ValidationError) as refusal:
        cancel(reservation, staff, "  ", now=at("08:00"))
    assert "reason" in refusal.value.message_dict
    cancelled = cancel(reservation, staff, "Heating broken", now=at("08:00"))
    event = cancelled.events.last()
    assert (cancelled.state, event.actor, event.note) == (S.CANCELLED, staff, "Heating broken")


def test_cancelling_frees_the_unit(person, other_person, single):
    reservation = book(person, single)
    cancel(reservation, person, now=NOW)
    assert book(other_person, single).state == S.CONFIRMED


# --- check-in and no-shows -------------------------------------------------------------------------------------
def test_the_checkin_code_is_short_and_signed(person, resource):
    reservation = book(person, resource)
    code = reservation.checkin_code
    pk, signature = code.split("-")
    assert int(pk) == reservation.pk and len(signature) == 8 and signature.isalnum() and signature.isupper()
    forged = f"{pk}-{'A' * 8 if signature != 'A' * 8 else 'B' * 8}"
    with pytest.raises(ValidationError):
        check_in(forged, None)


def test_check_in_by_the_place_within_the_window(person, staff, outsider, resource):
    reservation = book(person, resource)  # 09:00, window 15 minutes
    with pytest.raises(BookingError, match="Check-in opens at 2030-03-05 08:45"):
        check_in(reservation.checkin_code, staff, now=at("08:44"))
    with pytest.raises(PermissionDenied):
        check_in(reservation.checkin_code, outsider, now=at("08:50"))
    with pytest.raises(PermissionDenied):
        check_in(reservation.checkin_code, person, now=at("08:50"))
    # Typed in lower case with spaces: still accepted.
    assert check_in(f" {reservation.checkin_code.lower()} ", staff, now=at("09:15")).state == S.CHECKED_IN


def test_check_in_after_the_window_is_refused(person, staff, resource):
    reservation = book(person, resource)
    with pytest.raises(BookingError, match="Check-in closed at 2030-03-05 09:15"):
        check_in(reservation.checkin_code, staff, now=at("09:16"))


def test_no_shows_are_released_after_the_window(person, other_person, staff, single):
    reservation = book(person, single)
    checked = book(other_person, single, "11:00", "12:00")
    check_in(checked.checkin_code, staff, now=at("11:00"))
    assert release_no_shows(at("09:15")) == 0
    assert release_no_shows(at("09:16")) == 1
    reservation.refresh_from_db()
    event = reservation.events.last()
    assert (reservation.state, event.action, event.actor) == (S.NO_SHOW, "no_show", None)
    assert release_no_shows(at("09:17")) == 0  # safe to run again
    # The released unit can be booked for the rest of the period.
    assert reserve(other_person, single, at("09:30"), at("10:30"), now=at("09:20")).state == S.CONFIRMED


def test_checked_in_bookings_complete_after_their_end(person, staff, resource):
    reservation = book(person, resource)
    check_in(reservation.checkin_code, staff, now=at("09:00"))
    assert complete_finished(at("09:59")) == 0
    assert run_scheduled_jobs(at("10:00")) == {
        "no_shows": 0,
        "completed": 1,
        "offers_expired": 0,
        "reminders": 0,
    }
    reservation.refresh_from_db()
    assert reservation.state == S.COMPLETED


def test_scheduled_jobs_do_not_touch_what_is_not_due(person, resource):
    reservation = book(person, resource)
    assert run_scheduled_jobs(NOW + timedelta(minutes=5)) == {
        "no_shows": 0,
        "completed": 0,
        "offers_expired": 0,
        "reminders": 0,
    }
    reservation.refresh_from_db()
    assert reservation.state == S.CONFIRMED


def test_scheduled_jobs_command_runs(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("booking-jobs", stdout=out)
    assert out.getvalue().strip().endswith(".") and "0 " in out.getvalue()
