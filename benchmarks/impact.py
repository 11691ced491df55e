"""Benchmark: what bookings save (issue 15), on the demo city.

Run: .venv/bin/python benchmarks/impact.py [--bookings 1000000] [--people 5000] [--duration 15] [--clients 20]
     [--workers 2] [--no-api] [--update-rows 200000]

Targets: the savings of 1,000,000 bookings computed in under 60 s (batch, as `vicinato impact-recompute`); the
estimate API (POST /api/v1/impact/estimate) p95 under 50 ms under 20 clients. Prints one JSON document with:
- batch: a synthetic year of bookings on the demo city (--people commuters with homes and workplaces at random
  on the street map, modes in the demo's shares, each booking at one of the 3 listed places nearest home), computed
  in memory by impact.services.compute (every distinct trip routed once: street tables of unique cells by unique
  destinations, public transport journeys by origin, destination and time), with the number of distinct trips
  routed per mode and the share of bookings without a route; then the same rows' emissions again with other
  factors (no routing: what a change of factors costs in memory), and the SQL UPDATE that `impact-recompute`
  runs after a change of factors over --update-rows stored results (inserted, updated, rolled back);
- sanity: a car commuter with a daily round trip of about 35 km (ENEA 2023: about 6 kg of CO2 saved a remote
  day, and 1 h 20 min): the pair of points of the demo city whose car round trip is nearest 35 km, and what
  Vicinato computes for it;
- api: wrk against gunicorn (2 sync workers) with --clients connections, after a warm-up as long as a phase:
  `cold` (every request a different pair of 250 m cells: each routes its trips) and `warm` (200 requests
  repeated: each worker's cache of answers replies).
The demo city lives in --data-dir (default var/bench-speed), built when missing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _serve  # noqa: E402

TARGET_BATCH_S = 60
TARGET_P95_MS = 50
MODES = ["car_driver"] * 8 + ["transit"] * 7 + ["car_passenger", "motorbike"] + ["bike"] * 2 + ["walk"]
BOX = (45.42, 45.52, 9.10, 9.26)  # lat, lat, lon, lon: the demo city's streets


def log(message: str) -> None:
    print(f"impact benchmark: {message}", file=sys.stderr, flush=True)


def random_points(rng: random.Random, count: int, trips) -> list[tuple[float, float]]:
    import numpy as np

    found: list[tuple[float, float]] = []
    while len(found) < count:
        batch = np.column_stack(
            [
                [rng.uniform(BOX[0], BOX[1]) for _ in range(count)],
                [rng.uniform(BOX[2], BOX[3]) for _ in range(count)],
            ]
        )
        ok = trips.on_map(batch)
        found += [tuple(p) for p in batch[ok]]
    return found[:count]


def batch(args, rng: random.Random) -> dict:
    import numpy as np

    from vicinato.impact import factors, services, trips
    from vicinato.register.models import Place

    places = np.array(list(Place.objects.listed().values_list("lat", "lon")), dtype=float)
    log(f"{len(places)} listed places; drawing {args.people} commuters")
    homes = np.array([services.coarse(*p) for p in random_points(rng, args.people, trips)])
    offices = np.array([services.coarse(*p) for p in random_points(rng, 300, trips)])
    works = offices[[rng.randrange(len(offices)) for _ in range(args.people)]]
    usual = np.array([rng.choice(MODES) for _ in range(args.people)], dtype=object)
    arrivals = [
        rng.choice([clock(8, 0), clock(8, 30), clock(9, 0), clock(9, 30)]) for _ in range(args.people)
    ]
    # The 3 listed places nearest each home (straight line).
    d2 = ((homes[:, None, :] - places[None, :, :]) * [1.0, 0.7]) ** 2
    nearest = np.argsort(d2.sum(axis=2), axis=1)[:, :3]
    n = args.bookings
    who = np.array([rng.randrange(args.people) for _ in range(n)])
    pick = nearest[who, np.array([rng.randrange(3) for _ in range(n)])]
    first = date(2027, 1, 4)
    weekdays = [first + timedelta(days=7 * (k // 5) + k % 5) for k in range(260)]
    days = [weekdays[rng.randrange(260)] for _ in range(n)]
    starts = [clock(9, 0), clock(9, 30), clock(10, 0)]
    trip_arrivals = [starts[rng.randrange(3)] for _ in range(n)]
    rows = services.Rows(
        homes=homes[who],
        works=works[who],
        places=places[pick],
        trip_modes=usual[who],
        avoided_modes=usual[who],
        days=days,
        trip_arrivals=trip_arrivals,
        usual_arrivals=[arrivals[i] for i in who],
    )
    distinct = {}
    for mode in sorted(set(MODES)):
        sel = np.concatenate([usual[who] == mode, usual[who] == mode])
        pairs = np.concatenate(
            [np.column_stack([rows.homes, rows.places]), np.column_stack([rows.homes, rows.works])]
        )[sel]
        distinct[mode] = int(len(np.unique(pairs, axis=0)))
    log(f"{n} bookings of {args.people} commuters built; computing")
    started, cpu = time.perf_counter(), time.process_time()
    results = services.compute(rows, today=date(2027, 1, 1))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    log(f"computed in {seconds:.1f} s")
    # The same savings with other factors: the emissions only, from the kept km by mode.
    keys = sorted({k for m in results.km_by_mode[:1000] for k in m} | set(factors.current().grams))
    started = time.perf_counter()
    columns = {
        k: np.fromiter((m.get(k, 0.0) for m in results.km_by_mode), dtype=float, count=n) for k in keys
    }
    factors.current().emissions_arrays(columns)
    refactor_s = time.perf_counter() - started
    return {
        "bookings": n,
        "people": args.people,
        "places": int(len(places)),
        "distinct_round_trips_by_mode": distinct,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "load_avg": _serve.load(),
        "routing_seconds_by_graph": dict(services.last_timings),
        "bookings_per_s": round(n / seconds),
        "routed_share": round(float(results.ok.mean()), 4),
        "saved_minutes_mean": round(float(np.nanmean(results.saved_minutes)), 1),
        "co2_kg_total": round(float(np.nansum(results.co2_g[results.ok])) / 1000, 1),
        "into_centre_share": round(float(results.into_centre.mean()), 3),
        "new_factors_in_memory_s": round(refactor_s, 2),
        "target_s": TARGET_BATCH_S,
        "met": seconds < TARGET_BATCH_S,
    }


def sql_update(rows: int) -> dict:
    """apply_factors (the UPDATE of impact-recompute) over `rows` results, rolled back."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from vicinato.impact import recompute
    from vicinato.impact.models import BookingImpact
    from vicinato.register.models import Place

    place = Place.objects.listed().first()
    now = timezone.now()
    template = dict(
        subject="00000000-0000-4000-8000-000000000000",
        place=place,
        day=date(2027, 3, 2),
        arrival_hour=9,
        trip_mode="walk",
        trip_minutes=20,
        trip_km=1.6,
        avoided_mode="car_driver",
        avoided_minutes=70,
        avoided_km=21.0,
        saved_minutes=50,
        saved_km=19.4,
        km_by_mode={"car_driver": 21.0, "walk": -1.6},
        co2_g=0,
        nox_g=0,
        pm10_g=0,
        factors_version="old",
        computed_at=now,
    )
    assert get_user_model()  # the app registry is ready
    with transaction.atomic():
        started = time.perf_counter()
        BookingImpact.objects.bulk_create((BookingImpact(**template) for _ in range(rows)), batch_size=10_000)
        inserted_s = time.perf_counter() - started
        started = time.perf_counter()
        updated = recompute.apply_factors(BookingImpact.objects.filter(factors_version="old"))
        update_s = time.perf_counter() - started
        transaction.set_rollback(True)
    return {"rows": updated, "insert_s": round(inserted_s, 2), "update_s": round(update_s, 2)}


