"""Calendars (RFC 5545): an .ics for each reservation and a private, revocable feed per person."""

from __future__ import annotations

import secrets
from datetime import UTC, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from icalendar import Calendar, Event

from vicinato.lib.calendar import new_calendar

from .models import CalendarFeed, Reservation

PRODID = "-//Vicinato//Prenotazioni//IT"
CHANGES = ("move", "move_unit")  # the events that change what a calendar shows: its SEQUENCE counts them
FEED_STATES = [
    Reservation.State.REQUESTED,
    Reservation.State.CONFIRMED,
    Reservation.State.CHECKED_IN,
    Reservation.State.COMPLETED,
]


def _calendar(name: str) -> Calendar:
    return new_calendar(PRODID, name)


def _event(reservation: Reservation, sequence: int) -> Event:
    place = reservation.resource.place
    event = Event()
    event.add("uid", f"reservation-{reservation.pk}@vicinato")
    # One more with each change of time or unit: calendar apps then update the event they have.
    event.add("sequence", sequence)
    event.add("dtstamp", timezone.now())
    # UTC times are exact and every client converts them; the feed names Europe/Rome as its zone.
    event.add("dtstart", reservation.start.astimezone(UTC))
    event.add("dtend", reservation.end.astimezone(UTC))
    unit = f" {reservation.unit.name}" if reservation.unit_id else ""
    event.add("summary", f"{reservation.resource.name}{unit} — {place.name_it}")
    event.add("location", f"{place.address}, {place.municipality.name}")
    event.add("geo", (place.lat, place.lon))
    event.add("url", settings.SITE_URL.rstrip("/") + place.get_absolute_url())
    event.add("status", "TENTATIVE" if reservation.state == Reservation.State.REQUESTED else "CONFIRMED")
    event.add("description", f"Check-in: {reservation.checkin_code}")
    return event


def reservation_ics(reservation: Reservation) -> bytes:
    calendar = _calendar("Vicinato")
    sequence = reservation.events.filter(action__in=CHANGES).count()
    calendar.add_component(_event(reservation, sequence))
    return calendar.to_ical()


def feed_ics(feed: CalendarFeed) -> bytes:
    """The person's bookings from 30 days ago on (cancelled ones drop out of the feed)."""
    calendar = _calendar("Vicinato")
    reservations = Reservation.objects.filter(
        person=feed.person, state__in=FEED_STATES, end__gte=timezone.now() - timedelta(days=30)
    ).select_related("resource__place__municipality", "unit")
    changes = Count("events", filter=Q(events__action__in=CHANGES))
    for reservation in reservations.annotate(changes=changes):
        calendar.add_component(_event(reservation, reservation.changes))
    return calendar.to_ical()


def feed_for(person, renew: bool = False) -> CalendarFeed:
    """The person's feed, created on first use; `renew` revokes the old address with a new token."""
    feed, created = CalendarFeed.objects.get_or_create(
        person=person, defaults={"token": secrets.token_urlsafe(24)}
    )
    if renew and not created:
        feed.token = secrets.token_urlsafe(24)
        feed.save(update_fields=["token", "created_at"])
    return feed
