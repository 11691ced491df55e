"""A reservation's transitions (confirm, reject, cancel, check in...) and the check-in by code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vicinato.lib.transitions import StateMachine, Transition
from vicinato.register.models import Place

from ..models import (
    Reservation,
    checkin_signature,
)
from ..permissions import Action, require
from .common import REASON_REQUIRED, BookingError, S, _when, declare, duration_text
from .reservations import _record
from .waiting_list import offer_free_units

CHECKIN_CODE = declare("checkin_code", "a check-in code that is not valid (mistyped)")
CHECKIN_PLACE = declare("checkin_place", "a check-in code of a booking at another place")


# --- transitions of a reservation --------------------------------------------------------------------------------------
# Who may apply each transition of `Reservation.TRANSITIONS`; None: only the scheduled jobs.
TRANSITION_BY: dict[str, Action | None] = {
    "confirm": Action.DECIDE_RESERVATION,
    "reject": Action.DECIDE_RESERVATION,
    "cancel": Action.CANCEL_RESERVATION,
    "check_in": Action.CHECK_IN,
    "no_show": None,
    "complete": None,
}
FREES_UNITS = {S.REJECTED, S.CANCELLED, S.NO_SHOW}
MACHINE = StateMachine(
    {name: Transition(moves, TRANSITION_BY[name]) for name, moves in Reservation.TRANSITIONS.items()},
    lambda state: S(state).label,
    gettext_lazy("a reservation"),
    note_field="reason",
    conflict=BookingError,
)


def cancellation_deadline(reservation: Reservation) -> datetime:
    """The last moment the person may cancel or reschedule the booking themselves (in UTC: minutes that pass,
    also the night the clocks change)."""
    return reservation.start.astimezone(UTC) - timedelta(
        minutes=reservation.resource.cancellation_deadline_minutes
    )


def checkin_window(reservation: Reservation) -> tuple[datetime, datetime]:
    """When check-in opens and when it closes (after which the booking is released as a no-show)."""
    window, start = (
        timedelta(minutes=reservation.resource.checkin_window_minutes),
        reservation.start.astimezone(UTC),
    )
    return start - window, start + window


def _out_of_time(reservation: Reservation, action: str, actor, now: datetime) -> str | None:
    """Why the time refuses the transition now (the person's cancellation deadline, the check-in window)."""
    if action == "cancel" and (actor is None or reservation.person_id == actor.pk):
        deadline = cancellation_deadline(reservation)
        if now > deadline:
            return _("This booking could be cancelled until %(time)s; ask the place if you cannot come.") % {
                "time": _when(deadline)
            }
    elif action == "check_in":
        opens, closes = checkin_window(reservation)
        if now < opens:
            return _("Check-in opens at %(time)s, %(window)s before the start.") % {
                "time": _when(opens),
                "window": duration_text(reservation.resource.checkin_window_minutes),
            }
        if now > closes:
            return _("Check-in closed at %(time)s; the booking has been released.") % {"time": _when(closes)}
    return None


def _refuse_out_of_time(reservation: Reservation, action: str, actor, note: str, now: datetime) -> None:
    by_staff = actor is not None and reservation.person_id != actor.pk
    if not note and ((action == "cancel" and by_staff) or action == "reject"):
        message = (
            _("Write the reason for the person who booked.")
            if action == "cancel"
            else _("Write the reason for the person who asked.")
        )
        raise ValidationError({"reason": [ValidationError(message, code=REASON_REQUIRED)]})
    refusal = _out_of_time(reservation, action, actor, now)
    if refusal:
        raise BookingError(refusal)


def transition(
    reservation: Reservation, action: str, actor=None, note: str = "", now: datetime | None = None
) -> Reservation:
    """Apply one transition of `Reservation.TRANSITIONS`, record who/when/why, or refuse it with a clear error."""
    now = now or timezone.now()
    note = (note or "").strip()
    with transaction.atomic():
        reservation = (
            Reservation.objects.select_for_update()
            .select_related("resource__place__operator")
            .get(pk=reservation.pk)
        )
        _spec, target = MACHINE.check(
            action, reservation.state, note, actor=actor, require=lambda by: require(actor, by, reservation)
        )
        _refuse_out_of_time(reservation, action, actor, note, now)
        source = reservation.state
        reservation.state = target
        reservation.save(update_fields=["state"])
        _record(reservation, action, source, actor, now, note)
        if reservation.state in FREES_UNITS and reservation.end > now:
            offer_free_units(reservation.resource, now)
    return reservation


def cancel(reservation: Reservation, actor, reason: str = "", now: datetime | None = None) -> Reservation:
    """The person cancels before the resource's deadline; the place's staff at any time, with a reason."""
    return transition(reservation, "cancel", actor, reason, now)


def check_in(code: str, operator, now: datetime | None = None, place: Place | None = None) -> Reservation:
    """Check in the reservation whose code the person shows, within the check-in window; with `place`,
    only a booking at that place (the place's check-in desk)."""
    pk, _sep, signature = code.strip().upper().replace(" ", "").partition("-")
    reservation = None
    # ASCII digits only ("²".isdigit() is true), and no more than a database id holds.
    if (
        pk.isascii()
        and pk.isdigit()
        and len(pk) <= 18
        and constant_time_compare(signature, checkin_signature(int(pk)))
    ):
        reservation = Reservation.objects.select_related("resource__place").filter(pk=int(pk)).first()
    if reservation is None:
        raise ValidationError(
            {
                "code": [
                    ValidationError(
                        _("This check-in code is not valid; check it and type it again."), code=CHECKIN_CODE
                    )
                ]
            }
        )
    if place is not None and reservation.resource.place_id != place.pk:
        raise ValidationError(
            {
                "code": [
                    ValidationError(
                        _("This code is for a booking at another place; check it in there."),
                        code=CHECKIN_PLACE,
                    )
                ]
            }
        )
    require(operator, Action.CHECK_IN, reservation)
    _refuse_check_in_state(reservation)
    return transition(reservation, "check_in", operator, now=now)


def _refuse_check_in_state(reservation: Reservation) -> None:
    """Say plainly why a booking that is not confirmed cannot be checked in (the desk's usual cases)."""
    if reservation.state in (S.CHECKED_IN, S.COMPLETED):
        event = reservation.events.filter(action="check_in").last()
        raise BookingError(
            _("This booking was already checked in at %(time)s.")
            % {"time": _when(event.at if event else reservation.start)}
        )
    if reservation.state == S.REQUESTED:
        raise BookingError(_("This booking still waits for the place's approval; confirm it first."))
    if reservation.state in (S.CANCELLED, S.REJECTED, S.NO_SHOW):
        raise BookingError(
            _("This booking is “%(state)s”: there is nothing to check in; the person may book again.")
            % {"state": reservation.get_state_display()}
        )
