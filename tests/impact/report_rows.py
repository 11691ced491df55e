"""BookingImpact rows made directly (the computation has its own tests): what the reports' tests add up."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from django.utils import timezone

from vicinato.geo.models import Area
from vicinato.impact.models import BookingImpact

FACTORS = "ispra-2021-urban.1"


def people(count: int) -> list[uuid.UUID]:
    """`count` distinct subjects (people, for the reports)."""
    return [uuid.uuid4() for _ in range(count)]


def nil(code: str) -> Area:
    return Area.objects.get(level=Area.Level.NEIGHBOURHOOD, code=code)


def impact(place, subject, day: date, **values) -> BookingImpact:
    """One booking's savings: a 20 km car commute avoided for a 2 km walk (the figures are round on purpose)."""
    fields = {
        "subject": subject,
        "place": place,
        "day": day,
        "arrival_hour": 8,
        "home_area": None,
        "municipio": None,
        "trip_mode": "walk",
        "trip_minutes": 30.0,
        "trip_km": 2.0,
        "avoided_mode": "car_driver",
        "avoided_minutes": 90.0,
        "avoided_km": 20.0,
        "saved_minutes": 60.0,
        "saved_km": 18.0,
        "km_by_mode": {"car_driver": 20.0, "walk": -2.0},
        "co2_g": 3500.0,
        "nox_g": 8.0,
        "pm10_g": 0.9,
        "into_centre": True,
        "in_peak": True,
        "factors_version": FACTORS,
        "computed_at": timezone.make_aware(datetime(2030, 3, 1, 12)),
        **values,
    }
    return BookingImpact.objects.create(**fields)


def impacts(place, subjects, day: date, area: Area | None = None, bookings_each: int = 1, **values) -> list:
    """Each subject's `bookings_each` bookings on `day`, homes in `area` (its Municipio from the area's parent)."""
    municipio = int(area.parent.code) if area is not None and area.parent else None
    return [
        impact(place, s, day, home_area=area, municipio=municipio, **values)
        for s in subjects
        for _ in range(bookings_each)
    ]
