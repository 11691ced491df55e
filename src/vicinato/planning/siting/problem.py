"""The input of a siting problem: demand points, candidate and existing sites, and the times between them."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from .errors import PlanningError

# A matrix of seconds, demand points × sites: dense (inf where beyond the limit) or scipy sparse
# (absent entries beyond the limit; a stored entry is a time, an explicit 0 included).
TimeMatrix = np.ndarray | sp.spmatrix | sp.sparray
Ids = Sequence[Hashable]


@dataclass(frozen=True, eq=False)
class SitingProblem:
    """Validated input; build it with SitingProblem.build(), which says what is wrong with bad input.

    Travel times are kept sparse (CSR, seconds): a demand point and a site farther apart than the
    limit the times were computed with have no entry.
    """

    weights: np.ndarray
    times: sp.csr_matrix
    existing_times: sp.csr_matrix
    groups: np.ndarray | None
    group_names: tuple[Hashable, ...]
    capacities: np.ndarray | None
    existing_capacities: np.ndarray | None
    demand_ids: tuple[Hashable, ...]
    candidate_ids: tuple[Hashable, ...]
    existing_ids: tuple[Hashable, ...]
    times_limit_s: float | None

    @classmethod
    def build(
        cls,
        weights: Sequence[float] | np.ndarray,
        times: TimeMatrix,
        *,
        existing_times: TimeMatrix | None = None,
        groups: Sequence[Hashable] | None = None,
        capacities: Sequence[float] | np.ndarray | None = None,
        existing_capacities: Sequence[float] | np.ndarray | None = None,
        demand_ids: Ids | None = None,
        candidate_ids: Ids | None = None,
        existing_ids: Ids | None = None,
        times_limit_s: float | None = None,
    ) -> SitingProblem:
        """Check and store the input.

        weights: demand per point (e.g. residents), not negative, not all zero.
        times: seconds from each demand point (rows) to each candidate site (columns).
        existing_times: the same to the sites already open, which cover without being chosen.
        groups: a label per demand point (e.g. its NIL) for the equity options and the report.
        capacities / existing_capacities: what each site can serve, in the unit of the weights
            (e.g. desks × people per desk), for the capacitated covering.
        times_limit_s: the cutoff the times were computed with (absent entries are beyond it).
        """
        w = _vector(weights, "weights", "demand point")
        n = len(w)
        if n == 0:
            raise PlanningError("There are no demand points; give at least one weight.")
        if (w < 0).any():
            raise PlanningError(
                f"Demand weight {w[w < 0][0]:g} at demand point {int(np.flatnonzero(w < 0)[0])} is "
                "negative; weights are amounts of demand (e.g. residents), zero or more."
            )
        if w.sum() <= 0:
            raise PlanningError("All demand weights are zero; there is no demand to cover.")
        if times_limit_s is not None and not (np.isfinite(times_limit_s) and times_limit_s > 0):
            raise PlanningError(f"times_limit_s is {times_limit_s}; give the positive cutoff in seconds.")
        cand = _csr(times, n, "times")
        m = cand.shape[1]
        if m == 0:
            raise PlanningError("There are no candidate sites; the times matrix has no columns.")
        if existing_times is None:
            existing = sp.csr_matrix((n, 0))
        else:
            existing = _csr(existing_times, n, "existing_times")
        e = existing.shape[1]
        group_codes, group_names = _groups(groups, n)
        return cls(
            weights=w,
            times=cand,
            existing_times=existing,
            groups=group_codes,
            group_names=group_names,
            capacities=_capacities(capacities, m, "capacities", "candidate site"),
            existing_capacities=_capacities(existing_capacities, e, "existing_capacities", "existing site"),
            demand_ids=_ids(demand_ids, n, "demand_ids", "demand points"),
            candidate_ids=_ids(candidate_ids, m, "candidate_ids", "candidate sites"),
            existing_ids=_ids(existing_ids, e, "existing_ids", "existing sites"),
            times_limit_s=None if times_limit_s is None else float(times_limit_s),
        )

    @property
    def n_demand(self) -> int:
        return len(self.weights)

    @property
    def n_candidates(self) -> int:
        return self.times.shape[1]

    @property
    def n_existing(self) -> int:
        return self.existing_times.shape[1]

    def check_k(self, k: int) -> None:
        if not isinstance(k, int | np.integer) or k < 1:
            raise PlanningError(f"k is {k!r}; give the number of new sites to open, 1 or more.")
        if k > self.n_candidates:
            raise PlanningError(
                f"k = {k} new sites were asked for but there are only {self.n_candidates} candidate "
                "sites; lower k or add candidates."
            )

    def check_time(self, seconds: float, name: str) -> None:
        """A time threshold must be positive and within what the matrix was computed for."""
        if not (isinstance(seconds, int | float | np.number) and np.isfinite(seconds) and seconds > 0):
            raise PlanningError(f"{name} is {seconds!r}; give a positive number of seconds.")
        if self.times_limit_s is not None and seconds > self.times_limit_s + 1e-6:
            raise PlanningError(
                f"{name} is {seconds:g} s but the travel times were computed only up to "
                f"{self.times_limit_s:g} s; recompute them with a larger cutoff or lower {name}."
            )

    def penalty(self, penalty_s: float | None) -> float:
        """The p-median's cost of a demand point with no site within the limit (checked).

        By default twice the limit the times were computed with (or, that not given, twice the
        largest time in the matrices): as if such a resident went twice as far by other means.
        """
        limit = self.times_limit_s
        if penalty_s is None:
            if limit is None:
                stored = [m.data.max() for m in (self.times, self.existing_times) if m.nnz]
                limit = max(max(stored, default=0.0), 1.0)
            return 2.0 * limit
        if not (isinstance(penalty_s, int | float | np.number) and np.isfinite(penalty_s) and penalty_s > 0):
            raise PlanningError(f"penalty_s is {penalty_s!r}; give a positive number of seconds.")
        if limit is not None and penalty_s < limit:
            raise PlanningError(
                f"penalty_s is {penalty_s:g} s, less than the {limit:g} s the times were computed up to: "
                "a resident just within reach would cost more than one beyond it; use at least the limit."
            )
        return float(penalty_s)

    def costs_below(self, caps: np.ndarray) -> sp.csr_matrix:
        """The times to candidates below each demand point's cap (e.g. its existing site or a penalty):
        the only ones that can lower its cost."""
        rows = np.repeat(np.arange(self.n_demand), np.diff(self.times.indptr))
        keep = self.times.data < caps[rows]
        indptr = np.zeros(self.n_demand + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows[keep], minlength=self.n_demand), out=indptr[1:])
        return sp.csr_matrix(
            (self.times.data[keep], self.times.indices[keep], indptr), shape=self.times.shape
        )

    def covered_by(self, within_s: float) -> sp.csr_matrix:
        """Which candidates cover which demand points: a 0/1 CSR matrix (n × m) of times ≤ within_s."""
        return _pattern(self.times, within_s)

    def existing_cover(self, within_s: float) -> np.ndarray:
        """Demand points within within_s of an existing site (bool, n)."""
        return np.diff(_pattern(self.existing_times, within_s).indptr) > 0

    def existing_nearest(self) -> np.ndarray:
        """Seconds from each demand point to its nearest existing site (inf where none is in the matrix)."""
        return _row_min(self.existing_times)

    def group_totals(self) -> np.ndarray:
        """Demand per group (empty without groups)."""
        if self.groups is None:
            return np.zeros(0)
        return np.bincount(self.groups, weights=self.weights, minlength=len(self.group_names))


def _vector(values: Any, name: str, what: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise PlanningError(f"{name} must be numbers, one per {what}.") from None
    if arr.ndim != 1:
        raise PlanningError(f"{name} must be a flat list of numbers, one per {what}; got shape {arr.shape}.")
    if not np.isfinite(arr).all():
        bad = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise PlanningError(f"{name}[{bad}] is {arr[bad]}; every value must be a finite number.")
    return arr


def _csr(times: TimeMatrix, n: int, name: str) -> sp.csr_matrix:
    if sp.issparse(times):
        coo = sp.coo_matrix(times)
        shape = coo.shape
        rows, cols, data = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data.astype(np.float64)
    else:
        try:
            arr = np.asarray(times, dtype=np.float64)
        except (TypeError, ValueError):
            raise PlanningError(f"{name} must be a matrix of seconds (demand points × sites).") from None
        if arr.ndim != 2:
            raise PlanningError(
                f"{name} must be a 2-D matrix of seconds (demand points × sites); got shape {arr.shape}."
            )
        shape = arr.shape
        rows, cols = np.nonzero(~np.isposinf(arr))
        data = arr[rows, cols]
    if shape[0] != n:
        raise PlanningError(
            f"{name} has {shape[0]} rows but there are {n} demand weights; give one row per demand point."
        )
    if np.isnan(data).any():
        raise PlanningError(f"{name} contains NaN; use inf (or leave the entry out) for beyond the limit.")
    if (data < 0).any():
        raise PlanningError(f"{name} contains a negative time ({data[data < 0][0]:g} s); times are seconds.")
    finite = np.isfinite(data)
    rows, cols, data = rows[finite], cols[finite], data[finite]
    order = np.lexsort((cols, rows))
    rows, cols, data = rows[order], cols[order], data[order]
    if len(rows) > 1 and ((rows[1:] == rows[:-1]) & (cols[1:] == cols[:-1])).any():
        raise PlanningError(f"{name} has two times for the same demand point and site; give one.")
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
    return sp.csr_matrix((data, cols, indptr), shape=shape)


def _pattern(times: sp.csr_matrix, limit_s: float) -> sp.csr_matrix:
    keep = times.data <= limit_s
    rows = np.repeat(np.arange(times.shape[0]), np.diff(times.indptr))[keep]
    indptr = np.zeros(times.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=times.shape[0]), out=indptr[1:])
    return sp.csr_matrix((np.ones(len(rows)), times.indices[keep], indptr), shape=times.shape)


def _row_min(times: sp.csr_matrix) -> np.ndarray:
    best = np.full(times.shape[0], np.inf)
    rows = np.repeat(np.arange(times.shape[0]), np.diff(times.indptr))
    np.minimum.at(best, rows, times.data)
    return best


def _groups(groups: Sequence[Hashable] | None, n: int) -> tuple[np.ndarray | None, tuple[Hashable, ...]]:
    if groups is None:
        return None, ()
    labels = list(groups)
    if len(labels) != n:
        raise PlanningError(
            f"groups has {len(labels)} labels but there are {n} demand points; give one each."
        )
    names: dict[Hashable, int] = {}
    try:
        codes = np.array([names.setdefault(label, len(names)) for label in labels], dtype=np.int64)
    except TypeError:
        raise PlanningError("Group labels must be names or numbers (e.g. the NIL of each point).") from None
    return codes, tuple(names)


def _capacities(values: Any, count: int, name: str, what: str) -> np.ndarray | None:
    if values is None:
        return None
    cap = _vector(values, name, what)
    if len(cap) != count:
        raise PlanningError(f"{name} has {len(cap)} values but there are {count} {what}s; give one each.")
    if (cap < 0).any():
        raise PlanningError(f"{name} contains a negative capacity; capacities are zero or more.")
    return cap


def _ids(ids: Ids | None, count: int, name: str, what: str) -> tuple[Hashable, ...]:
    if ids is None:
        return tuple(range(count))
    out = tuple(ids)
    if len(out) != count:
        raise PlanningError(f"{name} has {len(out)} ids but there are {count} {what}; give one each.")
    if len(set(out)) != count:
        raise PlanningError(f"{name} has duplicate ids; give each of the {what} its own id.")
    return out
