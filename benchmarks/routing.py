"""Benchmark of the routing engine on the Milan extract, side by side with OSRM (CH) as the reference.

Measures build time, load time, peak memory, graph sizes, a table of N random origins × M random
places with a cutoff for walk and bike (ours: ModeGraph.table(), which snaps both sides, runs
reverse searches from the places and reads each origin off them), the ReachIndex "nearby" query
latency, and the same table from OSRM (osrm-bindings wheel in its own
Python 3.12 venv, foot and bicycle profiles, osrm-extract + osrm-contract, Table API), with the
speed ratio and the agreement between the two engines.

Origins and places are random points ON the street network of each mode (uniform per metre of
street, seeded): both engines then snap them with no walk to the street, so the agreement measures
routing, not the snapping policy (ours adds the walk to the street at walking speed, OSRM does not).
Our tables run 3 times (median reported and compared, each run listed), on the graph's default
threads (`threads`: one per core, at most 4; the compiled searches release the GIL) and, for the
default settings, once more on 1 thread (`default_1_thread`); OSRM's time is its Table() calls in
one process (one request per chunk of origins), and the wall time with --osrm-processes
processes. `jit_first_calls` times the first calls needing the compiled kernels in fresh
processes, with an empty numba cache (a fresh checkout) and then a warm one. Agreement counts cells both
engines reach within the cutoff, for our default settings and for OSRM-like speeds
(RoutingSettings.osrm_like(), with the default turn and traffic-signal costs, which are OSRM's),
against OSRM's stock profiles; and, for bikes, our OSRM-like speeds without any turn or signal
cost against a copy of OSRM's bicycle profile without its turn and traffic-signal costs.

Driving (`car`): the time and the metres of the fastest route between --car-pairs random origins
and as many destinations (points on the car graph's streets), every origin to every destination
(ModeGraph.trip_table(), no cutoff), for our default settings (rush-hour congestion) and for
OSRM-like ones (free flow), against OSRM's stock car profile (Table API with durations and
distances): agreement on the pairs (origin i, destination i) and on every cell, and the speed of
trips within 5 km of the Duomo (to compare with the TomTom Traffic Index's rush-hour speeds).

Prints ONE JSON document on stdout; progress goes to stderr.
Usage: python benchmarks/routing.py [--origins 100000] [--places 300] [--car-pairs 1000] [--no-osrm]
       [--output FILE]
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _engine import ensure_venv, finish, in_child, max_rss_mb, sample_on_streets, say  # noqa: E402

from vicinato.routing import ModeGraph, Network, RoutingSettings  # noqa: E402
from vicinato.routing.projection import haversine_m  # noqa: E402
from vicinato.routing.reach import ReachIndex  # noqa: E402

DEFAULT_PBF = ROOT / "data" / "milano" / "milan_italy_small.osm.pbf"
DUOMO = (45.46420, 9.19010)
CACHE = ROOT / ".cache"
OSRM_PROFILES = {"walk": "foot", "bike": "bicycle"}
SETTINGS = {
    "default": RoutingSettings(),
    "osrm_like": RoutingSettings.osrm_like(),
    # To compare with OSRM's bicycle profile stripped of its turn and signal costs.
    "osrm_like_no_turns": dataclasses.replace(
        RoutingSettings.osrm_like(),
        bike_turn_penalty_s=0.0,
        bike_u_turn_penalty_s=0.0,
        bike_traffic_signal_penalty_s=0.0,
        bike_mid_street_signal_penalty_s=0.0,
        walk_traffic_signal_penalty_s=0.0,
    ),
}
# Which of our tables are compared with which OSRM table (and which modes each settings label runs).
MODES_OF = {"default": ("walk", "bike"), "osrm_like": ("walk", "bike"), "osrm_like_no_turns": ("bike",)}


def _in_child(target: Any, *args: Any) -> dict[str, Any]:
    """Run target(*args) -> dict in a fresh interpreter, so its time and peak memory are its own."""
    return in_child(target, *args, measure=max_rss_mb)


def _build(pbf: Path, cache_dir: Path, settings: RoutingSettings) -> dict[str, Any]:
    started = time.perf_counter()
    cpu_started = time.process_time()
    network = Network.build(pbf, settings)
    build_s = time.perf_counter() - started
    build_cpu_s = time.process_time() - cpu_started
    path = network.save(cache_dir / "bench.npz")
    return {
        "build_s": round(build_s, 3),
        "build_cpu_s": round(build_cpu_s, 3),
        "save_s": round(time.perf_counter() - started - build_s, 3),
        "cache_bytes": path.stat().st_size,
        "report": network.report.to_dict(),
    }


def _load(pbf: Path, cache_dir: Path, settings: RoutingSettings) -> dict[str, Any]:
    started = time.perf_counter()
    cpu_started = time.process_time()
    network = Network.load(cache_dir / "bench.npz", settings)
    load_s = time.perf_counter() - started
    load_cpu_s = time.process_time() - cpu_started
    started = time.perf_counter()
    for mode in network.modes:
        network.graph(mode)._snap_index()
    snap_index_s = time.perf_counter() - started
    return {
        "load_s": round(load_s, 3),
        "load_cpu_s": round(load_cpu_s, 3),
        "snap_index_build_s": round(snap_index_s, 3),
        "sizes": {mode: network.graph(mode).sizes() for mode in network.modes},
    }


def _first_calls(pbf: Path, cache_dir: Path) -> dict[str, Any]:
    """In a fresh process: the first calls that need the compiled kernels (numba's import, and
    either compiling them or loading them from its cache), each then timed a second time."""
    started = time.perf_counter()
    network = Network.load(cache_dir / "bench.npz", RoutingSettings())
    result: dict[str, Any] = {"load_s": round(time.perf_counter() - started, 3)}
    rng = np.random.default_rng(1)
    for mode in ("walk", "bike"):
        graph = network.graph(mode)
        graph._snap_index()
        points = sample_on_streets(graph, 20, rng)
        for name in ("table_float32", "table_float64", "isochrone"):
            for attempt in ("first", "second"):
                started = time.perf_counter()
                if name == "isochrone":
                    graph.isochrone(*points[0], 600)
                else:
                    dtype = np.float32 if name == "table_float32" else np.float64
                    graph.table(points[:10], points[10:], 1800, dtype=dtype)
                result[f"{mode}_{name}_{attempt}_s"] = round(time.perf_counter() - started, 3)
    return result


def jit_times(pbf: Path, cache_dir: Path) -> dict[str, Any]:
    """First-call times in fresh processes, with an empty numba cache (a fresh checkout: compiles
    and writes the cache) and then with that cache (every later process)."""
    numba_cache = cache_dir / "numba"
    before = os.environ.get("NUMBA_CACHE_DIR")
    os.environ["NUMBA_CACHE_DIR"] = str(numba_cache)  # inherited by the spawned processes
    try:
        cold = _in_child(_first_calls, pbf, cache_dir)
        warm = _in_child(_first_calls, pbf, cache_dir)
    finally:
        if before is None:
            os.environ.pop("NUMBA_CACHE_DIR", None)
        else:
            os.environ["NUMBA_CACHE_DIR"] = before
    cache_files = list(numba_cache.rglob("*")) if numba_cache.exists() else []
    return {
        "empty_cache": cold,
        "warm_cache": warm,
        "cache_kb": round(sum(f.stat().st_size for f in cache_files if f.is_file()) / 1024),
    }


def _readable(settings: RoutingSettings) -> dict[str, Any]:
    return {k: dict(v) if isinstance(v, tuple) else v for k, v in settings.to_dict().items()}


def our_table(
    graph: ModeGraph, origins: np.ndarray, places: np.ndarray, cutoff_s: float, runs: int = 3
) -> tuple[np.ndarray, dict]:
    """graph.table() (snapping included) timed `runs` times; the median is compared with OSRM.

    The searches run on graph.workers threads (they release the GIL). snap_s is snapping both
    sides on its own, timed once more separately for reference.
    """
    graph.table(origins[:10], places[:10], cutoff_s, strict=False, dtype=np.float32)  # JIT: see jit_times()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        cpu_started = time.process_time()
        table = graph.table(origins, places, cutoff_s, strict=False, dtype=np.float32)
        timings.append((time.perf_counter() - started, time.process_time() - cpu_started))
    median = sorted(timings)[len(timings) // 2]
    started = time.perf_counter()
    o = graph.snap_many(origins, strict=False)
    d = graph.snap_many(places, strict=False)
    snap_s = time.perf_counter() - started
    return table, {
        "threads": graph.workers,
        "total_s": round(median[0], 3),
        "total_s_each_run": [round(t[0], 3) for t in timings],
        "total_s_best": round(min(t[0] for t in timings), 3),
        "cpu_s": round(median[1], 3),
        "snap_s": round(snap_s, 3),
        "searches": int(min(len(o), len(d))),
        "search_states": graph.state_count,
        "cells_within_cutoff": int(np.isfinite(table).sum()),
        "share_within_cutoff": round(float(np.isfinite(table).mean()), 4),
        "points_off_map": int((~o.ok).sum() + (~d.ok).sum()),
    }


def our_trips(
    graph: ModeGraph, origins: np.ndarray, destinations: np.ndarray, runs: int = 3
) -> tuple[Any, dict]:
    """graph.trip_table() (every origin to every destination, no cutoff) timed `runs` times, and
    graph.table() (times only) once, for the cost of carrying the metres along."""
    graph.trip_table(origins[:5], destinations[:5])  # JIT, see jit_times()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        cpu_started = time.process_time()
        trips = graph.trip_table(origins, destinations, strict=False)
        timings.append((time.perf_counter() - started, time.process_time() - cpu_started))
    median = sorted(timings)[len(timings) // 2]
    started = time.perf_counter()
    graph.table(origins, destinations, np.inf, strict=False)
    table_s = time.perf_counter() - started
    return trips, {
        "threads": graph.workers,
        "cells": int(trips.seconds.size),
        "trip_table_s": round(median[0], 3),
        "trip_table_s_each_run": [round(t[0], 3) for t in timings],
        "trip_table_cpu_s": round(median[1], 3),
        "table_times_only_s": round(table_s, 3),
        "search_states": graph.state_count,
        "share_reached": round(float(np.isfinite(trips.seconds).mean()), 4),
        "median_trip_km": round(float(np.median(trips.metres[np.isfinite(trips.metres)])) / 1000, 2),
    }


def centre_speeds(trips: dict[str, Any], origins: np.ndarray, destinations: np.ndarray) -> dict[str, Any]:
    """Average speed (metres / seconds) of the pairs (origin i, destination i) with both ends within
    5 km of the Duomo and at least 2 km apart, per settings label."""
    pairs = np.arange(len(origins))
    near = (haversine_m(origins[:, 1], origins[:, 0], DUOMO[1], DUOMO[0]) < 5000) & (
        haversine_m(destinations[:, 1], destinations[:, 0], DUOMO[1], DUOMO[0]) < 5000
    )
    apart = haversine_m(origins[:, 1], origins[:, 0], destinations[:, 1], destinations[:, 0]) > 2000
    chosen = pairs[near & apart]
    result: dict[str, Any] = {"pairs": len(chosen)}
    for label, table in trips.items():
        seconds, metres = table.seconds[chosen, chosen], table.metres[chosen, chosen]
        kmh = metres / seconds * 3.6
        result[f"{label}_kmh_p10_p50_p90"] = [round(float(x), 1) for x in np.percentile(kmh, [10, 50, 90])]
    if {"default", "osrm_like"} <= trips.keys():
        ratio = trips["default"].seconds[chosen, chosen] / trips["osrm_like"].seconds[chosen, chosen]
        result["time_ratio_rush_hour_over_free_flow_p50"] = round(float(np.median(ratio)), 3)
    return result


def reach_latency(
    graph: ModeGraph, places: np.ndarray, queries: np.ndarray, within_s: float
) -> dict[str, Any]:
    started = time.perf_counter()
    index = ReachIndex.build(
        graph, [(i, float(lat), float(lon)) for i, (lat, lon) in enumerate(places)], max_time_s=1800
    )
    build_s = time.perf_counter() - started
    index.reachable(*queries[0], within_s=within_s)  # merges the per-place arrays once
    latencies = []
    found = []
    for lat, lon in queries:
        t0 = time.perf_counter()
        hits = index.reachable(float(lat), float(lon), within_s=within_s)
        latencies.append(time.perf_counter() - t0)
        found.append(len(hits))
    started = time.perf_counter()
    index.add(10_000, *places[0])
    index.reachable(*queries[0], within_s=within_s)
    add_s = time.perf_counter() - started
    ms = np.array(latencies) * 1000
    entries = sum(len(n) for n in index._nodes if n is not None)
    return {
        "places": len(places),
        "queries": len(queries),
        "within_s": within_s,
        "build_s": round(build_s, 3),
        "query_ms_p50": round(float(np.percentile(ms, 50)), 3),
        "query_ms_p95": round(float(np.percentile(ms, 95)), 3),
        "mean_places_found": round(float(np.mean(found)), 1),
        "add_one_place_then_query_s": round(add_s, 3),
        "stored_entries": int(entries),
    }


def agreement(ours: np.ndarray, ref: np.ndarray, cutoff_s: float) -> dict[str, Any]:
    ours_in = np.isfinite(ours) & (ours <= cutoff_s)
    ref_in = np.isfinite(ref) & (ref <= cutoff_s)
    both = ours_in & ref_in
    a = ours[both].astype(np.float64)
    b = ref[both].astype(np.float64)
    rel = np.abs(a - b) / np.maximum(b, 1.0)
    ratio = a / np.maximum(b, 1.0)
    union = int((ours_in | ref_in).sum())
    return {
        "cells_both_within_cutoff": int(both.sum()),
        "share_within_5pct": round(float((rel <= 0.05).mean()), 4) if both.any() else None,
        "share_within_10pct": round(float((rel <= 0.10).mean()), 4) if both.any() else None,
        "ratio_ours_to_osrm_p10_p50_p90": [round(float(x), 4) for x in np.percentile(ratio, [10, 50, 90])]
        if both.any()
        else None,
        "cells_only_ours": int((ours_in & ~ref_in).sum()),
        "cells_only_osrm": int((ref_in & ~ours_in).sum()),
        "share_of_reached_cells_only_one_engine": round(float(((ours_in ^ ref_in).sum()) / max(union, 1)), 4),
    }


# ----- OSRM ----------------------------------------------------------------------------------------


def _find_python312() -> str | None:
    """A Python 3.12 that runs (a pyenv shim on PATH may not, when 3.12 is not its selected version)."""
    candidates = [shutil.which("python3.12")]
    for pattern in (
        "/root/.pyenv/versions/3.12*/bin/python3.12",
        os.path.expanduser("~/.pyenv/versions/3.12*/bin/python3.12"),
    ):
        candidates += sorted(glob.glob(pattern), reverse=True)
    for candidate in candidates:
        if candidate and subprocess.run([candidate, "--version"], capture_output=True).returncode == 0:
            return candidate
    return None


def ensure_osrm_venv(venv: Path) -> tuple[Path | None, str]:
    """The venv's python with osrm-bindings and numpy installed, or None and the reason."""
    CACHE.mkdir(exist_ok=True)
    (CACHE / ".gitignore").write_text("*\n")  # the venv and OSRM's files are never committed
    check = "import osrm, numpy; print(osrm.__file__)"
    python = venv / "bin" / "python"
    if python.exists() and subprocess.run([str(python), "-c", check], capture_output=True).returncode == 0:
        return python, "reused"
    base = _find_python312()
    if base is None:
        return None, "no Python 3.12 found (osrm-bindings ships abi3 wheels for CPython >= 3.12 only)"
    packages = ["--only-binary=:all:", "osrm-bindings", "numpy"]
    return ensure_venv(venv, base, packages, check, 1200, "OSRM")


