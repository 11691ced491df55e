"""A booking repeated on chosen weekdays until a date, with the dates that cannot be booked reported."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from vicinato.lib.errors import Conflict

from ..models import (
    Reservation,
    ReservationSeries,
    Resource,
)
from ..permissions import Action, require
from .capacity import _booked, _unit_free, active_units
from .common import S, _local_midnight, _refusal_text, declare
from .reservations import reserve
from .transitions import cancel

SERIES_WEEKDAYS = declare("series_weekdays", "a series without weekdays, or with one outside 0–6")
SERIES_ORDER = declare("series_order", "a series whose last date comes before its first")
SERIES_LENGTH = declare("series_length", "a series spanning more than a year")


# --- series ----------------------------------------------------------------------------------------------------
@dataclass
class SeriesResult:
    series: ReservationSeries
    reservations: list[Reservation] = field(default_factory=list)
    conflicts: list[tuple[date, str]] = field(default_factory=list)  # dates not booked, with the reason


MAX_SERIES_DAYS = 366


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
                _("Choose at least one weekday, from 0 (Monday) to 6 (Sunday)."), code=SERIES_WEEKDAYS
            )
        ]
    if until_date < first_date:
        errors["until_date"] = [
            ValidationError(
                _("The last date must not come before the first; choose a later one."), code=SERIES_ORDER
            )
        ]
    elif (until_date - first_date).days >= MAX_SERIES_DAYS:
        errors["until_date"] = [
            ValidationError(
                _("A series may span at most one year; choose an earlier last date."), code=SERIES_LENGTH
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
        except (ValidationError, Conflict) as error:
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


def series_bookings_ahead(
    series: ReservationSeries, from_date: date | None = None, now: datetime | None = None
):
    """The series' bookings still held from `from_date` (default today): what cancelling it would touch."""
    since = _local_midnight(from_date or timezone.localdate(now or timezone.now()))
    return series.reservations.filter(state__in=[S.REQUESTED, S.CONFIRMED], start__gte=since).order_by(
        "start"
    )


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
    cancelled, kept = [], []
    for reservation in series_bookings_ahead(series, from_date, now):
        try:
            cancelled.append(cancel(reservation, actor, reason, now))
        except (ValidationError, Conflict) as error:
            kept.append((reservation, _refusal_text(error)))
    return cancelled, kept
