"""p-median against brute force: penalty for the unserved, existing sites, a maximum time."""

from __future__ import annotations

import numpy as np
import pytest

from vicinato.planning.siting import InfeasiblePlanError, SitingProblem, p_median

from .conftest import LIMIT_S, brute_median, median_cost, random_instance


@pytest.mark.parametrize("k", [1, 3])
def test_p_median_matches_brute_force(instance, k):
    penalty = 2 * LIMIT_S
    best = brute_median(instance, k, penalty)
    for reduce in (True, False):
        result = p_median(instance.problem(), k, reduce=reduce)
        assert result.options["penalty_s"] == penalty  # the default: twice the limit
        assert result.objective == pytest.approx(best, rel=1e-9)
        assert result.solver.optimal and result.solver.gap == 0.0
        assert float(
            instance.weights @ median_cost(instance, result.chosen_indices, penalty)
        ) == pytest.approx(best)


def test_penalty_changes_the_plan_value_as_documented():
    inst = random_instance(5)
    for penalty in (LIMIT_S, 5000.0):
        result = p_median(inst.problem(), 2, penalty_s=penalty)
        assert result.objective == pytest.approx(brute_median(inst, 2, penalty))
        assert result.objective_before == pytest.approx(float(inst.weights @ median_cost(inst, (), penalty)))


def test_max_time_matches_brute_force():
    checked = 0
    for seed in range(12):
        inst = random_instance(seed, n=20, m=9, e=1)
        problem = inst.problem()
        # The largest time that every weighted demand point can reach from some candidate or
        # existing site, so that the requirement binds but can be met with all candidates open.
        nearest = np.minimum(inst.times.min(axis=1), inst.existing.min(axis=1))[inst.weights > 0]
        if not np.isfinite(nearest).all():
            continue
        max_time = float(nearest.max())
        best = brute_median(inst, 4, 2 * LIMIT_S, max_time)
        if best is None:
            with pytest.raises(InfeasiblePlanError, match="raise k or max_time_s"):
                p_median(problem, 4, max_time_s=max_time)
            continue
        for reduce in (True, False):
            result = p_median(problem, 4, max_time_s=max_time, reduce=reduce)
            assert result.objective == pytest.approx(best, rel=1e-9)
            assert result.covered_after == pytest.approx(inst.weights.sum())
        checked += 1
    assert checked >= 2


def test_demand_with_no_site_within_max_time_is_refused_up_front():
    times = np.array([[100.0, np.inf], [np.inf, 800.0]])
    problem = SitingProblem.build([5.0, 5.0], times, times_limit_s=900, demand_ids=["north", "south"])
    with pytest.raises(InfeasiblePlanError, match=r"1 demand points \(e.g. 'south'\) have no candidate"):
        p_median(problem, 1, max_time_s=600)


def test_why_each_site_saves_time():
    inst = random_instance(7, n=40, m=10)
    result = p_median(inst.problem(), 3)
    saved = result.objective_before - result.objective
    assert sum(site.marginal for site in result.chosen) == pytest.approx(saved)
    assert sum(site.reach for site in result.chosen) <= inst.weights.sum()
    assert all(site.only_here >= 0 for site in result.chosen)
    assert result.mean_time_after_s == pytest.approx(result.objective / inst.weights.sum())
    assert all(g.mean_time_after_s <= g.mean_time_before_s + 1e-9 for g in result.groups)
