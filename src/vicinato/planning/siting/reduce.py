"""Exact reductions of siting models: merged demand points, dropped demand, dominated candidates.

Each reduction keeps the optimum (README.md beside this file says why); tests compare the reduced
models' optima with the full textbook models' on random instances.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .problem import SitingProblem


@dataclass
class ReductionCounts:
    """What the reductions removed (reported with each result)."""

    demand_points: int
    candidates: int
    demand_points_kept: int = 0
    candidates_kept: int = 0
    zero_weight: int = 0
    covered_by_existing: int = 0
    out_of_reach: int = 0
    merged: int = 0
    dominated_candidates: int = 0
    singletons_folded: int = 0
    entries: int = 0
    entries_kept: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CoveringReduction:
    """A covering model's demand and candidates after the reductions.

    Model columns are the kept candidates (`columns`, original indices) followed, when existing
    sites have capacities in a capacitated model, by the existing sites (`existing_columns`).
    """

    columns: np.ndarray
    existing_columns: np.ndarray
    cover: sp.csr_matrix
    weights: np.ndarray
    groups: np.ndarray | None
    already: np.ndarray
    members: np.ndarray
    dominated_by: np.ndarray
    constant_by_group: np.ndarray
    constant: float
    counts: ReductionCounts


@dataclass(frozen=True)
class MedianReduction:
    """A p-median model's demand and candidates after the reductions.

    `costs` holds, per merged demand point, the kept candidates nearer than its fallback `caps`
    (its existing site or the penalty); `constant` is the cost of the demand points dropped.
    """

    columns: np.ndarray
    costs: sp.csr_matrix
    caps: np.ndarray
    weights: np.ndarray
    max_time_s: float | None
    dominated_by: np.ndarray
    constant: float
    counts: ReductionCounts


def reduce_covering(
    problem: SitingProblem,
    within_s: float,
    *,
    capacitated: bool,
    by_group: bool,
    reduce: bool,
) -> CoveringReduction:
    """The demand and candidates of a covering model within `within_s`.

    With reduce=False everything is kept (the textbook model): demand an existing site covers is
    marked in `already` instead of being dropped.
    """
    n, m = problem.n_demand, problem.n_candidates
    cover = problem.covered_by(within_s)
    with_existing_capacity = capacitated and problem.existing_capacities is not None and problem.n_existing
    if with_existing_capacity:
        # Existing sites then serve at most their capacity: they are columns of the model, always open.
        existing_columns = np.arange(problem.n_existing)
        cover = sp.hstack([cover, _pattern_of(problem.existing_times, within_s)], format="csr")
        covered = np.zeros(n, dtype=bool)
    else:
        existing_columns = np.arange(0)
        covered = problem.existing_cover(within_s)
    counts = ReductionCounts(demand_points=n, candidates=m, entries=cover.nnz)
    groups = problem.groups if by_group else None
    group_count = len(problem.group_names) if by_group else 0
    weights = problem.weights
    if not reduce:
        counts.demand_points_kept, counts.candidates_kept, counts.entries_kept = n, m, cover.nnz
        return CoveringReduction(
            columns=np.arange(m),
            existing_columns=existing_columns,
            cover=cover,
            weights=weights,
            groups=groups,
            already=covered.astype(np.float64),
            members=np.arange(n),
            dominated_by=np.arange(m),
            constant_by_group=np.zeros(group_count),
            constant=0.0,
            counts=counts,
        )
    reach = np.diff(cover.indptr) > 0
    zero = weights <= 0
    keep = ~zero & ~covered & reach
    counts.zero_weight = int(zero.sum())
    counts.covered_by_existing = int((~zero & covered).sum())
    counts.out_of_reach = int((~zero & ~covered & ~reach).sum())
    const_mask = ~zero & covered
    constant_by_group = (
        np.bincount(groups[const_mask], weights=weights[const_mask], minlength=group_count)
        if groups is not None
        else np.zeros(0)
    )
    rows = np.flatnonzero(keep)
    members = np.full(n, -1, dtype=np.int64)
    merged, weights_m, groups_m, members[rows] = merge_rows(
        cover[rows], weights[rows], None if groups is None else groups[rows]
    )
    dominated_by = np.arange(m)
    columns = np.arange(m)
    if capacitated:
        counts.notes.append(
            "Dominated candidates are kept with capacities: a site inside another's reach still adds desks."
        )
    else:
        dominated_by = dominators(subset_pairs(merged), np.diff(merged.tocsc().indptr))
        columns = np.flatnonzero(dominated_by == np.arange(m))
        counts.dominated_candidates = m - len(columns)
        # Dropping candidates can make more demand points alike: merge again. No point is left
        # uncovered: a dropped candidate's dominator covers all it covered.
        merged, weights_m, groups_m, again = merge_rows(merged[:, columns], weights_m, groups_m)
        members[rows] = again[members[rows]]
    counts.merged = len(rows) - merged.shape[0]
    counts.entries_kept = merged.nnz
    counts.demand_points_kept = merged.shape[0]
    counts.candidates_kept = len(columns)
    return CoveringReduction(
        columns=columns,
        existing_columns=existing_columns,
        cover=merged,
        weights=weights_m,
        groups=groups_m,
        already=np.zeros(merged.shape[0]),
        members=members,
        dominated_by=dominated_by,
        constant_by_group=constant_by_group,
        constant=float(weights[const_mask].sum()),
        counts=counts,
    )


def reduce_median(problem: SitingProblem, caps: np.ndarray, max_time_s: float | None) -> MedianReduction:
    """The demand and candidates of a p-median model whose fallback cost per demand point is `caps`.

    Times to candidates at or beyond a point's cap can never lower its cost and are dropped; a
    demand point with none left keeps its cap whatever is chosen and is dropped (its cost is the
    constant). Then dominated candidates go, and demand points left alike are merged.
    """
    n, m = problem.n_demand, problem.n_candidates
    counts = ReductionCounts(demand_points=n, candidates=m)
    costs = problem.costs_below(caps)
    weights = problem.weights
    counts.zero_weight = int((weights <= 0).sum())
    improvable = np.diff(costs.indptr) > 0
    keep = (weights > 0) & improvable
    counts.out_of_reach = int(((weights > 0) & ~improvable).sum())
    constant = float(weights[~keep] @ caps[~keep])
    counts.entries = problem.times.nnz
    rows_kept = np.flatnonzero(keep)
    costs, caps_kept, weights_kept = costs[rows_kept], caps[rows_kept], weights[rows_kept]
    dominated_by = dominators(cost_dominance_pairs(costs), np.diff(costs.tocsc().indptr))
    columns = np.flatnonzero(dominated_by == np.arange(m))
    counts.dominated_candidates = m - len(columns)
    # Every point keeps a candidate nearer than its cap: a dropped one's dominator is as near.
    costs = costs[:, columns]
    before = costs.shape[0]
    costs, weights_kept, caps_kept, _ = merge_rows(costs, weights_kept, None, caps_kept)
    counts.merged = before - costs.shape[0]
    counts.entries_kept = costs.nnz
    counts.demand_points_kept = costs.shape[0]
    counts.candidates_kept = len(columns)
    return MedianReduction(
        columns=columns,
        costs=costs,
        caps=caps_kept,
        weights=weights_kept,
        max_time_s=max_time_s,
        dominated_by=dominated_by,
        constant=constant,
        counts=counts,
    )


def merge_rows(
    matrix: sp.csr_matrix, weights: np.ndarray, groups: np.ndarray | None, tag: np.ndarray | None = None
) -> tuple:
    """Merge rows that are identical (same columns and values, same group and tag): weights summed.

    Returns (matrix, weights, groups or tag, inverse): inverse gives each input row's merged row.
    Exact: rows are compared by their bytes, not by a hash alone.
    """
    matrix = matrix.tocsr()
    matrix.sort_indices()
    index: dict[bytes, int] = {}
    inverse = np.empty(matrix.shape[0], dtype=np.int64)
    extra = groups if groups is not None else tag
    for i in range(matrix.shape[0]):
        lo, hi = matrix.indptr[i], matrix.indptr[i + 1]
        key = matrix.indices[lo:hi].tobytes() + b"|" + matrix.data[lo:hi].tobytes()
        if extra is not None:
            key += b"|" + np.asarray(extra[i]).tobytes()
        inverse[i] = index.setdefault(key, len(index))
    first = np.full(len(index), -1, dtype=np.int64)
    first[inverse[::-1]] = np.arange(matrix.shape[0])[::-1]
    merged_weights = np.bincount(inverse, weights=weights, minlength=len(index))
    out = matrix[first]
    kept = extra[first] if extra is not None else None
    return out, merged_weights, kept, inverse


def inclusion_pairs(matrix: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (a, b) of columns, a ≠ b and a not empty, whose stored rows in a are all stored in b;
    and the number of stored rows per column."""
    # From the structure, not the values: a stored time may be 0 (a demand point at the site).
    matrix = matrix.tocsr()
    pattern = sp.csr_matrix((np.ones(matrix.nnz), matrix.indices, matrix.indptr), shape=matrix.shape)
    sizes = np.diff(pattern.tocsc().indptr)
    overlap = (pattern.T @ pattern).tocoo()
    a, b = overlap.row, overlap.col
    inside = (overlap.data == sizes[a]) & (a != b)
    return a[inside], b[inside], sizes


