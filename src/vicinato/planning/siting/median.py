"""p-median proven optimal with HiGHS: the radius formulation on the reduced model, or the textbook one."""

from __future__ import annotations

import time
from dataclasses import asdict

import numpy as np
import scipy.sparse as sp

from .errors import InfeasiblePlanError, PlanningError
from .evaluate import median_outcome, to_result
from .highs import Milp, highs_version, solve, with_bound
from .preview import median_search
from .problem import SitingProblem
from .reduce import MedianReduction, ReductionCounts, reduce_median
from .results import ModelSize, SitingResult, SolverReport


def p_median(
    problem: SitingProblem,
    k: int,
    *,
    penalty_s: float | None = None,
    max_time_s: float | None = None,
    time_limit_s: float | None = None,
    reduce: bool = True,
) -> SitingResult:
    """Choose k new sites so that the demand-weighted time to the nearest open or existing site is least.

    A demand point with no site within the limit of the times costs penalty_s (default: twice
    that limit; SitingProblem.penalty). max_time_s: every demand point must also have an open or
    existing site within max_time_s (InfeasiblePlanError when k sites cannot do it).
    time_limit_s: stop there with the best plan found, its proven gap and status "time_limit".
    reduce: False solves the textbook assignment model (demand × candidates variables) instead.
    """
    started = time.perf_counter()
    problem.check_k(k)
    penalty = problem.penalty(penalty_s)
    if max_time_s is not None:
        problem.check_time(max_time_s, "max_time_s")
        _check_reachable(problem, max_time_s)
    if time_limit_s is not None and not (isinstance(time_limit_s, int | float) and time_limit_s > 0):
        raise PlanningError(f"time_limit_s is {time_limit_s!r}; give a positive number of seconds, or None.")
    caps = np.minimum(problem.existing_nearest(), penalty)
    seconds: dict[str, float] = {}
    if reduce:
        reduction = reduce_median(problem, caps, max_time_s)
        counts = reduction.counts
        columns = reduction.columns
        seconds["reduce"] = time.perf_counter() - started
        searched = time.perf_counter()
        start_sites = median_search(reduction.costs, reduction.caps, reduction.weights, k)
        seconds["start"] = time.perf_counter() - searched
        model, levels = _radius_model(reduction, k)
        start = _radius_start(reduction, levels, start_sites)
    else:
        model, start = _assignment_model(problem, k, caps, max_time_s), None
        columns = np.arange(problem.n_candidates)
        counts = ReductionCounts(
            demand_points=problem.n_demand,
            candidates=problem.n_candidates,
            demand_points_kept=problem.n_demand,
            candidates_kept=problem.n_candidates,
        )
    left = None if time_limit_s is None else time_limit_s - (time.perf_counter() - started)
    outcome = solve(model, start=start, time_limit_s=left)
    if outcome.values is not None:
        # As if every candidate were open: a lower bound for when HiGHS stops before its own.
        costs = problem.costs_below(caps)
        everything = caps.copy()
        np.minimum.at(everything, np.repeat(np.arange(len(caps)), np.diff(costs.indptr)), costs.data)
        outcome = with_bound(outcome, float(problem.weights @ everything), maximise=False)
    seconds["solve"] = outcome.seconds
    if outcome.status == "infeasible":
        raise InfeasiblePlanError(
            f"No choice of {k} new sites brings every demand point within {max_time_s / 60:g} minutes of "
            "a site; raise k or max_time_s."
        )
    if outcome.values is None:
        raise PlanningError(
            f"No plan within max_time_s was found within the time limit of {time_limit_s:g} s; allow more time."
        )
    picked = columns[outcome.values[: len(columns)] > 0.5]
    # Fewer than k are open when more would save nothing: any other candidates complete the plan.
    spare = np.setdiff1d(np.arange(problem.n_candidates), picked)[: k - len(picked)]
    chosen = np.r_[picked, spare].astype(np.int64)
    within = max_time_s if max_time_s is not None else problem.times_limit_s
    result = median_outcome(problem, chosen, penalty, within)
    seconds["total"] = time.perf_counter() - started
    solver = SolverReport(
        method="highs",
        status="optimal" if outcome.status == "optimal" else "time_limit",
        optimal=outcome.status == "optimal",
        bound=outcome.bound,
        gap=outcome.gap,
        nodes=outcome.nodes,
        seconds=seconds,
        highs_version=highs_version(),
    )
    options = {
        "penalty_s": penalty,
        "max_time_s": max_time_s,
        "time_limit_s": time_limit_s,
        "reduce": reduce,
    }
    size = ModelSize(before=_assignment_size(problem), after=model.size(), reductions=asdict(counts))
    return to_result("p_median", k, options, result, solver, within, size=size)


