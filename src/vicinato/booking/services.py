"""The one place that decides on bookings: rules, reservations and their states, series, waiting lists."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.db.models import (
    CharField,
    DateField,
    DateTimeField,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    TimeField,
    Value,
)
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vicinato.register.models import Application, Closure, Membership, OpeningHours, Place

from . import notifications, signals
from .models import (
    Block,
    Reservation,
    ReservationEvent,
    ReservationSeries,
    Resource,
    Unit,
    WaitingListEntry,
    checkin_signature,
)
from .permissions import Action, is_operator, require
from .prepared import Param, Prepared, PreparedInsert

S = Reservation.State
W = WaitingListEntry.State


class BookingError(Exception):
    """A booking that cannot be made or changed now (no free unit, a refused move); the API answers 409."""


@dataclass(frozen=True)
class Refusal:
    rule: str  # which rule refused: "opening_hours", "notice", "per_day", ...
    field: str  # the input to change
    message: str


# --- small helpers ---------------------------------------------------------------------------------------------
def _minutes(start: datetime, end: datetime) -> int:
    return int((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() // 60)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _hm(value: time | datetime) -> str:
    return value.strftime("%H:%M")


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def duration_text(minutes: int) -> str:
    """'2 hours', '30 minutes', '1 hour 30 minutes'."""
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if rest or not hours:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", rest) % {"n": rest})
    return " ".join(parts)


def reason_required() -> ValidationError:
    """A missing reason for the people whose bookings the place's staff cancel."""
    return ValidationError(_("Write the reason for the people who booked."), code="reason_required")


def _validation_error(refusals: list[Refusal]) -> ValidationError:
    errors: dict[str, list[ValidationError]] = defaultdict(list)
    for refusal in refusals:
        errors[refusal.field].append(ValidationError(refusal.message, code=refusal.rule))
    return ValidationError(dict(errors))


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


_INT, _DATE, _TIME, _DATETIME = IntegerField(), DateField(), TimeField(), DateTimeField()
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


def _booked(
    resource: Resource,
    start: datetime,
    end: datetime,
    now: datetime,
    person=None,
    exclude: int | None = None,
    exclude_offer: int | None = None,
) -> _Booked:
    """In one query: the units held in [start, end) by reservations and by open waiting-list offers, each
    followed by the buffer; with `person`, how many bookings they have at the place on the day and in the
    week of `start` (`exclude`: a reservation not to count, e.g. the one being moved)."""
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
    held, by_unit, on_day, in_week = [], defaultdict(list), 0, 0
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
        if person is not None and person_id == person.pk and week_start <= s < week_end:
            if state not in (S.CANCELLED, S.REJECTED):
                in_week += 1
                on_day += day_start <= s < day_end
    return _Booked(held, dict(by_unit), on_day, in_week)


def free_units(resource: Resource, start: datetime, end: datetime, now: datetime | None = None) -> int:
    """Units of the resource a booking of [start, end) could still take (the buffer after it included); of a
    resource with named units, those free for the whole period."""
    now = now or timezone.now()
    window_end = end + resource.buffer
    booked = _booked(resource, start, window_end, now)
    if resource.has_named_units:
        return len(_free_of(active_units(resource), booked.by_unit, start, window_end))
    return resource.capacity - _peak(booked.held, start, window_end)


# --- named units -----------------------------------------------------------------------------------------------
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
                {
                    "unit": [
                        ValidationError(message % {"names": ", ".join(u.name for u in units)}, code="unit")
                    ]
                }
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
    raise ValidationError({"unit": [ValidationError(message % values, code="unit_block")]})


# --- resources read by prepared queries ------------------------------------------------------------------------
_RESOURCE_FIELDS = tuple(f.attname for f in Resource._meta.concrete_fields)
PLACE_COLUMNS = tuple(f.attname for f in Place._meta.concrete_fields)
RESOURCE_COLUMNS = (*_RESOURCE_FIELDS, *(f"place__{name}" for name in PLACE_COLUMNS))


def place_from_columns(values) -> Place:
    """The place whose row a query gave as `PLACE_COLUMNS` first (e.g. in a `Prepared` values_list)."""
    return Place.from_db(DEFAULT_DB_ALIAS, PLACE_COLUMNS, values[: len(PLACE_COLUMNS)])


def resource_from_columns(values) -> Resource:
    """The resource with its place, from `RESOURCE_COLUMNS` first (as `select_related("place")` gives it)."""
    resource = Resource.from_db(DEFAULT_DB_ALIAS, _RESOURCE_FIELDS, values[: len(_RESOURCE_FIELDS)])
    resource.place = place_from_columns(values[len(_RESOURCE_FIELDS) :])
    return resource


# --- what the rules read about the period ----------------------------------------------------------------------
class _Interval(NamedTuple):
    opens: time
    closes: time


