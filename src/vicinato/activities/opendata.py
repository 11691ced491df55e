"""Open data of the public events (CSV, JSON, iCalendar) and their entry in the DCAT-AP_IT catalog."""

from __future__ import annotations

import io
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from vicinato.lib import spreadsheet
from vicinato.lib.dcat import bilingual, distributions

from . import calendar
from .models import Event
from .services.agenda import public_events

FIELDS = [
    "id",
    "title_it",
    "title_en",
    "kind",
    "state",
    "organiser",
    "place_id",
    "place_name",
    "address",
    "lat",
    "lon",
    "nil",
    "municipio",
    "online",
    "language",
    "audiences",
    "free",
    "price_eur",
    "capacity",
    "registration",
    "starts_at",
    "ends_at",
    "sessions",
    "url",
]
LICENCE = "https://creativecommons.org/licenses/by/4.0/"


def published(now=None):
    """The public events of open data: those published (or cancelled) that end from 30 days ago on."""
    now = now or timezone.now()
    return (
        public_events()
        .filter(ends_at__gte=now - timedelta(days=30))
        .prefetch_related("sessions")
        .order_by("starts_at", "pk")
    )


def record(event: Event) -> dict:
    place = event.place
    sessions = [s for s in event.sessions.all() if not s.is_cancelled]
    return {
        "id": event.public_id,
        "title_it": event.title_it,
        "title_en": event.title_en or event.title_it,
        "kind": event.kind,
        "state": event.state,
        "organiser": event.organiser.legal_name,
        "place_id": place.public_id if place else None,
        "place_name": place.name_it if place else None,
        "address": place.address if place else None,
        "lat": place.lat if place else None,
        "lon": place.lon if place else None,
        "nil": place.neighbourhood.name if place and place.neighbourhood else None,
        "municipio": place.district.code if place and place.district else None,
        "online": place is None,
        "language": event.language,
        "audiences": list(event.audiences),
        "free": event.price_cents == 0,
        "price_eur": event.price_cents / 100,
        "capacity": event.capacity,
        "registration": event.registration,
        "starts_at": timezone.localtime(event.starts_at).isoformat(),
        "ends_at": timezone.localtime(event.ends_at).isoformat(),
        "sessions": len(sessions),
        "url": settings.SITE_URL.rstrip("/") + event.get_absolute_url(),
    }


def events_json(now=None) -> list[dict]:
    return [record(e) for e in published(now)]


def events_csv(now=None) -> str:
    out = io.StringIO()
    writer = spreadsheet.dict_writer(out, fieldnames=FIELDS)
    writer.writeheader()
    for row in events_json(now):
        writer.writerow({**row, "audiences": ";".join(row["audiences"])})
    return out.getvalue()


def events_ics(now=None) -> bytes:
    return calendar.events_ics(published(now), "Vicinato — eventi")


def dcat_dataset(base: str) -> dict:
    """The events' dataset for the DCAT-AP_IT catalog (`web.opendata.catalog_json` lists it)."""
    formats = [
        ("csv", "text/csv", "CSV"),
        ("json", "application/json", "JSON"),
        ("ics", "text/calendar", "ICS"),
    ]
    return {
        "@id": f"{base}/opendata/events",
        "@type": ["dcat:Dataset", "dcatapit:Dataset"],
        "dct:identifier": "vicinato:events",
        "dct:title": bilingual(
            "Eventi, corsi e laboratori nei luoghi di prossimità",
            "Events, courses and workshops at the proximity places",
        ),
        "dct:description": bilingual(
            "Corsi, laboratori, assemblee, incontri di co-progettazione e conferenze pubblici "
            "nei luoghi del lavoro di prossimità, con date, luogo, lingua e pubblico.",
            "Public courses, workshops, assemblies, co-design meetings and talks at the places "
            "of proximity work, with dates, place, language and audience.",
        ),
        "dcat:theme": {"@id": "http://publications.europa.eu/resource/authority/data-theme/EDUC"},
        "dct:accrualPeriodicity": {"@id": "http://publications.europa.eu/resource/authority/frequency/CONT"},
        "dct:modified": timezone.localdate().isoformat(),
        "dct:license": {"@id": LICENCE},
        "dcat:distribution": distributions(base, "events", formats, {"@id": LICENCE}),
    }
