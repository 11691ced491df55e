"""Calendars (RFC 5545): an appointment, an event's sessions, and the feeds of a place's or an organiser's
public events."""

from __future__ import annotations

from datetime import UTC

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from vicinato.lib.calendar import new_calendar

from .models import Appointment, Event, Session

PRODID = "-//Vicinato//Attivita//IT"


def _calendar(name: str) -> Calendar:
    return new_calendar(PRODID, name)


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def appointment_ics(appointment: Appointment) -> bytes:
    calendar = _calendar("Vicinato")
    item = CalendarEvent()
    item.add("uid", f"appointment-{appointment.pk}@vicinato")
    item.add("sequence", appointment.changes.filter(action="reschedule").count())
    item.add("dtstamp", timezone.now())
    item.add("dtstart", appointment.start.astimezone(UTC))
    item.add("dtend", appointment.end.astimezone(UTC))
    item.add("summary", f"{appointment.service.name_it} — {appointment.advisor.display_name}")
    place = appointment.place
    item.add(
        "location",
        f"{place.name_it}, {place.address}"
        if appointment.mode == "in_person"
        else appointment.get_mode_display(),
    )
    item.add("url", _site(appointment.get_absolute_url()))
    item.add("status", "CANCELLED" if appointment.state == Appointment.State.CANCELLED else "CONFIRMED")
    calendar.add_component(item)
    return calendar.to_ical()


def _session_item(session: Session, event: Event) -> CalendarEvent:
    item = CalendarEvent()
    item.add("uid", f"session-{session.pk}@vicinato")
    item.add("dtstamp", event.updated_at or timezone.now())
    item.add("dtstart", session.start.astimezone(UTC))
    item.add("dtend", session.end.astimezone(UTC))
    item.add("summary", event.title_it)
    if event.description_it:
        item.add("description", event.description_it)
    if event.place_id:
        item.add("location", f"{event.place.name_it}, {event.place.address}")
        item.add("geo", (event.place.lat, event.place.lon))
    else:
        item.add("location", event.online_url)
    item.add("url", _site(event.get_absolute_url()))
    item.add("categories", [event.kind])
    cancelled = session.is_cancelled or event.state == Event.State.CANCELLED
    item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return item


def events_ics(events, name: str = "Vicinato") -> bytes:
    """Every session of the events (with their place prefetched or not), cancelled ones marked so."""
    calendar = _calendar(name)
    for event in events:
        for session in event.sessions.all():
            calendar.add_component(_session_item(session, event))
    return calendar.to_ical()