def _check_reachable(problem: SitingProblem, max_time_s: float) -> None:
    """Every demand point with weight must have some candidate or existing site within max_time_s."""
    near = np.diff(problem.covered_by(max_time_s).indptr) > 0
    stranded = np.flatnonzero((problem.weights > 0) & ~near & ~problem.existing_cover(max_time_s))
    if len(stranded):
        raise InfeasiblePlanError(
            f"{len(stranded)} demand points (e.g. {problem.demand_ids[stranded[0]]!r}) have no candidate "
            f"or existing site within max_time_s = {max_time_s:g} s; add candidates near them, raise "
            "max_time_s, or leave it out."
        )


def _radius_model(reduction: MedianReduction, k: int) -> tuple[Milp, np.ndarray]:
    """The radius formulation (Elloumi 2010; García, Labbé and Marín 2011), chained.

    For demand point i, D_i1 < ... < D_iK are the distinct times of its candidates below its cap
    D_i,K+1; z_il = 1 when no open site is at D_il or nearer. Its cost is
    D_i1 + Σ_l (D_i,l+1 − D_il) z_il, with z_i1 + Σ_{j at D_i1} y_j ≥ 1 and
    z_il − z_i,l−1 + Σ_{j at D_il} y_j ≥ 0: one row per level and each (i, j) pair once, so the
    model grows with the entries of the matrix, not demand × candidates. Returns the model and,
    per entry of `reduction.costs` sorted by (row, time), its level (a z column).
    """
    coo = sp.coo_matrix(reduction.costs)
    order = np.lexsort((coo.data, coo.row))
    rows, cols, time_s = coo.row[order].astype(np.int64), coo.col[order].astype(np.int64), coo.data[order]
    new_level = np.r_[True, (rows[1:] != rows[:-1]) | (time_s[1:] != time_s[:-1])]
    level = np.cumsum(new_level) - 1  # level index of each entry
    level_row = rows[new_level]
    level_time = time_s[new_level]
    nl = len(level_row)
    first_of_row = np.r_[True, level_row[1:] != level_row[:-1]]
    next_time = np.r_[level_time[1:], 0.0]
    last_of_row = np.r_[level_row[1:] != level_row[:-1], True]
    next_time[last_of_row] = reduction.caps[level_row[last_of_row]]
    mk = len(reduction.columns)
    z = mk + np.arange(nl)
    # Row per level: z_l − z_{l−1} (not for a row's first level) + Σ y at that level ≥ [first level].
    previous = np.flatnonzero(~first_of_row)
    data = np.r_[np.ones(nl), -np.ones(len(previous)), np.ones(len(rows))]
    row_index = np.r_[np.arange(nl), previous, level]
    col_index = np.r_[z, z[previous - 1], cols]
    rows_matrix = sp.csr_matrix((data, (row_index, col_index)), shape=(nl, mk + nl))
    card = sp.csr_matrix((np.ones(mk), (np.zeros(mk, dtype=np.int64), np.arange(mk))), shape=(1, mk + nl))
    weights = reduction.weights[level_row]
    cost = np.r_[np.zeros(mk), weights * (next_time - level_time)]
    upper = np.ones(mk + nl)
    if reduction.max_time_s is not None:
        # The last level within max_time_s must be reached: an open site at most that far.
        within = level_time <= reduction.max_time_s
        must = within & (~np.r_[within[1:], False] | last_of_row) & (next_time > reduction.max_time_s)
        upper[z[must]] = 0.0
    first_time = level_time[first_of_row]
    offset = reduction.constant + float(reduction.weights[level_row[first_of_row]] @ first_time)
    model = Milp(
        cost=cost,
        lower=np.zeros(mk + nl),
        upper=upper,
        integer=np.r_[np.ones(mk, dtype=bool), np.zeros(nl, dtype=bool)],
        rows=sp.vstack([rows_matrix, card], format="csr"),
        row_lower=np.r_[first_of_row.astype(np.float64), -np.inf],
        row_upper=np.r_[np.full(nl, np.inf), float(k)],
        maximise=False,
        offset=offset,
    )
    return model, np.c_[level_row, level_time]


