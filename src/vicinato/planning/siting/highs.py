"""Mixed-integer programs solved to proven optimality (or to a time limit) with HiGHS, through highspy.

highspy rather than scipy.optimize.milp (HiGHS too): it takes a starting solution (the preview's,
so a time limit always has a plan to return and the search a bound to cut with from the start)
and every HiGHS option, and it is the current HiGHS release (1.16; scipy 1.17 bundles 1.12).

Options, measured on the benchmark (README.md): presolve off (it restarts the covering models'
root and slows them down 1.5-3×) and, when the start is feasible, HiGHS's own searches for
solutions (RINS, RENS, feasibility jump, root reduced cost) off: with a good plan in hand the work
is to prove it, and they took half the time (the covering model: 2-4 s of CPU instead of 5).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, replace

import highspy
import numpy as np
import scipy.sparse as sp

SEED = 0
FEASIBILITY_TOLERANCE = 1e-7
_SOLUTION_SEARCHES = (
    "mip_heuristic_run_rins",
    "mip_heuristic_run_rens",
    "mip_heuristic_run_root_reduced_cost",
    "mip_heuristic_run_feasibility_jump",
)


@dataclass(frozen=True)
class Milp:
    """max or min cost·x + offset, row_lower ≤ rows·x ≤ row_upper, lower ≤ x ≤ upper, some x integer."""

    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray
    rows: sp.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    maximise: bool
    offset: float = 0.0

    def feasible(self, x: np.ndarray) -> bool:
        """Whether x meets the bounds, the rows and integrality (to a small tolerance)."""
        tol = FEASIBILITY_TOLERANCE
        if len(x) != len(self.cost) or (x < self.lower - tol).any() or (x > self.upper + tol).any():
            return False
        if (np.abs(x[self.integer] - np.round(x[self.integer])) > tol).any():
            return False
        activity = self.rows @ x
        scale = 1.0 + np.abs(activity)
        return bool(
            ((activity >= self.row_lower - tol * scale) & (activity <= self.row_upper + tol * scale)).all()
        )

    def size(self) -> dict[str, int]:
        return {
            "variables": len(self.cost),
            "integer_variables": int(self.integer.sum()),
            "constraints": self.rows.shape[0],
            "nonzeros": int(self.rows.nnz),
        }


@dataclass(frozen=True)
class MilpOutcome:
    """status: "optimal", "time_limit" (values hold the best solution found, if any) or "infeasible"."""

    status: str
    values: np.ndarray | None
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    nodes: int


_first = True
_first_lock = threading.Lock()


def _highs() -> highspy.Highs:
    """A HiGHS instance. The first of a process prints HiGHS's banner on stdout from C++, before any
    option can be set: it goes to stderr instead, so that stdout stays the caller's (JSON, a
    command's output)."""
    global _first
    with _first_lock:
        if not _first:
            return highspy.Highs()
        sys.stdout.flush()
        saved = os.dup(1)
        os.dup2(2, 1)
        try:
            return highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            _first = False


def highs_version() -> str:
    h = _highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


def solve(
    model: Milp,
    *,
    start: np.ndarray | None = None,
    time_limit_s: float | None = None,
    search: bool | None = None,
) -> MilpOutcome:
    """Solve to a zero MIP gap, or until time_limit_s, starting from `start` when it is feasible.

    search: whether HiGHS runs its own searches for solutions; by default only without a feasible
    start (the equity models want them even with one: their starts are far from the optimum).
    """
    started = time.perf_counter()
    h = _highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("random_seed", SEED)
    h.setOptionValue("presolve", "off")
    if start is not None and not model.feasible(start):
        start = None
    for option in _SOLUTION_SEARCHES:
        h.setOptionValue(option, start is None if search is None else search)
    if time_limit_s is not None:
        h.setOptionValue("time_limit", max(float(time_limit_s), 0.01))
    count = len(model.cost)
    h.addVars(count, model.lower.astype(np.float64), model.upper.astype(np.float64))
    columns = np.arange(count, dtype=np.int32)
    h.changeColsCost(count, columns, model.cost.astype(np.float64))
    integer = np.flatnonzero(model.integer).astype(np.int32)
    if len(integer):
        kinds = np.full(len(integer), highspy.HighsVarType.kInteger)
        h.changeColsIntegrality(len(integer), integer, kinds)
    rows = model.rows.tocsr()
    rows.sort_indices()
    if rows.shape[0]:
        h.addRows(
            rows.shape[0],
            model.row_lower.astype(np.float64),
            model.row_upper.astype(np.float64),
            rows.nnz,
            rows.indptr[:-1].astype(np.int32),
            rows.indices.astype(np.int32),
            rows.data.astype(np.float64),
        )
    h.changeObjectiveSense(highspy.ObjSense.kMaximize if model.maximise else highspy.ObjSense.kMinimize)
    h.changeObjectiveOffset(float(model.offset))
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = np.asarray(start, dtype=np.float64).tolist()
        solution.value_valid = True
        h.setSolution(solution)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    values = np.asarray(h.getSolution().col_value) if has_solution else None
    objective = float(info.objective_function_value) if has_solution else None
    if status == highspy.HighsModelStatus.kOptimal:
        state = "optimal"
    elif status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        state = "infeasible"
    else:
        state = "time_limit"
    bound = float(info.mip_dual_bound) if integer.size else objective
    if state == "optimal":
        bound = objective
    return MilpOutcome(
        status=state,
        values=values,
        objective=objective,
        bound=bound if bound is not None and np.isfinite(bound) else None,
        gap=relative_gap(objective, bound),
        seconds=time.perf_counter() - started,
        nodes=int(info.mip_node_count),
    )


def with_bound(outcome: MilpOutcome, bound: float, maximise: bool) -> MilpOutcome:
    """The outcome with `bound` (a valid bound found otherwise) where it is tighter than HiGHS's,
    or where HiGHS had none (stopped before its first relaxation)."""
    if outcome.bound is not None:
        bound = min(bound, outcome.bound) if maximise else max(bound, outcome.bound)
    return replace(outcome, bound=bound, gap=relative_gap(outcome.objective, bound))


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|bound − objective| / |objective| (0 when both are 0); None without both."""
    if objective is None or bound is None or not np.isfinite(bound):
        return None
    if objective == bound:
        return 0.0
    return abs(bound - objective) / max(abs(objective), 1e-12)
