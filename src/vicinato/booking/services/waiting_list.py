"""Waiting lists: joining, offers of freed units held for a time, accepting and leaving."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import (
    Max,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import signals
from ..models import (
    Reservation,
    Resource,
    WaitingListEntry,
)
from ..permissions import Action, require
from .capacity import _booked, _free_of, active_units, free_units
from .common import BookingError, W, _validation_error
from .reservations import _reserve_locked
from .rules import Attempt, check_rules


# --- waiting list ----------------------------------------------------------------------------------------------
def join_waiting_list(
    person, resource: Resource, start: datetime, end: datetime, units: int = 1, now: datetime | None = None
) -> WaitingListEntry:
    """Queue for a period that is full; refused when the rules refuse it or when a unit is free."""
    now = now or timezone.now()
    with transaction.atomic():
        # Only the resource's row (see _LOCK_RESOURCE).
        resource = (
            Resource.objects.select_for_update(of=("self",)).select_related("place").get(pk=resource.pk)
        )
        refusals = check_rules(person, resource, start, end, units, now)
        if refusals:
            raise _validation_error(refusals)
        existing = WaitingListEntry.objects.filter(
            resource=resource, person=person, start=start, end=end, state__in=[W.WAITING, W.OFFERED]
        ).first()
        if existing:
            return existing
        if free_units(resource, start, end, now) >= units:
            raise BookingError(_("A unit is free at that time; book it instead of waiting."))
        last = WaitingListEntry.objects.filter(resource=resource).aggregate(last=Max("position"))["last"]
        return WaitingListEntry.objects.create(
            resource=resource, person=person, start=start, end=end, units=units, position=(last or 0) + 1
        )


def offer_free_units(resource: Resource, now: datetime) -> list[WaitingListEntry]:
    """Offer the units free now to the people waiting, first in line first; an offer holds its units
    for the resource's offer time."""
    offered = []
    with transaction.atomic():
        # Only the resource's row (see _LOCK_RESOURCE).
        resource = (
            Resource.objects.select_for_update(of=("self",)).select_related("place").get(pk=resource.pk)
        )
        waiting = WaitingListEntry.objects.filter(resource=resource, state=W.WAITING, end__gt=now)
        units = active_units(resource) if resource.has_named_units else []
        for entry in waiting.select_related("person").order_by("position"):
            # Only what the person could book now (not blocked, still ahead, within their limits).
            if check_rules(entry.person, resource, entry.start, entry.end, entry.units, now):
                continue
            if resource.has_named_units:
                # The offer holds one named unit: the first free one for the whole period.
                window_end = entry.end + resource.buffer
                by_unit = _booked(resource, entry.start, window_end, now).by_unit
                free = _free_of(units, by_unit, entry.start, window_end)
                if not free:
                    continue
                entry.unit = free[0]
            elif free_units(resource, entry.start, entry.end, now) < entry.units:
                continue
            entry.state = W.OFFERED
            entry.offer_expires_at = now + timedelta(minutes=resource.offer_minutes)
            entry.save(update_fields=["state", "offer_expires_at", "unit"])
            signals.offer_made.send(sender=WaitingListEntry, entry=entry)
            offered.append(entry)
    return offered


def accept_offer(entry: WaitingListEntry, person, now: datetime | None = None) -> Reservation:
    """Turn an open offer into a reservation (the rules are checked again)."""
    now = now or timezone.now()
    require(person, Action.ACCEPT_OFFER, entry)
    with transaction.atomic():
        Resource.objects.select_for_update().filter(pk=entry.resource_id).first()
        entry = WaitingListEntry.objects.select_for_update().select_related("resource").get(pk=entry.pk)
        if entry.state != W.OFFERED or entry.offer_expires_at <= now:
            raise BookingError(_("This offer is no longer open; join the waiting list again."))
        reservation = _reserve_locked(
            Attempt(entry.person, entry.resource, entry.start, entry.end, entry.units, now),
            exclude_offer=entry.pk,
            unit=entry.unit_id,
        )
        entry.state, entry.reservation = W.ACCEPTED, reservation
        entry.save(update_fields=["state", "reservation"])
    return reservation


def leave_waiting_list(entry: WaitingListEntry, person, now: datetime | None = None) -> None:
    """The person leaves the line; an open offer of theirs goes to the next in line. Refused once the entry
    is no longer in line (accepted or expired)."""
    now = now or timezone.now()
    require(person, Action.ACCEPT_OFFER, entry)
    with transaction.atomic():
        entry = WaitingListEntry.objects.select_for_update().select_related("resource").get(pk=entry.pk)
        if entry.state not in (W.WAITING, W.OFFERED):
            raise BookingError(
                _("This entry is no longer in line (%(state)s); there is nothing to leave.")
                % {"state": entry.get_state_display()}
            )
        was_offered = entry.state == W.OFFERED and entry.offer_expires_at > now
        entry.delete()
        if was_offered:
            offer_free_units(entry.resource, now)


def line_position(entry: WaitingListEntry) -> int:
    """1 for the first of those waiting for an overlapping period of the same resource."""
    return (
        WaitingListEntry.objects.filter(
            resource_id=entry.resource_id,
            state=W.WAITING,
            position__lte=entry.position,
            start__lt=entry.end,
            end__gt=entry.start,
        ).count()
        or 1
    )
