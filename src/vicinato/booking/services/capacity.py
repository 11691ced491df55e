"""How many units are held when: reservations, open offers and blocks of named units, in one query."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import DEFAULT_DB_ALIAS
from django.db.models import CharField, Q, Value
from django.utils import timezone

from vicinato.lib.prepared import Param, Prepared

from ..models import Block, Reservation, Resource, Unit, WaitingListEntry
from .common import _DATETIME, _INT, S, W, _local_midnight


def _peak(intervals: list[tuple[datetime, datetime, int]], start: datetime, end: datetime) -> int:
    """The most units held at the same time within [start, end) by (start, end, units) intervals."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    changes = []
    for s, e, units in intervals:
        s, e = max(s.astimezone(UTC), start), min(e.astimezone(UTC), end)
        if s < e:
            changes += [(s, units), (e, -units)]
    # At the same instant a release comes before a new hold: back-to-back bookings share a unit.
    changes.sort(key=lambda change: (change[0], change[1]))
    peak = held = 0
    for _moment, delta in changes:
        held += delta
        peak = max(peak, held)
    return peak


_BOOKED_COLUMNS = ("resource_id", "person_id", "state", "start", "end", "units", "pk", "unit_id")
_UNIT_BLOCKED = "blocked"  # the state of the rows of `_booked_query` that are blocks of one named unit


def _booked_query(with_person: bool, named: bool):
    """Reservations holding units of the resource in [since, until), its open waiting-list offers and (`named`)
    the blocks of its named units there; `with_person`: also the person's bookings at the place in
    [week_start, week_end), for their limits."""
    resource, since, until = Param("resource", _INT), Param("since", _DATETIME), Param("until", _DATETIME)
    reservations = Q(
        resource_id=resource, state__in=Reservation.HOLDING_STATES, start__lt=until, end__gt=since
    )
    if with_person:
        reservations |= Q(
            person_id=Param("person", _INT),
            resource_id__in=Resource.objects.filter(place_id=Param("place", _INT)).values("pk"),
            start__gte=Param("week_start", _DATETIME),
            start__lt=Param("week_end", _DATETIME),
        ) & ~Q(state__in=[S.CANCELLED, S.REJECTED])
    offers = WaitingListEntry.objects.filter(
        resource_id=resource,
        state=W.OFFERED,
        offer_expires_at__gt=Param("now", _DATETIME),
        start__lt=until,
        end__gt=since,
    )
    others = [offers.order_by().values_list(*_BOOKED_COLUMNS)]
    if named:  # identical units have no blocks of one unit: the hot path of bookings skips reading them
        unit_blocks = Block.objects.filter(
            resource_id=resource, unit__isnull=False, start__lt=until, end__gt=since
        ).annotate(person_id=Value(None, _INT), state=Value(_UNIT_BLOCKED, CharField()), units=Value(1, _INT))
        others.append(unit_blocks.order_by().values_list(*_BOOKED_COLUMNS))
    return (
        Reservation.objects.filter(reservations)
        .order_by()
        .values_list(*_BOOKED_COLUMNS)
        .union(*others, all=True)
    )


def _unit_block_held(start: datetime, end: datetime, buffer: timedelta) -> tuple[datetime, datetime]:
    """A block of a named unit as the (start, end + buffer) a booking's period holds: checked against a
    booking's [start, end + buffer), it meets it when it starts before the booking ends and ends after it
    starts. The buffer after a booking may run into a block (nobody uses a blocked desk), as for blocks of a
    whole resource."""
    return (start + buffer, end)


_BOOKED = {
    (person, named): Prepared(lambda person=person, named=named: _booked_query(person, named))
    for person in (False, True)
    for named in (False, True)
}


@dataclass(frozen=True)
class _Booked:
    held: list[tuple[datetime, datetime, int]]  # (start, end + buffer, units) of reservations and offers
    by_unit: dict[int, list[tuple[datetime, datetime]]] = field(
        default_factory=dict
    )  # the same, per named unit, with the blocks of named units (`_unit_block_held`)
    on_day: int = 0  # the person's bookings at the place on the day (not cancelled or rejected)
    in_week: int = 0
    # (start, end) of the booking person's own reservations of the resource holding units in the window
    own: list[tuple[datetime, datetime]] = field(default_factory=list)


