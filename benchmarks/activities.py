"""Benchmark: registrations to events through the API, and the agenda page, on PostgreSQL, served by gunicorn on
loopback (the same setup as benchmarks/booking.py, whose helpers it uses). Prints one JSON document.

Run (PostgreSQL at 127.0.0.1:5432, trust auth for user postgres; `wrk` on the PATH):

    .venv/bin/python benchmarks/activities.py [--duration 30] [--clients 50] [--events 5000] [--keep-db]

What it does, in one run:
1. drops and creates the database `vicinato_bench_activities`, migrates it and seeds `--places` listed places
   and `--events` published public events still to come (one session each, over the next 60 days; kinds,
   languages and prices mixed), and `--people` people with API tokens;
2. serves the app with gunicorn with the deployment's settings (gunicorn.conf.py), as benchmarks/booking.py;
3. registration phase: `--clients` concurrent clients POST /api/v1/activities/events/<id>/registrations for
   `--duration` seconds, each with a random person and one of `--open-events` events with room for all, or
   (`--hot` of them) one of 4 small events (10 places) that fill up at once and then put people on their
   waiting lists: both answer 201 (confirmed or waiting); a person registered already is refused (409);
4. agenda phase: `--light-clients` clients GET the agenda page (/agenda/, unfiltered, filtered by kind, free,
   language, and later pages), the latency one person sees;
5. checks that no event holds more confirmed places than its capacity (must be 0).

Exits with 2 and one line on stderr when PostgreSQL, gunicorn or the app cannot be reached, with 1 when an
event was overbooked."""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import booking as harness

ROOT = Path(__file__).resolve().parent.parent
HOT_CAPACITY = 10

LUA_REGISTER = """
local tokens = %(tokens)s
local open = %(open)s
local hot = %(hot)s

function request()
  local event
  if math.random() < %(hot_share)s then event = hot[math.random(#hot)] else event = open[math.random(#open)] end
  local headers = {
    ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)],
    ["Content-Type"] = "application/json",
  }
  return wrk.format("POST", "/api/v1/activities/events/" .. event .. "/registrations", headers, "{}")
end
"""

LUA_AGENDA = """
local paths = %(paths)s

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""

AGENDA_PATHS = [
    "/agenda/",
    "/agenda/?kind=course",
    "/agenda/?free=on",
    "/agenda/?language=en",
    "/agenda/?kind=workshop&free=on",
    "/agenda/?pagina=10",
    "/en/agenda/",
]


def seed(places: int, events: int, open_events: int, people: int) -> dict:
    """Listed places, published events (one session each) and people with tokens."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.utils import timezone

    from vicinato.activities.models import Event, Session
    from vicinato.geo.models import Municipality
    from vicinato.register.models import ApiToken, Application, OpeningHours, Organisation, Place, Register

    call_command("migrate", verbosity=0)
    municipality = Municipality.objects.create(name="Bench", slug="bench")
    register = Register.objects.create(
        slug="bench", name_it="Bench", owner="Bench", municipality=municipality
    )
    organiser = Organisation.objects.create(kind=Organisation.Kind.ASSOCIATION, legal_name="Bench")
    rng = random.Random(1)
    made = Place.objects.bulk_create(
        Place(
            operator=organiser,
            kind=Place.Kind.SNODO,
            name_it=f"Snodo {n}",
            public_id=f"snodo-{n}",
            address=f"Via Bench {n}",
            lat=45.46 + rng.random() / 20,
            lon=9.17 + rng.random() / 20,
            municipality=municipality,
        )
        for n in range(places)
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(
            place=p, weekday=d, opens=datetime.min.time(), closes=datetime.max.time().replace(microsecond=0)
        )
        for p in made
        for d in range(7)
    )
    Application.objects.bulk_create(
        Application(
            place=p, register=register, state="approved", expires_at=timezone.now() + timedelta(days=365)
        )
        for p in made
    )
    now = timezone.now()
    kinds = [k for k, _label in Event.Kind.choices]
    rows, sessions = [], []
    for n in range(events):
        start = now + timedelta(days=1 + rng.random() * 60)
        start = start.replace(minute=0, second=0, microsecond=0)
        hot = n < 4
        rows.append(
            Event(
                public_id=f"bench-{n}",
                organiser=organiser,
                kind=kinds[n % len(kinds)],
                title_it=f"Evento {n}",
                title_en=f"Event {n}",
                place=made[n % len(made)],
                language="en" if n % 7 == 0 else "it",
                price_cents=0 if n % 3 else 500,
                audiences=["everyone"],
                capacity=HOT_CAPACITY if hot else 1_000_000,
                state=Event.State.PUBLISHED,
                starts_at=start,
                ends_at=start + timedelta(hours=2),
            )
        )
    Event.objects.bulk_create(rows, batch_size=1000)
    for event in Event.objects.all():
        sessions.append(Session(event=event, start=event.starts_at, end=event.ends_at))
    Session.objects.bulk_create(sessions, batch_size=1000)
    from django.db import connection

    with connection.cursor() as cursor:  # the statistics autovacuum would gather on a live database
        cursor.execute("ANALYZE")
    password = make_password(None)
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bench{n}", password=password) for n in range(people)
    )
    tokens = ApiToken.objects.bulk_create(ApiToken(user=u, name="bench").new_key() for u in users)
    return {
        "tokens": [t.key for t in tokens],
        "hot": [f"bench-{n}" for n in range(4)],
        "open": [f"bench-{n}" for n in range(4, 4 + open_events)],
    }


