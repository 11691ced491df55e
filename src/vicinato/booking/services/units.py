"""Named units of a resource (desks "A1", "Window 3"): adding, renaming, ordering and deactivating them, and
moving the bookings of a deactivated or blocked one to other free units.

Each change takes the resource's row lock, as bookings do, and keeps `Resource.capacity` equal to the number
of its active units; a unit that bookings ahead hold is not deactivated unless they move to other free ones."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import Block, Reservation, Resource, Unit, WaitingListEntry
from ..permissions import Action, require
from .blocks import peak_held_from
from .capacity import _unit_block_held, _unit_free, active_units
from .reservations import _record

NAME_LENGTH = Unit._meta.get_field("name_it").max_length


def _lock(resource: Resource) -> Resource:
    return Resource.objects.select_for_update(of=("self",)).select_related("place").get(pk=resource.pk)


def _sync_capacity(resource: Resource) -> None:
    """A resource with named units has as many units as it has active ones."""
    resource.capacity = max(1, resource.units.filter(is_active=True).count())
    resource.has_named_units = True
    resource.save(update_fields=["capacity", "has_named_units"])


def _ahead(resource: Resource, now: datetime) -> tuple[list[Reservation], list[WaitingListEntry]]:
    """The bookings and open waiting-list offers that hold the resource's units from `now` on (buffer
    included), by start."""
    since = now - resource.buffer
    reservations = list(
        Reservation.objects.holding().filter(resource=resource, end__gt=since).order_by("start", "pk")
    )
    offers = list(
        WaitingListEntry.objects.filter(
            resource=resource, state=WaitingListEntry.State.OFFERED, offer_expires_at__gt=now, end__gt=since
        ).order_by("start", "pk")
    )
    return reservations, offers


def _assign(holdings: list, units: list[Unit], taken: dict[int, list], buffer) -> dict[int, Unit] | None:
    """A unit for each holding (by start, the first free one in order, which is optimal for intervals), not
    meeting `taken` ((start, end + buffer) per unit id); None when one finds no free unit."""
    taken = defaultdict(list, {k: list(v) for k, v in taken.items()})
    chosen = {}
    for holding in sorted(holdings, key=lambda h: (h.start, h.pk)):
        window_end = holding.end + buffer
        unit = next((u for u in units if _unit_free(taken[u.pk], holding.start, window_end)), None)
        if unit is None:
            return None
        taken[unit.pk].append((holding.start, window_end))
        chosen[id(holding)] = unit
    return chosen


def _clean_name(name_it: str, name_en: str, resource: Resource, unit: Unit | None = None) -> dict:
    errors = {}
    if not name_it:
        errors["name_it"] = [_("Write the unit's name, e.g. A1 or Window 3.")]
    elif len(name_it) > NAME_LENGTH or len(name_en) > NAME_LENGTH:
        errors["name_it"] = [_("Write a name of at most %(length)d characters.") % {"length": NAME_LENGTH}]
    elif resource.units.filter(name_it__iexact=name_it).exclude(pk=getattr(unit, "pk", None)).exists():
        errors["name_it"] = [
            _("Another unit of this resource is called %(name)s; choose another name.") % {"name": name_it}
        ]
    return errors


def add_units(
    resource: Resource, actor, names: list[tuple[str, str]], now: datetime | None = None
) -> list[Unit]:
    """Add named units ((Italian, English) names, after the others in order); the first ones turn a resource
    of identical units into one of named units, and its bookings ahead each get one (refused when they hold
    more units at once than are named, or several units each)."""
    require(actor, Action.MANAGE_RESOURCES, resource)
    now = now or timezone.now()
    names = [(it.strip(), (en or "").strip()) for it, en in names if it.strip()]
    if not names:
        raise ValidationError({"names": [_("Write at least one name, one per line.")]})
    seen = set()
    for it, _en in names:
        if it.lower() in seen:
            raise ValidationError(
                {"names": [_("%(name)s is written twice; give each unit its own name.") % {"name": it}]}
            )
        seen.add(it.lower())
    with transaction.atomic():
        resource = _lock(resource)
        for it, en in names:
            if errors := _clean_name(it, en, resource):
                raise ValidationError({"names": errors["name_it"]})
        last = resource.units.aggregate(last=Max("order"))["last"]
        first = 1 if last is None else last + 1
        created = Unit.objects.bulk_create(
            [
                Unit(resource=resource, name_it=it, name_en=en, order=first + i)
                for i, (it, en) in enumerate(names)
            ]
        )
        if not resource.has_named_units:
            _name_bookings_ahead(resource, created, now)
        _sync_capacity(resource)
    return created


def _name_bookings_ahead(resource: Resource, units: list[Unit], now: datetime) -> None:
    reservations, offers = _ahead(resource, now)
    holdings = [*reservations, *offers]
    several = [h for h in holdings if h.units > 1]
    if several:
        raise ValidationError(
            {
                "names": [
                    ngettext(
                        "%(count)d booking ahead holds several units at once, but named units are booked "
                        "one at a time; cancel it, or name the units after it.",
                        "%(count)d bookings ahead hold several units at once, but named units are booked "
                        "one at a time; cancel them, or name the units after them.",
                        len(several),
                    )
                    % {"count": len(several)}
                ]
            }
        )
    chosen = _assign(holdings, units, {}, resource.buffer)
    if chosen is None:
        peak = peak_held_from(resource, now)
        raise ValidationError(
            {
                "names": [
                    ngettext(
                        "Bookings ahead hold %(peak)d unit at the same time; name at least %(peak)d.",
                        "Bookings ahead hold %(peak)d units at the same time; name at least %(peak)d.",
                        peak,
                    )
                    % {"peak": peak}
                ]
            }
        )
    for holding in holdings:
        type(holding).objects.filter(pk=holding.pk).update(unit=chosen[id(holding)])


def update_unit(
    unit: Unit,
    actor,
    *,
    name_it: str | None = None,
    name_en: str | None = None,
    order: int | None = None,
    is_active: bool | None = None,
    move_bookings: bool = False,
    now: datetime | None = None,
) -> tuple[Unit, list[Reservation]]:
    """Rename, reorder, deactivate or reactivate a unit (None: unchanged); gives back the unit and the bookings
    moved to other units. A unit that bookings ahead hold is deactivated only with `move_bookings`, when each
    of them finds another free unit (the first in order): else it is refused, saying how many and when."""
    require(actor, Action.MANAGE_RESOURCES, unit.resource)
    now = now or timezone.now()
    moved: list[Reservation] = []
    with transaction.atomic():
        resource = _lock(unit.resource)
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        if name_it is not None or name_en is not None:
            unit.name_it = (name_it if name_it is not None else unit.name_it).strip()
            unit.name_en = (name_en if name_en is not None else unit.name_en).strip()
            if errors := _clean_name(unit.name_it, unit.name_en, resource, unit):
                raise ValidationError(errors)
        if order is not None:
            if order < 0:
                raise ValidationError({"order": [_("Write 0 or a higher number.")]})
            unit.order = order
        if is_active is False and unit.is_active:
            moved = _before_deactivating(resource, unit, actor, move_bookings, now)
        if is_active is not None:
            unit.is_active = is_active
        unit.save()
        _sync_capacity(resource)
    return unit, moved


def _before_deactivating(
    resource: Resource, unit: Unit, actor, move: bool, now: datetime
) -> list[Reservation]:
    others = [u for u in active_units(resource) if u.pk != unit.pk]
    if not others:
        raise ValidationError(
            {"is_active": [_("This is the last unit taking bookings; stop the resource's bookings instead.")]}
        )
    reservations, offers = _ahead(resource, now)
    holdings = [h for h in (*reservations, *offers) if h.unit_id == unit.pk]
    if not holdings:
        return []
    first = date_format(timezone.localtime(holdings[0].start), "SHORT_DATETIME_FORMAT")
    if not move:
        raise ValidationError(
            {
                "is_active": [
                    ngettext(
                        "%(count)d booking ahead holds %(unit)s (on %(first)s); move it to another free unit, "
                        "or cancel it first.",
                        "%(count)d bookings ahead hold %(unit)s (the first on %(first)s); move them to other "
                        "free units, or cancel them first.",
                        len(holdings),
                    )
                    % {"count": len(holdings), "unit": unit.name, "first": first}
                ]
            }
        )
    return _move_off(resource, unit, holdings, others, reservations, offers, actor, now, "is_active")


def _move_off(
    resource: Resource,
    unit: Unit,
    holdings: list,
    others: list[Unit],
    reservations: list[Reservation],
    offers: list[WaitingListEntry],
    actor,
    now: datetime,
    field: str,
) -> list[Reservation]:
    """Move `holdings` (bookings and offers of `unit`) to the first of `others` free for each, not meeting
    the other `reservations` and `offers` ahead nor the blocks of the other units; all or none, refused on
    `field` when one finds no free unit. Gives back the bookings moved."""
    taken = defaultdict(list)
    for h in (*reservations, *offers):
        if h.unit_id != unit.pk and h.unit_id is not None:
            taken[h.unit_id].append((h.start, h.end + resource.buffer))
    for block in Block.objects.filter(unit__in=others, end__gt=now):
        taken[block.unit_id].append(_unit_block_held(block.start, block.end, resource.buffer))
    chosen = _assign(holdings, others, taken, resource.buffer)
    if chosen is None:
        raise ValidationError(
            {
                field: [
                    _(
                        "The bookings of %(unit)s cannot all move: other units are taken at the same times; "
                        "cancel some of them first."
                    )
                    % {"unit": unit.name}
                ]
            }
        )
    moved = []
    for holding in holdings:
        target = chosen[id(holding)]
        type(holding).objects.filter(pk=holding.pk).update(unit=target)
        if isinstance(holding, Reservation):
            holding.unit = target
            _record(holding, "move_unit", holding.state, actor, now, f"{unit.name} → {target.name}")
            moved.append(holding)
    return moved


def units_of(resource: Resource, with_inactive: bool = False):
    """The resource's named units in their order."""
    units = resource.units.order_by("order", "pk")
    return units if with_inactive else units.filter(is_active=True)


def move_blocked_bookings(block: Block, actor, now: datetime | None = None) -> list[Reservation]:
    """Move the bookings ahead that hold a blocked named unit during its block (and the open offers of it)
    to other free units, all or none (refused when one finds no free unit); gives back the bookings moved.
    Each person finds their new unit in the booking's history."""
    require(actor, Action.BLOCK_RESOURCE, block)
    now = now or timezone.now()
    if block.unit_id is None:
        raise ValidationError({"unit": [_("This block closes the whole resource: there is no other unit.")]})
    with transaction.atomic():
        resource = _lock(block.resource)
        unit = Unit.objects.get(pk=block.unit_id)
        reservations, offers = _ahead(resource, now)
        holdings = [
            h
            for h in (*reservations, *offers)
            if h.unit_id == unit.pk and h.start < block.end and h.end > block.start
        ]
        if not holdings:
            return []
        others = [u for u in active_units(resource) if u.pk != unit.pk]
        return _move_off(resource, unit, holdings, others, reservations, offers, actor, now, "unit")
