"""The rules of a resource that refuse a booking, each a small function with the code it answers with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from django.db.models import (
    Exists,
    OuterRef,
    Subquery,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vicinato.lib.prepared import Param, Prepared
from vicinato.register.models import Closure, Membership, OpeningHours, Place

from .. import access
from ..models import (
    Block,
    Resource,
)
from ..permissions import is_operator
from .capacity import _Booked, _booked
from .common import _DATE, _DATETIME, _INT, _TIME, Refusal, _hm, _minutes, _when, declare, duration_text
from .unit_choice import _desk_text


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
def is_member(person, organisations) -> bool:
    """Staff of one of the organisations, or an employee or member it has verified (`access`)."""
    return Membership.objects.filter(
        user=person, organisation__in=organisations
    ).exists() or access.is_affiliated(person, organisations)


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
        return access.agreement_refusal(person, resource, start, end, exclude)
    return None


OPENING_HOURS = declare(
    "opening_hours", "the place is closed on that weekday or at that time, or the booking spans two days"
)
CLOSURE = declare("closure", "a dated closure of the place (holiday, works) covers the day")
SLOT = declare("slot", "the start or the end is not on the resource's slots")


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


DAYS_AHEAD = declare("days_ahead", "booked too far ahead (max_days_ahead)")


def _days_ahead_refusals(resource: Resource, day: date, now: datetime) -> list[Refusal]:
    last_day = timezone.localdate(now) + timedelta(days=resource.max_days_ahead)
    if day <= last_day:
        return []
    return [
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
    ]


def _limits(resource: Resource) -> bool:
    return resource.max_per_day_per_person is not None or resource.max_per_week_per_person is not None


PER_DAY = declare("per_day", "the person's bookings a day at this place (max_per_day_per_person)")
PER_WEEK = declare("per_week", "the person's bookings a week at this place (max_per_week_per_person)")


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


# --- the rules, each a function with the codes it gives, in the order they are told -------------------------------
@dataclass
class Attempt:
    """A booking the rules look at. What the database says about its period and about the person's bookings is
    read once, when a rule first asks, unless the caller read it already (with the locks)."""

    person: Any
    resource: Resource
    start: datetime
    end: datetime
    units: int
    now: datetime
    exclude: int | None = None  # a reservation not to count (the one being rescheduled)
    known_period: _Period | None = None
    known_booked: _Booked | None = None

    @property
    def period(self) -> _Period:
        if self.known_period is None:
            self.known_period = _period(self.resource, self.start, self.end)
        return self.known_period

    @property
    def booked(self) -> _Booked:
        if self.known_booked is None:
            resource, limits = self.resource, _limits(self.resource)
            self.known_booked = _booked(
                resource,
                self.start,
                self.end + resource.buffer,
                self.now,
                self.person if limits else None,
                self.exclude,
                me=self.person.pk,
            )
        return self.known_booked


Check = Callable[[Attempt], "list[Refusal] | Refusal | None"]
# (check, whether a refusal stops the others: the times must make sense before any rule reads them)
RULES: list[tuple[Check, bool]] = []


def rule(*codes: tuple[str, str], stops: bool = False) -> Callable[[Check], Check]:
    """Register a booking rule and declare the codes it gives, with what each means."""

    def register(check: Check) -> Check:
        for code, means in codes:
            declare(code, means)
        RULES.append((check, stops))
        return check

    return register


@rule(("time_zone", "a time without its offset"), stops=True)
def _time_zone(a: Attempt):
    if timezone.is_naive(a.start) or timezone.is_naive(a.end):
        return Refusal(
            "time_zone", "start", _("Give the times with their offset, e.g. 2025-03-04T09:00+01:00.")
        )
    a.start, a.end = timezone.localtime(a.start), timezone.localtime(a.end)
    return None


@rule(("order", "the end does not come after the start"), stops=True)
def _order(a: Attempt):
    if a.end <= a.start:
        return Refusal("order", "end", _("The end must come after the start; choose a later end."))
    return None


@rule(("inactive", "the resource is not taking bookings"), stops=True)
def _inactive(a: Attempt):
    if not a.resource.is_active:
        return Refusal(
            "inactive", "resource", _("This resource is not taking bookings now; choose another one.")
        )
    return None


@rule(("units", "more units than the resource has"))
def _units(a: Attempt):
    resource = a.resource
    if resource.has_named_units and a.units != 1:
        return Refusal(
            "units",
            "units",
            _desk_text(
                resource,
                _("Desks are booked one at a time: book 1, choosing a desk or any free desk."),
                _("These units are booked one at a time: book 1, choosing one or any free unit."),
            ),
        )
    if not 1 <= a.units <= resource.capacity:
        return Refusal(
            "units",
            "units",
            ngettext(
                "This resource has %(capacity)d unit; book 1.",
                "This resource has %(capacity)d units; book between 1 and %(capacity)d.",
                resource.capacity,
            )
            % {"capacity": resource.capacity},
        )
    return None


@rule(("past", "the start has passed"), ("notice", "booked too short a time ahead (min_notice_minutes)"))
def _notice(a: Attempt):
    if a.start < a.now:
        return Refusal("past", "start", _("This time has already begun; choose a later start."))
    if a.start - a.now < timedelta(minutes=a.resource.min_notice_minutes):
        return Refusal(
            "notice",
            "start",
            _("Bookings must be made at least %(notice)s ahead.")
            % {"notice": duration_text(a.resource.min_notice_minutes)},
        )
    return None


@rule()
def _days_ahead(a: Attempt):
    return _days_ahead_refusals(a.resource, a.start.date(), a.now)


@rule(("min_duration", "shorter than min_minutes"), ("max_duration", "longer than max_minutes"))
def _duration(a: Attempt):
    minutes, resource = _minutes(a.start, a.end), a.resource
    if minutes < resource.min_minutes:
        return Refusal(
            "min_duration",
            "end",
            _("Bookings must last at least %(duration)s; choose a later end.")
            % {"duration": duration_text(resource.min_minutes)},
        )
    if minutes > resource.max_minutes:
        return Refusal(
            "max_duration",
            "end",
            _("Bookings may last at most %(duration)s; choose an earlier end.")
            % {"duration": duration_text(resource.max_minutes)},
        )
    return None


@rule()
def _opening(a: Attempt):
    return _opening_refusals(a.resource, a.start, a.end, a.period)


@rule(("block", "the place's staff blocked the resource then"))
def _block(a: Attempt):
    if not a.period.blocked:
        return None
    block = Block.objects.filter(resource=a.resource, unit=None, start__lt=a.end, end__gt=a.start).first()
    if block is None:
        return None
    return Refusal(
        "block",
        "start",
        _("This resource is closed from %(start)s to %(end)s%(reason)s; choose another time.")
        % {
            "start": _when(block.start),
            "end": _when(block.end),
            "reason": f" ({block.reason})" if block.reason else "",
        },
    )


@rule(("who_may_book", "only members of given organisations, or holders of an agreement, may book it"))
def _who_may_book(a: Attempt):
    message = who_may_book_refusal(a.person, a.resource, a.start, a.end, a.exclude)
    return Refusal("who_may_book", "resource", message) if message else None


@rule()
def _limits_of_the_person(a: Attempt):
    return _limit_refusals(a.resource, a.booked)


@rule(
    ("own_overlap", "the person already holds a booking of the resource at that time (the place's staff may)")
)
def _own_overlap(a: Attempt):
    return _own_overlap_refusals(a.person, a.resource, a.booked.own, a.start, a.end)


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
    return _refusals(Attempt(person, resource, start, end, units, now or timezone.now(), exclude))


def _refusals(attempt: Attempt) -> list[Refusal]:
    """`check_rules` on an attempt, which may carry what the database says about the period and the person's
    bookings when the caller has read it already (`_check_locked` reads both with the locks)."""
    refusals: list[Refusal] = []
    for check, stops in RULES:
        found = check(attempt)
        if not found:
            continue
        refusals += found if isinstance(found, list) else [found]
        if stops:
            break
    return refusals


def _own_overlap_refusals(
    person, resource: Resource, own: list[tuple[datetime, datetime]], start: datetime, end: datetime
) -> list[Refusal]:
    """A person holds one booking of a resource at a time: a second one meeting it is a mistake (a form sent
    twice, a day booked again) and is refused. The place's staff may hold several: they book for a team."""
    meeting = next(((s, e) for s, e in own if s < end and e > start), None)
    if meeting is None or is_operator(person, resource.place):
        return []
    s, e = (timezone.localtime(moment) for moment in meeting)
    return [
        Refusal(
            "own_overlap",
            "start",
            _("You already have a booking of this from %(start)s to %(end)s; change that one instead.")
            % {"start": _hm(s), "end": _hm(e)},
        )
    ]
