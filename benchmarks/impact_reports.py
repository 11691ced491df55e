"""Benchmark: the impact reports over many BookingImpact rows on PostgreSQL. Prints one JSON document.

Run (PostgreSQL at 127.0.0.1:5432, trust auth for user postgres):

    .venv/bin/python benchmarks/impact_reports.py [--rows 200000] [--people 20000] [--repeat 5] [--keep-db]

It drops and creates the database `vicinato_bench_impact_reports`, migrates it, makes a municipality with 9
Municipi and 88 NILs (squares: the reports never look at geometry), 50 places, 40 employers and `--rows`
BookingImpact rows of `--people` people over 12 months (homes spread over the NILs, some outside; a few NILs
with very few people, so that suppression has work), then times, `--repeat` times each, the median and worst:
the city's dashboard (5 tables, every cell), an employer's report (4 tables, small cells suppressed, the
largest employer), the open data (NIL × month cells, suppressed per month) and the same filtered to 3 months.
Exits with 2 and one line on stderr when PostgreSQL cannot be reached."""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import booking as harness

ROOT = Path(__file__).resolve().parent.parent


def square(lon: float, lat: float, size: float = 0.01) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
        ],
    }


def seed(rows: int, people: int) -> dict:
    from django.utils import timezone

    from vicinato.geo.models import Area, Municipality
    from vicinato.impact.models import BookingImpact
    from vicinato.register.models import Organisation, Place

    rng = random.Random(15)
    city = Municipality.objects.create(name="Milano", slug="milano")
    districts = []
    for code in range(1, 10):
        area = Area(municipality=city, level="district", code=str(code), name=f"Municipio {code}")
        area.set_geometry(square(9.0 + code / 100, 45.4))
        area.save()
        districts.append(area)
    nils = []
    for code in range(1, 89):
        area = Area(
            municipality=city,
            level="neighbourhood",
            code=str(code),
            name=f"NIL {code}",
            parent=districts[code % 9],
        )
        area.set_geometry(square(9.0 + code / 1000, 45.5))
        area.save()
        nils.append(area)
    operator = Organisation.objects.create(kind="coworking_operator", legal_name="Bench cowork")
    places = [
        Place.objects.create(
            operator=operator,
            kind="coworking",
            name_it=f"Luogo {n}",
            address="Via X 1",
            lat=45.46,
            lon=9.19,
            municipality=city,
            desks=10,
        )
        for n in range(50)
    ]
    employers = [Organisation.objects.create(kind="company", legal_name=f"Azienda {n}") for n in range(40)]
    # Each person: a home NIL (the last 3 NILs hold only a handful of people: small cells), maybe an employer.
    persons = []
    for n in range(people):
        home = rng.choice(nils[-3:]) if n < 6 else (rng.choice(nils[:-3]) if rng.random() < 0.95 else None)
        employer = employers[min(int(rng.paretovariate(1.2)) - 1, 39)] if rng.random() < 0.7 else None
        persons.append((uuid.uuid4(), home, employer))
    first = date(2030, 1, 1)
    now = timezone.now()
    batch = []
    for n in range(rows):
        subject, home, employer = persons[n % people] if n < people else rng.choice(persons)
        saved = rng.uniform(-20, 90)
        km = rng.uniform(-3, 40)
        batch.append(
            BookingImpact(
                subject=subject,
                employer=employer,
                place=rng.choice(places),
                day=first + timedelta(days=rng.randrange(365)),
                arrival_hour=rng.choice([7, 8, 8, 9, 9, 10, 14]),
                home_area=home,
                municipio=int(home.parent.code) if home else None,
                trip_mode="walk",
                trip_minutes=20,
                trip_km=2,
                avoided_mode="car_driver",
                avoided_minutes=saved + 20,
                avoided_km=km + 2,
                saved_minutes=saved,
                saved_km=km,
                km_by_mode={"car_driver": km, "walk": -2},
                co2_g=km * 175,
                nox_g=km * 0.4,
                pm10_g=km * 0.045,
                into_centre=rng.random() < 0.3,
                in_peak=rng.random() < 0.6,
                factors_version="ispra-2021-urban.1",
                computed_at=now,
            )
        )
        if len(batch) == 10_000:
            BookingImpact.objects.bulk_create(batch)
            batch = []
    BookingImpact.objects.bulk_create(batch)
    return {"city": city, "employer": employers[0]}


def timed(repeat: int, work) -> dict:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return {"median_ms": round(statistics.median(times) * 1000, 1), "max_ms": round(max(times) * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", default="vicinato_bench_impact_reports")
    parser.add_argument("--postgres", default=harness.SERVER)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    if args.rows < 1 or args.people < 10:
        parser.error("--rows must be at least 1 and --people at least 10")
    harness.use_server(args.postgres)
    harness.create_database(args.database)
    os.environ.update({"DATABASE_URL": f"{harness.SERVER}/{args.database}", "DEBUG": "0"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vicinato.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from vicinato.impact.reports import aggregates, opendata, scope

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    data = seed(args.rows, args.people)
    seeded_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    city_rows = scope.city_rows(data["city"])
    employer_rows = scope.employer_rows(data["employer"])
    three_months = city_rows.filter(day__gte=date(2030, 4, 1), day__lt=date(2030, 7, 1))
    employer_report = aggregates.report(employer_rows, ("month", "municipio", "nil", "hour"), suppress=True)
    result = {
        "benchmark": "impact_reports",
        "at": datetime.now().isoformat(timespec="seconds"),
        "rows": args.rows,
        "people": args.people,
        "seed_s": round(seeded_s, 1),
        "employer_rows": employer_rows.count(),
        "employer_suppressed_cells": sum(t.suppressed for t in employer_report.tables.values()),
        "open_data_cells": len(opendata.records()),
        "open_data_suppressed": sum(r["suppressed"] for r in opendata.records()),
        "city_dashboard": timed(
            args.repeat,
            lambda: aggregates.report(city_rows, ("month", "municipio", "nil", "hour", "employer"), False),
        ),
        "city_dashboard_3_months": timed(
            args.repeat,
            lambda: aggregates.report(three_months, ("month", "municipio", "nil", "hour", "employer"), False),
        ),
        "employer_report": timed(
            args.repeat, lambda: aggregates.report(employer_rows, ("month", "municipio", "nil", "hour"), True)
        ),
        "open_data_csv": timed(args.repeat, opendata.impact_csv),
        "load": harness.load(),
    }
    connection.close()
    if not args.keep_db:
        import psycopg

        with psycopg.connect(f"{harness.SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
