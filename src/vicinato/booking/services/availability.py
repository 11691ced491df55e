"""Free units per slot, what a calendar offers a person, and the day plan of a place."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Value
from django.utils import timezone

from vicinato.lib.prepared import Param, Prepared
from vicinato.register.models import Closure, OpeningHours, Place

from ..models import Block, Reservation, Resource, Unit, WaitingListEntry
from ..permissions import Action, require
from .capacity import _ACTIVE_UNITS, _UNIT_FIELDS, _Booked, _free_of, _peak, _unit_block_held
from .common import _DATE, _DATETIME, _INT, _RESOURCE_FIELDS, Refusal, S, W, _local_midnight
from .rules import _days_ahead_refusals, _Interval, _limit_refusals, _own_overlap_refusals


# --- availability ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Slot:
    resource_id: int
    start: datetime
    end: datetime
    free: int
    units: tuple[Unit, ...] | None = None  # of a resource with named units: those free for the whole slot
    refusal: Refusal | None = None  # of `offered_slots`: the rule that keeps the person from booking it


_HELD, _BLOCK = 1, 2  # the kinds of rows of the availability query


def _availability_query(of_place: bool):
    """The reservations and offers holding units in [since, until), and the blocks meeting [period_start,
    period_end), of the resources of a place (`of_place`) or of one resource: (kind, resource, start, end,
    units, named unit) rows (the named unit of a block: None when it closes the whole resource)."""
    if of_place:
        which = {"resource_id__in": Resource.objects.filter(place_id=Param("place", _INT)).values("pk")}
    else:
        which = {"resource_id": Param("resource", _INT)}
    since, until, kind = Param("since", _DATETIME), Param("until", _DATETIME), Value(_HELD, _INT)
    columns = ("kind", "resource_id", "start", "end", "units", "unit_id")
    reservations = Reservation.objects.filter(
        state__in=Reservation.HOLDING_STATES, start__lt=until, end__gt=since, **which
    ).annotate(kind=kind)
    offers = WaitingListEntry.objects.filter(
        state=W.OFFERED, offer_expires_at__gt=Param("now", _DATETIME), start__lt=until, end__gt=since, **which
    ).annotate(kind=kind)
    blocks = Block.objects.filter(
        start__lt=Param("period_end", _DATETIME), end__gt=Param("period_start", _DATETIME), **which
    ).annotate(kind=Value(_BLOCK, _INT), units=Value(0, _INT))
    return (
        reservations.order_by()
        .values_list(*columns)
        .union(offers.order_by().values_list(*columns), blocks.order_by().values_list(*columns), all=True)
    )


_AVAILABILITY = {
    of_place: Prepared(lambda of_place=of_place: _availability_query(of_place)) for of_place in (False, True)
}
_ACTIVE_RESOURCES = Prepared(
    lambda: Resource.objects.filter(place_id=Param("place", _INT), is_active=True).values_list(
        *_RESOURCE_FIELDS
    )
)
_HOURS = Prepared(
    lambda: (
        OpeningHours.objects.filter(place_id=Param("place", _INT))
        .order_by("opens", "pk")
        .values_list("weekday", "opens", "closes")
    )
)
_CLOSURES = Prepared(
    lambda: Closure.objects.filter(
        place_id=Param("place", _INT),
        start_date__lt=Param("after", _DATE),
        end_date__gte=Param("first", _DATE),
    ).values_list("start_date", "end_date")
)


def availability(
    target: Resource | Place, first_day: date, days: int = 1, now: datetime | None = None
) -> list[Slot]:
    """Free units per slot of a resource, or of every active resource of a place, for `days` from `first_day`;
    of a resource with named units, also which are free for the whole slot.

    A fixed number of queries whatever the number of slots and resources: the resources (of a place), the
    opening hours, the closures, the reservations, offers and blocks together, and the named units when a
    resource has them."""
    now = now or timezone.now()
    if isinstance(target, Place):
        place_id = target.pk
        resources = [
            Resource.from_db(DEFAULT_DB_ALIAS, _RESOURCE_FIELDS, row)
            for row in _ACTIVE_RESOURCES.rows(place=place_id)
        ]
    else:
        place_id, resources = target.place_id, [target]
    period_start, period_end = _local_midnight(first_day), _local_midnight(first_day + timedelta(days=days))
    hours: dict[int, list[_Interval]] = defaultdict(list)
    for weekday, opens, closes in _HOURS.rows(place=place_id):
        hours[weekday].append(_Interval(opens, closes))
    closed = set()
    for start_date, end_date in _CLOSURES.rows(
        place=place_id, after=first_day + timedelta(days=days), first=first_day
    ):
        closed |= {start_date + timedelta(days=d) for d in range((end_date - start_date).days + 1)}
    margin = max((r.buffer for r in resources), default=timedelta(0))
    values = {
        "since": period_start - margin,
        "until": period_end + margin,
        "now": now,
        "period_start": period_start,
        "period_end": period_end,
    }
    if isinstance(target, Place):
        rows = _AVAILABILITY[True].rows(place=place_id, **values)
    else:
        rows = _AVAILABILITY[False].rows(resource=target.pk, **values)
    held: dict[int, list[tuple[datetime, datetime, int]]] = defaultdict(list)
    blocks: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)  # of whole resources
    by_unit: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)  # (start, end) per named unit
    unit_blocks: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for kind, resource_id, s, e, units, unit in rows:
        if kind == _HELD:
            held[resource_id].append((s, e, units))
            if unit is not None:
                by_unit[unit].append((s, e))
        elif unit is not None:
            unit_blocks[unit].append((s, e))
        else:
            blocks[resource_id].append((s, e))
    named: dict[int, list[Unit]] = defaultdict(list)
    if any(r.has_named_units for r in resources):
        query, key = (
            (_ACTIVE_UNITS[True], "place")
            if isinstance(target, Place)
            else (_ACTIVE_UNITS[False], "resource")
        )
        for row in query.rows(**{key: target.pk}):
            unit = Unit.from_db(DEFAULT_DB_ALIAS, _UNIT_FIELDS, row)
            named[unit.resource_id].append(unit)

    slots = []
    tz = timezone.get_current_timezone()
    for resource in resources:
        step = timedelta(minutes=resource.slot_minutes)
        intervals = [(s, e + resource.buffer, units) for s, e, units in held[resource.pk]]
        units_here = named[resource.pk] if resource.has_named_units else None
        unit_held = {
            u.pk: [(s, e + resource.buffer) for s, e in by_unit[u.pk]]
            + [_unit_block_held(s, e, resource.buffer) for s, e in unit_blocks[u.pk]]
            for u in units_here or ()
        }
        for offset in range(days):
            day = first_day + timedelta(days=offset)
            if day in closed:
                continue
            for h in hours[day.weekday()]:
                slot_start = datetime.combine(day, h.opens, tzinfo=tz)
                closes = datetime.combine(day, h.closes, tzinfo=tz)
                while slot_start + step <= closes:
                    slot_end = slot_start + step
                    free_named = None
                    if any(s < slot_end and e > slot_start for s, e in blocks[resource.pk]):
                        free = 0
                        free_named = () if units_here is not None else None
                    elif units_here is not None:
                        free_named = tuple(
                            _free_of(units_here, unit_held, slot_start, slot_end + resource.buffer)
                        )
                        free = len(free_named)
                    else:
                        free = resource.capacity - _peak(intervals, slot_start, slot_end + resource.buffer)
                    slots.append(Slot(resource.pk, slot_start, slot_end, max(free, 0), free_named))
                    slot_start = slot_end
    return slots


_PERSON_AT_PLACE = Prepared(
    lambda: (
        Reservation.objects.filter(
            person_id=Param("person", _INT),
            resource__place_id=Param("place", _INT),
            start__gte=Param("since", _DATETIME),
            start__lt=Param("until", _DATETIME),
        )
        .exclude(state__in=[S.CANCELLED, S.REJECTED])
        .values_list("resource_id", "state", "start", "end")
    )
)


def offered_slots(resource: Resource, day: date, person=None, now: datetime | None = None) -> list[Slot]:
    """The slots of a resource on a day that a calendar offers, each with the rule that would refuse it.

    Only slots that may still be booked: not begun, and with the resource's notice. Each carries in `refusal`
    the rule that would refuse a booking of it whoever books (too many days ahead), or, for a signed-in
    `person`, their own rules: their limits a day and a week at the place, a booking of theirs of the
    resource at the same time. A calendar then never offers a slot that the booking refuses."""
    now = now or timezone.now()
    earliest = now + timedelta(minutes=resource.min_notice_minutes)
    slots = [s for s in availability(resource, day, now=now) if s.start >= earliest]
    refusals = _days_ahead_refusals(resource, day, now)
    own: list[tuple[datetime, datetime]] = []
    if person is not None and person.is_authenticated and slots and not refusals:
        week_start = _local_midnight(day - timedelta(days=day.weekday()))
        day_start, day_end = _local_midnight(day), _local_midnight(day + timedelta(days=1))
        on_day = in_week = 0
        for resource_id, state, start, end in _PERSON_AT_PLACE.rows(
            person=person.pk,
            place=resource.place_id,
            since=week_start,
            until=_local_midnight(week_start.date() + timedelta(days=7)),
        ):
            in_week += 1
            on_day += day_start <= start < day_end
            if resource_id == resource.pk and state in Reservation.HOLDING_STATES:
                own.append((start, end))
        refusals += _limit_refusals(resource, _Booked([], on_day=on_day, in_week=in_week))
    # A booking from a slot lasts at least the resource's shortest booking: that is what may meet their own.
    shortest = timedelta(minutes=max(resource.min_minutes, resource.slot_minutes))
    return [
        replace(
            slot,
            refusal=next(
                iter(
                    refusals
                    or _own_overlap_refusals(person, resource, own, slot.start, slot.start + shortest)
                ),
                None,
            ),
        )
        for slot in slots
    ]


@dataclass(frozen=True)
class DayPlan:
    day: date
    reservations: list[Reservation]  # every booking that meets the day, whatever its state, by start
    blocks: list[Block]
    slots: list[Slot]  # free units per slot of the active resources


def day_plan(place: Place, day: date, actor, now: datetime | None = None) -> DayPlan:
    """What the place's staff need for a day: its bookings, its blocks, and the free units per slot."""
    require(actor, Action.VIEW_PLACE_BOOKINGS, place)
    start, end = _local_midnight(day), _local_midnight(day + timedelta(days=1))
    reservations = (
        Reservation.objects.filter(resource__place=place, start__lt=end, end__gt=start)
        .select_related("person", "resource__place", "unit")
        .order_by("start", "pk")
    )
    blocks = (
        Block.objects.filter(resource__place=place, start__lt=end, end__gt=start)
        .select_related("unit")
        .order_by("start")
    )
    return DayPlan(day, list(reservations), list(blocks), availability(place, day, now=now))
