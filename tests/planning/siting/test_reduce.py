"""The reductions: what they merge and drop, and the same optimum without them."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from vicinato.planning.siting import SitingProblem, maximal_covering, p_median
from vicinato.planning.siting.reduce import dominators, subset_pairs

INF = np.inf


def crafted() -> SitingProblem:
    """5 demand points, 4 candidates, 1 existing site.

    Within 400 s: points 0 and 1 have the same candidates (merged); point 4 is near the existing
    site (dropped); candidate 3 reaches a subset of what candidate 0 reaches and candidate 2 a
    subset of what candidate 1 reaches (both dominated).
    """
    times = np.array(
        [
            [100, 200, INF, 300],
            [150, 250, INF, 100],
            [INF, 300, 300, INF],
            [200, INF, INF, INF],
            [300, INF, INF, INF],
        ],
        dtype=float,
    )
    times[2, 2] = 300
    times[0, 2] = INF
    existing = np.array([[INF], [INF], [INF], [INF], [50.0]])
    return SitingProblem.build([1, 2, 3, 4, 5], times, existing_times=existing, times_limit_s=900)


def test_covering_reductions_are_counted():
    result = maximal_covering(crafted(), 2, 400)
    counts = result.size.reductions
    assert counts["covered_by_existing"] == 1
    # Candidate 3 ({0, 1}) is inside candidate 0 ({0, 1, 3}); candidate 2 ({2}) inside candidate 1.
    assert counts["dominated_candidates"] == 2
    assert counts["candidates_kept"] == 2
    assert counts["merged"] == 1
    assert counts["demand_points_kept"] == 3
    assert result.objective == pytest.approx(15.0)
    assert maximal_covering(crafted(), 2, 400, reduce=False).objective == pytest.approx(15.0)


def test_same_optimum_with_and_without_reductions_on_larger_instances():
    rng = np.random.default_rng(11)
    for _ in range(2):
        n, m = 80, 20
        times = np.where(rng.random((n, m)) < 0.15, rng.uniform(0, 900, (n, m)).round(), INF)
        times[:10] = times[10:20]  # alike demand points
        times[:, 15:] = times[:, :5] + 30  # dominated candidates
        weights = rng.integers(1, 30, n).astype(float)
        groups = rng.integers(0, 4, n)
        groups[:10] = groups[10:20]
        twins = int((times[:10] <= 600).any(axis=1).sum())
        problem = SitingProblem.build(weights, times, groups=groups, times_limit_s=900)
        for options in ({}, {"max_min_groups": True}, {"min_group_share": 0.2}):
            reduced = maximal_covering(problem, 5, 600, **options)
            full = maximal_covering(problem, 5, 600, reduce=False, **options)
            assert reduced.objective == pytest.approx(full.objective, rel=1e-9)
            assert reduced.size.reductions["dominated_candidates"] >= 5
            assert reduced.size.reductions["merged"] >= twins > 0
            assert reduced.size.after["variables"] < full.size.after["variables"]
        reduced = p_median(problem, 4)
        full = p_median(problem, 4, reduce=False)
        assert reduced.objective == pytest.approx(full.objective, rel=1e-9)
        assert reduced.size.reductions["dominated_candidates"] >= 5


def test_p_median_drops_a_candidate_farther_from_everyone():
    times = np.array([[100.0, 130.0, 500.0], [400.0, 400.0, 90.0], [INF, 700.0, 200.0]])
    problem = SitingProblem.build([3.0, 2.0, 1.0], times, times_limit_s=900)
    result = p_median(problem, 1)
    # Candidate 0 is nearer than 1 to points 0 and 1 but does not reach point 2: 1 is not dominated.
    assert result.size.reductions["dominated_candidates"] == 0
    times[2, 0] = 650.0
    problem = SitingProblem.build([3.0, 2.0, 1.0], times, times_limit_s=900)
    result = p_median(problem, 1)
    assert result.size.reductions["dominated_candidates"] == 1
    assert result.chosen_indices == [0]
    assert result.objective == pytest.approx(p_median(problem, 1, reduce=False).objective)


def test_equal_candidates_keep_the_first_and_empty_ones_go():
    cover = sp.csr_matrix(np.array([[1, 1, 0, 0], [1, 1, 0, 1], [0, 0, 0, 0]], dtype=float))
    sizes = np.diff(cover.tocsc().indptr)
    by = dominators(subset_pairs(cover), sizes)
    assert by.tolist() == [0, 0, 0, 0]


def test_a_zero_time_is_a_time_not_a_missing_entry():
    times = sp.csr_matrix((np.array([0.0, 300.0]), (np.array([0, 1]), np.array([0, 1]))), shape=(2, 2))
    problem = SitingProblem.build([4.0, 1.0], times, times_limit_s=900)
    assert problem.times.nnz == 2
    assert maximal_covering(problem, 1, 100).objective == pytest.approx(4.0)
    assert p_median(problem, 1).chosen_indices == [0]
