"""Which named unit (desk A1, Window 3) a booking holds: the one asked for if free, else the first free one."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..models import (
    Block,
    Resource,
    Unit,
)
from .capacity import _free_of
from .common import BookingError, _when, declare

UNIT = declare(
    "unit", "a named unit that is not one of the resource's taking bookings, or asked for where it has none"
)
UNIT_BLOCK = declare(
    "unit_block", "the place's staff blocked the named unit asked for then (the message says until when)"
)


# --- named units -----------------------------------------------------------------------------------------------


def _desk_text(resource: Resource, desk: str, other: str) -> str:
    """The message about desks for a resource of desks, else the same about units of another kind."""
    return desk if resource.kind == Resource.Kind.DESK else other


def _choose_unit(
    resource: Resource,
    units: list[Unit],
    by_unit: dict,
    start: datetime,
    window_end: datetime,
    wanted: int | None,
    prefer: int | None = None,
) -> Unit:
    """The named unit a booking of [start, window_end) takes: `wanted` if it is free, else (None) `prefer`
    if it is free, else the first free one in the units' order; refused with the free ones to choose."""
    free = _free_of(units, by_unit, start, window_end)
    if wanted is not None:
        unit = next((u for u in units if u.pk == wanted), None)
        if unit is None:
            message = _desk_text(
                resource,
                _("This desk is not bookable here; choose one of %(names)s, or any free desk."),
                _("This unit is not bookable here; choose one of %(names)s, or any free unit."),
            )
            raise ValidationError(
                {"unit": [ValidationError(message % {"names": ", ".join(u.name for u in units)}, code=UNIT)]}
            )
        if unit in free:
            return unit
        others = [u for u in free if u.pk != wanted]
        _refuse_blocked_unit(resource, unit, start, window_end - resource.buffer, others)
        if others:
            raise BookingError(
                _desk_text(
                    resource,
                    _("Desk %(unit)s is taken at that time; choose desk %(other)s or any free desk."),
                    _("%(unit)s is taken at that time; choose %(other)s or any free unit."),
                )
                % {"unit": unit.name, "other": others[0].name}
            )
        raise BookingError(
            _desk_text(
                resource,
                _(
                    "Desk %(unit)s is taken at that time and no other desk is free; choose another time or "
                    "join the waiting list."
                ),
                _(
                    "%(unit)s is taken at that time and no other unit is free; choose another time or join "
                    "the waiting list."
                ),
            )
            % {"unit": unit.name}
        )
    preferred = next((u for u in free if u.pk == prefer), None)
    if preferred or free:
        return preferred or free[0]
    raise BookingError(
        _desk_text(
            resource,
            _("No desk is free for the whole period; choose another time or join the waiting list."),
            _("No unit is free for the whole period; choose another time or join the waiting list."),
        )
    )


def _refuse_blocked_unit(
    resource: Resource, unit: Unit, start: datetime, end: datetime, others: list[Unit]
) -> None:
    """Refuse a booking of [start, end) of a named unit that the place's staff blocked then, saying until
    when and why, and which other unit is free (read only on this refusal)."""
    block = Block.objects.filter(unit=unit, start__lt=end, end__gt=start).order_by("start").first()
    if block is None:
        return
    values = {
        "unit": unit.name,
        "end": _when(block.end),
        "reason": f" ({block.reason})" if block.reason else "",
        "other": others[0].name if others else "",
    }
    if others:
        message = _desk_text(
            resource,
            _("Desk %(unit)s is closed until %(end)s%(reason)s; choose desk %(other)s or any free desk."),
            _("%(unit)s is closed until %(end)s%(reason)s; choose %(other)s or any free unit."),
        )
    else:
        message = _desk_text(
            resource,
            _(
                "Desk %(unit)s is closed until %(end)s%(reason)s and no other desk is free; choose another "
                "time or join the waiting list."
            ),
            _(
                "%(unit)s is closed until %(end)s%(reason)s and no other unit is free; choose another time or "
                "join the waiting list."
            ),
        )
    raise ValidationError({"unit": [ValidationError(message % values, code=UNIT_BLOCK)]})