@dataclass(frozen=True)
class _Period:
    """What the database says about a booking's period besides the resource, read as columns of the resource's
    own query: a booking the rules allow costs no query per rule. A refusal reads the details it explains."""

    closed: bool  # a closure of the place covers the day
    interval: _Interval | None  # the first opening interval (by opening time) that the booking starts in
    blocked: bool  # a block of the whole resource meets the period

    @classmethod
    def from_columns(cls, closed, opens, closes, blocked) -> _Period:
        return cls(bool(closed), _Interval(opens, closes) if opens is not None else None, bool(blocked))


# When the resource's row is gone: each rule reads its details itself.
_UNKNOWN_PERIOD = _Period(closed=True, interval=None, blocked=True)
_PERIOD_COLUMNS = ("closed", "opens", "closes", "blocked")


def _period_columns() -> dict:
    """The columns of `_Period`, for a query of resources; values: `_period_values()`."""
    day = Param("day", _DATE)
    hours = OpeningHours.objects.filter(
        place_id=OuterRef("place_id"),
        weekday=Param("weekday", _INT),
        opens__lte=Param("starts", _TIME),
        closes__gt=Param("starts", _TIME),
    ).order_by("opens", "pk")
    return {
        "closed": Exists(
            Closure.objects.filter(place_id=OuterRef("place_id"), start_date__lte=day, end_date__gte=day)
        ),
        "opens": Subquery(hours.values("opens")[:1]),
        "closes": Subquery(hours.values("closes")[:1]),
        "blocked": Exists(
            Block.objects.filter(
                resource_id=OuterRef("pk"),
                unit__isnull=True,
                start__lt=Param("end", _DATETIME),
                end__gt=Param("start", _DATETIME),
            )
        ),
    }


def _period_values(start: datetime, end: datetime) -> dict:
    local = timezone.localtime(start)
    return {
        "day": local.date(),
        "weekday": local.weekday(),
        "starts": local.time(),
        "start": start,
        "end": end,
    }


_PERIOD = Prepared(
    lambda: (
        Resource.objects.filter(pk=Param("resource", _INT))
        .annotate(**_period_columns())
        .values_list(*_PERIOD_COLUMNS)
    )
)


def _period(resource: Resource, start: datetime, end: datetime) -> _Period:
    rows = _PERIOD.rows(resource=resource.pk, **_period_values(start, end))
    return _Period.from_columns(*rows[0]) if rows else _UNKNOWN_PERIOD


# --- the rules -------------------------------------------------------------------------------------------------
def agreement_allows(
    person, resource: Resource, start: datetime, end: datetime, exclude: int | None = None
) -> str | None:
    """Whether an agreement lets `person` book `resource` then: None if it does, else a refusal to show
    (`exclude`: a reservation not to count against the quotas, the one being moved).

    Decided by the agreements app (imported here, not at the top: it builds on this module). Called inside
    the booking's transaction, it locks the agreements it counts against, after the resource."""
    from vicinato.agreements.services import booking_refusal

    return booking_refusal(person, resource, start, end, exclude)


def is_member(person, organisations) -> bool:
    """Staff of one of the organisations, or an employee or member it has verified (agreements app)."""
    from vicinato.agreements.memberships import verified_member

    return Membership.objects.filter(user=person, organisation__in=organisations).exists() or verified_member(
        person, organisations
    )


def who_may_book_refusal(
    person, resource: Resource, start: datetime, end: datetime, exclude: int | None = None
) -> str | None:
    rule = resource.who_may_book
    if rule == Resource.WhoMayBook.MEMBERS:
        organisations = list(resource.organisations.all())
        if not is_member(person, organisations):
            return _("Only members of %(names)s may book this resource; ask your organisation to join.") % {
                "names": ", ".join(str(o) for o in organisations)
                or _("the organisations chosen by the place")
            }
    elif rule == Resource.WhoMayBook.AGREEMENT:
        return agreement_allows(person, resource, start, end, exclude)
    return None


