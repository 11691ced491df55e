"""What a set of chosen sites achieves: demand covered or travel time, per group, and why each site."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .problem import SitingProblem
from .results import ChosenSite, EquityOutcome, GroupOutcome, ModelSize, SitingResult, SolverReport


@dataclass
class Outcome:
    """The figures of one plan, before and after, computed on the problem as given (not reduced)."""

    chosen: list[ChosenSite]
    groups: list[GroupOutcome]
    objective: float
    objective_before: float
    demand: float
    covered_before: float
    covered_after: float
    mean_time_before_s: float | None = None
    mean_time_after_s: float | None = None


def covering_outcome(
    problem: SitingProblem,
    within_s: float,
    chosen: np.ndarray,
    *,
    served_before: np.ndarray | None = None,
    served_after: np.ndarray | None = None,
    site_served: np.ndarray | None = None,
) -> Outcome:
    """Demand covered within `within_s` by the existing sites, then with the chosen ones too.

    served_before / served_after: the share of each demand point served (capacitated plans);
    without them a point is served when a site is within the time. site_served: what each chosen
    site serves (capacitated), which then ranks the sites and is their marginal.
    """
    w = problem.weights
    existing = problem.existing_cover(within_s)
    near = _dense_columns(problem.covered_by(within_s), chosen, 0.0) > 0
    before = existing.astype(np.float64) if served_before is None else served_before
    after = (existing | near.any(axis=1)).astype(np.float64) if served_after is None else served_after
    sites = []
    count = near.sum(axis=1)
    new = ~existing
    for position, j in enumerate(chosen):
        column = near[:, position]
        sites.append(
            _unranked(
                problem,
                j,
                reach=w[column].sum(),
                newly_covered=w[column & new].sum(),
                only_here=w[column & new & (count == 1)].sum(),
            )
        )
    if site_served is None:
        gains = _rank_covering(w, existing, near)
    else:
        gains = np.asarray(site_served, dtype=np.float64)
        for site, served, j in zip(sites, gains, chosen, strict=True):
            site.served = float(served)
            site.capacity = None if problem.capacities is None else float(problem.capacities[j])
    _set_ranks(sites, gains)
    covered_before = float(w @ before)
    covered_after = float(w @ after)
    return Outcome(
        chosen=sites,
        groups=_groups(problem, before, after),
        objective=covered_after,
        objective_before=covered_before,
        demand=float(w.sum()),
        covered_before=covered_before,
        covered_after=covered_after,
    )


def median_outcome(
    problem: SitingProblem, chosen: np.ndarray, penalty_s: float, within_s: float | None
) -> Outcome:
    """Weighted travel time to the nearest open or existing site (at most penalty_s), before and after.

    A demand point is covered when that site is within `within_s` (None: within the matrix's limit).
    """
    w = problem.weights
    limit = np.inf if within_s is None else within_s
    existing = problem.existing_nearest()
    caps = np.minimum(existing, penalty_s)
    times = _dense_columns(problem.times, chosen, np.inf)
    nearest_time = times.min(axis=1, initial=np.inf)
    cost = np.minimum(caps, nearest_time)
    serving = np.where(nearest_time < caps, times.argmin(axis=1) if len(chosen) else -1, -1)
    covered_before = existing <= limit
    covered_after = np.minimum(existing, nearest_time) <= limit
    sites = []
    for position, j in enumerate(chosen):
        served = serving == position
        others = np.delete(times, position, axis=1).min(axis=1, initial=np.inf)
        without = np.minimum(caps, others)
        sites.append(
            _unranked(
                problem,
                j,
                reach=w[served].sum(),
                newly_covered=w[served & ~covered_before].sum(),
                only_here=w @ (without - cost),
            )
        )
    _set_ranks(sites, _rank_median(w, caps, times))
    demand = float(w.sum())
    groups = _groups(problem, covered_before.astype(np.float64), covered_after.astype(np.float64))
    if problem.groups is not None:
        totals = problem.group_totals()
        before_time = np.bincount(problem.groups, weights=w * caps, minlength=len(totals))
        after_time = np.bincount(problem.groups, weights=w * cost, minlength=len(totals))
        for group, total, b, a in zip(groups, totals, before_time, after_time, strict=True):
            group.mean_time_before_s = float(b / total) if total > 0 else None
            group.mean_time_after_s = float(a / total) if total > 0 else None
    objective = float(w @ cost)
    objective_before = float(w @ caps)
    return Outcome(
        chosen=sites,
        groups=groups,
        objective=objective,
        objective_before=objective_before,
        demand=demand,
        covered_before=float(w[covered_before].sum()),
        covered_after=float(w[covered_after].sum()),
        mean_time_before_s=objective_before / demand,
        mean_time_after_s=objective / demand,
    )


def to_result(
    model: str,
    k: int,
    options: dict[str, Any],
    outcome: Outcome,
    solver: SolverReport,
    within_s: float | None,
    *,
    size: ModelSize | None = None,
    equity: EquityOutcome | None = None,
) -> SitingResult:
    return SitingResult(
        model=model,
        k=k,
        options=options,
        chosen=outcome.chosen,
        objective=outcome.objective,
        objective_before=outcome.objective_before,
        demand=outcome.demand,
        within_s=within_s,
        covered_before=outcome.covered_before,
        covered_after=outcome.covered_after,
        groups=outcome.groups,
        solver=solver,
        size=size,
        equity=equity,
        mean_time_before_s=outcome.mean_time_before_s,
        mean_time_after_s=outcome.mean_time_after_s,
    )


def group_shares(problem: SitingProblem, served: np.ndarray) -> np.ndarray:
    """Share of each group's demand served (nan for a group without demand)."""
    assert problem.groups is not None
    totals = problem.group_totals()
    covered = np.bincount(problem.groups, weights=problem.weights * served, minlength=len(totals))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, covered / totals, np.nan)


