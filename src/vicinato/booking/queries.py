"""Read-only questions about bookings, as the API asks them: filtered pages of lists, a reservation's history,
the opening days of a place as the booking engine sees them, and what places charge at the least."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from vicinato.register.models import Closure, OpeningHours, Place

from .models import Reservation, ReservationEvent, Resource

MAX_OPENING_DAYS = 62


class When(StrEnum):
    """Time filter of a list: by the end of what is listed (a booking that is going on is upcoming)."""

    UPCOMING = "upcoming"
    PAST = "past"


def _by_time(queryset: QuerySet, when: When | None, upcoming: dict, past: dict, order: str) -> QuerySet:
    """Upcoming (`upcoming` lookups), soonest first; past (`past`), latest first; None: all, by `order`."""
    if when == When.UPCOMING:
        return queryset.filter(**upcoming).order_by(order, "pk")
    if when == When.PAST:
        return queryset.filter(**past).order_by(f"-{order}", "-pk")
    return queryset.order_by(order, "pk")


def when_filter(queryset: QuerySet, when: When | None, now: datetime) -> QuerySet:
    """Upcoming: ends after `now`, soonest first; past: ended, latest first; None: all, by start."""
    return _by_time(queryset, when, {"end__gt": now}, {"end__lte": now}, "start")


def page(queryset: QuerySet, limit: int, offset: int) -> tuple[list, int]:
    """One page of the list and how many there are in all."""
    return list(queryset[offset : offset + limit]), queryset.count()


# --- series ----------------------------------------------------------------------------------------------------
def series_when_filter(queryset: QuerySet, when: When | None, today: date) -> QuerySet:
    """`when_filter` for series: upcoming while their last date has not passed."""
    return _by_time(queryset, when, {"until_date__gte": today}, {"until_date__lt": today}, "first_date")


def series_states(series_ids: list[int]) -> dict[int, dict[str, int]]:
    """How many dates of each series are in each state (one query for the page)."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        Reservation.objects.filter(series_id__in=series_ids)
        .order_by()
        .values_list("series_id", "state")
        .annotate(n=Count("pk"))
    )
    for series_id, state, n in rows:
        counts[series_id][state] = n
    return counts


# --- a reservation's history ---------------------------------------------------------------------------------
class By(StrEnum):
    """Who made a change, as the person who booked may know it (names are for the place's staff)."""

    PERSON = "person"  # the person who booked
    PLACE = "place"  # the place's staff (or a site administrator)
    SYSTEM = "system"  # the platform itself: releases, completions, waiting-list offers


def history(reservation: Reservation) -> list[tuple[ReservationEvent, By]]:
    """The changes of a reservation, oldest first, each with who made it."""
    events = reservation.events.select_related("actor").order_by("at", "pk")
    return [(event, _by(event, reservation)) for event in events]


def _by(event: ReservationEvent, reservation: Reservation) -> By:
    if event.actor_id is None:
        return By.SYSTEM
    return By.PERSON if event.actor_id == reservation.person_id else By.PLACE


# --- opening days --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OpeningDay:
    day: date
    intervals: list[tuple[datetime, datetime]]  # on the wall clock of the city, by opening time
    closure: Closure | None  # the dated closure covering the day, if any


@dataclass(frozen=True)
class Opening:
    weekly: list[OpeningHours]
    closures: list[Closure]  # those meeting the period
    days: list[OpeningDay]


def opening(place: Place, first: date, days: int) -> Opening:
    """The place's opening for `days` days from `first`: the same answer as `services.opening_intervals` for
    each day (a closure closes the whole day; else the weekday's hours), read in two queries."""
    try:
        last = first + timedelta(days=days - 1)
    except OverflowError:
        message = _("This date is out of range; choose a date within the next few years.")
        raise ValidationError({"day": [ValidationError(message, code="out_of_range")]}) from None
    weekly = list(OpeningHours.objects.filter(place=place).order_by("weekday", "opens", "pk"))
    closures = list(
        Closure.objects.filter(place=place, start_date__lte=last, end_date__gte=first).order_by("start_date")
    )
    tz = timezone.get_current_timezone()
    answer = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        closure = next((c for c in closures if c.start_date <= day <= c.end_date), None)
        intervals = []
        if closure is None:
            intervals = [
                (datetime.combine(day, h.opens, tzinfo=tz), datetime.combine(day, h.closes, tzinfo=tz))
                for h in weekly
                if h.weekday == day.weekday()
            ]
        answer.append(OpeningDay(day, intervals, closure))
    return Opening(weekly, closures, answer)


# --- prices ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LowestPrice:
    """What a place's bookable resources cost at the least: the cheapest paid one starts from `cents` (a slot,
    or a day where only a day is priced); `free` when one of them costs nothing."""

    cents: int | None
    free: bool


def starting_price_cents():
    """A resource's price as its listing starts from: per slot, else per day, else nothing (free)."""
    return models.Case(
        models.When(price_cents_per_slot__gt=0, then=models.F("price_cents_per_slot")),
        default=Coalesce("price_cents_per_day", models.Value(0)),
    )


def lowest_prices(place_ids) -> dict[int, LowestPrice]:
    """The lowest price of the active resources of each place (one query); a place with none is left out."""
    rows = (
        Resource.objects.filter(place_id__in=list(place_ids), is_active=True)
        .annotate(starts=starting_price_cents())
        .order_by()
        .values_list("place_id", "starts")
        .distinct()
    )
    found: dict[int, list[int]] = defaultdict(list)
    for place_id, starts in rows:
        found[place_id].append(starts)
    return {
        place_id: LowestPrice(min((p for p in prices if p > 0), default=None), 0 in prices)
        for place_id, prices in found.items()
    }
