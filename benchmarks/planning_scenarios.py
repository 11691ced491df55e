"""Benchmark of the planning app's scenarios on the demo city: what a planner waits for on the pages and the API.

Loads the demo city into a fresh SQLite database of its own (a temporary data folder), then times, through
vicinato.planning.scenarios (the functions the pages and the API call): the first preview in the process
(the demand grid of the graph and the compiled kernels), then previews and proven optima for maximal covering
(k = 10 and 30, 15 minutes on foot and by bike), the p-median (k = 10) and max-min equity (k = 10); candidates:
the 130 metro stations and the accepted proposals; the listed places cover already. Each figure includes the
travel-time matrix. Prints ONE JSON document on stdout; progress goes to stderr.

Usage: python benchmarks/planning_scenarios.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def say(message: str) -> None:
    print(
        f"[{time.strftime('%H:%M:%S')}] {message} (load {os.getloadavg()[0]:.2f})",
        file=sys.stderr,
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="vicinato-bench-planning-")
    os.environ.update(VICINATO_DATA_DIR=data, DATABASE_URL=f"sqlite:///{data}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vicinato.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from vicinato.demo.loader import load_demo
    from vicinato.planning import scenarios

    call_command("migrate", verbosity=0)
    say("loading the demo city (its two saved scenarios included)")
    started = time.perf_counter()
    load_demo()
    out: dict = {"demo_load_s": round(time.perf_counter() - started, 2), "runs": args.runs}
    cases = {
        "mclp_k10_walk15": {"k": 10},
        "mclp_k30_walk15": {"k": 30},
        "mclp_k10_bike15": {"k": 10, "mode": "bike"},
        "p_median_k10_walk15": {"k": 10, "objective": "median"},
        "max_min_k10_walk15": {"k": 10, "equity": "max_min"},
    }
    base = {"mode": "walk", "minutes": 15, "sources": ["metro", "proposals"], "layers": {"residents": 1}}
    for name, changes in cases.items():
        params = scenarios.check_params({**base, **changes, "time_limit_s": 20})
        say(f"{name}: preview and optimum")
        previews, optima = [], []
        for _run in range(args.runs):
            started = time.perf_counter()
            preview = scenarios.preview(params)
            previews.append(time.perf_counter() - started)
            started = time.perf_counter()
            optimum = scenarios.run(params)
            optima.append(time.perf_counter() - started)
        out[name] = {
            "preview_wall_s": [round(s, 3) for s in previews],
            "optimum_wall_s": [round(s, 3) for s in optima],
            "optimum_wall_s_median": round(statistics.median(optima), 3),
            "status": optimum["solver"]["status"],
            "gap": optimum["solver"]["gap"],
            "objective": optimum["objective"],
            "preview_objective": preview["objective"],
            "demand_points": optimum["demand_points"],
            "candidates": optimum["candidates"],
            "existing": optimum["existing"],
            "covered_share_before": round(optimum["covered_before"] / optimum["demand"], 4),
            "covered_share_after": round(optimum["covered_after"] / optimum["demand"], 4),
        }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
