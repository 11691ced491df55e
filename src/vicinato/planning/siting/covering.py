"""Maximal covering (MCLP) proven optimal with HiGHS, with equity options and capacities (desks)."""

from __future__ import annotations

import time
from dataclasses import asdict

import numpy as np

from .covering_model import SHARE_TOLERANCE, CoveringModel
from .errors import InfeasiblePlanError, PlanningError
from .evaluate import covering_outcome, group_shares, to_result
from .highs import MilpOutcome, highs_version, relative_gap, solve, with_bound
from .preview import START_RESTARTS, covering_search
from .problem import SitingProblem
from .reduce import reduce_covering
from .results import EquityOutcome, ModelSize, SitingResult, SolverReport

# The least share of max-min is proven to this (share units): finer than one resident in 10,000.
SHARE_RESOLUTION = 1e-6


def maximal_covering(
    problem: SitingProblem,
    k: int,
    within_s: float,
    *,
    min_group_share: float | None = None,
    max_min_groups: bool = False,
    capacitated: bool = False,
    time_limit_s: float | None = None,
    reduce: bool = True,
) -> SitingResult:
    """Choose k new sites among the candidates so that the most demand lies within within_s seconds.

    Demand already within within_s of an existing site counts as covered.
    min_group_share: every group must have at least this share (0–1) of its demand covered;
        groups that could not reach it even with every candidate open are left out and listed.
        InfeasiblePlanError when no k sites meet it.
    max_min_groups: maximise the share of the least-covered group, then the demand covered with
        every group at least at that share (groups no candidate can reach are left out, listed).
    capacitated: each site serves at most its capacity (problem.capacities, in demand units);
        demand is assigned to open sites within the time (existing sites too when
        problem.existing_capacities is given; otherwise they cover without limit).
    time_limit_s: stop there with the best plan found, its proven gap and status "time_limit".
    reduce: False solves the textbook model as it is (to check the reductions).
    """
    started = time.perf_counter()
    _check(problem, k, within_s, min_group_share, max_min_groups, capacitated, time_limit_s)
    mode = "min_share" if min_group_share is not None else "max_min" if max_min_groups else None
    reduction = reduce_covering(
        problem, within_s, capacitated=capacitated, by_group=mode is not None, reduce=reduce
    )
    model = CoveringModel(
        problem, reduction, k, within_s, capacitated=capacitated, fold=reduce and not capacitated
    )
    groups, out_of_reach = _equity_groups(problem, within_s, mode, min_group_share)
    seconds = {"reduce": time.perf_counter() - started}
    searched = time.perf_counter()
    if capacitated:
        # Greedy sites, then their best assignment (an LP): capacitated models are hard to start.
        share = None if mode is None else (min_group_share or 0.0)
        fixed = model.fixed_sites(model.milp(min_share=share, groups=groups), model.capacitated_sites())
        start = solve(fixed).values
    else:
        weights = reduction.weights * (1.0 - reduction.already)
        start = model.start(covering_search(reduction.cover, weights, k, START_RESTARTS))
    seconds["start"] = time.perf_counter() - searched
    deadline = None if time_limit_s is None else started + time_limit_s
    bound = _covering_bound(problem, within_s, k)
    stages: list[dict] = []
    if mode == "max_min" and groups.any():
        last, stages, complete = _max_min(model, problem, within_s, groups, start, deadline, bound)
    else:
        equity_rows = mode == "min_share"
        milp = model.milp(min_share=min_group_share, groups=groups if equity_rows else None)
        last = solve(
            milp,
            start=start,
            time_limit_s=_left(deadline),
            search=True if equity_rows or capacitated else None,
        )
        if last.status == "infeasible":
            raise InfeasiblePlanError(_infeasible(k, within_s, min_group_share, int(groups.sum())))
        last = _with_plan(last, bound)
        complete = last.status == "optimal"
    seconds["solve"] = time.perf_counter() - started - sum(seconds.values())
    chosen, site_served = model.chosen(last.values)
    served_before = served_after = None
    if capacitated:
        served_after = model.served(last.values)
        if model.existing_capacitated:
            served_before = model.served(solve(model.milp(closed=True)).values)
    outcome = covering_outcome(
        problem,
        within_s,
        chosen,
        served_before=served_before,
        served_after=served_after,
        site_served=site_served if capacitated else None,
    )
    seconds["total"] = time.perf_counter() - started
    solver = SolverReport(
        method="highs",
        status="optimal" if complete else "time_limit",
        optimal=complete,
        bound=last.bound,
        gap=last.gap,
        nodes=sum(stage["nodes"] for stage in stages) if stages else last.nodes,
        seconds=seconds,
        highs_version=highs_version(),
        stages=stages,
    )
    options = {
        "within_s": within_s,
        "min_group_share": min_group_share,
        "max_min_groups": max_min_groups,
        "capacitated": capacitated,
        "time_limit_s": time_limit_s,
        "reduce": reduce,
    }
    equity = None
    if mode is not None:
        served = served_after if served_after is not None else _covered(problem, within_s, chosen)
        equity = _equity_outcome(problem, mode, min_group_share, groups, out_of_reach, served)
    share = None if mode is None else (min_group_share or 0.0)
    after = model.milp(min_share=share, groups=groups).size()
    size = ModelSize(
        before=_textbook_size(problem, k, within_s, capacitated, share, groups) if reduce else after,
        after=after,
        reductions=asdict(reduction.counts),
    )
    return to_result("maximal_covering", k, options, outcome, solver, within_s, size=size, equity=equity)