def osrm_version(python: Path) -> str:
    result = subprocess.run(
        [str(python), "-m", "pip", "show", "osrm-bindings"], capture_output=True, text=True
    )
    for line in result.stdout.splitlines():
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def run_worker(python: Path, *args: str) -> dict[str, Any]:
    worker = Path(__file__).with_name("_osrm_worker.py")
    result = subprocess.run([str(python), str(worker), *args], capture_output=True, text=True)
    lines = [line for line in result.stdout.strip().splitlines() if line.startswith("{")]
    if not lines:
        tail = (result.stderr or "no output").strip().splitlines()[-2:]
        return {"error": f"OSRM worker exited {result.returncode}: {' | '.join(tail)}"}
    return json.loads(lines[-1])


def osrm_prepare(
    python: Path, pbf: Path, sha: str, version: str, profile: str, no_turn_costs: bool
) -> tuple[Path | None, dict]:
    """Extract + contract once per (source, profile, OSRM version); later runs reuse the files."""
    variant = "-no-turn-costs" if no_turn_costs else ""
    workdir = CACHE / "osrm" / f"{sha[:16]}-{profile}{variant}-{version}"
    stamp = workdir / "prepare.json"
    if stamp.exists():
        info = json.loads(stamp.read_text())
        info["prepared_in_this_run"] = False
        return workdir / "map.osrm", info
    say(f"OSRM: osrm-extract + osrm-contract, {profile} profile{variant} (minutes; cached for later runs)")
    args = ["prepare", "--pbf", str(pbf), "--profile", profile, "--workdir", str(workdir)]
    info = run_worker(python, *args, *(["--no-turn-costs"] if no_turn_costs else []))
    if "error" in info:
        return None, info
    stamp.write_text(json.dumps(info))
    info["prepared_in_this_run"] = True
    return workdir / "map.osrm", info


