"""Benchmark of the site-planning optimiser (vicinato.planning.siting) on the demo city, beside PySAL spopt.

The instance: demand = the 2021 residents of each NIL spread over the walk graph's junctions inside
it (node_weights_from_polygons) and summed on a 250 m grid, one demand point per non-empty cell at
the junction of the cell nearest its residents' weighted centre, grouped by the NIL giving the cell
most residents; candidates = the 130 metro stations and 370 random points on the streets (uniform
per metre, seeded); travel times = 15 minutes on foot (walk graph table, cutoff 900 s).

Measures the matrix's building time apart, then: maximal covering p = 30 proven optimal (end to
end: reductions, start, HiGHS, report), the preview (greedy + swap) and its gap, p-median p = 10
proven optimal, the equity variants (every NIL at least 50%, then 10%, covered where it can be;
max-min), the capacitated variant (with a 60 s time limit), maximal covering with the demo's
listed places as existing sites, the model sizes before and after the reductions; and the same
matrix and weights given to spopt's MCLP and PMedian with the CBC solver PuLP ships (in its own
venv under .cache/, made on the first run), whose objectives are compared with ours. spopt's p-median gets a time limit (--spopt-time-limit,
default 660 s; --quick skips it).

Prints ONE JSON document on stdout; progress goes to stderr.
Usage: python benchmarks/planning.py [--quick] [--no-spopt] [--runs 3] [--output FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import signal
import statistics
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

from _engine import ensure_venv, finish, say  # noqa: E402

from vicinato.planning.siting import (  # noqa: E402
    InfeasiblePlanError,
    SitingProblem,
    SitingResult,
    maximal_covering,
    p_median,
    preview_covering,
    preview_median,
)
from vicinato.routing import ModeGraph, Network, RoutingSettings, node_weights_from_polygons  # noqa: E402

DATA = ROOT / "data" / "milano"
CACHE = ROOT / ".cache"
CELL_M = 250.0
WITHIN_S = 900.0
STREET_CANDIDATES = 370
# Capacitated covering is capacitated facility location: proving it took minutes here, so the
# benchmark shows what a time limit gives (the product should pass one too).
CAPACITATED_LIMIT_S = 60.0
# What spopt's p-median worker may take beyond CBC's time limit (building the PuLP model, writing
# and reading CBC's files) before it is stopped; CBC's limit did not stop it in wall time here.
SPOPT_EXTRA_S = 600.0

# ----- the instance --------------------------------------------------------------------------------


def demand_points(walk: ModeGraph) -> tuple[np.ndarray, np.ndarray, list[str], dict[str, Any]]:
    """(lat/lon per demand point, residents, NIL name) on the 250 m grid."""
    population = {}
    with open(DATA / "nil_population_2021_and_counts.csv", newline="") as f:
        for row in csv.DictReader(f):
            population[int(row["id_nil"])] = float(row["popolazione_totale_2021"])
    features = json.loads((DATA / "ds964_NIL_WM.geojson").read_text())["features"]
    names = [f["properties"]["NIL"] for f in features]
    per_nil = np.vstack(
        [
            node_weights_from_polygons(walk, [(f["geometry"], population[f["properties"]["ID_NIL"]])])
            for f in features
        ]
    )
    weights = per_nil.sum(axis=0)
    x, y = walk.projection.to_xy(walk.node_lon, walk.node_lat)
    nodes = np.flatnonzero(weights > 0)
    cells, cell = np.unique(
        np.column_stack([np.floor(x[nodes] / CELL_M), np.floor(y[nodes] / CELL_M)]),
        axis=0,
        return_inverse=True,
    )
    cell = cell.ravel()
    count = len(cells)
    residents = np.bincount(cell, weights=weights[nodes], minlength=count)
    centre_x = np.bincount(cell, weights=weights[nodes] * x[nodes], minlength=count) / residents
    centre_y = np.bincount(cell, weights=weights[nodes] * y[nodes], minlength=count) / residents
    distance = (x[nodes] - centre_x[cell]) ** 2 + (y[nodes] - centre_y[cell]) ** 2
    order = np.lexsort((distance, cell))
    first = order[np.r_[True, cell[order][1:] != cell[order][:-1]]]
    at = nodes[first]
    by_nil = np.zeros((count, len(features)))
    np.add.at(by_nil, cell, per_nil[:, nodes].T)
    groups = [names[g] for g in by_nil.argmax(axis=1)]
    info = {
        "residents": float(weights.sum()),
        "residents_in_csv": float(sum(population.values())),
        "nil": len(features),
        "junctions_with_residents": len(nodes),
        "cell_m": CELL_M,
        "demand_points": count,
    }
    return np.column_stack([walk.node_lat[at], walk.node_lon[at]]), residents, groups, info


def candidates(walk: ModeGraph, seed: int) -> tuple[np.ndarray, list[str]]:
    """The metro stations, then random points on the streets (uniform per metre of street)."""
    metro = json.loads((DATA / "tpl_metrofermate.geojson").read_text())["features"]
    stations = np.array([[f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0]] for f in metro])
    ids = [f"metro {f['properties']['nome']} ({f['properties']['id_amat']})" for f in metro]
    rng = np.random.default_rng(seed)
    length = walk.seg_len_m.astype(np.float64)
    seg = rng.choice(len(length), size=STREET_CANDIDATES, p=length / length.sum())
    frac = rng.random(STREET_CANDIDATES)
    u, v = walk.seg_u[seg], walk.seg_v[seg]
    lat, lon = walk.shape_lat, walk.shape_lon
    street = np.column_stack([lat[u] + frac * (lat[v] - lat[u]), lon[u] + frac * (lon[v] - lon[u])])
    return np.vstack([stations, street]), ids + [f"street {i}" for i in range(STREET_CANDIDATES)]


def listed_places() -> np.ndarray:
    places = json.loads((DATA / "demo_places.json").read_text())
    return np.array([[p["lat"], p["lon"]] for p in places])


# ----- our solver ----------------------------------------------------------------------------------


def timed(run, runs: int) -> tuple[SitingResult, list[tuple[float, float]]]:
    """The last result and, for each run, (wall seconds, CPU seconds of this process: HiGHS's
    threads included). CPU time says more than wall time when other work shares the 2 cores."""
    seconds = []
    result = None
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        result = run()
        seconds.append((round(time.perf_counter() - started, 4), round(time.process_time() - cpu, 4)))
    assert result is not None
    return result, seconds


def summary(result: SitingResult, seconds: list[tuple[float, float]]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "wall_s_each_run": [wall for wall, _ in seconds],
        "wall_s_median": round(statistics.median(wall for wall, _ in seconds), 4),
        "cpu_s_each_run": [cpu for _, cpu in seconds],
        "status": result.solver.status,
        "optimal": result.solver.optimal,
        "gap": result.solver.gap,
        "objective": result.objective,
        "solver_seconds": {key: round(value, 4) for key, value in result.solver.seconds.items()},
        "nodes": result.solver.nodes,
        "chosen": result.chosen_ids,
    }
    if result.model == "maximal_covering":
        out["covered_share_before"] = round(result.covered_before / result.demand, 4)
        out["covered_share_after"] = round(result.covered_after / result.demand, 4)
    else:
        out["mean_time_before_s"] = result.mean_time_before_s
        out["mean_time_after_s"] = result.mean_time_after_s
    if result.size is not None:
        out["model_size"] = {"before": result.size.before, "after": result.size.after}
        out["reductions"] = result.size.reductions
    if result.equity is not None:
        out["equity"] = result.to_dict()["equity"]
    if result.solver.stages:
        out["stages"] = result.to_dict()["solver"]["stages"]
    return out


def ours(problem: SitingProblem, with_places: SitingProblem, runs: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    say("first preview call in this process (numba: loads the compiled kernels, or compiles them once)")
    started = time.perf_counter()
    preview_covering(problem, 30, WITHIN_S)
    preview_median(problem, 10)
    out["first_preview_calls_s"] = round(time.perf_counter() - started, 3)

    say(f"maximal covering p = 30, proven optimal ({runs} runs)")
    mclp, seconds = timed(lambda: maximal_covering(problem, 30, WITHIN_S), runs)
    out["mclp_p30"] = summary(mclp, seconds)
    say("preview p = 30 (20 runs)")
    preview, seconds = timed(lambda: preview_covering(problem, 30, WITHIN_S), 20)
    out["mclp_p30_preview"] = {
        "wall_s_median": round(statistics.median(wall for wall, _ in seconds), 4),
        "wall_s_max": max(wall for wall, _ in seconds),
        "objective": preview.objective,
        "gap_to_optimum": (mclp.objective - preview.objective) / mclp.objective,
    }

    say(f"p-median p = 10, proven optimal ({runs} runs)")
    median, seconds = timed(lambda: p_median(problem, 10), runs)
    out["p_median_p10"] = summary(median, seconds)
    preview, seconds = timed(lambda: preview_median(problem, 10), 20)
    out["p_median_p10_preview"] = {
        "wall_s_median": round(statistics.median(wall for wall, _ in seconds), 4),
        "wall_s_max": max(wall for wall, _ in seconds),
        "objective": preview.objective,
        "gap_to_optimum": (preview.objective - median.objective) / median.objective,
    }

    for share in (0.5, 0.1):
        say(f"equity: every NIL at least {share:.0%} covered where it can be")
        key = f"mclp_p30_min_share_{share * 100:.0f}"
        started = time.perf_counter()
        try:
            result, seconds = timed(
                lambda s=share: maximal_covering(problem, 30, WITHIN_S, min_group_share=s), 1
            )
            out[key] = summary(result, seconds)
        except InfeasiblePlanError as error:
            out[key] = {"infeasible": str(error), "wall_s": round(time.perf_counter() - started, 3)}
    say("equity: max-min share of the NILs, then the most residents")
    result, seconds = timed(lambda: maximal_covering(problem, 30, WITHIN_S, max_min_groups=True), 1)
    out["mclp_p30_max_min"] = summary(result, seconds)

    say(f"capacitated: desks against demand, time limit {CAPACITATED_LIMIT_S:g} s")
    result, seconds = timed(
        lambda: maximal_covering(problem, 30, WITHIN_S, capacitated=True, time_limit_s=CAPACITATED_LIMIT_S), 1
    )
    out["mclp_p30_capacitated"] = summary(result, seconds)
    served = [site.served for site in result.chosen]
    out["mclp_p30_capacitated"]["sites_full"] = sum(
        1 for site in result.chosen if site.capacity and site.served >= site.capacity - 1e-6
    )
    out["mclp_p30_capacitated"]["served_per_site_min_max"] = [min(served), max(served)]

    say("maximal covering p = 30 with the demo's listed places as existing sites")
    result, seconds = timed(lambda: maximal_covering(with_places, 30, WITHIN_S), 1)
    out["mclp_p30_with_listed_places"] = summary(result, seconds)
    return out


# ----- spopt ---------------------------------------------------------------------------------------


def ensure_spopt_venv(venv: Path) -> tuple[Path | None, str]:
    """The venv's python with spopt and pulp installed, or None and the reason."""
    CACHE.mkdir(exist_ok=True)
    (CACHE / ".gitignore").write_text("*\n")  # venvs and data here are never committed
    return ensure_venv(venv, sys.executable, ["spopt", "pulp"], "import spopt.locate, pulp", 1800, "spopt")