def _booked(
    resource: Resource,
    start: datetime,
    end: datetime,
    now: datetime,
    person=None,
    exclude: int | None = None,
    exclude_offer: int | None = None,
    me: int | None = None,
) -> _Booked:
    """In one query: the units held in [start, end) by reservations and by open waiting-list offers, each
    followed by the buffer; with `person`, how many bookings they have at the place on the day and in the
    week of `start` (`exclude`: a reservation not to count, e.g. the one being moved); with `me` (a person's
    id), which of those reservations of the resource are theirs (no query more: they are among the rows)."""
    buffer = resource.buffer
    since, until = start - buffer, end + buffer
    values = {"resource": resource.pk, "since": since, "until": until, "now": now}
    if person is not None:
        day = timezone.localtime(start).date()
        day_start, day_end = _local_midnight(day), _local_midnight(day + timedelta(days=1))
        week_start = _local_midnight(day - timedelta(days=day.weekday()))
        week_end = _local_midnight(week_start.date() + timedelta(days=7))
        values |= {
            "person": person.pk,
            "place": resource.place_id,
            "week_start": week_start,
            "week_end": week_end,
        }
    held, by_unit, on_day, in_week, own = [], defaultdict(list), 0, 0, []
    for resource_id, person_id, state, s, e, units, pk, unit in _BOOKED[
        person is not None, resource.has_named_units
    ].rows(**values):
        if state == _UNIT_BLOCKED:
            by_unit[unit].append(_unit_block_held(s, e, buffer))
            continue
        if state == W.OFFERED:
            if pk != exclude_offer:
                held.append((s, e + buffer, units))
                if unit is not None:
                    by_unit[unit].append((s, e + buffer))
            continue
        if pk == exclude:
            continue
        # A row may be there for either reason: each is checked.
        if resource_id == resource.pk and state in Reservation.HOLDING_STATES and s < until and e > since:
            held.append((s, e + buffer, units))
            if unit is not None:
                by_unit[unit].append((s, e + buffer))
            if person_id == me:
                own.append((s, e))
        if person is not None and person_id == person.pk and week_start <= s < week_end:
            if state not in (S.CANCELLED, S.REJECTED):
                in_week += 1
                on_day += day_start <= s < day_end
    return _Booked(held, dict(by_unit), on_day, in_week, own)


def free_units(resource: Resource, start: datetime, end: datetime, now: datetime | None = None) -> int:
    """Units of the resource a booking of [start, end) could still take (the buffer after it included); of a
    resource with named units, those free for the whole period."""
    now = now or timezone.now()
    window_end = end + resource.buffer
    booked = _booked(resource, start, window_end, now)
    if resource.has_named_units:
        return len(_free_of(active_units(resource), booked.by_unit, start, window_end))
    return resource.capacity - _peak(booked.held, start, window_end)


_UNIT_FIELDS = tuple(f.attname for f in Unit._meta.concrete_fields)


_ACTIVE_UNITS = {
    of_place: Prepared(
        lambda of_place=of_place: (
            Unit.objects.filter(
                **(
                    {"resource__place_id": Param("place", _INT), "resource__has_named_units": True}
                    if of_place
                    else {"resource_id": Param("resource", _INT)}
                ),
                is_active=True,
            )
            .order_by("resource_id", "order", "pk")
            .values_list(*_UNIT_FIELDS)
        )
    )
    for of_place in (False, True)
}


def active_units(resource: Resource) -> list[Unit]:
    """The resource's named units taking bookings, in their order (one query)."""
    return [
        Unit.from_db(DEFAULT_DB_ALIAS, _UNIT_FIELDS, row)
        for row in _ACTIVE_UNITS[False].rows(resource=resource.pk)
    ]


def _unit_free(held: list[tuple[datetime, datetime]], start: datetime, window_end: datetime) -> bool:
    """Whether a unit holding `held` ((start, end + buffer) each) is free in [start, window_end): back-to-back
    bookings share it, as in `_peak`."""
    return not any(s < window_end and e > start for s, e in held)


def _free_of(units: list[Unit], by_unit: dict, start: datetime, window_end: datetime) -> list[Unit]:
    return [u for u in units if _unit_free(by_unit.get(u.pk, []), start, window_end)]
