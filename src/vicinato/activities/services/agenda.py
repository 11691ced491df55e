"""The city-wide agenda: public events still to come, filtered by kind, dates, area, audience, price and
language; the same query serves the pages, the API, the feeds and the open data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from ..models import Event
from .common import midnight


@dataclass(frozen=True)
class AgendaFilter:
    kind: str = ""
    since: date | None = None  # events with a session on or after this day (default: today)
    until: date | None = None  # ... starting on or before this day
    municipio: str = ""  # district code
    nil: str = ""  # neighbourhood code
    audience: str = ""
    free: bool = False
    language: str = ""
    place: str = ""  # a place's public id
    organiser: int | None = None
    q: str = ""


def public_events() -> QuerySet[Event]:
    """Published (or cancelled after publishing) public events, with what a list shows."""
    return (
        Event.objects.filter(is_public=True, state__in=[Event.State.PUBLISHED, Event.State.CANCELLED])
        .exclude(starts_at=None)
        .select_related("place__neighbourhood", "place__district", "organiser")
        .defer(
            "place__neighbourhood__geometry",
            "place__neighbourhood__outline",
            "place__district__geometry",
            "place__district__outline",
        )
    )


# The filters that ask a column to equal their value (when they have one): (filter, column).
_EQUAL_FILTERS = (
    ("kind", "kind"),
    ("municipio", "place__district__code"),
    ("nil", "place__neighbourhood__code"),
    ("language", "language"),
    ("place", "place__public_id"),
    ("organiser", "organiser_id"),
)


def agenda(filters: AgendaFilter, now=None) -> QuerySet[Event]:
    """The public events of the agenda, first sessions first: those not over (or from `since`)."""
    now = now or timezone.now()
    events = public_events().filter(state=Event.State.PUBLISHED)
    since = midnight(filters.since) if filters.since else now
    events = events.filter(ends_at__gte=since)
    if filters.until:
        events = events.filter(starts_at__lt=midnight(filters.until + timedelta(days=1)))
    for name, lookup in _EQUAL_FILTERS:
        if value := getattr(filters, name):
            events = events.filter(**{lookup: value})
    if filters.audience:
        # JSON lists are matched as text: portable between SQLite and PostgreSQL.
        events = events.filter(
            Q(audiences__icontains=f'"{filters.audience}"') | Q(audiences__icontains='"everyone"')
        )
    if filters.free:
        events = events.filter(price_cents=0)
    if filters.q:
        events = events.filter(
            Q(title_it__icontains=filters.q)
            | Q(title_en__icontains=filters.q)
            | Q(description_it__icontains=filters.q)
        )
    return events.order_by("starts_at", "pk")


def with_details(ids: list[int]) -> list[Event]:
    """The events of `ids` with what a list shows, in that order: a page of the agenda is chosen on the events'
    own columns (an index and a sort of ids), and only its events are joined to their places."""
    found = public_events().in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]