def sanity(rng: random.Random) -> dict:
    import numpy as np

    from vicinato.impact import estimates, factors, services, trips

    pts = np.array([services.coarse(*p) for p in random_points(rng, 400, trips)])
    a, b = pts[:200], pts[200:]
    got = trips.road_round_trips("car_driver", a, b)
    best = int(np.nanargmin(np.abs(got.km - 35)))
    home, work = tuple(a[best]), tuple(b[best])
    answer = estimates.estimate(home=home, work=work, mode="car_driver", point=home)
    car = factors.current().grams["car_driver"]["co2"]
    return {
        "case": "car driver, daily round trip about 35 km; ENEA 2023: about 6 kg CO2 and 1 h 20 min a remote day",
        "home_cell": home,
        "work_cell": work,
        "round_trip_km": answer["avoided_km"],
        "round_trip_minutes": answer["avoided_minutes"],
        "co2_kg_saved_working_at_home": round(answer["avoided_km"] * car / 1000, 2),
        "co2_kg_saved_working_at_a_place_by_home": round(answer["co2_g"] / 1000, 2),
        "car_factor_g_per_km": car,
        "average_speed_kmh": round(answer["avoided_km"] / (answer["avoided_minutes"] / 60), 1),
    }


def api(args, env: dict, rng: random.Random) -> dict:
    from vicinato.impact import trips
    from vicinato.register.models import Place

    ids = list(Place.objects.listed().values_list("public_id", flat=True))

    def body() -> str:
        home, work = random_points(rng, 2, trips)
        return json.dumps(
            {
                "home": {"lat": round(home[0], 5), "lon": round(home[1], 5)},
                "work": {"lat": round(work[0], 5), "lon": round(work[1], 5)},
                "mode": rng.choice(MODES),
                "place": rng.choice(ids),
            }
        )

    cold = [body() for _ in range(6000)]
    warm = [body() for _ in range(200)]
    server = _serve.Server(env, args.workers, 1, "sync")
    phases = {}
    try:
        server.wait("/api/v1/registers")
        for name, bodies, seconds in (
            ("warmup", warm, max(5.0, args.duration)),
            ("warm", warm, args.duration),
            ("cold", cold, args.duration),
        ):
            cpu = server.cpu_seconds()
            data = _serve.wrk(
                server.base, bodies, args.clients, seconds, _serve.post("/api/v1/impact/estimate")
            )
            used = server.cpu_seconds() - cpu
            phases[name] = {
                "distinct_bodies": len(bodies),
                "requests": data["requests"],
                "requests_per_s": round(data["requests"] / data["seconds"], 1),
                "non_2xx": data["non_2xx"],
                "latency_ms": data["latency_ms"],
                "server_cpu_ms_per_request": round(1000 * used / data["requests"], 2)
                if data["requests"]
                else None,
                "load_avg": _serve.load(),
            }
    finally:
        server.stop()
    phases.pop("warmup", None)
    return {
        **phases,
        "clients": args.clients,
        "gunicorn": server.settings(),
        "target_p95_ms": TARGET_P95_MS,
        "met_cold": phases["cold"]["latency_ms"]["p95"] < TARGET_P95_MS,
        "met_warm": phases["warm"]["latency_ms"]["p95"] < TARGET_P95_MS,
    }


