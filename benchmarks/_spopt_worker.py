"""spopt side of benchmarks/planning.py; runs in its own venv with spopt and pulp (CBC as PuLP ships it).

mclp:    spopt.locate.MCLP.from_cost_matrix(times, weights, service_radius, p) solved with CBC.
pmedian: spopt.locate.PMedian.from_cost_matrix(times with the penalty where absent, weights, p)
         solved with CBC under a time limit.
Reads the matrix from an .npz (times: demand × candidates, inf beyond the cutoff; weights), prints
one JSON line: model building and solving times, PuLP's status, the objective and the sites chosen.
"""

from __future__ import annotations

import argparse
import json
import time
from importlib.metadata import version

import numpy as np
import pulp
from spopt.locate import MCLP, PMedian


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model", choices=["mclp", "pmedian"])
    parser.add_argument("--matrix", required=True)
    parser.add_argument("--p", type=int, required=True)
    parser.add_argument("--radius", type=float)
    parser.add_argument("--penalty", type=float)
    parser.add_argument("--time-limit", type=float)
    args = parser.parse_args()
    data = np.load(args.matrix)
    times, weights = data["times"], data["weights"]
    started = time.perf_counter()
    if args.model == "mclp":
        model = MCLP.from_cost_matrix(times, weights, service_radius=args.radius, p_facilities=args.p)
    else:
        costs = np.where(np.isfinite(times), times, args.penalty)
        model = PMedian.from_cost_matrix(costs, weights, p_facilities=args.p)
    built = time.perf_counter()
    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=args.time_limit)
    out: dict[str, object] = {
        "spopt": version("spopt"),
        "pulp": version("pulp"),
        "solver": "PULP_CBC_CMD (CBC shipped with PuLP)",
        "variables": len(model.problem.variables()),
        "constraints": len(model.problem.constraints),
        "build_s": round(built - started, 3),
    }
    try:
        model.solve(solver, results=False)
    except RuntimeError as error:  # spopt refuses a model CBC did not solve
        out["error"] = str(error)
    out["solve_s"] = round(time.perf_counter() - built, 3)
    out["status"] = pulp.LpStatus[model.problem.status]
    out["solution_status"] = pulp.LpSolution[model.problem.sol_status]
    value = model.problem.objective.value()
    out["objective"] = None if value is None else float(value)
    out["chosen"] = [j for j, y in enumerate(model.fac_vars) if y.value() is not None and y.value() > 0.5]
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
