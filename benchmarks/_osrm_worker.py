"""OSRM side of benchmarks/routing.py; runs in its own Python 3.12 venv with osrm-bindings and numpy.

prepare: osrm-extract with a profile shipped in the wheel (or a copy of it without turn and traffic
         signal costs, to isolate their effect), then osrm-contract (CH).
table:   loads the prepared data and computes origins × places durations with the Table API,
         in chunks of origins, in one or more processes; writes a float32 .npy (nan = no route)
         and prints one JSON line with the timings. With --distances it also asks for the
         distance of each route and writes them beside (<out>-distances.npy, metres).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import osrm

PROFILES = Path(osrm.__file__).parent / "share" / "profiles"
_engine: osrm.OSRM | None = None
_places: list[tuple[float, float]] = []
_annotations: list[str] = ["duration"]


def prepare(pbf: Path, profile: str, workdir: Path, threads: int, no_turn_costs: bool) -> dict[str, object]:
    workdir.mkdir(parents=True, exist_ok=True)
    source = workdir / "map.osm.pbf"
    source.write_bytes(pbf.read_bytes())
    profiles = PROFILES
    if no_turn_costs:
        # A copy of the wheel's profiles with the turn, U-turn and traffic-signal costs set to 0.
        profiles = workdir / "profiles"
        shutil.rmtree(profiles, ignore_errors=True)
        shutil.copytree(PROFILES, profiles)
        lua = profiles / f"{profile}.lua"
        text, count = re.subn(
            r"(\b(?:u_turn_penalty|traffic_signal_penalty|turn_penalty)\s*=\s*)[0-9.]+",
            r"\g<1>0",
            lua.read_text(),
        )
        if count < 3:
            raise RuntimeError(f"could not find the turn costs in {lua.name} ({count} replaced)")
        lua.write_text(text)
    timings: dict[str, object] = {"profile": str(profiles / f"{profile}.lua"), "no_turn_costs": no_turn_costs}
    for step, args in (
        ("extract", ["extract", "-p", str(profiles / f"{profile}.lua"), str(source), "-t", str(threads)]),
        ("contract", ["contract", str(workdir / "map.osrm"), "-t", str(threads)]),
    ):
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "osrm", *args], capture_output=True, text=True, cwd=workdir
        )
        timings[f"{step}_s"] = round(time.perf_counter() - started, 2)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
            raise RuntimeError(f"osrm-{step} failed: {' | '.join(tail)}")
    return timings


def _init(storage: str, places: list[tuple[float, float]], annotations: list[str]) -> None:
    global _engine, _places, _annotations
    _engine = osrm.OSRM(storage_config=storage, algorithm="CH", use_shared_memory=False)
    _places = places
    _annotations = annotations


def _chunk(task: tuple[int, list[tuple[float, float]]]) -> tuple[int, float, float, np.ndarray]:
    """(chunk index, seconds, CPU seconds, (annotations, origins, places) table) of one request."""
    index, origins = task
    assert _engine is not None
    n, m = len(origins), len(_places)
    params = osrm.TableParameters(
        coordinates=origins + _places,
        sources=list(range(n)),
        destinations=list(range(n, n + m)),
        annotations=_annotations,
    )
    started = time.perf_counter()
    cpu_started = time.process_time()
    result = _engine.Table(params)
    cpu = time.process_time() - cpu_started
    elapsed = time.perf_counter() - started
    tables = [
        [[np.nan if v is None else v for v in row] for row in result[f"{name}s"]] for name in _annotations
    ]
    return index, elapsed, cpu, np.array(tables, dtype=np.float32)


def table(
    storage: Path, points: Path, out: Path, chunk: int, processes: int, distances: bool
) -> dict[str, object]:
    data = np.load(points)
    # OSRM takes (lon, lat).
    origins = [(float(lon), float(lat)) for lat, lon in data["origins"]]
    places = [(float(lon), float(lat)) for lat, lon in data["places"]]
    tasks = [(i, origins[start : start + chunk]) for i, start in enumerate(range(0, len(origins), chunk))]
    annotations = ["duration", "distance"] if distances else ["duration"]
    started = time.perf_counter()
    load_started = time.perf_counter()
    _init(str(storage), places, annotations)
    load_s = time.perf_counter() - load_started
    result = np.empty((len(annotations), len(origins), len(places)), dtype=np.float32)
    calls = 0.0
    calls_cpu = 0.0
    wall_started = time.perf_counter()
    if processes > 1:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(processes, initializer=_init, initargs=(str(storage), places, annotations)) as pool:
            parts = pool.imap_unordered(_chunk, tasks)
            for index, elapsed, cpu, block in parts:
                calls += elapsed
                calls_cpu += cpu
                result[:, index * chunk : index * chunk + block.shape[1]] = block
    else:
        for task in tasks:
            index, elapsed, cpu, block = _chunk(task)
            calls += elapsed
            calls_cpu += cpu
            result[:, index * chunk : index * chunk + block.shape[1]] = block
    wall = time.perf_counter() - wall_started
    np.save(out, result[0])
    if distances:
        np.save(out.with_name(f"{out.stem}-distances.npy"), result[1])
    return {
        "load_s": round(load_s, 3),
        "table_calls_s": round(calls, 3),
        "table_calls_cpu_s": round(calls_cpu, 3),
        "table_wall_s": round(wall, 3),
        "processes": processes,
        "chunk_origins": chunk,
        "requests": len(tasks),
        "total_s": round(time.perf_counter() - started, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--pbf", type=Path, required=True)
    p.add_argument("--profile", required=True)
    p.add_argument("--workdir", type=Path, required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--no-turn-costs", action="store_true")
    t = sub.add_parser("table")
    t.add_argument("--storage", type=Path, required=True)
    t.add_argument("--points", type=Path, required=True)
    t.add_argument("--out", type=Path, required=True)
    t.add_argument("--chunk", type=int, default=5000)
    t.add_argument("--processes", type=int, default=1)
    t.add_argument("--distances", action="store_true")
    args = parser.parse_args()
    try:
        if args.command == "prepare":
            report = prepare(args.pbf, args.profile, args.workdir, args.threads, args.no_turn_costs)
        else:
            report = table(args.storage, args.points, args.out, args.chunk, args.processes, args.distances)
    except Exception as error:  # reported to the benchmark as JSON, never a traceback
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
        return 1
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