def main() -> None:
    _serve.NAME = "impact benchmark"
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bookings", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--update-rows", type=int, default=200_000, help="0: skip the SQL UPDATE")
    parser.add_argument("--duration", type=float, default=15)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-api", action="store_true")
    parser.add_argument("--data-dir", type=Path, default=_serve.ROOT / "var" / "bench-speed")
    parser.add_argument("--setup", action="store_true", help="migrate and load the demo even if present")
    args = parser.parse_args()
    if not args.no_api:
        _serve.need_wrk()
    load_start = _serve.load()
    env = _serve.demo_env(args.data_dir, args.setup)
    os.environ.update(
        {"VICINATO_DATA_DIR": str(args.data_dir), "DEBUG": "0", "SECRET_KEY": env["SECRET_KEY"]}
    )
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vicinato.settings")
    sys.path.insert(0, str(_serve.ROOT / "src"))
    import django

    django.setup()
    from vicinato.geo import transit, travel

    travel.network()
    if transit.available():
        transit.router().warm_up()
    rng = random.Random(15)
    report = {"benchmark": "impact", "cpu_count": os.cpu_count(), "load_avg_start": load_start}
    report["batch"] = batch(args, rng)
    if args.update_rows:
        log(f"SQL UPDATE of {args.update_rows} results")
        report["recompute_sql_update"] = sql_update(args.update_rows)
    report["sanity"] = sanity(rng)
    if not args.no_api:
        log("estimate API under load")
        report["api"] = api(args, env, rng)
    report["load_avg_end"] = _serve.load()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