def _check(
    problem: SitingProblem,
    k: int,
    within_s: float,
    min_group_share: float | None,
    max_min_groups: bool,
    capacitated: bool,
    time_limit_s: float | None,
) -> None:
    problem.check_k(k)
    problem.check_time(within_s, "within_s")
    if min_group_share is not None or max_min_groups:
        if problem.groups is None:
            raise PlanningError(
                "The equity options need a group for each demand point (e.g. its NIL); give groups."
            )
    if min_group_share is not None:
        if max_min_groups:
            raise PlanningError("Choose one equity option: a minimum share per group, or max-min; not both.")
        if not (isinstance(min_group_share, int | float) and 0 < min_group_share <= 1):
            raise PlanningError(
                f"min_group_share is {min_group_share!r}; give the share of each group's demand to cover, "
                "between 0 and 1 (0.5 for 50%)."
            )
    if capacitated and problem.capacities is None:
        raise PlanningError(
            "The capacitated covering needs a capacity for each candidate site; give capacities."
        )
    if time_limit_s is not None and not (isinstance(time_limit_s, int | float) and time_limit_s > 0):
        raise PlanningError(f"time_limit_s is {time_limit_s!r}; give a positive number of seconds, or None.")


def _equity_groups(
    problem: SitingProblem, within_s: float, mode: str | None, share: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """The groups an equity option applies to, and those left out as no choice of sites can help."""
    if mode is None:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    existing = problem.existing_cover(within_s)
    best = existing | (np.diff(problem.covered_by(within_s).indptr) > 0)
    totals = problem.group_totals()
    reachable = group_shares(problem, best.astype(np.float64))
    if mode == "min_share":
        assert share is not None
        out = (totals > 0) & (reachable < share - SHARE_TOLERANCE)
    else:
        out = (totals > 0) & (reachable <= group_shares(problem, existing.astype(np.float64)))
    return (totals > 0) & ~out, out


def _equity_outcome(
    problem: SitingProblem,
    mode: str,
    share: float | None,
    groups: np.ndarray,
    out_of_reach: np.ndarray,
    served: np.ndarray,
) -> EquityOutcome:
    shares = group_shares(problem, served)
    least = int(np.flatnonzero(groups)[np.argmin(shares[groups])]) if groups.any() else None
    return EquityOutcome(
        mode=mode,
        target_share=share,
        least_share=None if least is None else float(shares[least]),
        least_group=None if least is None else problem.group_names[least],
        groups_considered=int(groups.sum()),
        groups_out_of_reach=[problem.group_names[g] for g in np.flatnonzero(out_of_reach)],
    )


def _covering_bound(problem: SitingProblem, within_s: float, k: int) -> float:
    """An upper bound on the demand covered, for when HiGHS stops before its own: what the existing
    sites cover plus the k largest gains of single candidates (coverage is submodular), at most
    what all candidates together reach. It holds with capacities too (they only lower coverage)."""
    existing = problem.existing_cover(within_s)
    near = problem.covered_by(within_s)
    w = problem.weights
    gains = np.sort(np.asarray(near.T @ (w * ~existing)).ravel())[::-1]
    everything = float(w @ (existing | (np.diff(near.indptr) > 0)))
    return min(float(w @ existing) + float(gains[:k].sum()), everything)


def _least_share_bound(problem: SitingProblem, within_s: float, groups: np.ndarray) -> float:
    """An upper bound on the least share of `groups`: the least they reach with every candidate open."""
    best = problem.existing_cover(within_s) | (np.diff(problem.covered_by(within_s).indptr) > 0)
    return float(group_shares(problem, best.astype(np.float64))[groups].min())


def _covered(problem: SitingProblem, within_s: float, chosen: np.ndarray) -> np.ndarray:
    near = np.diff(problem.covered_by(within_s)[:, chosen].tocsr().indptr) > 0
    return (near | problem.existing_cover(within_s)).astype(np.float64)


def _textbook_size(
    problem: SitingProblem,
    k: int,
    within_s: float,
    capacitated: bool,
    share: float | None,
    groups: np.ndarray,
) -> dict:
    """The size of the same model without the reductions."""
    full = reduce_covering(
        problem, within_s, capacitated=capacitated, by_group=share is not None, reduce=False
    )
    model = CoveringModel(problem, full, k, within_s, capacitated=capacitated, fold=False)
    return model.milp(min_share=share, groups=groups).size()


def _max_min(
    model: CoveringModel,
    problem: SitingProblem,
    within_s: float,
    groups: np.ndarray,
    start: np.ndarray | None,
    deadline: float | None,
    bound: float,
) -> tuple[MilpOutcome, list[dict], bool]:
    """The largest least share t* of `groups`, then the most demand covered with every group at t*.

    Maximising t in one model leaves HiGHS a flat objective it cannot prune (on the benchmark it
    was 96% from its bound after a minute). Instead: the least share can be no more than the
    least any group reaches with every candidate open (U); the covering model with every group at
    least at U is tried first, and when it is feasible it is the answer (t* = U). Otherwise t* is
    bracketed: a plan meeting τ = (L + U) / 2 for every group raises L to the least share it gives,
    a proof that none exists lowers U to τ, until U − L ≤ SHARE_RESOLUTION; then the covering
    model with every group at least at L. Returns the last outcome, the stages and whether done.
    """
    stages: list[dict] = []
    upper = _least_share_bound(problem, within_s, groups)
    outcome = solve(
        model.milp(min_share=upper, groups=groups), start=start, time_limit_s=_left(deadline), search=True
    )
    stages.append(_stage("covered, every group at the least share's bound", upper, outcome))
    if outcome.values is not None:
        return _with_plan(outcome, bound), stages, outcome.status == "optimal"
    plan = start
    if outcome.status != "infeasible":  # the time limit, before any plan
        return _stopped(model, plan, groups, upper), stages, False
    lower = 0.0 if start is None else model.least_share(start, groups)
    while upper - lower > SHARE_RESOLUTION:
        share = (lower + upper) / 2
        milp = model.milp(min_share=share, groups=groups, feasibility=True)
        check = solve(milp, time_limit_s=_left(deadline), search=True)
        stages.append(_stage("is every group at this share possible", share, check))
        if check.status == "infeasible":
            upper = share
        elif check.values is not None:
            found = model.polish(check.values)
            least = model.least_share(found, groups)
            if least > lower:
                plan, lower = found, least
            if least < share - SHARE_TOLERANCE:
                # The plan meets the share only within HiGHS's tolerances: taken as no plan doing it.
                upper = share
        else:
            return _stopped(model, plan, groups, upper), stages, False
    outcome = solve(
        model.milp(min_share=lower, groups=groups), start=plan, time_limit_s=_left(deadline), search=True
    )
    stages.append(_stage("covered, every group at the least share", lower, outcome))
    outcome = _with_plan(outcome, bound)
    return outcome, stages, outcome.status == "optimal"


def _stopped(model: CoveringModel, plan: np.ndarray | None, groups: np.ndarray, upper: float) -> MilpOutcome:
    """The best plan when the time limit stops max-min before t* is known: its bound and gap are
    in least-share units."""
    if plan is None:
        raise PlanningError(_no_plan())
    least = model.least_share(plan, groups)
    value = float(model.objective @ plan + model.offset)
    return MilpOutcome("time_limit", plan, value, upper, relative_gap(least, upper), 0.0, 0)


def _with_plan(outcome: MilpOutcome, bound: float) -> MilpOutcome:
    """The outcome of a covering solve with the covering bound, or an error when it found no plan."""
    if outcome.values is None:
        raise PlanningError(_no_plan())
    return with_bound(outcome, bound, maximise=True)


def _stage(question: str, share: float, outcome: MilpOutcome) -> dict:
    return {
        "question": question,
        "share": share,
        "status": outcome.status,
        "value": outcome.objective,
        "seconds": outcome.seconds,
        "nodes": outcome.nodes,
    }


def _left(deadline: float | None) -> float | None:
    return None if deadline is None else max(deadline - time.perf_counter(), 0.01)


def _no_plan() -> str:
    return "No plan meeting the requirements was found within the time limit; allow more time or relax them."


def _infeasible(k: int, within_s: float, share: float | None, groups: int) -> str:
    return (
        f"No choice of {k} new sites covers at least {share:.0%} of the demand of every group within "
        f"{within_s / 60:g} minutes: each of the {groups} groups concerned could reach it with every "
        "candidate open, but not all at once with k sites. Raise k, lower the share, or use "
        "max_min_groups to raise the least-covered group as far as k sites allow."
    )
