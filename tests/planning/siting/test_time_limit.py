"""A time limit returns the best plan found with its proven gap."""

from __future__ import annotations

import numpy as np

from vicinato.planning.siting import SitingProblem, maximal_covering, p_median


def city(seed: int) -> SitingProblem:
    """A 6 km square with 1600 demand points and 300 candidates, 15 minutes on foot: hard enough that
    HiGHS needs seconds to prove the optimum of 25 sites."""
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, 6000, (1600, 2))
    candidates = rng.uniform(0, 6000, (300, 2))
    seconds = np.linalg.norm(demand[:, None, :] - candidates[None, :, :], axis=2) / 1.2
    times = np.where(seconds <= 900, seconds, np.inf)
    weights = rng.gamma(2.0, 300.0, 1600)
    return SitingProblem.build(weights, times, times_limit_s=900)


def test_covering_time_limit_returns_a_plan_with_its_gap():
    problem = city(1)
    result = maximal_covering(problem, 25, 600, time_limit_s=0.3)
    assert result.solver.status == "time_limit" and not result.solver.optimal
    assert len(set(result.chosen_indices)) == 25
    assert result.solver.bound > result.objective
    assert result.solver.gap == (result.solver.bound - result.objective) / result.objective


def test_max_min_time_limit_returns_a_plan_with_its_gap():
    problem = city(2)
    groups = (np.arange(problem.n_demand) % 7).tolist()
    grouped = SitingProblem.build(problem.weights, problem.times, groups=groups, times_limit_s=900)
    result = maximal_covering(grouped, 25, 600, max_min_groups=True, time_limit_s=0.3)
    assert result.solver.status == "time_limit"
    assert len(result.chosen_indices) == 25
    assert result.solver.stages[0]["question"] == "covered, every group at the least share's bound"
    assert result.solver.gap is not None and result.solver.gap > 0


def test_p_median_time_limit_returns_a_plan_with_its_gap():
    problem = city(3)
    result = p_median(problem, 25, time_limit_s=0.3)
    assert result.solver.status == "time_limit"
    assert len(set(result.chosen_indices)) == 25
    assert result.solver.bound < result.objective
    assert result.solver.gap == (result.objective - result.solver.bound) / result.objective
    assert result.objective <= result.objective_before
