"""The preview (greedy + swap): valid plans, never better than the optimum, equal to it where known."""

from __future__ import annotations

import numpy as np
import pytest

from vicinato.planning.siting import (
    SitingProblem,
    maximal_covering,
    p_median,
    preview_covering,
    preview_median,
)

from .conftest import LIMIT_S, covered, median_cost, random_instance

WITHIN_S = 600.0


def test_covering_preview_is_valid_and_never_above_the_optimum(instance):
    for k in (1, 2, 4):
        preview = preview_covering(instance.problem(), k, WITHIN_S)
        assert len(set(preview.chosen_indices)) == k
        assert all(0 <= j < instance.times.shape[1] for j in preview.chosen_indices)
        assert preview.objective == pytest.approx(
            float(instance.weights @ covered(instance, preview.chosen_indices, WITHIN_S))
        )
        assert preview.objective <= maximal_covering(instance.problem(), k, WITHIN_S).objective + 1e-9
        assert (
            preview.solver.status == "heuristic" and not preview.solver.optimal and preview.solver.gap is None
        )


def test_median_preview_is_valid_and_never_below_the_optimum(instance):
    for k in (1, 3):
        preview = preview_median(instance.problem(), k)
        assert len(set(preview.chosen_indices)) == k
        assert preview.objective == pytest.approx(
            float(instance.weights @ median_cost(instance, preview.chosen_indices, 2 * LIMIT_S))
        )
        assert preview.objective >= p_median(instance.problem(), k).objective - 1e-6


def test_one_site_preview_is_the_optimum(instance):
    # With k = 1 greedy takes the best single site: the optimum.
    assert preview_covering(instance.problem(), 1, WITHIN_S).objective == pytest.approx(
        maximal_covering(instance.problem(), 1, WITHIN_S).objective
    )
    assert preview_median(instance.problem(), 1).objective == pytest.approx(
        p_median(instance.problem(), 1).objective
    )


def test_swaps_fix_what_greedy_gets_wrong():
    # Candidate 0 reaches a and b (12), 1 reaches a and c (11), 2 reaches b and d (11). Greedy opens
    # 0 first and ends at 17; exchanging 0 for the other gives 22, the optimum.
    inf = np.inf
    times = np.array([[60, 60, inf], [60, inf, 60], [inf, 60, inf], [inf, inf, 60]], dtype=float)
    problem = SitingProblem.build([6.0, 6.0, 5.0, 5.0], times, times_limit_s=900)
    assert preview_covering(problem, 2, 300).objective == pytest.approx(22.0)
    assert sorted(preview_covering(problem, 2, 300).chosen_indices) == [1, 2]
    # The same for the p-median (penalty 1000): greedy opens the middle one, swaps move it.
    times = np.array([[100, 50, inf], [100, inf, 50], [inf, 50, inf], [inf, inf, 50]], dtype=float)
    problem = SitingProblem.build([6.0, 6.0, 5.0, 5.0], times, times_limit_s=900)
    assert preview_median(problem, 2, penalty_s=1000).objective == pytest.approx(
        p_median(problem, 2, penalty_s=1000).objective
    )


def test_preview_counts_existing_sites():
    inst = random_instance(9, e=2)
    preview = preview_covering(inst.problem(), 2, WITHIN_S)
    assert preview.covered_before == pytest.approx(float(inst.weights @ covered(inst, (), WITHIN_S)))
    assert preview.objective >= preview.covered_before
