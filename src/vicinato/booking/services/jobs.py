"""What the scheduled jobs do every minute: no-shows released, finished bookings completed, offers expired."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from .. import notifications
from ..models import (
    Reservation,
    Resource,
    WaitingListEntry,
)
from .common import S, W
from .transitions import checkin_window, transition
from .waiting_list import offer_free_units


def release_no_shows(now: datetime | None = None) -> int:
    """Mark as no-shows the confirmed bookings not checked in by the end of the window; frees their units."""
    now = now or timezone.now()
    released = 0
    for reservation in Reservation.objects.filter(state=S.CONFIRMED, start__lt=now).select_related(
        "resource"
    ):
        if checkin_window(reservation)[1] < now:
            transition(reservation, "no_show", now=now)
            released += 1
    return released


def complete_finished(now: datetime | None = None) -> int:
    now = now or timezone.now()
    finished = list(Reservation.objects.filter(state=S.CHECKED_IN, end__lte=now))
    for reservation in finished:
        transition(reservation, "complete", now=now)
    return len(finished)


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