def registrations_by_state() -> dict[str, int]:
    from django.db.models import Count

    from vicinato.activities.models import Registration

    return dict(Registration.objects.values_list("state").annotate(n=Count("pk")).order_by("state"))


def overbooked() -> int:
    """Events with more confirmed registrations than places."""
    from django.db.models import Count, F, Q

    from vicinato.activities.models import Event

    return (
        Event.objects.annotate(held=Count("registrations", filter=Q(registrations__state="confirmed")))
        .filter(held__gt=F("capacity"))
        .count()
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=30, help="seconds of the registration phase")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--places", type=int, default=100)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--open-events", type=int, default=200, help="events the registrations go to")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--hot", type=float, default=0.1, help="share of registrations to the 4 small events")
    parser.add_argument("--agenda-duration", type=int, default=15)
    parser.add_argument("--light-clients", type=int, default=4, help="clients of the agenda phase")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--conn-max-age", type=int, default=300)
    parser.add_argument("--database", default="vicinato_bench_activities")
    parser.add_argument("--postgres", default=harness.SERVER)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        harness.fail("wrk is not installed: `apt-get install -y wrk`.")

    load_start = harness.load()
    harness.use_server(args.postgres)
    env = harness.django_on(args.database, args.conn_max_age)
    from django.db import connection

    print("activities benchmark: seeding", file=sys.stderr)
    data = seed(args.places, args.events, args.open_events, args.people)
    connection.close()
    port = harness.free_port()
    base = f"http://127.0.0.1:{port}"
    served = harness.gunicorn_settings(args.workers, args.threads)
    server = harness.start_gunicorn(env, port, served)
    phases = {}
    try:
        harness.wait_until_up(server, f"{base}/agenda/")
        with tempfile.TemporaryDirectory() as workdir:
            workdir = Path(workdir)
            register_lua = LUA_REGISTER % {
                "tokens": harness.lua_list(data["tokens"]),
                "open": harness.lua_list(data["open"]),
                "hot": harness.lua_list(data["hot"]),
                "hot_share": args.hot,
            }
            agenda_lua = LUA_AGENDA % {"paths": harness.lua_list(AGENDA_PATHS)}
            meter = harness.CpuMeter(server, args.database)

            def drive(script: str, clients: int, seconds: int) -> dict:
                loadavg = harness.load()
                meter.start()
                result = harness.run_wrk(base, script, clients, seconds, workdir)
                return {
                    "clients": clients,
                    "load_avg_before": loadavg,
                    **result,
                    **meter.stop(result["requests"]),
                }

            print("activities benchmark: warming up", file=sys.stderr)
            drive(agenda_lua, args.clients, 3)
            harness.settle(args.database)
            print("activities benchmark: registrations", file=sys.stderr)
            phases["registration"] = drive(register_lua, args.clients, args.duration)
            phases["registration"]["settled_after_s"] = harness.settle(args.database)
            states = registrations_by_state()
            connection.close()
            print("activities benchmark: agenda", file=sys.stderr)
            phases["agenda"] = drive(agenda_lua, args.light_clients, args.agenda_duration)
    finally:
        server.terminate()
        server.wait(timeout=20)
        server.log.unlink(missing_ok=True)
    over = overbooked()
    connection.close()
    if not args.keep_db:
        import psycopg

        with psycopg.connect(f"{harness.SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    registration = phases["registration"]
    answered = registration["statuses"].get("201", 0)
    per_s = round(answered / registration["seconds"], 1)
    agenda_p95 = phases["agenda"]["latency_ms"]["p95"]
    # What the CPU measured per request allows with every core to itself (others' work takes its share during
    # the run on a shared machine: see cpu_s.others), as benchmarks/booking.py reports it.
    cores = os.cpu_count() or 1
    spent = registration["cpu_ms_per_request"]
    per_request = spent["gunicorn"] + spent["postgres"] + spent["client"]
    share = answered / max(registration["requests"], 1)
    agenda_spent = phases["agenda"]["cpu_ms_per_request"]
    budget = {
        "cpu_ms_per_registration_request": round(per_request, 2),
        "registrations_per_s_with_every_core": round(cores * 1000 / per_request * share, 1),
        "cpu_ms_per_agenda_page": round(agenda_spent["gunicorn"] + agenda_spent["postgres"], 2),
    }
    print(
        json.dumps(
            {
                "benchmark": "activities",
                "registrations_answered_201": answered,
                "registrations_per_s": per_s,
                "registration": registration,
                "registrations_by_state": states,
                "overbooked_events": over,
                "agenda": phases["agenda"],
                "cpu_budget": budget,
                "target": {
                    "registrations_per_s": 300,
                    "agenda_p95_ms": 100,
                    "met": per_s >= 300 and agenda_p95 < 100 and over == 0,
                },
                "settings": {
                    "clients": args.clients,
                    "light_clients": args.light_clients,
                    "duration_s": args.duration,
                    "events": args.events,
                    "open_events": args.open_events,
                    "places": args.places,
                    "people": args.people,
                    "hot_share": args.hot,
                    "hot_capacity": HOT_CAPACITY,
                    "gunicorn": served,
                    "agenda_paths": AGENDA_PATHS,
                    "client_version": harness.client_version("wrk"),
                    "cpu_count": os.cpu_count(),
                },
                "load_avg_start": load_start,
                "load_avg_end": harness.load(),
                "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            },
            indent=2,
        )
    )
    sys.exit(0 if over == 0 else 1)


if __name__ == "__main__":
    main()