def subset_pairs(cover: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (a, b) of columns of a 0/1 matrix where b strictly dominates a: b's rows include a's,
    and b has more of them, or the same ones and a lower index."""
    a, b, sizes = inclusion_pairs(cover)
    strict = (sizes[b] > sizes[a]) | (b < a)
    return a[strict], b[strict]


def cost_dominance_pairs(costs: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (a, b) of candidates where b strictly dominates a for a p-median.

    b is at least as near as a to every demand point a can serve (`costs` holds only the times
    that lower a point's cost), and nearer to one, or serves more points, or is equal to a with a
    lower index.
    """
    small, big, sizes = inclusion_pairs(costs)
    csc = costs.tocsc()
    csc.sort_indices()
    keep = np.zeros(len(small), dtype=bool)
    for p, (a, b) in enumerate(zip(small, big, strict=True)):
        rows_a = csc.indices[csc.indptr[a] : csc.indptr[a + 1]]
        rows_b = csc.indices[csc.indptr[b] : csc.indptr[b + 1]]
        time_a = csc.data[csc.indptr[a] : csc.indptr[a + 1]]
        time_b = csc.data[csc.indptr[b] : csc.indptr[b + 1]][np.searchsorted(rows_b, rows_a)]
        if (time_b <= time_a).all():
            keep[p] = sizes[b] > sizes[a] or bool((time_b < time_a).any()) or b < a
    return small[keep], big[keep]


def dominators(pairs: tuple[np.ndarray, np.ndarray], sizes: np.ndarray) -> np.ndarray:
    """For each candidate, itself if kept, else a kept candidate that dominates it.

    `pairs` (a, b) say b strictly dominates a (subset_pairs, cost_dominance_pairs). A candidate that
    serves nothing (size 0) is dominated by any other. Strict dominance being a strict order,
    following dominators ends at a kept candidate.
    """
    m = len(sizes)
    by = np.arange(m)
    small, big = pairs
    by[small] = big
    empty = np.flatnonzero(sizes == 0)
    if len(empty) == m:
        by[1:] = 0  # nothing reaches anyone: any one candidate stands for all
    elif len(empty):
        by[empty] = int(np.flatnonzero(sizes > 0)[0])
    for j in range(m):
        root = j
        while by[root] != root:
            root = by[root]
        by[j] = root
    return by


def _pattern_of(times: sp.csr_matrix, within_s: float) -> sp.csr_matrix:
    rows = np.repeat(np.arange(times.shape[0]), np.diff(times.indptr))
    keep = times.data <= within_s
    return _csr_from(rows[keep], times.indices[keep], np.ones(int(keep.sum())), times.shape)


def _csr_from(rows: np.ndarray, cols: np.ndarray, data: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
    return sp.csr_matrix((data, cols, indptr), shape=shape)