def _dense_columns(matrix, chosen: np.ndarray, fill: float) -> np.ndarray:
    """Columns `chosen` of a sparse matrix as a dense (n × len(chosen)) array, `fill` where absent."""
    sub = matrix[:, np.asarray(chosen, dtype=np.int64)].tocoo()
    dense = np.full(sub.shape, fill)
    dense[sub.row, sub.col] = sub.data
    return dense


def _unranked(
    problem: SitingProblem, j: int, *, reach: float, newly_covered: float, only_here: float
) -> ChosenSite:
    """Candidate j as a chosen site, its rank and marginal left for _set_ranks."""
    return ChosenSite(
        index=int(j),
        id=problem.candidate_ids[j],
        rank=0,
        marginal=0.0,
        reach=float(reach),
        newly_covered=float(newly_covered),
        only_here=float(only_here),
    )


def _rank_covering(w: np.ndarray, existing: np.ndarray, near: np.ndarray) -> np.ndarray:
    """What each site adds when they are added one at a time, the one adding most first."""
    covered = existing.copy()

    def add(site: int) -> None:
        nonlocal covered
        covered |= near[:, site]

    return _rank_greedy(near.shape[1], lambda s: float(w[near[:, s] & ~covered].sum()), add)


def _rank_median(w: np.ndarray, caps: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Weighted seconds each site saves when they are added one at a time, the one saving most first."""
    current = caps.copy()

    def add(site: int) -> None:
        nonlocal current
        current = np.minimum(current, times[:, site])

    return _rank_greedy(times.shape[1], lambda s: float(w @ np.maximum(current - times[:, s], 0.0)), add)


def _rank_greedy(sites: int, gain: Callable[[int], float], add: Callable[[int], None]) -> np.ndarray:
    """What each of `sites` sites gains when they are added one at a time, the one gaining most first:
    gain(s) is what adding site s gains now, add(s) adds it."""
    gains = np.zeros(sites)
    left = list(range(sites))
    while left:
        values = [gain(s) for s in left]
        best = int(np.argmax(values))
        site = left.pop(best)
        gains[site] = values[best]
        add(site)
    return gains


def _set_ranks(sites: list[ChosenSite], gains: np.ndarray) -> None:
    order = sorted(range(len(sites)), key=lambda s: -gains[s])
    for rank, s in enumerate(order, start=1):
        sites[s].rank = rank
        sites[s].marginal = float(gains[s])
    sites.sort(key=lambda site: site.rank)


def _groups(problem: SitingProblem, before: np.ndarray, after: np.ndarray) -> list[GroupOutcome]:
    if problem.groups is None:
        return []
    w = problem.weights
    totals = problem.group_totals()
    covered_before = np.bincount(problem.groups, weights=w * before, minlength=len(totals))
    covered_after = np.bincount(problem.groups, weights=w * after, minlength=len(totals))
    return [
        GroupOutcome(
            group=name,
            demand=float(total),
            covered_before=float(b),
            covered_after=float(a),
            share_before=float(b / total) if total > 0 else None,
            share_after=float(a / total) if total > 0 else None,
        )
        for name, total, b, a in zip(problem.group_names, totals, covered_before, covered_after, strict=True)
    ]