def run_spopt(python: Path, matrix: Path, timeout_s: float, *args: str) -> dict[str, Any]:
    """One spopt worker run, in its own process group so that CBC goes with it on a timeout."""
    worker = Path(__file__).with_name("_spopt_worker.py")
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(python), str(worker), *args, "--matrix", str(matrix)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return {"killed_after_s": round(time.perf_counter() - started, 1), "reason": "worker timeout"}
    lines = [line for line in stdout.strip().splitlines() if line.startswith("{")]
    if not lines:
        tail = (stderr or "no output").strip().splitlines()[-2:]
        return {"error": f"spopt worker exited {process.returncode}: {' | '.join(tail)}"}
    out = json.loads(lines[-1])
    out["wall_s"] = round(time.perf_counter() - started, 3)
    return out


def spopt(
    args: argparse.Namespace, times: np.ndarray, weights: np.ndarray, problem: SitingProblem
) -> dict[str, Any]:
    python, how = ensure_spopt_venv(args.spopt_venv)
    if python is None:
        return {"available": False, "reason": how}
    out: dict[str, Any] = {"available": True, "venv": how}
    with tempfile.TemporaryDirectory() as tmp:
        matrix = Path(tmp) / "matrix.npz"
        np.savez(matrix, times=times, weights=weights)
        say("spopt MCLP p = 30 with CBC")
        mclp = run_spopt(python, matrix, 3600, "mclp", "--p", "30", "--radius", str(WITHIN_S))
        if mclp.get("chosen"):
            # Their plan scored by our evaluation, on the same matrix and weights.
            mclp["objective_of_their_sites_by_our_evaluation"] = covered_by_sites(problem, mclp["chosen"])
        out["mclp_p30"] = mclp
        if args.quick:
            out["p_median_p10"] = {"skipped": "--quick"}
        else:
            limit = args.spopt_time_limit
            say(f"spopt PMedian p = 10 with CBC, time limit {limit:g} s (model building comes on top)")
            penalty = problem.penalty(None)  # what ours used: absent entries cost it in both
            out["p_median_p10"] = run_spopt(
                python,
                matrix,
                limit + SPOPT_EXTRA_S,
                "pmedian",
                "--p",
                "10",
                "--penalty",
                str(penalty),
                "--time-limit",
                str(limit),
            )
            out["p_median_p10"]["time_limit_s"] = limit
    return out