def _radius_start(reduction: MedianReduction, levels: np.ndarray, sites: np.ndarray) -> np.ndarray:
    """The radius model's solution opening `sites` (kept-candidate positions)."""
    mk = len(reduction.columns)
    y = np.zeros(mk)
    y[sites] = 1.0
    costs = reduction.costs.tocsr()
    rows = np.repeat(np.arange(costs.shape[0]), np.diff(costs.indptr))
    nearest = np.full(costs.shape[0], np.inf)
    open_entry = y[costs.indices] > 0
    np.minimum.at(nearest, rows[open_entry], costs.data[open_entry])
    level_row, level_time = levels[:, 0].astype(np.int64), levels[:, 1]
    z = (nearest[level_row] > level_time).astype(np.float64)
    return np.r_[y, z]


def _assignment_model(problem: SitingProblem, k: int, caps: np.ndarray, max_time_s: float | None) -> Milp:
    """The textbook p-median (ReVelle and Swain): x_ij ≤ y_j, Σ_j x_ij + f_i = 1, Σ y_j = k, with
    every demand × candidate pair (time, or the penalty where absent) and f_i the existing site or
    penalty. Dense: for checking the reductions on small instances."""
    n, m = problem.n_demand, problem.n_candidates
    times = problem.times.toarray()
    times[~_stored(problem.times)] = np.inf
    cost = np.minimum(times, caps[:, None])
    allowed = np.ones((n, m), dtype=bool) if max_time_s is None else times <= max_time_s
    w = problem.weights
    # As in _check_reachable, demand points without weight need not be within max_time_s.
    fallback_allowed = np.ones(n, dtype=bool)
    if max_time_s is not None:
        fallback_allowed = (problem.existing_nearest() <= max_time_s) | (w <= 0)
    x = m + np.arange(n * m).reshape(n, m)
    f = m + n * m + np.arange(n)
    count = m + n * m + n
    i_idx = np.repeat(np.arange(n), m)
    assign = sp.csr_matrix(
        (np.ones(n * m + n), (np.r_[i_idx, np.arange(n)], np.r_[x.ravel(), f])), shape=(n, count)
    )
    link = sp.csr_matrix(
        (
            np.r_[np.ones(n * m), -np.ones(n * m)],
            (np.r_[np.arange(n * m), np.arange(n * m)], np.r_[x.ravel(), np.tile(np.arange(m), n)]),
        ),
        shape=(n * m, count),
    )
    card = sp.csr_matrix((np.ones(m), (np.zeros(m, dtype=np.int64), np.arange(m))), shape=(1, count))
    return Milp(
        cost=np.r_[np.zeros(m), (w[:, None] * cost).ravel(), w * caps],
        lower=np.zeros(count),
        upper=np.r_[np.ones(m), allowed.ravel().astype(np.float64), fallback_allowed.astype(np.float64)],
        integer=np.r_[np.ones(m, dtype=bool), np.zeros(n * m + n, dtype=bool)],
        rows=sp.vstack([assign, link, card], format="csr"),
        row_lower=np.r_[np.ones(n), np.full(n * m, -np.inf), float(k)],
        row_upper=np.r_[np.ones(n), np.zeros(n * m), float(k)],
        maximise=False,
    )


def _stored(times: sp.csr_matrix) -> np.ndarray:
    """Which entries of the sparse matrix are stored (a stored time may be 0)."""
    mask = np.zeros(times.shape, dtype=bool)
    rows = np.repeat(np.arange(times.shape[0]), np.diff(times.indptr))
    mask[rows, times.indices] = True
    return mask


def _assignment_size(problem: SitingProblem) -> dict[str, int]:
    """The textbook model's size (not built for large instances: it has demand × candidates columns)."""
    n, m = problem.n_demand, problem.n_candidates
    return {
        "variables": m + n * m + n,
        "integer_variables": m,
        "constraints": n + n * m + 1,
        "nonzeros": n * (m + 1) + 2 * n * m + m,
    }
