"""Small random siting instances and brute-force optima (every k-subset), written apart from the solver."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pytest
from scipy.optimize import linprog

from vicinato.planning.siting import SitingProblem

LIMIT_S = 900.0


@dataclass
class Instance:
    weights: np.ndarray
    times: np.ndarray  # demand × candidates, inf beyond LIMIT_S
    existing: np.ndarray  # demand × existing
    groups: np.ndarray
    capacities: np.ndarray
    existing_capacities: np.ndarray

    def problem(self, **extra) -> SitingProblem:
        return SitingProblem.build(
            self.weights,
            self.times,
            existing_times=self.existing,
            groups=[f"NIL {g}" for g in self.groups],
            capacities=self.capacities,
            times_limit_s=LIMIT_S,
            **extra,
        )


def random_instance(seed: int, n: int = 28, m: int = 9, e: int = 1) -> Instance:
    """Demand, candidates and existing sites scattered over a 3 km square; times at walking pace."""
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, 3000, (n, 2))
    candidates = rng.uniform(0, 3000, (m, 2))
    existing = rng.uniform(0, 3000, (e, 2))

    def times(points: np.ndarray) -> np.ndarray:
        seconds = np.linalg.norm(demand[:, None, :] - points[None, :, :], axis=2) / 1.3
        return np.where(seconds <= LIMIT_S, np.round(seconds), np.inf)

    weights = rng.integers(0, 60, n).astype(float)
    weights[rng.random(n) < 0.1] = 0.0
    weights[0] = max(weights[0], 1.0)
    # Some demand points share a spot (same times): the reductions merge them.
    twins = rng.choice(n, size=3, replace=False)
    demand[twins[1:]] = demand[twins[0]]
    return Instance(
        weights=weights,
        times=times(candidates),
        existing=times(existing),
        groups=(demand[:, 0] // 1000).astype(int),
        capacities=rng.integers(20, 120, m).astype(float),
        existing_capacities=rng.integers(20, 120, e).astype(float),
    )


def subsets(m: int, k: int):
    return itertools.combinations(range(m), k)


def covered(inst: Instance, sites, within_s: float) -> np.ndarray:
    """Per demand point: within within_s of an existing or chosen site."""
    near = inst.existing.min(axis=1, initial=np.inf) <= within_s
    if len(sites):
        near |= inst.times[:, list(sites)].min(axis=1) <= within_s
    return near


def shares(inst: Instance, served: np.ndarray) -> dict[int, float]:
    out = {}
    for g in np.unique(inst.groups):
        total = inst.weights[inst.groups == g].sum()
        if total > 0:
            out[g] = float((inst.weights * served)[inst.groups == g].sum() / total)
    return out


def brute_covering(inst: Instance, k: int, within_s: float) -> float:
    return max(float(inst.weights @ covered(inst, s, within_s)) for s in subsets(inst.times.shape[1], k))


def brute_min_share(inst: Instance, k: int, within_s: float, share: float) -> float | None:
    """Best coverage with every group that could reach `share` (all candidates open) at `share`."""
    everything = shares(inst, covered(inst, range(inst.times.shape[1]), within_s))
    concerned = [g for g, s in everything.items() if s >= share - 1e-9]
    best = None
    for s in subsets(inst.times.shape[1], k):
        served = covered(inst, s, within_s)
        got = shares(inst, served)
        if all(got[g] >= share - 1e-9 for g in concerned):
            value = float(inst.weights @ served)
            best = value if best is None else max(best, value)
    return best


def brute_max_min(inst: Instance, k: int, within_s: float) -> tuple[float, float]:
    """(least share over the groups some candidate can improve, then the best coverage at it)."""
    m = inst.times.shape[1]
    before = shares(inst, covered(inst, (), within_s))
    everything = shares(inst, covered(inst, range(m), within_s))
    concerned = [g for g in everything if everything[g] > before[g] + 1e-12]
    best = (-1.0, -1.0)
    for s in subsets(m, k):
        served = covered(inst, s, within_s)
        got = shares(inst, served)
        key = (round(min(got[g] for g in concerned), 9), float(inst.weights @ served))
        best = max(best, key)
    return best


def served_with_capacities(inst: Instance, sites, within_s: float, existing_capacities: bool) -> float:
    """Most demand assignable to the chosen sites (and existing ones) within reach and capacity: an LP."""
    w = inst.weights
    columns = [(inst.times[:, j], inst.capacities[j]) for j in sites]
    fixed = np.zeros(len(w), dtype=bool)
    if existing_capacities:
        columns += [(inst.existing[:, e], inst.existing_capacities[e]) for e in range(inst.existing.shape[1])]
    else:
        fixed = inst.existing.min(axis=1, initial=np.inf) <= within_s
    pairs = [
        (i, c) for c, (t, _) in enumerate(columns) for i in range(len(w)) if t[i] <= within_s and not fixed[i]
    ]
    if not pairs:
        return float(w[fixed].sum())
    a_rows = np.zeros((len(w) + len(columns), len(pairs)))
    for p, (i, c) in enumerate(pairs):
        a_rows[i, p] = 1.0
        a_rows[len(w) + c, p] = w[i]
    bounds = np.r_[np.ones(len(w)), [cap for _, cap in columns]]
    cost = -np.array([w[i] for i, _ in pairs])
    result = linprog(cost, A_ub=a_rows, b_ub=bounds, bounds=(0, 1), method="highs")
    assert result.status == 0
    return float(w[fixed].sum() - result.fun)


def brute_capacitated(inst: Instance, k: int, within_s: float, existing_capacities: bool) -> float:
    m = inst.times.shape[1]
    return max(served_with_capacities(inst, s, within_s, existing_capacities) for s in subsets(m, k))


def median_cost(inst: Instance, sites, penalty_s: float) -> np.ndarray:
    """Per demand point: time to the nearest chosen or existing site, at most the penalty."""
    best = np.minimum(inst.existing.min(axis=1, initial=np.inf), penalty_s)
    if len(sites):
        best = np.minimum(best, inst.times[:, list(sites)].min(axis=1))
    return best


def brute_median(inst: Instance, k: int, penalty_s: float, max_time_s: float | None = None) -> float | None:
    best = None
    for s in subsets(inst.times.shape[1], k):
        if max_time_s is not None:
            nearest = np.minimum(
                inst.existing.min(axis=1, initial=np.inf), inst.times[:, list(s)].min(axis=1)
            )
            if ((nearest > max_time_s) & (inst.weights > 0)).any():
                continue
        value = float(inst.weights @ median_cost(inst, s, penalty_s))
        best = value if best is None else min(best, value)
    return best


@pytest.fixture(params=range(6))
def instance(request) -> Instance:
    return random_instance(request.param)
