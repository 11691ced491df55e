"""What happens with time passing (`vicinato activities-jobs`, e.g. every minute): offers expire and go to the
next in line, reminders go out, old reasons are deleted. Safe to run repeatedly."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import timezone

from .. import notifications
from . import appointments, registrations


def run_scheduled_jobs(now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    return {
        "appointment_offers_expired": appointments.expire_offers(now),
        "registration_offers_expired": registrations.expire_offers(now),
        "reminders": notifications.send_reminders(now, getattr(settings, "BOOKING_REMINDER_HOURS", 24)),
        "reasons_deleted": appointments.purge_reasons(now),
    }