# ----- main ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pbf", type=Path, default=DEFAULT_PBF)
    parser.add_argument("--origins", type=int, default=100_000)
    parser.add_argument("--places", type=int, default=300)
    parser.add_argument("--cutoff-min", type=float, default=30.0)
    parser.add_argument("--reach-queries", type=int, default=1000)
    parser.add_argument("--car-pairs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20151)
    parser.add_argument("--no-osrm", action="store_true", help="skip the OSRM comparison")
    parser.add_argument("--osrm-venv", type=Path, default=CACHE / "osrm-venv")
    parser.add_argument("--osrm-processes", type=int, default=2)
    parser.add_argument("--osrm-chunk", type=int, default=5000)
    parser.add_argument("--output", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    cutoff_s = args.cutoff_min * 60
    pbf: Path = args.pbf
    sha = hashlib.sha256(pbf.read_bytes()).hexdigest()
    out: dict[str, Any] = {
        "benchmark": "vicinato.routing vs OSRM",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "source": {
            "path": str(pbf.relative_to(ROOT) if pbf.is_relative_to(ROOT) else pbf),
            "sha256": sha,
            "bytes": pbf.stat().st_size,
        },
        "parameters": {
            "origins": args.origins,
            "places": args.places,
            "cutoff_s": cutoff_s,
            "seed": args.seed,
            "points": "random points on each mode's streets, uniform per metre, seeded",
        },
        "settings": {label: _readable(s) for label, s in SETTINGS.items()},
    }

    # Build and load, each in a fresh process so that times and peak memory are their own.
    networks: dict[str, Network] = {}
    out["build"] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, settings in SETTINGS.items():
            cache_dir = Path(tmp) / label
            cache_dir.mkdir()
            say(f"building the graphs ({label} settings)")
            built = _in_child(_build, pbf, cache_dir, settings)
            loaded = _in_child(_load, pbf, cache_dir, settings)
            out["build"][label] = {
                "build_s": built.get("build_s"),
                "build_cpu_s": built.get("build_cpu_s"),
                "build_peak_rss_mb": built.get("peak_rss_mb"),
                "cache_file_mb": round(built.get("cache_bytes", 0) / 2**20, 2),
                "load_s": loaded.get("load_s"),
                "load_cpu_s": loaded.get("load_cpu_s"),
                "load_peak_rss_mb": loaded.get("peak_rss_mb"),
                "snap_index_build_s": loaded.get("snap_index_build_s"),
                "graph_sizes": loaded.get("sizes"),
                "modes": built.get("report", {}).get("modes"),
                **({"error": built["error"]} if "error" in built else {}),
            }
        for label, settings in SETTINGS.items():
            networks[label] = Network.load(Path(tmp) / label / "bench.npz", settings)
        say("first calls of the compiled kernels (fresh processes, empty then warm numba cache)")
        out["jit_first_calls"] = jit_times(pbf, Path(tmp) / "default")

    rng = np.random.default_rng(args.seed)
    points: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    ours: dict[str, dict[str, np.ndarray]] = {label: {} for label in SETTINGS}
    out["ours"] = {}
    for mode in ("walk", "bike"):
        graph = networks["default"].graph(mode)
        points[mode] = (
            sample_on_streets(graph, args.origins, rng),
            sample_on_streets(graph, args.places, rng),
        )
        out["ours"][mode] = {}
        for label, network in networks.items():
            if mode not in MODES_OF[label]:
                continue
            g = network.graph(mode)
            g._snap_index()  # built lazily on first use; part of loading, timed above
            say(f"our {mode} table {args.origins} × {args.places} ({label} settings, {g.workers} threads)")
            table, timing = our_table(g, *points[mode], cutoff_s)
            ours[label][mode] = table
            out["ours"][mode][label] = timing
            if label == "default" and g.workers > 1:
                threads = g.workers
                g.workers = 1
                say(f"our {mode} table {args.origins} × {args.places} ({label} settings, 1 thread)")
                one, timing = our_table(g, *points[mode], cutoff_s)
                g.workers = threads
                timing["same_cells_as_with_threads"] = bool(np.array_equal(one, table))
                out["ours"][mode][f"{label}_1_thread"] = timing
        queries = sample_on_streets(graph, args.reach_queries, rng)
        say(f"ReachIndex latency ({mode})")
        out["ours"][mode]["reach_index"] = reach_latency(graph, points[mode][1], queries, within_s=900)
    car_graph = networks["default"].graph("car")
    car_points = (
        sample_on_streets(car_graph, args.car_pairs, rng),
        sample_on_streets(car_graph, args.car_pairs, rng),
    )
    car_trips: dict[str, Any] = {}
    out["ours"]["car"] = {}
    for label in ("default", "osrm_like"):
        g = networks[label].graph("car")
        g._snap_index()
        say(f"our car trip table {args.car_pairs} × {args.car_pairs} ({label} settings, {g.workers} threads)")
        car_trips[label], out["ours"]["car"][label] = our_trips(g, *car_points)
    out["ours"]["car"]["within_5_km_of_the_duomo"] = centre_speeds(car_trips, *car_points)
    out["ours"]["peak_rss_mb_whole_benchmark_so_far"] = max_rss_mb()

    # OSRM.
    if args.no_osrm:
        out["osrm"] = {"skipped": "--no-osrm"}
    else:
        out["osrm"] = run_osrm(args, pbf, sha, points, ours, out["ours"], cutoff_s)
        if out["osrm"].get("available"):
            out["osrm"]["car"] = run_osrm_car(args, pbf, sha, car_points, car_trips, out["ours"]["car"])
    return finish(out, args.output)


def run_osrm(
    args: argparse.Namespace, pbf: Path, sha: str, points: dict, ours: dict, our_times: dict, cutoff_s: float
) -> dict:
    """Prepare OSRM, run its table on the same points, and compare; never raises, says why instead."""
    python, how = ensure_osrm_venv(args.osrm_venv)
    if python is None:
        say(f"OSRM unavailable: {how}")
        return {"available": False, "reason": how}
    version = osrm_version(python)
    result: dict[str, Any] = {"available": True, "osrm_bindings": version, "venv": how, "algorithm": "CH"}
    # Stock profiles, timed in one process (like our searches, which hold the GIL) and in as many
    # processes as asked; plus, for bikes, the profile without turn costs, to show where the
    # engines differ (agreement only).
    variants = [("walk", "foot", False), ("bike", "bicycle", False), ("bike", "bicycle", True)]
    with tempfile.TemporaryDirectory() as tmp:
        for mode, profile, no_turn_costs in variants:
            key = f"{mode}_no_turn_costs" if no_turn_costs else mode
            storage, prep = osrm_prepare(python, pbf, sha, version, profile, no_turn_costs)
            entry: dict[str, Any] = {"profile": profile, "no_turn_costs": no_turn_costs, "prepare": prep}
            result[key] = entry
            if storage is None:
                continue
            origins, places = points[mode]
            point_file = Path(tmp) / f"{mode}-points.npz"
            np.savez(point_file, origins=origins, places=places)
            out_file = Path(tmp) / f"{key}-osrm.npy"
            runs = [args.osrm_processes] if no_turn_costs else sorted({1, args.osrm_processes})
            for processes in runs:
                say(f"OSRM {key} table {len(origins)} × {len(places)} ({processes} process(es))")
                timing = run_worker(
                    python,
                    "table",
                    "--storage",
                    str(storage),
                    "--points",
                    str(point_file),
                    "--out",
                    str(out_file),
                    "--chunk",
                    str(args.osrm_chunk),
                    "--processes",
                    str(processes),
                )
                entry[f"table_{processes}_process"] = timing
                if "error" in timing:
                    break
                if not no_turn_costs:
                    # OSRM's time is its Table() calls alone in one process (the conversion of its
                    # answer to arrays is not counted), or the wall time with several processes.
                    ours_s = float(our_times[mode]["default"]["total_s"])  # median of 3 runs
                    osrm_s = float(timing["table_calls_s"] if processes == 1 else timing["table_wall_s"])
                    entry[f"speed_ratio_osrm_{processes}_process_over_ours"] = round(osrm_s / ours_s, 1)
                    entry["our_threads"] = our_times[mode]["default"].get("threads")
                    single = our_times[mode].get("default_1_thread")
                    if single:
                        entry[f"speed_ratio_osrm_{processes}_process_over_ours_1_thread"] = round(
                            osrm_s / float(single["total_s"]), 1
                        )
                    if processes == 1:
                        # CPU seconds on both sides: much less sensitive to other work on the machine.
                        ours_cpu = float(our_times[mode]["default"]["cpu_s"])
                        entry["cpu_ratio_osrm_over_ours"] = round(
                            float(timing["table_calls_cpu_s"]) / ours_cpu, 1
                        )
            if not out_file.exists():
                continue
            reference = np.load(out_file)
            labels = ("osrm_like_no_turns", "osrm_like") if no_turn_costs else ("default", "osrm_like")
            entry["agreement"] = {
                f"ours_{label}_settings": agreement(ours[label][mode], reference, cutoff_s)
                for label in labels
            }
    return result


def run_osrm_car(
    args: argparse.Namespace,
    pbf: Path,
    sha: str,
    points: tuple[np.ndarray, np.ndarray],
    trips: dict,
    timings: dict,
) -> dict:
    """OSRM's car profile on the same origins and destinations (durations and distances), and the
    agreement of our times and metres with its, on the pairs and on every cell."""
    python, _ = ensure_osrm_venv(args.osrm_venv)
    assert python is not None  # run_osrm found it
    version = osrm_version(python)
    storage, prep = osrm_prepare(python, pbf, sha, version, "car", False)
    entry: dict[str, Any] = {"profile": "car", "prepare": prep}
    if storage is None:
        return entry
    with tempfile.TemporaryDirectory() as tmp:
        point_file = Path(tmp) / "car-points.npz"
        np.savez(point_file, origins=points[0], places=points[1])
        out_file = Path(tmp) / "car-osrm.npy"
        say(f"OSRM car table {len(points[0])} × {len(points[1])} with distances (1 process)")
        timing = run_worker(
            python, "table", "--storage", str(storage), "--points", str(point_file), "--out", str(out_file),
            "--chunk", str(len(points[0])), "--processes", "1", "--distances",
        )  # fmt: skip
        entry["table_1_process"] = timing
        if "error" in timing:
            return entry
        seconds = np.load(out_file).astype(np.float64)
        metres = np.load(Path(tmp) / "car-osrm-distances.npy").astype(np.float64)
    ours_s = float(timings["default"]["trip_table_s"])
    entry["speed_ratio_osrm_1_process_over_ours"] = round(float(timing["table_calls_s"]) / ours_s, 2)
    pairs = np.arange(len(points[0]))
    entry["agreement"] = {}
    for label, table in trips.items():
        entry["agreement"][f"ours_{label}_settings"] = {
            f"{what}_{scope}": agreement(mine[cells], theirs[cells], np.inf)
            for scope, cells in (("pairs", (pairs, pairs)), ("all_cells", (slice(None), slice(None))))
            for what, mine, theirs in (("metres", table.metres, metres), ("seconds", table.seconds, seconds))
        }
    return entry


if __name__ == "__main__":
    sys.exit(main())
