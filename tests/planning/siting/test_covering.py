"""Maximal covering against brute force: plain, equity (minimum share, max-min) and capacitated."""

from __future__ import annotations

import json

import numpy as np
import pytest

from vicinato.planning.siting import InfeasiblePlanError, SitingProblem, maximal_covering

from .conftest import (
    brute_capacitated,
    brute_covering,
    brute_max_min,
    brute_min_share,
    covered,
    random_instance,
    shares,
)

WITHIN_S = 600.0


@pytest.mark.parametrize("k", [1, 3])
def test_plain_covering_matches_brute_force(instance, k):
    best = brute_covering(instance, k, WITHIN_S)
    for reduce in (True, False):
        result = maximal_covering(instance.problem(), k, WITHIN_S, reduce=reduce)
        assert result.objective == pytest.approx(best, rel=1e-9)
        assert result.solver.status == "optimal" and result.solver.gap == 0.0
        # The plan itself covers what is reported.
        assert float(instance.weights @ covered(instance, result.chosen_indices, WITHIN_S)) == pytest.approx(
            best
        )
        assert len(set(result.chosen_indices)) == k


def test_demand_near_existing_sites_counts_as_covered():
    inst = random_instance(3, e=2)
    result = maximal_covering(inst.problem(), 2, WITHIN_S)
    assert result.covered_before == pytest.approx(float(inst.weights @ covered(inst, (), WITHIN_S)))
    assert result.covered_before > 0
    assert result.objective == pytest.approx(brute_covering(inst, 2, WITHIN_S))


@pytest.mark.parametrize("share", [0.3, 0.6])
def test_minimum_share_per_group_matches_brute_force(instance, share):
    best = brute_min_share(instance, 3, WITHIN_S, share)
    if best is None:
        with pytest.raises(InfeasiblePlanError, match="Raise k, lower the share"):
            maximal_covering(instance.problem(), 3, WITHIN_S, min_group_share=share)
        return
    for reduce in (True, False):
        result = maximal_covering(instance.problem(), 3, WITHIN_S, min_group_share=share, reduce=reduce)
        assert result.objective == pytest.approx(best, rel=1e-9)
        equity = result.equity
        assert equity is not None and equity.mode == "min_share"
        considered = [g for g in result.groups if g.group not in equity.groups_out_of_reach and g.demand > 0]
        assert all(g.share_after >= share - 1e-7 for g in considered)


def test_an_unreachable_equity_target_is_reported_not_enforced():
    inst = random_instance(1)
    problem = inst.problem()
    everything = shares(inst, covered(inst, range(inst.times.shape[1]), WITHIN_S))
    result = maximal_covering(problem, 3, WITHIN_S, min_group_share=0.99)
    out = {f"NIL {g}" for g, s in everything.items() if s < 0.99}
    assert set(result.equity.groups_out_of_reach) == out
    assert out  # the instance has such a group, or the test proves nothing


def test_equity_infeasible_with_k_sites_says_so():
    # Two groups far apart, each coverable by one candidate only: one site cannot serve both.
    times = np.array([[100.0, np.inf], [np.inf, 100.0]])
    problem = SitingProblem.build([5.0, 5.0], times, groups=["A", "B"], times_limit_s=900)
    with pytest.raises(InfeasiblePlanError, match="No choice of 1 new sites covers at least 50%"):
        maximal_covering(problem, 1, 600, min_group_share=0.5)


def test_max_min_matches_brute_force(instance):
    least, total = brute_max_min(instance, 3, WITHIN_S)
    for reduce in (True, False):
        result = maximal_covering(instance.problem(), 3, WITHIN_S, max_min_groups=True, reduce=reduce)
        assert result.equity.least_share == pytest.approx(least, abs=1e-7)
        assert result.objective == pytest.approx(total, rel=1e-9)
        assert result.solver.stages[-1]["question"].startswith("covered, every group at the least share")
        assert result.solver.optimal


@pytest.mark.parametrize("existing_capacities", [False, True])
def test_capacitated_matches_brute_force(instance, existing_capacities):
    extra = {"existing_capacities": instance.existing_capacities} if existing_capacities else {}
    problem = instance.problem(**extra)
    best = brute_capacitated(instance, 3, WITHIN_S, existing_capacities)
    for reduce in (True, False):
        result = maximal_covering(problem, 3, WITHIN_S, capacitated=True, reduce=reduce)
        assert result.objective == pytest.approx(best, rel=1e-7)
        for site in result.chosen:
            assert site.served <= site.capacity + 1e-6
            assert site.served <= site.reach + 1e-6


def test_capacities_bind_and_dominated_candidates_stay():
    # Candidate 1 reaches a subset of candidate 0's demand: without capacities it is dropped; with
    # them, both are needed to serve the 100 residents.
    times = np.array([[60.0, 60.0], [60.0, np.inf]])
    problem = SitingProblem.build([50.0, 50.0], times, capacities=[50.0, 50.0], times_limit_s=900)
    plain = maximal_covering(problem, 2, 600)
    assert plain.size.reductions["dominated_candidates"] == 1
    with_desks = maximal_covering(problem, 2, 600, capacitated=True)
    assert with_desks.objective == pytest.approx(100.0)
    assert with_desks.size.reductions["dominated_candidates"] == 0
    assert maximal_covering(problem, 1, 600, capacitated=True).objective == pytest.approx(50.0)


def test_why_each_site_adds_up_to_the_gain():
    inst = random_instance(4, n=40, m=10)
    result = maximal_covering(inst.problem(), 4, WITHIN_S)
    gain = result.covered_after - result.covered_before
    assert sum(site.marginal for site in result.chosen) == pytest.approx(gain)
    assert [site.rank for site in result.chosen] == [1, 2, 3, 4]
    assert all(a.marginal >= b.marginal for a, b in zip(result.chosen, result.chosen[1:], strict=False))
    for site in result.chosen:
        assert site.only_here <= site.newly_covered <= site.reach
    groups_after = sum(g.covered_after for g in result.groups)
    assert groups_after == pytest.approx(result.covered_after)


def test_fewer_useful_sites_than_k_still_gives_k_sites():
    times = np.array([[60.0, 60.0, 60.0]])
    problem = SitingProblem.build([10.0], times, times_limit_s=900)
    result = maximal_covering(problem, 3, 600)
    assert sorted(result.chosen_indices) == [0, 1, 2]
    assert result.objective == 10.0
    assert sorted(site.marginal for site in result.chosen) == [0.0, 0.0, 10.0]


def test_result_serialises_to_json():
    inst = random_instance(2)
    result = maximal_covering(inst.problem(), 2, WITHIN_S, max_min_groups=True)
    data = json.loads(result.to_json())
    assert data["model"] == "maximal_covering"
    assert data["solver"]["status"] == "optimal"
    assert len(data["chosen"]) == 2 and {"id", "marginal", "newly_covered", "only_here"} <= set(
        data["chosen"][0]
    )
    assert data["size"]["before"]["variables"] >= data["size"]["after"]["variables"]
    assert data["equity"]["mode"] == "max_min"
    assert {g["group"] for g in data["groups"]} == {f"NIL {g}" for g in set(inst.groups)}
