"""Benchmark of the public-transport engine on the Milan demo feed, and on a feed 20 times larger.

Measures: the timetable build (reading the feed, patterns, transfers on the walk graph) and its
peak memory, in a fresh process; loading the cached timetable; the table of N random origins × M
random places (points on the walk graph's streets, uniform per metre, seeded), arrive by 09:00
within 45 minutes (TransitRouter.table: compiled backward RAPTOR per place, then one seeded
reverse search per place on the walk graph, read by every origin), median of 3 runs; side by side
a plain numpy reference (vectorised, not compiled) of the same table, written here: a backward
RAPTOR over all places at once (every route scanned every round), then per place a scipy
Dijkstra from a virtual source linked to the stops' streets, read by the origins; the agreement
between the two; single depart-at and arrive-by queries (p50/p95); the TransitReach "nearby"
query (p50/p95) for both kinds; one-to-all times (TransitRouter.times_from / times_to) and
transit isochrones, 30 minutes, depart-at and arrive-by, from random street points within 4 km of
the Duomo at random times between 07:30 and 09:30 (p50/p95 of wall and CPU time, beside the
30-minute walking isochrone of the same points); and a feed 20 times the demo's, made here by
copying every route and trip 20 times with new ids and times shifted by 45 s per copy (same
stops), imported from scratch and answering the same table.

Prints ONE JSON document on stdout; progress goes to stderr.
Usage: python benchmarks/transit.py [--origins 100000] [--places 300] [--copies 20]
       [--isochrones 40] [--only-isochrones] [--output FILE]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import platform
import sys
import tempfile
import time
import zipfile
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _engine import LOAD_SEEN, in_child, peak_rss_mb, sample_on_streets, say  # noqa: E402

from vicinato.routing import ModeGraph, Network, RoutingSettings  # noqa: E402
from vicinato.routing.transit import GTFSSource, Timetable, TransitReach, TransitRouter  # noqa: E402
from vicinato.routing.transit.stops import NEG, _floor  # noqa: E402

PBF = ROOT / "data" / "milano" / "milan_italy_small.osm.pbf"
GTFS = ROOT / "data" / "milano" / "milano_small_gtfs.zip"
CACHE = ROOT / ".cache"
DATE = dt.date(2014, 10, 21)  # a Tuesday inside the demo feed
ARRIVE_BY = dt.datetime.combine(DATE, dt.time(9, 0))
MAX_MINUTES = 45.0


def walk_graph() -> ModeGraph:
    return Network.load_or_build(PBF, CACHE, RoutingSettings()).graph("walk")


def build_timetable(feed: Path, out: Path) -> dict[str, Any]:
    walk = walk_graph()
    walk.snap_many([(45.46, 9.19)])  # the snapping index and compiled kernels are not the feed's cost
    started = time.perf_counter()
    timetable = Timetable.build([GTFSSource(feed, "atm")], walk)
    build_s = time.perf_counter() - started
    timetable.save(out)
    summary = timetable.summary
    return {
        "build_s": round(build_s, 3),
        "save_s": round(time.perf_counter() - started - build_s, 3),
        "cache_bytes": out.stat().st_size,
        "trips": summary["trips"],
        "stop_times": summary["stop_times"],
        "patterns": summary["patterns"],
        "transfers": summary["transfers"],
        "stops": summary["stops"],
    }


def timed_tables(
    router: TransitRouter, origins: np.ndarray, places: np.ndarray, runs: int = 3
) -> tuple[np.ndarray, list[float]]:
    router.table(origins[:100], places[:5], ARRIVE_BY, max_minutes=MAX_MINUTES)  # compiled kernels loaded
    times = []
    table = None
    for _ in range(runs):
        started = time.perf_counter()
        table = router.table(origins, places, ARRIVE_BY, max_minutes=MAX_MINUTES).seconds
        times.append(round(time.perf_counter() - started, 3))
    assert table is not None
    return table, times


# ----- the numpy reference -----------------------------------------------------------------------


def numpy_latest_departures(
    router: TransitRouter, egress: np.ndarray, t1: float, earliest: float, rounds: int
) -> np.ndarray:
    """Backward RAPTOR for all places at once: (places, stops) latest boarding times (NEG: none)."""
    view = router.timetable.day_view(router.timetable.service_day(DATE), earliest, t1)
    r_stop_ptr, r_stops, r_board, r_alight, r_ntrips, r_time, t_arr, t_dep = view.kernel[:8]
    rptr, rfrom, rsec, same = router.timetable.backward_transfers
    n_places, n_stops = egress.shape[1], router.n_stops
    with np.errstate(invalid="ignore"):
        alight = np.where(np.isfinite(egress.T), _floor(t1 - egress.T), NEG).astype(np.int64)
    alight[alight < earliest] = NEG
    best = np.full((n_places, n_stops), NEG, dtype=np.int64)
    edge_to = np.repeat(np.arange(n_stops), np.diff(rptr))
    for _ in range(rounds):
        before = best.copy()
        for r in range(len(r_ntrips)):
            n, base, sp = int(r_ntrips[r]), int(r_time[r]), int(r_stop_ptr[r])
            trip = np.full(n_places, -1)
            for i in range(int(r_stop_ptr[r + 1]) - sp - 1, -1, -1):
                s = int(r_stops[sp + i])
                if r_board[sp + i]:
                    on = trip >= 0
                    d = np.where(on, t_dep[base + i * n : base + (i + 1) * n][np.maximum(trip, 0)], NEG)
                    better = on & (d > best[:, s]) & (d >= earliest)
                    best[better, s] = d[better]
                if r_alight[sp + i]:
                    column = t_arr[base + i * n : base + (i + 1) * n]
                    j = np.searchsorted(column, alight[:, s], side="right") - 1
                    trip = np.where((alight[:, s] > NEG) & (j > trip), j, trip)
        improved = best > before
        if not improved.any():
            break
        from_best = np.where(improved, best, NEG)
        with_same = np.where((same >= 0)[None, :] & improved, best - same[None, :], NEG)
        candidate = np.maximum(alight, with_same)
        walked = np.where(improved[:, edge_to], from_best[:, edge_to] - rsec[None, :], NEG)
        np.maximum.at(candidate.T, rfrom, walked.T)
        candidate[candidate < earliest] = NEG
        alight = np.maximum(alight, candidate)
    return best


def numpy_table(router: TransitRouter, origins: np.ndarray, places: np.ndarray) -> np.ndarray:
    """The same table as TransitRouter.table, with numpy and scipy only for RAPTOR and the searches
    (the library snaps the points, walks from stops to places and adds the walks along one street)."""
    walk = router.walk
    t1 = 9 * 3600.0
    budget = MAX_MINUTES * 60
    o = walk.snap_many(origins, strict=False)
    d = walk.snap_many(places, strict=False)
    egress = router.egress(d, budget)
    latest = numpy_latest_departures(router, egress, t1, t1 - budget, 5)
    heads, costs = router.place_seeds(latest.astype(np.int32), t1, d)
    read_heads, read_costs, _ = walk._leaving(o)
    graph = walk.csr_t.tocoo()
    n = walk.state_count
    out = np.full((len(o), len(d)), np.inf)
    for p in range(len(d)):
        finite = np.isfinite(costs[p]) & (costs[p] <= budget)
        seed_cost = np.full(n, np.inf)
        np.minimum.at(seed_cost, heads[p][finite], costs[p][finite])
        seeds = np.flatnonzero(np.isfinite(seed_cost))
        # A virtual source; scipy keeps explicit zero edges out, so every edge gets 1 ns.
        rows = np.concatenate([graph.row, np.full(len(seeds), n)])
        cols = np.concatenate([graph.col, seeds])
        data = np.concatenate([graph.data, seed_cost[seeds]]) + 1e-9
        matrix = sp.csr_matrix((data, (rows, cols)), shape=(n + 1, n + 1))
        times = dijkstra(matrix, indices=n, limit=budget + 1e-3)
        cells = np.min(times[read_heads] + read_costs, axis=1)
        out[:, p] = np.where(cells <= budget + 1e-3, cells, np.inf)
    oi, di, direct = walk.direct_trips(o, d)
    np.minimum.at(out, (oi, di), np.where(direct <= budget, direct, np.inf))
    oi, qi, direct = walk.direct_trips(o, router.points)
    with np.errstate(invalid="ignore"):
        stop_cost = np.where(latest > NEG, t1 - latest, np.inf)
    for k in range(len(oi)):
        values = direct[k] + router.point_in[qi[k]] + stop_cost[:, router.point_stop[qi[k]]]
        np.minimum(out[oi[k]], np.where(values <= budget, values, np.inf), out=out[oi[k]])
    out[~o.ok] = np.inf
    out[:, ~d.ok] = np.inf
    return out


def agreement(ours: np.ndarray, ref: np.ndarray) -> dict[str, Any]:
    a, b = np.isfinite(ours), np.isfinite(ref)
    both = a & b
    diff = np.abs(ours[both].astype(np.float64) - ref[both])
    # The reference adds 1 ns per walked edge (scipy drops zero-cost edges): a few microseconds.
    with np.errstate(invalid="ignore"):
        equal = both & (np.abs(ours.astype(np.float64) - ref) <= 0.05)
    return {
        "cells": int(ours.size),
        "reached_ours": int(a.sum()),
        "reached_reference": int(b.sum()),
        "reached_by_one_only": int((a ^ b).sum()),
        "equal_within_0_05_s": round(float((equal.sum() + (~a & ~b).sum()) / ours.size), 6),
        "max_abs_diff_s": round(float(diff.max()) if len(diff) else 0.0, 4),
    }


# ----- point queries and reach ----------------------------------------------------------------


def point_latencies(
    router: TransitRouter, points: np.ndarray, rng: np.random.Generator, count: int = 200
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in ("depart_at", "arrive_by"):
        latencies, found = [], 0
        for _ in range(count):
            a, b = points[rng.integers(len(points), size=2)]
            when = dt.datetime.combine(DATE, dt.time(8)) + dt.timedelta(seconds=int(rng.integers(0, 3600)))
            started = time.perf_counter()
            query = router.depart_at if kind == "depart_at" else router.arrive_by
            journey = query(tuple(a), tuple(b), when, max_minutes=60)
            latencies.append(time.perf_counter() - started)
            found += journey.itinerary is not None and journey.itinerary.rides > 0
        ms = np.array(latencies) * 1000
        out[kind] = {
            "queries": count,
            "p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p95_ms": round(float(np.percentile(ms, 95)), 2),
            "by_transit": found,
        }
    return out


def reach_latencies(router: TransitRouter, places: np.ndarray, queries: np.ndarray) -> dict[str, Any]:
    out: dict[str, Any] = {}
    rows = [(i, float(lat), float(lon)) for i, (lat, lon) in enumerate(places)]
    for kind, when in (("arrive_by", ARRIVE_BY), ("depart_at", dt.datetime.combine(DATE, dt.time(8, 15)))):
        started = time.perf_counter()
        index = TransitReach.build(router, rows, when, kind=kind, max_minutes=MAX_MINUTES)  # type: ignore[arg-type]
        build_s = time.perf_counter() - started
        latencies, found = [], []
        for lat, lon in queries:
            started = time.perf_counter()
            found.append(len(index.reachable(float(lat), float(lon), within_s=900)))
            latencies.append(time.perf_counter() - started)
        started = time.perf_counter()
        covered = index.covered_nodes(900)
        ms = np.array(latencies) * 1000
        out[kind] = {
            "places": len(places),
            "within_s": 900,
            "build_s": round(build_s, 3),
            "query_ms_p50": round(float(np.percentile(ms, 50)), 3),
            "query_ms_p95": round(float(np.percentile(ms, 95)), 3),
            "mean_places_found": round(float(np.mean(found)), 1),
            "covered_nodes_s": round(time.perf_counter() - started, 3),
            "covered_share": round(float(covered.mean()), 4),
        }
    return out


# ----- one to all and isochrones -----------------------------------------------------------------

ISOCHRONE_MINUTES = 30
ISOCHRONE_SEED = 30
DUOMO = (45.4642, 9.1900)


def central_points(
    graph: ModeGraph, count: int, rng: np.random.Generator, within_m: float = 4000
) -> np.ndarray:
    """Street points (uniform per metre) within `within_m` of the Duomo, where the demo feed runs."""
    found: list[np.ndarray] = []
    cx, cy = graph.projection.to_xy(DUOMO[1], DUOMO[0])
    while sum(len(f) for f in found) < count:
        points = sample_on_streets(graph, 20 * count, rng)
        x, y = graph.projection.to_xy(points[:, 1], points[:, 0])
        found.append(points[np.hypot(x - cx, y - cy) <= within_m])
    return np.concatenate(found)[:count]


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.array(seconds) * 1000
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
    }


def timed(call: Any) -> tuple[Any, float, float]:
    """call() with its wall and CPU seconds (CPU: the process's; the work here runs on this thread)."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = call()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def isochrone_latencies(router: TransitRouter, count: int, rng: np.random.Generator) -> dict[str, Any]:
    """One-to-all times and isochrones (30 minutes) from `count` central points per kind, and the
    walking isochrone of the same points."""
    walk = router.walk
    points = central_points(walk, 2 * count, rng)
    starts = [
        dt.datetime.combine(DATE, dt.time(7, 30)) + dt.timedelta(seconds=int(s))
        for s in rng.integers(0, 2 * 3600, size=2 * count)
    ]
    for kind in ("depart_at", "arrive_by"):  # compiled kernels loaded
        router.isochrone(*points[0], starts[0], ISOCHRONE_MINUTES, kind)
    out: dict[str, Any] = {"minutes": ISOCHRONE_MINUTES, "points": "street points within 4 km of the Duomo"}
    for k, kind in enumerate(("depart_at", "arrive_by")):
        query = router.times_from if kind == "depart_at" else router.times_to
        parts = ("times", "isochrone", "walk_isochrone")
        walls: dict[str, list[float]] = {part: [] for part in parts}
        cpus: dict[str, list[float]] = {part: [] for part in parts}
        ratios, by_transit = [], 0
        for i in range(k * count, (k + 1) * count):
            lat, lon = (float(v) for v in points[i])
            calls = {
                "times": partial(query, (lat, lon), starts[i], max_minutes=ISOCHRONE_MINUTES),
                "isochrone": partial(router.isochrone, lat, lon, starts[i], ISOCHRONE_MINUTES, kind),
                "walk_isochrone": partial(walk.isochrone, lat, lon, ISOCHRONE_MINUTES * 60),
            }
            done = {}
            for part in parts:
                done[part], wall, cpu = timed(calls[part])
                walls[part].append(wall)
                cpus[part].append(cpu)
            by_transit += bool(np.isfinite(done["times"].stop_s).any())
            ratios.append(done["isochrone"].area_m2 / done["walk_isochrone"].area_m2)
        out[kind] = {
            "queries": count,
            "reaching_a_vehicle": by_transit,
            "area_ratio_to_walking_p50": round(float(np.median(ratios)), 2),
            "area_ratio_to_walking_max": round(float(np.max(ratios)), 2),
            **{f"{part}_wall": percentiles(walls[part]) for part in parts},
            **{f"{part}_cpu": percentiles(cpus[part]) for part in parts},
        }
    return out


# ----- the feed 20 times larger ----------------------------------------------------------------


def scaled_feed(source: Path, copies: int, out: Path, shift_s: int = 45) -> dict[str, Any]:
    """Every route and trip copied `copies` times (ids suffixed ~k, times shifted by k × shift_s)."""
    started = time.perf_counter()
    with zipfile.ZipFile(source) as archive:
        files = {name: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}

    def table(name: str) -> tuple[list[str], list[list[str]]]:
        rows = list(csv.reader(io.StringIO(files[name])))
        return rows[0], rows[1:]

    def write(header: list[str], rows: list[list[str]]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
        return buffer.getvalue()

    header, routes = table("routes.txt")
    rid = header.index("route_id")
    files["routes.txt"] = write(
        header, [[*r[:rid], f"{r[rid]}~{k}", *r[rid + 1 :]] for k in range(copies) for r in routes]
    )
    header, trips = table("trips.txt")
    rid, tid = header.index("route_id"), header.index("trip_id")
    copied = []
    for k in range(copies):
        for r in trips:
            row = list(r)
            row[rid], row[tid] = f"{r[rid]}~{k}", f"{r[tid]}~{k}"
            copied.append(row)
    files["trips.txt"] = write(header, copied)
    header, times = table("stop_times.txt")
    tid, arr, dep = header.index("trip_id"), header.index("arrival_time"), header.index("departure_time")

    def seconds(text: str) -> int:
        h, m, s = text.split(":")
        return int(h) * 3600 + int(m) * 60 + int(s)

    arr_s = [seconds(r[arr]) for r in times]
    dep_s = [seconds(r[dep]) for r in times]
    clock = [
        f"{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d}" for t in range(max(dep_s) + copies * shift_s + 1)
    ]
    parts = [",".join(header) + "\n"]
    for k in range(copies):
        shift = k * shift_s
        lines = []
        for r, a, d in zip(times, arr_s, dep_s, strict=True):
            row = list(r)
            row[tid], row[arr], row[dep] = f"{r[tid]}~{k}", clock[a + shift], clock[d + shift]
            lines.append(",".join(row))
        parts.append("\n".join(lines) + "\n")
    files["stop_times.txt"] = "".join(parts)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return {
        "copies": copies,
        "shift_s": shift_s,
        "bytes": out.stat().st_size,
        "made_in_s": round(time.perf_counter() - started, 1),
    }


# ----- main ------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--origins", type=int, default=100_000)
    parser.add_argument("--places", type=int, default=300)
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--no-reference", action="store_true", help="skip the numpy reference table")
    parser.add_argument(
        "--isochrones", type=int, default=40, help="isochrones (and one-to-all queries) per kind"
    )
    parser.add_argument(
        "--only-isochrones", action="store_true", help="measure the one-to-all times and isochrones only"
    )
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    CACHE.mkdir(exist_ok=True)
    result: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "feed": str(GTFS.relative_to(ROOT)),
        "query": {
            "date": DATE.isoformat(),
            "arrive_by": "09:00",
            "max_minutes": MAX_MINUTES,
            "max_transfers": 4,
        },
        "points": "random points on the walk graph's streets, uniform per metre, seeded",
    }
    if args.only_isochrones:
        walk = walk_graph()
        router = TransitRouter(Timetable.load_or_build([GTFSSource(GTFS, "atm")], walk, CACHE), walk)
        say(f"one-to-all times and isochrones, {args.isochrones} per kind")
        result["isochrones"] = isochrone_latencies(
            router, args.isochrones, np.random.default_rng(ISOCHRONE_SEED)
        )
        return finish(result, args.output)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        say("building the demo timetable in a fresh process")
        walk_graph()
        result["build"] = in_child(build_timetable, GTFS, work / "demo.npz")
        walk = walk_graph()
        loads = []
        for _ in range(3):
            started = time.perf_counter()
            timetable = Timetable.load(work / "demo.npz", walk)
            loads.append(time.perf_counter() - started)
        result["load_s"] = round(float(np.median(loads)), 4)
        router = TransitRouter(timetable, walk)
        rng = np.random.default_rng(20141021)
        origins = sample_on_streets(walk, args.origins, rng)
        places = sample_on_streets(walk, args.places, rng)
        say(f"table {args.origins} origins x {args.places} places, 3 runs")
        ours, times = timed_tables(router, origins, places)
        result["table"] = {
            "origins": args.origins,
            "places": args.places,
            "runs_s": times,
            "median_s": float(np.median(times)),
            "threads": walk.workers,
            "reached_share": round(float(np.isfinite(ours).mean()), 4),
        }
        if not args.no_reference:
            say("numpy reference table")
            started = time.perf_counter()
            ref = numpy_table(router, origins, places)
            result["numpy_reference"] = {
                "seconds": round(time.perf_counter() - started, 3),
                "agreement": agreement(ours, ref),
            }
            result["numpy_reference"]["speed_ratio"] = round(
                result["numpy_reference"]["seconds"] / result["table"]["median_s"], 1
            )
            del ref
        del ours
        say("single queries")
        result["point_queries"] = point_latencies(router, sample_on_streets(walk, 2000, rng), rng)
        say("nearby (TransitReach)")
        result["reach"] = reach_latencies(router, places, sample_on_streets(walk, 500, rng))
        say(f"one-to-all times and isochrones, {args.isochrones} per kind")
        result["isochrones"] = isochrone_latencies(
            router, args.isochrones, np.random.default_rng(ISOCHRONE_SEED)
        )
        say(f"making a feed {args.copies} times the demo's")
        big = work / "big.zip"
        result["scaled"] = {"feed": scaled_feed(GTFS, args.copies, big)}
        say("importing it in a fresh process")
        result["scaled"]["build"] = in_child(build_timetable, big, work / "big.npz")
        started = time.perf_counter()
        big_timetable = Timetable.load(work / "big.npz", walk)
        result["scaled"]["load_s"] = round(time.perf_counter() - started, 3)
        big_router = TransitRouter(big_timetable, walk)
        say("the same table on it")
        _, big_times = timed_tables(big_router, origins, places)
        result["scaled"]["table"] = {"runs_s": big_times, "median_s": float(np.median(big_times))}
        result["scaled"]["table_ratio_to_demo"] = round(
            float(np.median(big_times)) / result["table"]["median_s"], 2
        )
        result["scaled"]["under_60_s"] = result["scaled"]["build"].get("build_s", 1e9) < 60
    return finish(result, args.output)


def finish(result: dict[str, Any], output: Path | None) -> int:
    """Print the JSON document (and write it to `output`)."""
    result["peak_rss_mb"] = peak_rss_mb()
    result["load_average_seen"] = LOAD_SEEN
    text = json.dumps(result, indent=2)
    if output:
        output.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
