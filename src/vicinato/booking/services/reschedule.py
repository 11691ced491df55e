"""Rescheduling a booking: another time (or desk) in place, the same id, code and calendar event."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    Reservation,
)
from ..permissions import Action, is_operator, require
from .common import BookingError, Refusal, S, _validation_error, _when, declare
from .passes import holding_pass
from .reservations import _check_locked, _record, price_cents
from .rules import Attempt
from .transitions import cancellation_deadline
from .waiting_list import offer_free_units

UNCHANGED = declare("unchanged", "a change of a booking to the time (and unit) it already has")


# --- changing a booking's time ---------------------------------------------------------------------------------
RESCHEDULABLE_STATES = (S.REQUESTED, S.CONFIRMED)


def _period_text(start: datetime, end: datetime) -> str:
    start, end = timezone.localtime(start), timezone.localtime(end)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"


def _change_note(before: Reservation, after: Reservation, reason: str) -> str:
    """'2026-12-04 09:00–11:00 → 2026-12-05 10:00–12:00 (A1 → A2)', then the reason: the event's note, and
    the change the mail tells (the same in both languages)."""
    note = f"{_period_text(before.start, before.end)} → {_period_text(after.start, after.end)}"
    if before.unit_id != after.unit_id:
        note += f" ({before.unit.name} → {after.unit.name})"
    elif after.unit_id:
        note += f" ({after.unit.name})"
    return f"{note}\n{reason}" if reason else note


def reschedule(
    reservation: Reservation,
    start: datetime,
    end: datetime,
    actor,
    unit: int | None = None,
    now: datetime | None = None,
    reason: str = "",
) -> Reservation:
    """Change the time of a booking (and, of a resource with named units, its unit) in place: the same id,
    check-in code and calendar event. Every rule of a new booking is checked again, not counting the booking
    itself; of named units it keeps its unit if that is free, else takes `unit` (if given) or any free one.

    The person may change their own requested or confirmed booking until the cancellation deadline; if the
    resource needs approval it waits for approval again. The place's staff may change it at any time (the
    rules and the capacity still hold) and it keeps its state. The units it frees go to the waiting list."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        # The reservation's row first, then the resource's, as `transition` takes them.
        before = (
            Reservation.objects.select_for_update(of=("self",))
            .select_related("resource__place__operator", "person", "unit")
            .get(pk=reservation.pk)
        )
        require(actor, Action.RESCHEDULE_RESERVATION, before)
        staff = is_operator(actor, before)
        if before.state not in RESCHEDULABLE_STATES:
            raise BookingError(
                _("A booking that is “%(state)s” cannot be changed; book a new time instead.")
                % {"state": before.get_state_display()}
            )
        if not staff:
            deadline = cancellation_deadline(before)
            if now > deadline:
                raise BookingError(
                    _("This booking could be changed until %(time)s; ask the place if you need another time.")
                    % {"time": _when(deadline)}
                )
        if (
            not timezone.is_naive(start)
            and not timezone.is_naive(end)
            and (start, end) == (before.start, before.end)
            and unit in (None, before.unit_id)
        ):
            raise _validation_error(
                [
                    Refusal(
                        UNCHANGED,
                        "start",
                        _("The booking is already at this time; choose another time or another unit."),
                    )
                ]
            )
        resource, held_unit = _check_locked(
            Attempt(before.person, before.resource, start, end, before.units, now, exclude=before.pk),
            unit=unit,
            prefer=before.unit_id,
        )
        after = Reservation.objects.select_related("resource__place", "person", "unit").get(pk=before.pk)
        after.resource = resource
        after.start, after.end, after.unit = start, end, held_unit
        after.monthly_pass = holding_pass(after.person, resource, start)
        after.price_cents = price_cents(resource, start, end, after.units, after.monthly_pass)
        if resource.requires_approval and not staff:
            after.state = S.REQUESTED
        after.save(update_fields=["start", "end", "unit", "price_cents", "monthly_pass", "state"])
        _record(after, "move", before.state, actor, now, _change_note(before, after, reason))
    if before.end > now:
        offer_free_units(resource, now)
    return after
