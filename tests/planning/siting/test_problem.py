"""Bad input gets a PlanningError whose sentence names the problem and what to do."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from vicinato.planning.siting import (
    PlanningError,
    SitingProblem,
    maximal_covering,
    p_median,
    preview_covering,
)

TIMES = np.array([[60.0, 300.0, np.inf], [np.inf, 200.0, 100.0]])


def problem(**extra) -> SitingProblem:
    return SitingProblem.build([3.0, 4.0], TIMES, times_limit_s=900, **extra)


@pytest.mark.parametrize(
    ("weights", "times", "message"),
    [
        ([0.0, 0.0], TIMES, "All demand weights are zero"),
        ([3.0, -1.0], TIMES, "Demand weight -1 at demand point 1 is negative"),
        ([3.0, np.nan], TIMES, r"weights\[1\] is nan"),
        ([], np.zeros((0, 3)), "There are no demand points"),
        ([1.0, 2.0, 3.0], TIMES, "times has 2 rows but there are 3 demand weights"),
        ([1.0, 2.0], np.zeros((2, 0)), "There are no candidate sites"),
        ([1.0, 2.0], np.array([[1.0, np.nan], [1.0, 1.0]]), "times contains NaN"),
        ([1.0, 2.0], np.array([[1.0, -5.0], [1.0, 1.0]]), "negative time"),
        ([1.0, 2.0], [1.0, 2.0], "must be a 2-D matrix"),
        ([[1.0, 2.0]], TIMES, "must be a flat list"),
    ],
)
def test_bad_problem_input(weights, times, message):
    with pytest.raises(PlanningError, match=message):
        SitingProblem.build(weights, times)


def test_bad_optional_input():
    with pytest.raises(PlanningError, match="groups has 1 labels but there are 2 demand points"):
        problem(groups=["A"])
    with pytest.raises(PlanningError, match="capacities has 2 values but there are 3 candidate sites"):
        problem(capacities=[1, 2])
    with pytest.raises(PlanningError, match="capacities contains a negative capacity"):
        problem(capacities=[1, -2, 3])
    with pytest.raises(PlanningError, match="candidate_ids has duplicate ids"):
        problem(candidate_ids=["a", "a", "b"])
    with pytest.raises(PlanningError, match="existing_times has 1 rows but there are 2 demand weights"):
        problem(existing_times=np.zeros((1, 1)))
    with pytest.raises(PlanningError, match="times_limit_s is -3"):
        SitingProblem.build([1.0, 1.0], TIMES, times_limit_s=-3)
    duplicated = sp.coo_matrix(([1.0, 2.0], ([0, 0], [1, 1])), shape=(2, 3))
    with pytest.raises(PlanningError, match="two times for the same demand point and site"):
        SitingProblem.build([1.0, 1.0], duplicated)


def test_bad_k():
    with pytest.raises(
        PlanningError, match="k = 4 new sites were asked for but there are only 3 candidate sites"
    ):
        maximal_covering(problem(), 4, 600)
    with pytest.raises(PlanningError, match="k is 0"):
        p_median(problem(), 0)
    with pytest.raises(PlanningError, match="k is 1.5"):
        preview_covering(problem(), 1.5, 600)


def test_bad_times_and_options():
    with pytest.raises(
        PlanningError, match="within_s is 1200 s but the travel times were computed only up to 900 s"
    ):
        maximal_covering(problem(), 1, 1200)
    with pytest.raises(PlanningError, match="within_s is -1"):
        maximal_covering(problem(), 1, -1)
    with pytest.raises(PlanningError, match="The equity options need a group for each demand point"):
        maximal_covering(problem(), 1, 600, min_group_share=0.5)
    grouped = problem(groups=["A", "B"])
    for share in (0, 1.5, -0.2, "half"):
        with pytest.raises(PlanningError, match="min_group_share is .*between 0 and 1"):
            maximal_covering(grouped, 1, 600, min_group_share=share)
    with pytest.raises(PlanningError, match="Choose one equity option"):
        maximal_covering(grouped, 1, 600, min_group_share=0.5, max_min_groups=True)
    with pytest.raises(PlanningError, match="needs a capacity for each candidate site"):
        maximal_covering(problem(), 1, 600, capacitated=True)
    with pytest.raises(PlanningError, match="time_limit_s is 0"):
        maximal_covering(problem(), 1, 600, time_limit_s=0)
    with pytest.raises(PlanningError, match="penalty_s is 600 s, less than the 900 s"):
        p_median(problem(), 1, penalty_s=600)
    with pytest.raises(
        PlanningError, match="max_time_s is 2000 s but the travel times were computed only up to"
    ):
        p_median(problem(), 1, max_time_s=2000)


def test_sparse_and_dense_times_give_the_same_plan():
    dense = problem()
    sparse = SitingProblem.build(
        [3.0, 4.0], sp.csr_matrix(np.where(np.isfinite(TIMES), TIMES, 0.0)), times_limit_s=900
    )
    assert dense.times.nnz == 4 and sparse.times.nnz == 4
    for within in (100, 250):
        assert maximal_covering(dense, 1, within).objective == maximal_covering(sparse, 1, within).objective