def _opening_refusals(resource: Resource, start: datetime, end: datetime, period: _Period) -> list[Refusal]:
    day = start.date()
    if end.date() != day:
        return [Refusal("opening_hours", "end", _("A booking must start and end on the same day."))]
    closure = None
    if period.closed:
        closure = Closure.objects.filter(
            place_id=resource.place_id, start_date__lte=day, end_date__gte=day
        ).first()
    if closure:
        return [
            Refusal(
                "closure",
                "start",
                _("This place is closed from %(start)s to %(end)s%(reason)s; choose another day.")
                % {
                    "start": closure.start_date.isoformat(),
                    "end": closure.end_date.isoformat(),
                    "reason": f" ({closure.reason})" if closure.reason else "",
                },
            )
        ]
    starts, ends = start.time(), end.time()
    interval = period.interval
    if interval is None:
        hours = list(
            OpeningHours.objects.filter(place_id=resource.place_id, weekday=day.weekday()).order_by(
                "opens", "pk"
            )
        )
        if not hours:
            return [
                Refusal(
                    "opening_hours",
                    "start",
                    _("This place is closed on %(weekday)s; choose another day.")
                    % {"weekday": OpeningHours.Weekday(day.weekday()).label},
                )
            ]
        interval = next((h for h in hours if h.opens <= starts < h.closes), None)
        if interval is None:
            later = [h.opens for h in hours if h.opens > starts]
            if later:
                message = _("This place opens at %(time)s; choose a later start.") % {"time": _hm(later[0])}
            else:
                message = _("This place closes at %(time)s; choose an earlier start.") % {
                    "time": _hm(hours[-1].closes)
                }
            return [Refusal("opening_hours", "start", message)]
    if ends > interval.closes:
        return [
            Refusal(
                "opening_hours",
                "end",
                _("This place closes at %(time)s; choose an earlier end.") % {"time": _hm(interval.closes)},
            )
        ]
    # Slots are counted from the opening time, on the wall clock people read.
    slot = resource.slot_minutes
    opens = datetime.combine(day, interval.opens)
    offset = int((datetime.combine(day, starts) - opens).total_seconds() // 60)
    length = int((datetime.combine(day, ends) - datetime.combine(day, starts)).total_seconds() // 60)
    if offset % slot:
        suggestion = opens + timedelta(minutes=(offset // slot + 1) * slot)
        return [
            Refusal(
                "slot",
                "start",
                _("Bookings start every %(slot)s from %(opens)s; choose a start such as %(example)s.")
                % {"slot": duration_text(slot), "opens": _hm(interval.opens), "example": _hm(suggestion)},
            )
        ]
    if length % slot:
        suggestion = datetime.combine(day, starts) + timedelta(minutes=(length // slot + 1) * slot)
        return [
            Refusal(
                "slot",
                "end",
                _("Bookings last whole slots of %(slot)s; choose an end such as %(example)s.")
                % {"slot": duration_text(slot), "example": _hm(suggestion)},
            )
        ]
    return []


def opening_intervals(place: Place, day: date) -> list[tuple[datetime, datetime]]:
    """The place's opening intervals on `day` (none on a closure), on Milan's wall clock."""
    if Closure.objects.filter(place=place, start_date__lte=day, end_date__gte=day).exists():
        return []
    tz = timezone.get_current_timezone()
    return [
        (datetime.combine(day, h.opens, tzinfo=tz), datetime.combine(day, h.closes, tzinfo=tz))
        for h in OpeningHours.objects.filter(place=place, weekday=day.weekday()).order_by("opens")
    ]


def _limits(resource: Resource) -> bool:
    return resource.max_per_day_per_person is not None or resource.max_per_week_per_person is not None


def _limit_refusals(resource: Resource, booked: _Booked) -> list[Refusal]:
    per_day, per_week = resource.max_per_day_per_person, resource.max_per_week_per_person
    refusals = []
    if per_day is not None and booked.on_day >= per_day:
        refusals.append(
            Refusal(
                "per_day",
                "start",
                ngettext(
                    "You can book at most %(limit)d time a day at this place; choose another day.",
                    "You can book at most %(limit)d times a day at this place; choose another day.",
                    per_day,
                )
                % {"limit": per_day},
            )
        )
    if per_week is not None and booked.in_week >= per_week:
        refusals.append(
            Refusal(
                "per_week",
                "start",
                ngettext(
                    "You can book at most %(limit)d time a week at this place; choose another week.",
                    "You can book at most %(limit)d times a week at this place; choose another week.",
                    per_week,
                )
                % {"limit": per_week},
            )
        )
    return refusals


def check_rules(
    person,
    resource: Resource,
    start: datetime,
    end: datetime,
    units: int = 1,
    now: datetime | None = None,
    exclude: int | None = None,
) -> list[Refusal]:
    """Every rule of the resource that refuses this booking (empty: the rules allow it; capacity aside).

    `exclude` is a reservation not to count against the person's limits (the one being checked again)."""
    return _refusals(person, resource, start, end, units, now or timezone.now(), exclude=exclude)


def _refusals(
    person,
    resource: Resource,
    start: datetime,
    end: datetime,
    units: int,
    now: datetime,
    period: _Period | None = None,
    booked: _Booked | None = None,
    exclude: int | None = None,
) -> list[Refusal]:
    """`check_rules`, with what the database says about the period and the person's bookings when the caller
    has read it already (`_reserve_locked` reads both with the locks)."""
    if timezone.is_naive(start) or timezone.is_naive(end):
        return [
            Refusal("time_zone", "start", _("Give the times with their offset, e.g. 2025-03-04T09:00+01:00."))
        ]
    if end <= start:
        return [Refusal("order", "end", _("The end must come after the start; choose a later end."))]
    if not resource.is_active:
        return [
            Refusal(
                "inactive", "resource", _("This resource is not taking bookings now; choose another one.")
            )
        ]
    start, end = timezone.localtime(start), timezone.localtime(end)
    refusals = []
    if resource.has_named_units and units != 1:
        refusals.append(
            Refusal(
                "units",
                "units",
                _desk_text(
                    resource,
                    _("Desks are booked one at a time: book 1, choosing a desk or any free desk."),
                    _("These units are booked one at a time: book 1, choosing one or any free unit."),
                ),
            )
        )
    elif not 1 <= units <= resource.capacity:
        refusals.append(
            Refusal(
                "units",
                "units",
                ngettext(
                    "This resource has %(capacity)d unit; book 1.",
                    "This resource has %(capacity)d units; book between 1 and %(capacity)d.",
                    resource.capacity,
                )
                % {"capacity": resource.capacity},
            )
        )
    if start < now:
        refusals.append(Refusal("past", "start", _("This time has already begun; choose a later start.")))
    elif start - now < timedelta(minutes=resource.min_notice_minutes):
        refusals.append(
            Refusal(
                "notice",
                "start",
                _("Bookings must be made at least %(notice)s ahead.")
                % {"notice": duration_text(resource.min_notice_minutes)},
            )
        )
    last_day = timezone.localdate(now) + timedelta(days=resource.max_days_ahead)
    if start.date() > last_day:
        refusals.append(
            Refusal(
                "days_ahead",
                "start",
                ngettext(
                    "Bookings open %(days)d day ahead; choose a date until %(date)s.",
                    "Bookings open %(days)d days ahead; choose a date until %(date)s.",
                    resource.max_days_ahead,
                )
                % {"days": resource.max_days_ahead, "date": last_day.isoformat()},
            )
        )
    minutes = _minutes(start, end)
    if minutes < resource.min_minutes:
        refusals.append(
            Refusal(
                "min_duration",
                "end",
                _("Bookings must last at least %(duration)s; choose a later end.")
                % {"duration": duration_text(resource.min_minutes)},
            )
        )
    elif minutes > resource.max_minutes:
        refusals.append(
            Refusal(
                "max_duration",
                "end",
                _("Bookings may last at most %(duration)s; choose an earlier end.")
                % {"duration": duration_text(resource.max_minutes)},
            )
        )
    period = period or _period(resource, start, end)
    refusals += _opening_refusals(resource, start, end, period)
    block = None
    if period.blocked:
        block = Block.objects.filter(resource=resource, unit=None, start__lt=end, end__gt=start).first()
    if block:
        refusals.append(
            Refusal(
                "block",
                "start",
                _("This resource is closed from %(start)s to %(end)s%(reason)s; choose another time.")
                % {
                    "start": _when(block.start),
                    "end": _when(block.end),
                    "reason": f" ({block.reason})" if block.reason else "",
                },
            )
        )
    message = who_may_book_refusal(person, resource, start, end, exclude)
    if message:
        refusals.append(Refusal("who_may_book", "resource", message))
    if _limits(resource):
        booked = booked or _booked(resource, start, end + resource.buffer, now, person, exclude)
        refusals += _limit_refusals(resource, booked)
    return refusals


# --- reserving -------------------------------------------------------------------------------------------------
# What a booking made with an idempotency key was; run on every refused booking that sends a key.
_KEYED = Prepared(
    lambda: Reservation.objects.filter(
        person_id=Param("person", _INT), idempotency_key=Param("key", CharField())
    ).values_list("pk", "resource_id", "start", "end", "units", "unit_id")
)


def _replay(
    person, key: str, resource: Resource, start, end, units: int, unit: int | None = None
) -> Reservation | None:
    rows = _KEYED.rows(person=person.pk, key=key)
    if not rows:
        return None
    [(pk, *made, unit_id)] = rows
    if tuple(made) != (resource.pk, start, end, units) or (unit is not None and unit_id != unit):
        raise ValidationError(
            {
                "idempotency_key": [
                    ValidationError(
                        _("This Idempotency-Key was used for another booking; send a new key."),
                        code="idempotency_key",
                    )
                ]
            }
        )
    return Reservation.objects.get(pk=pk)


def _day_slots(resource: Resource, start: datetime, end: datetime) -> list[int]:
    """The slots a booking of [start, end) lasts on each Rome calendar day it covers (a slot begun counts)."""
    slot, counts = resource.slot_minutes, []
    moment, end = timezone.localtime(start), timezone.localtime(end)
    while moment < end:
        midnight = _local_midnight(moment.date() + timedelta(days=1))
        part_end = min(end, midnight)
        counts.append(-(-_minutes(moment, part_end) // slot))
        moment = part_end
    return counts


def price_cents(resource: Resource, start: datetime, end: datetime, units: int = 1) -> int:
    """What a booking costs: the price per slot for each slot, but for each Rome calendar day it covers never
    more than the price per day (a day pass); with a price per day and none per slot, the price per day for
    each day. Times `units`."""
    per_slot, per_day = resource.price_cents_per_slot, resource.price_cents_per_day
    total = 0
    for slots in _day_slots(resource, start, end):
        if per_day is None:
            total += per_slot * slots
        elif per_slot:
            total += min(per_slot * slots, per_day)
        else:
            total += per_day
    return total * units


def _capacity_error(resource: Resource, free: int) -> BookingError:
    if free <= 0:
        return BookingError(
            _("No unit of this resource is free at that time; choose another time or join the waiting list.")
        )
    return BookingError(
        ngettext(
            "Only %(free)d unit is free at that time; book fewer units or choose another time.",
            "Only %(free)d units are free at that time; book fewer units or choose another time.",
            free,
        )
        % {"free": free}
    )


_INSERT_EVENT = PreparedInsert(
    ReservationEvent, ("reservation", "action", "from_state", "to_state", "actor", "at", "note")
)


def _record(reservation: Reservation, action: str, source: str, actor, at: datetime, note: str = "") -> None:
    _INSERT_EVENT.run(
        reservation=reservation.pk,
        action=action,
        from_state=source,
        to_state=reservation.state,
        actor=actor.pk if actor is not None else None,
        at=at,
        note=note,
    )
    signals.reservation_changed.send(
        sender=Reservation,
        reservation=reservation,
        action=action,
        source=source,
        actor=actor,
        at=at,
        note=note,
    )


# The resource with its place and the columns of `_Period`. Only the resource's row is locked: locking its
# place too would queue the bookings of all its resources.
# Called with a resource just read and whether its place is listed; raises to refuse to show it (Http404).
Visible = Callable[[Resource, bool], None]


def listed_column(place: str) -> Exists:
    """Whether the place the field `place` points to is listed now (as `Place.objects.listed()`), as a column
    of the same query (the parameter `now`)."""
    return Exists(Application.objects.listed(Param("now", _DATETIME)).filter(place_id=OuterRef(place)))


# The last column says whether its place is listed: `reserve(visible=...)` decides with it who may see it.
_LOCK_RESOURCE = Prepared(
    lambda: (
        Resource.objects.select_for_update(of=("self",))
        .filter(pk=Param("resource", _INT))
        .annotate(**_period_columns(), listed=listed_column("place_id"))
        .order_by()
        .values_list(*RESOURCE_COLUMNS, *_PERIOD_COLUMNS, "listed")
    )
)
_LOCK_PERSON = Prepared(
    lambda: get_user_model().objects.select_for_update().filter(pk=Param("person", _INT)).values_list("pk")
)
_INSERT_RESERVATION = PreparedInsert(
    Reservation,
    (
        "resource",
        "person",
        "start",
        "end",
        "units",
        "unit",
        "state",
        "price_cents",
        "idempotency_key",
        "series",
        "created_at",
    ),
)


def _lock_resource(pk: int, start: datetime, end: datetime, now: datetime) -> tuple[Resource, _Period, bool]:
    """Take the resource's row lock; gives it back as it is now, with its place, its `_Period` and whether
    the place is listed."""
    rows = _LOCK_RESOURCE.rows(resource=pk, now=now, **_period_values(start, end))
    if not rows:
        raise Resource.DoesNotExist(f"Resource {pk} does not exist.")
    [row] = rows
    return resource_from_columns(row), _Period.from_columns(*row[len(RESOURCE_COLUMNS) : -1]), row[-1]


def _check_locked(
    person,
    resource: Resource,
    start: datetime,
    end: datetime,
    units: int,
    now: datetime,
    exclude_offer: int | None = None,
    unit: int | None = None,
    prefer: int | None = None,
    exclude: int | None = None,
    visible: Visible | None = None,
) -> tuple[Resource, Unit | None]:
    """Take the resource's row lock and check a booking of [start, end) against every rule and the capacity
    (`exclude`: a reservation not to count, the one being moved); gives back the resource as it is now and the
    named unit to hold: `unit` if it is free, else (None) `prefer` or the first free one.

    It reads what the rules and the capacity need in two queries (one with the lock), so that a booking costs
    a few queries whatever the number of rules; a resource with named units reads them too (one more query).
    The lock serialises the bookings of the resource, so two never take the same unit. `visible(resource,
    listed)`, called once the resource is read, may refuse to show it (the API's 404): then `resource` may be
    a bare `Resource(pk=...)`, and the one read of the resource is the locking one."""
    if timezone.is_naive(start) or timezone.is_naive(end) or end <= start:
        if visible is not None:  # `resource` may be bare: read it (a refusal, the rare path)
            resource, _period_, listed = _lock_resource(resource.pk, now, now + timedelta(minutes=1), now)
            visible(resource, listed)
        raise _validation_error(check_rules(person, resource, start, end, units, now))  # no query needed
    resource, period, listed = _lock_resource(resource.pk, start, end, now)
    if visible is not None:
        visible(resource, listed)
    limits = _limits(resource)
    if limits:
        # The person's limits span the place: serialise this person's bookings too.
        _LOCK_PERSON.rows(person=person.pk)
    window_end = end + resource.buffer
    booked = _booked(
        resource, start, window_end, now, person if limits else None, exclude, exclude_offer=exclude_offer
    )
    refusals = _refusals(person, resource, start, end, units, now, period, booked, exclude)
    if unit is not None and not resource.has_named_units:
        refusals.append(
            Refusal("unit", "unit", _("This resource has no named units; leave the unit out to book one."))
        )
    if refusals:
        raise _validation_error(refusals)
    if resource.has_named_units:
        return resource, _choose_unit(
            resource, active_units(resource), booked.by_unit, start, window_end, unit, prefer
        )
    free = resource.capacity - _peak(booked.held, start, window_end)
    if units > free:
        raise _capacity_error(resource, free)
    return resource, None


def _reserve_locked(
    person,
    resource: Resource,
    start: datetime,
    end: datetime,
    units: int,
    now: datetime,
    idempotency_key: str | None = None,
    series: ReservationSeries | None = None,
    exclude_offer: int | None = None,
    unit: int | None = None,
    prefer: int | None = None,
    visible: Visible | None = None,
) -> Reservation:
    """Check (`_check_locked`) and insert a reservation, in a transaction."""
    resource, held_unit = _check_locked(
        person, resource, start, end, units, now, exclude_offer, unit, prefer, visible=visible
    )
    reservation = Reservation(
        resource=resource,
        person=person,
        start=start,
        end=end,
        units=units,
        unit=held_unit,
        state=S.REQUESTED if resource.requires_approval else S.CONFIRMED,
        price_cents=price_cents(resource, start, end, units),
        idempotency_key=idempotency_key or None,
        series=series,
        created_at=timezone.now(),
    )
    reservation.pk = _INSERT_RESERVATION.run(
        **{
            name: getattr(reservation, Reservation._meta.get_field(name).attname)
            for name in _INSERT_RESERVATION.fields
        }
    )
    reservation._state.adding, reservation._state.db = False, DEFAULT_DB_ALIAS
    _record(reservation, "create", "", person, now)
    return reservation


def reserve(
    person,
    resource: Resource,
    start: datetime,
    end: datetime,
    units: int = 1,
    idempotency_key: str | None = None,
    *,
    series: ReservationSeries | None = None,
    unit: int | None = None,
    prefer: int | None = None,
    now: datetime | None = None,
    visible: Visible | None = None,
) -> Reservation:
    """Book `units` of `resource` from `start` to `end`, or refuse: ValidationError naming the rule (422),
    BookingError when no unit is free (409). The same idempotency key gives back the same reservation.
    With `visible` (see `_check_locked`) `resource` may be a bare `Resource(pk=...)`.

    A resource with named units is booked one unit at a time: `unit` (its id) if it is free, or, without
    it, `prefer` if free, else the first free one in the units' order."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return _reserve_locked(
                person,
                resource,
                start,
                end,
                units,
                now,
                idempotency_key,
                series,
                unit=unit,
                prefer=prefer,
                visible=visible,
            )
    except (IntegrityError, ValidationError, BookingError):
        # A key already used: its booking stands. The unique key refused this insert, or the rules or the
        # capacity (which count that booking) refused it first. Looked up on failures only: new keys, the
        # usual case, cost no query.
        if idempotency_key and (
            existing := _replay(person, idempotency_key, resource, start, end, units, unit)
        ):
            return existing
        raise


# --- changing a booking's time ---------------------------------------------------------------------------------
MOVABLE_STATES = (S.REQUESTED, S.CONFIRMED)


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


def move(
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
        require(actor, Action.MOVE_RESERVATION, before)
        staff = is_operator(actor, before)
        if before.state not in MOVABLE_STATES:
            raise BookingError(
                _("A booking that is “%(state)s” cannot be changed; book a new time instead.")
                % {"state": before.get_state_display()}
            )
        if not staff:
            deadline = before.start - timedelta(minutes=before.resource.cancellation_deadline_minutes)
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
                        "unchanged",
                        "start",
                        _("The booking is already at this time; choose another time or another unit."),
                    )
                ]
            )
        resource, held_unit = _check_locked(
            before.person,
            before.resource,
            start,
            end,
            before.units,
            now,
            unit=unit,
            prefer=before.unit_id,
            exclude=before.pk,
        )
        after = Reservation.objects.select_related("resource__place", "person", "unit").get(pk=before.pk)
        after.resource = resource
        after.start, after.end, after.unit = start, end, held_unit
        after.price_cents = price_cents(resource, start, end, after.units)
        if resource.requires_approval and not staff:
            after.state = S.REQUESTED
        after.save(update_fields=["start", "end", "unit", "price_cents", "state"])
        _record(after, "move", before.state, actor, now, _change_note(before, after, reason))
    if before.end > now:
        offer_free_units(resource, now)
    return after


# --- moving a reservation --------------------------------------------------------------------------------------
# Who may apply each move of `Reservation.TRANSITIONS`; None: only the scheduled jobs.
MOVED_BY: dict[str, Action | None] = {
    "confirm": Action.DECIDE_RESERVATION,
    "reject": Action.DECIDE_RESERVATION,
    "cancel": Action.CANCEL_RESERVATION,
    "check_in": Action.CHECK_IN,
    "no_show": None,
    "complete": None,
}
FREES_UNITS = {S.REJECTED, S.CANCELLED, S.NO_SHOW}


def _refuse_out_of_time(reservation: Reservation, action: str, actor, note: str, now: datetime) -> None:
    resource = reservation.resource
    if action == "cancel":
        if actor is not None and reservation.person_id != actor.pk:
            if not note:
                raise ValidationError(
                    {
                        "reason": [
                            ValidationError(
                                _("Write the reason for the person who booked."), code="reason_required"
                            )
                        ]
                    }
                )
            return
        deadline = reservation.start - timedelta(minutes=resource.cancellation_deadline_minutes)
        if now > deadline:
            raise BookingError(
                _("This booking could be cancelled until %(time)s; ask the place if you cannot come.")
                % {"time": _when(deadline)}
            )
    elif action == "reject" and not note:
        raise ValidationError(
            {
                "reason": [
                    ValidationError(_("Write the reason for the person who asked."), code="reason_required")
                ]
            }
        )
    elif action == "check_in":
        window = timedelta(minutes=resource.checkin_window_minutes)
        if now < reservation.start - window:
            raise BookingError(
                _("Check-in opens at %(time)s, %(window)s before the start.")
                % {
                    "time": _when(reservation.start - window),
                    "window": duration_text(resource.checkin_window_minutes),
                }
            )
        if now > reservation.start + window:
            raise BookingError(
                _("Check-in closed at %(time)s; the booking has been released.")
                % {"time": _when(reservation.start + window)}
            )


def transition(
    reservation: Reservation, action: str, actor=None, note: str = "", now: datetime | None = None
) -> Reservation:
    """Apply one move of `Reservation.TRANSITIONS`, record who/when/why, or refuse it with a clear error."""
    now = now or timezone.now()
    note = (note or "").strip()
    with transaction.atomic():
        reservation = (
            Reservation.objects.select_for_update()
            .select_related("resource__place__operator")
            .get(pk=reservation.pk)
        )
        moves = Reservation.TRANSITIONS.get(action)
        if moves is None:
            raise BookingError(
                _("Unknown action '%(action)s'; use one of: %(actions)s.")
                % {"action": action, "actions": ", ".join(Reservation.TRANSITIONS)}
            )
        by = MOVED_BY[action]
        if by is None:
            if actor is not None:
                raise PermissionDenied(
                    _("Only the scheduled jobs may apply '%(action)s'.") % {"action": action}
                )
        else:
            require(actor, by, reservation)
        if reservation.state not in moves:
            raise BookingError(
                _(
                    "A reservation that is '%(state)s' cannot be moved with '%(action)s'; allowed from: %(sources)s."
                )
                % {
                    "state": reservation.get_state_display(),
                    "action": action,
                    "sources": ", ".join(str(S(s).label) for s in moves),
                }
            )
        _refuse_out_of_time(reservation, action, actor, note, now)
        source = reservation.state
        reservation.state = moves[source]
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
                        _("This check-in code is not valid; check it and type it again."), code="checkin_code"
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
                        code="checkin_place",
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


def release_no_shows(now: datetime | None = None) -> int:
    """Mark as no-shows the confirmed bookings not checked in by the end of the window; frees their units."""
    now = now or timezone.now()
    released = 0
    for reservation in Reservation.objects.filter(state=S.CONFIRMED, start__lt=now).select_related(
        "resource"
    ):
        if reservation.start + timedelta(minutes=reservation.resource.checkin_window_minutes) < now:
            transition(reservation, "no_show", now=now)
            released += 1
    return released


def complete_finished(now: datetime | None = None) -> int:
    now = now or timezone.now()
    finished = list(Reservation.objects.filter(state=S.CHECKED_IN, end__lte=now))
    for reservation in finished:
        transition(reservation, "complete", now=now)
    return len(finished)


# --- blocks ----------------------------------------------------------------------------------------------------
def block_resource(
    resource: Resource, start: datetime, end: datetime, reason: str, actor, unit: Unit | int | None = None
) -> tuple[Block, list[Reservation]]:
    """Close a resource for a period, or only one of its active named units (`unit`, or its id); gives back
    the bookings in it, which the operator decides about (cancel them, or move them to other free units)."""
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
                            code="unit",
                        )
                    ]
                }
            )
    block = Block.objects.create(
        resource=resource, unit=unit, start=start, end=end, reason=reason, created_by=actor
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
        except (ValidationError, BookingError) as error:
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


# --- availability ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Slot:
    resource_id: int
    start: datetime
    end: datetime
    free: int
    units: tuple[Unit, ...] | None = None  # of a resource with named units: those free for the whole slot


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


# --- series ----------------------------------------------------------------------------------------------------
@dataclass
class SeriesResult:
    series: ReservationSeries
    reservations: list[Reservation] = field(default_factory=list)
    conflicts: list[tuple[date, str]] = field(default_factory=list)  # dates not booked, with the reason


MAX_SERIES_DAYS = 366


def _refusal_text(error: ValidationError | BookingError) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def create_series(
    person,
    resource: Resource,
    weekdays: list[int],
    start_time: time,
    end_time: time,
    first_date: date,
    until_date: date,
    now: datetime | None = None,
    unit: int | None = None,
) -> SeriesResult:
    """Book every chosen weekday from `first_date` to `until_date`; the dates that cannot be booked are
    reported with their reason instead of failing the whole series.

    Of a resource with named units, every date takes `unit`; without it, the unit free on the most dates
    (the first in order on a tie), so that the person keeps one desk when they can, and another free one on
    the dates it is taken."""
    errors = {}
    if not weekdays or any(d not in range(7) for d in weekdays):
        errors["weekdays"] = [
            ValidationError(
                _("Choose at least one weekday, from 0 (Monday) to 6 (Sunday)."), code="series_weekdays"
            )
        ]
    if until_date < first_date:
        errors["until_date"] = [
            ValidationError(
                _("The last date must not come before the first; choose a later one."), code="series_order"
            )
        ]
    elif (until_date - first_date).days >= MAX_SERIES_DAYS:
        errors["until_date"] = [
            ValidationError(
                _("A series may span at most one year; choose an earlier last date."), code="series_length"
            )
        ]
    if errors:
        raise ValidationError(errors)
    series = ReservationSeries.objects.create(
        person=person,
        resource=resource,
        weekdays=sorted(set(weekdays)),
        start_time=start_time,
        end_time=end_time,
        first_date=first_date,
        until_date=until_date,
    )
    result = SeriesResult(series)
    tz = timezone.get_current_timezone()
    periods = []
    for offset in range((until_date - first_date).days + 1):
        day = first_date + timedelta(days=offset)
        if day.weekday() in series.weekdays:
            periods.append(
                (
                    day,
                    datetime.combine(day, start_time, tzinfo=tz),
                    datetime.combine(day, end_time, tzinfo=tz),
                )
            )
    prefer = None
    if unit is None and resource.has_named_units and periods:
        prefer = _unit_free_most_often(resource, [(s, e) for _day, s, e in periods], now or timezone.now())
    for day, start, end in periods:
        try:
            result.reservations.append(
                reserve(person, resource, start, end, series=series, unit=unit, prefer=prefer, now=now)
            )
        except (ValidationError, BookingError) as error:
            result.conflicts.append((day, _refusal_text(error)))
    return result


def _unit_free_most_often(
    resource: Resource, periods: list[tuple[datetime, datetime]], now: datetime
) -> int | None:
    """The id of the named unit free in the most of `periods` (the first in order on a tie), read in two
    queries whatever the number of periods."""
    units = active_units(resource)
    if not units:
        return None
    buffer = resource.buffer
    booked = _booked(resource, periods[0][0], periods[-1][1] + buffer, now)
    counts = [sum(_unit_free(booked.by_unit.get(u.pk, []), s, e + buffer) for s, e in periods) for u in units]
    return units[counts.index(max(counts))].pk


def cancel_series(
    series: ReservationSeries,
    actor,
    from_date: date | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> tuple[list[Reservation], list[tuple[Reservation, str]]]:
    """Cancel the series' bookings from `from_date` (default today); gives back the cancelled ones and
    those kept, with the reason (e.g. past the cancellation deadline)."""
    now = now or timezone.now()
    require(actor, Action.CANCEL_RESERVATION, series)
    since = _local_midnight(from_date or timezone.localdate(now))
    cancelled, kept = [], []
    for reservation in series.reservations.filter(state__in=[S.REQUESTED, S.CONFIRMED], start__gte=since):
        try:
            cancelled.append(cancel(reservation, actor, reason, now))
        except (ValidationError, BookingError) as error:
            kept.append((reservation, _refusal_text(error)))
    return cancelled, kept


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
            entry.person,
            entry.resource,
            entry.start,
            entry.end,
            entry.units,
            now,
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


def expire_offers(now: datetime | None = None) -> int:
    """Expire the offers not accepted in time, and offer their units to the next in line."""
    now = now or timezone.now()
    expired = list(WaitingListEntry.objects.filter(state=W.OFFERED, offer_expires_at__lte=now))
    WaitingListEntry.objects.filter(pk__in=[e.pk for e in expired], state=W.OFFERED).update(state=W.EXPIRED)
    for resource_id in {e.resource_id for e in expired}:
        offer_free_units(Resource(pk=resource_id), now)
    return len(expired)


def run_scheduled_jobs(now: datetime | None = None) -> dict[str, int]:
    """Everything that happens with time passing; safe to run repeatedly (e.g. every minute)."""
    now = now or timezone.now()
    return {
        "no_shows": release_no_shows(now),
        "completed": complete_finished(now),
        "offers_expired": expire_offers(now),
        "reminders": notifications.send_reminders(now),
    }