def covered_by_sites(problem: SitingProblem, chosen: list[int]) -> float:
    """Demand within WITHIN_S of the given candidates (our evaluation of someone else's plan)."""
    near = problem.covered_by(WITHIN_S)[:, chosen]
    return float(problem.weights @ (np.diff(near.tocsr().indptr) > 0))


def side_by_side(our: dict, theirs: dict) -> dict[str, Any]:
    if not theirs.get("available"):
        return {}
    mclp = theirs["mclp_p30"]
    out: dict[str, Any] = {
        "mclp_p30": {
            "ours_wall_s_median": our["mclp_p30"]["wall_s_median"],
            "spopt_build_s": mclp.get("build_s"),
            "spopt_solve_s": mclp.get("solve_s"),
            "spopt_wall_s": mclp.get("wall_s"),
            "ours_objective": our["mclp_p30"]["objective"],
            "spopt_objective": mclp.get("objective"),
            "objectives_equal": mclp.get("objective") is not None
            and abs(mclp["objective"] - our["mclp_p30"]["objective"]) <= 1e-6 * our["mclp_p30"]["objective"],
        }
    }
    median = theirs["p_median_p10"]
    if "skipped" not in median:
        value = median.get("objective")
        out["p_median_p10"] = {
            "ours_wall_s_median": our["p_median_p10"]["wall_s_median"],
            "ours_objective": our["p_median_p10"]["objective"],
            "spopt_status": median.get("status"),
            "spopt_solution_status": median.get("solution_status"),
            "spopt_build_s": median.get("build_s"),
            "spopt_solve_s": median.get("solve_s"),
            "spopt_objective": value,
            "spopt_above_optimum": None
            if value is None
            else (value - our["p_median_p10"]["objective"]) / our["p_median_p10"]["objective"],
            **({"spopt_killed_after_s": median["killed_after_s"]} if "killed_after_s" in median else {}),
        }
    return out


