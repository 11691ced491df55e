"""Benchmark: reserve() and availability() on the embedded database. Prints one JSON document.

Run: .venv/bin/python benchmarks/booking.py [--bookings 500]. Uses a database of its own
(var/bench-booking.sqlite3, rebuilt each run) unless DATABASE_URL is set.
"""

import argparse
import json
import os
import statistics
import sys
import time as clock
from datetime import date, datetime, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bookings", type=int, default=500)
    args = parser.parse_args()
    database = ROOT / "var" / "bench-booking.sqlite3"
    if "DATABASE_URL" not in os.environ:
        database.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vicinato.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from vicinato.booking.models import Resource
    from vicinato.booking.services import BookingError, availability, reserve
    from vicinato.geo.models import Municipality
    from vicinato.register.models import OpeningHours, Organisation, Place

    call_command("migrate", verbosity=0)
    municipality, _ = Municipality.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    operator = Organisation.objects.create(kind=Organisation.Kind.COOPERATIVE, legal_name="Bench")
    place = Place.objects.create(
        operator=operator,
        kind="coworking",
        name_it="Bench",
        address="-",
        lat=45.46,
        lon=9.19,
        municipality=municipality,
    )
    for weekday in range(7):
        OpeningHours.objects.create(place=place, weekday=weekday, opens=time(8), closes=time(20))
    resources = [
        Resource.objects.create(
            place=place,
            kind="desk",
            name_it=f"Desks {i}",
            capacity=20,
            slot_minutes=60,
            min_minutes=60,
            max_minutes=240,
            max_days_ahead=60,
        )
        for i in range(5)
    ]
    people = [get_user_model().objects.create_user(f"bench{i}") for i in range(50)]
    tz = timezone.get_current_timezone()
    first = timezone.localdate() + timedelta(days=1)
    timings, refused = [], 0
    for n in range(args.bookings):
        day = first + timedelta(days=n % 14)
        hour = 8 + (n * 7) % 10
        start = datetime.combine(day, time(hour), tzinfo=tz)
        began = clock.perf_counter()
        try:
            reserve(people[n % len(people)], resources[n % len(resources)], start, start + timedelta(hours=2))
        except BookingError:
            refused += 1
        timings.append((clock.perf_counter() - began) * 1000)
    began = clock.perf_counter()
    week = availability(place, first, days=7)
    week_ms = (clock.perf_counter() - began) * 1000
    print(
        json.dumps(
            {
                "database": django.db.connection.vendor,
                "reserve_ms": {
                    "p50": round(statistics.median(timings), 2),
                    "p95": round(statistics.quantiles(timings, n=20)[-1], 2),
                    "count": len(timings),
                    "refused_full": refused,
                },
                "availability_place_week_ms": round(week_ms, 2),
                "availability_slots": len(week),
                "first_day": date.isoformat(first),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
