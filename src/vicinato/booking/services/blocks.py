"""The place's staff block a resource or one desk, and what happens to the bookings it covers."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vicinato.lib.errors import Conflict

from ..models import (
    Block,
    Reservation,
    Resource,
    Unit,
    WaitingListEntry,
)
from ..permissions import Action, require
from .capacity import _peak
from .common import _refusal_text, reason_required
from .transitions import cancel
from .unit_choice import UNIT
from .waiting_list import offer_free_units


# --- blocks ----------------------------------------------------------------------------------------------------
def block_resource(
    resource: Resource,
    start: datetime,
    end: datetime,
    reason_it: str,
    actor,
    unit: Unit | int | None = None,
    reason_en: str = "",
) -> tuple[Block, list[Reservation]]:
    """Close a resource for a period, or only one of its active named units (`unit`, or its id); gives back
    the bookings in it, which the operator decides about (cancel them, or move them to other free units).
    The reason is shown to people in their language (`reason_it`, `reason_en`), or in the other one when
    only that was written."""
    require(actor, Action.BLOCK_RESOURCE, resource)
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValidationError(
            {
                "start": [
                    ValidationError(
                        _("Give the times with their offset, e.g. 2025-03-04T09:00+01:00."), code="time_zone"
                    )
                ]
            }
        )
    if end <= start:
        raise ValidationError(
            {
                "end": [
                    ValidationError(_("The end must come after the start; choose a later end."), code="order")
                ]
            }
        )
    if unit is not None:
        unit_id = unit.pk if isinstance(unit, Unit) else unit
        unit = resource.units.filter(pk=unit_id, is_active=True).first()
        if unit is None:
            raise ValidationError(
                {
                    "unit": [
                        ValidationError(
                            _(
                                "Choose one of the resource's named units that take bookings, or none to "
                                "close the whole resource."
                            ),
                            code=UNIT,
                        )
                    ]
                }
            )
    block = Block.objects.create(
        resource=resource,
        unit=unit,
        start=start,
        end=end,
        reason_it=(reason_it or "").strip(),
        reason_en=(reason_en or "").strip(),
        created_by=actor,
    )
    return block, list(bookings_in_block(block))


def bookings_in_block(block: Block):
    """The bookings that still hold units of the block's resource (of its unit, if it has one) during the
    block."""
    bookings = (
        Reservation.objects.holding()
        .filter(resource_id=block.resource_id)
        .overlapping(block.start, block.end)
        .select_related("person", "resource__place", "unit")
    )
    return bookings.filter(unit_id=block.unit_id) if block.unit_id else bookings


def cancel_affected(
    block: Block, actor, reason: str, now: datetime | None = None
) -> tuple[list[Reservation], list[tuple[Reservation, str]]]:
    """Cancel the bookings a block covers, telling each person `reason`; gives back the cancelled ones
    and those kept, with why (e.g. already checked in)."""
    require(actor, Action.BLOCK_RESOURCE, block)
    if not (reason or "").strip():
        raise ValidationError({"reason": [reason_required()]})
    cancelled, kept = [], []
    for reservation in bookings_in_block(block):
        try:
            cancelled.append(cancel(reservation, actor, reason, now))
        except (ValidationError, Conflict) as error:
            kept.append((reservation, _refusal_text(error)))
    return cancelled, kept


def peak_held_from(resource: Resource, since: datetime) -> int:
    """The most units of the resource held at once by bookings from `since` on (buffers included)."""
    rows = Reservation.objects.holding().filter(resource=resource, end__gt=since - resource.buffer)
    intervals = [(s, e + resource.buffer, units) for s, e, units in rows.values_list("start", "end", "units")]
    if not intervals:
        return 0
    return _peak(intervals, since, max(e for _s, e, _u in intervals))


def lift_block(block: Block, actor, now: datetime | None = None) -> list[WaitingListEntry]:
    """Reopen the period of a block; the people waiting for it get offers."""
    require(actor, Action.BLOCK_RESOURCE, block)
    with transaction.atomic():
        block.delete()
        return offer_free_units(block.resource, now or timezone.now())