# ----- main ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="runs of each proven-optimal model")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the street candidates")
    parser.add_argument("--quick", action="store_true", help="skip spopt's p-median")
    parser.add_argument("--no-spopt", action="store_true", help="skip spopt altogether")
    parser.add_argument("--spopt-time-limit", type=float, default=660.0, help="CBC's limit for the p-median")
    parser.add_argument("--spopt-venv", type=Path, default=CACHE / "spopt-venv")
    parser.add_argument("--output", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    out: dict[str, Any] = {
        "benchmark": "vicinato.planning.siting vs spopt (CBC)",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    say("loading the walk graph")
    network = Network.load_or_build(DATA / "milan_italy_small.osm.pbf", CACHE / "routing", RoutingSettings())
    walk = network.graph("walk")
    say("demand on the 250 m grid")
    started = time.perf_counter()
    demand, weights, groups, info = demand_points(walk)
    info["demand_build_s"] = round(time.perf_counter() - started, 3)
    sites, site_ids = candidates(walk, args.seed)
    places = listed_places()
    say(f"travel times on foot: {len(demand)} demand points × {len(sites)} candidates, cutoff {WITHIN_S:g} s")
    started = time.perf_counter()
    times = np.ascontiguousarray(walk.table(demand, sites, cutoff_s=WITHIN_S, strict=False))
    info["matrix_build_s"] = round(time.perf_counter() - started, 3)
    existing = np.ascontiguousarray(walk.table(demand, places, cutoff_s=WITHIN_S, strict=False))
    snapped = walk.snap_many(sites, strict=False)
    info.update(
        {
            "candidates": len(sites),
            "metro_stations": len(sites) - STREET_CANDIDATES,
            "street_points": STREET_CANDIDATES,
            "candidates_beyond_snapping_limit": int((~snapped.ok).sum()),
            "pairs_within_15_min": int(np.isfinite(times).sum()),
            "listed_places_as_existing": len(places),
            "seed": args.seed,
        }
    )
    out["instance"] = info
    rng = np.random.default_rng(args.seed)
    # For the capacitated variant: 20–80 desks per site, each for 500 residents (an illustration).
    capacities = rng.integers(20, 81, len(sites)) * 500.0
    problem = SitingProblem.build(
        weights, times, groups=groups, capacities=capacities, candidate_ids=site_ids, times_limit_s=WITHIN_S
    )
    with_places = SitingProblem.build(
        weights, times, existing_times=existing, groups=groups, candidate_ids=site_ids, times_limit_s=WITHIN_S
    )
    out["capacitated_variant"] = "capacity = 20-80 desks (seeded) x 500 residents per desk"
    out["ours"] = ours(problem, with_places, args.runs)
    out["spopt"] = {"skipped": "--no-spopt"} if args.no_spopt else spopt(args, times, weights, problem)
    out["side_by_side"] = side_by_side(out["ours"], out["spopt"])
    return finish(out, args.output)


if __name__ == "__main__":
    raise SystemExit(main())
