"""The maximal covering model as a MILP, from a (reduced or textbook) covering reduction."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from .highs import Milp
from .problem import SitingProblem
from .reduce import CoveringReduction

# Slack on the equity rows, in share units: well above HiGHS's feasibility tolerance, far below
# anything a person would read.
SHARE_TOLERANCE = 1e-7


class CoveringModel:
    """max Σ w_i served_i subject to Σ y_j ≤ k, as README.md writes it.

    Columns: y (the kept candidates, binary); then either x (whether a demand point with two or
    more candidates is covered: x_i ≤ Σ_{j covers i} y_j; a point with one candidate j is covered
    exactly when j is open, so served_i is y_j itself and the point adds no column) or, with
    capacities, a (the share of a point assigned to a site within the time). served_i is a linear
    expression in these columns.
    """

    def __init__(
        self,
        problem: SitingProblem,
        reduction: CoveringReduction,
        k: int,
        within_s: float,
        *,
        capacitated: bool,
        fold: bool,
    ) -> None:
        self.problem = problem
        self.reduction = reduction
        self.k = k
        self.within_s = within_s
        self.capacitated = capacitated
        self.existing_capacitated = len(reduction.existing_columns) > 0
        cover = reduction.cover
        n = cover.shape[0]
        self.mk = len(reduction.columns)
        if capacitated:
            entries = cover.tocoo()
            self.entry_rows = entries.row.astype(np.int64)
            self.entry_sites = entries.col.astype(np.int64)
            self.count = self.mk + len(self.entry_rows)
            served_columns = (self.entry_rows, self.mk + np.arange(len(self.entry_rows)))
            self.constant_served = reduction.already
        else:
            single = (np.diff(cover.indptr) == 1) & fold
            reduction.counts.singletons_folded = int(single.sum())
            self.x_rows = np.flatnonzero(~single)
            self.count = self.mk + len(self.x_rows)
            column = np.empty(n, dtype=np.int64)
            column[single] = cover.indices[cover.indptr[:-1][single]]
            column[self.x_rows] = self.mk + np.arange(len(self.x_rows))
            served_columns = (np.arange(n), column)
            self.constant_served = np.zeros(n)
        self.served_matrix = sp.csr_matrix(
            (np.ones(len(served_columns[0])), served_columns), shape=(n, self.count)
        )
        w = reduction.weights
        self.objective = np.asarray(self.served_matrix.T @ w).ravel()
        self.offset = reduction.constant + float(w @ self.constant_served)
        if reduction.groups is not None:
            by_group = sp.csr_matrix(
                (w, (reduction.groups, np.arange(n))), shape=(len(problem.group_names), n)
            )
            self.group_served = (by_group @ self.served_matrix).tocsr()
            self.group_constant = reduction.constant_by_group + by_group @ self.constant_served
            self.group_totals = problem.group_totals()

    def milp(
        self,
        *,
        min_share: float | None = None,
        groups: np.ndarray | None = None,
        feasibility: bool = False,
        closed: bool = False,
    ) -> Milp:
        """The model. min_share: every group in `groups` at least that share; feasibility: any plan
        meeting the rows (no objective: HiGHS stops at the first); closed: no new site."""
        count = self.count
        rows, lower, upper = self._base_rows(count)
        cost = np.zeros(count) if feasibility else self.objective
        col_upper = np.ones(count)
        if closed:
            col_upper[: self.mk] = 0.0
        if min_share is not None and groups is not None and groups.any():
            g = np.flatnonzero(groups)
            totals = self.group_totals[g]
            # In share units: Σ_{i in g} w_i served_i / W_g ≥ share − what existing sites cover.
            shares = sp.diags(1.0 / totals) @ self.group_served[g]
            floor = min_share - SHARE_TOLERANCE - self.group_constant[g] / totals
            rows = sp.vstack([rows, shares], format="csr")
            lower = np.r_[lower, floor]
            upper = np.r_[upper, np.full(len(g), np.inf)]
        integer = np.zeros(count, dtype=bool)
        integer[: self.mk] = True
        offset = 0.0 if feasibility else self.offset
        return Milp(
            cost, np.zeros(count), col_upper, integer, rows, lower, upper, maximise=True, offset=offset
        )

    def _base_rows(self, count: int) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        reduction, mk = self.reduction, self.mk
        n = reduction.cover.shape[0]
        blocks: list[sp.csr_matrix] = []
        lower: list[np.ndarray] = []
        upper: list[np.ndarray] = []

        def add(block: sp.spmatrix, up: np.ndarray) -> None:
            blocks.append(_widen(block, count))
            lower.append(np.full(block.shape[0], -np.inf))
            upper.append(up)

        if self.capacitated:
            e = len(self.entry_rows)
            a = mk + np.arange(e)
            # Σ_j a_ij ≤ 1 (less what an uncapacitated existing site already serves: textbook model).
            add(sp.csr_matrix((np.ones(e), (self.entry_rows, a)), shape=(n, count)), 1.0 - reduction.already)
            caps = self.problem.capacities[reduction.columns]
            existing = (
                self.problem.existing_capacities[reduction.existing_columns]
                if self.existing_capacitated
                else np.zeros(0)
            )
            sites = mk + len(existing)
            load = sp.csr_matrix(
                (
                    np.r_[reduction.weights[self.entry_rows], -caps],
                    (np.r_[self.entry_sites, np.arange(mk)], np.r_[a, np.arange(mk)]),
                ),
                shape=(sites, count),
            )
            # Σ_i w_i a_ij ≤ capacity_j y_j; an existing site is always open.
            add(load, np.r_[np.zeros(mk), existing])
            # a_ij ≤ y_j follows from the capacity rows when capacities are positive; it tightens the
            # relaxation a lot (a site half open would otherwise serve its nearest points fully).
            link = np.flatnonzero(self.entry_sites < mk)
            idx = np.arange(len(link))
            add(
                sp.csr_matrix(
                    (
                        np.r_[np.ones(len(link)), -np.ones(len(link))],
                        (np.r_[idx, idx], np.r_[a[link], self.entry_sites[link]]),
                    ),
                    shape=(len(link), count),
                ),
                np.zeros(len(link)),
            )
        else:
            nx = len(self.x_rows)
            block = sp.hstack([-reduction.cover[self.x_rows], sp.eye(nx)], format="csr")
            add(block, reduction.already[self.x_rows])
        add(
            sp.csr_matrix((np.ones(mk), (np.zeros(mk, dtype=np.int64), np.arange(mk))), shape=(1, count)),
            np.array([float(self.k)]),
        )
        return sp.vstack(blocks, format="csr"), np.concatenate(lower), np.concatenate(upper)

    def start(self, positions: np.ndarray) -> np.ndarray:
        """A model solution opening the kept candidates at `positions` (e.g. the preview's)."""
        y = np.zeros(self.mk)
        y[positions] = 1.0
        reached = np.minimum(1.0, self.reduction.cover @ y + self.reduction.already)
        return np.r_[y, reached[self.x_rows]]

    def capacitated_sites(self) -> np.ndarray:
        """A start for the capacitated model: k kept-candidate positions, greedily.

        Each step opens the candidate that can serve the most demand still unserved (at most its
        capacity) and takes that much from the points it reaches, in proportion. The assignment
        itself is then left to an LP (sites fixed).
        """
        cover = self.reduction.cover[:, : self.mk].tocsc()
        caps = self.problem.capacities[self.reduction.columns]
        left = self.reduction.weights * (1.0 - self.reduction.already)
        chosen: list[int] = []
        for _ in range(min(self.k, self.mk)):
            reachable = np.asarray(cover.T @ left).ravel()
            gain = np.minimum(reachable, caps)
            gain[chosen] = -1.0
            j = int(np.argmax(gain))
            chosen.append(j)
            rows = cover.indices[cover.indptr[j] : cover.indptr[j + 1]]
            if reachable[j] > 0:
                left[rows] *= 1.0 - gain[j] / reachable[j]
        return np.array(chosen, dtype=np.int64)

    def fixed_sites(self, milp: Milp, positions: np.ndarray) -> Milp:
        """The same model with exactly the kept candidates at `positions` open (an LP once solved)."""
        upper = milp.upper.copy()
        lower = milp.lower.copy()
        upper[: self.mk] = 0.0
        upper[positions] = 1.0
        lower[positions] = 1.0
        return replace(milp, lower=lower, upper=upper)

    def polish(self, values: np.ndarray) -> np.ndarray:
        """A solution's open sites with every point they reach counted as covered (a feasibility
        solve may leave x anywhere under its bound, and within HiGHS's tolerances). Assignments of
        a capacitated model are kept as they are."""
        if self.capacitated:
            return values
        return self.start(np.flatnonzero(values[: self.mk] > 0.5))

    def least_share(self, values: np.ndarray, groups: np.ndarray) -> float:
        """The least share of the groups `groups` a solution gives."""
        shares = (self.group_served @ values + self.group_constant) / self.group_totals
        return float(shares[groups].min())

    def chosen(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The chosen candidates (problem indices, exactly k) and what each serves (capacitated)."""
        is_open = values[: self.mk] > 0.5
        picked = self.reduction.columns[is_open]
        served = np.zeros(len(picked))
        if self.capacitated:
            assigned = values[self.mk : self.count] * self.reduction.weights[self.entry_rows]
            served = np.bincount(self.entry_sites, weights=assigned, minlength=self.mk)[: self.mk][is_open]
        # Fewer than k are open when more would add nothing: any other candidates complete the plan.
        spare = np.setdiff1d(np.arange(self.problem.n_candidates), picked)[: self.k - len(picked)]
        return np.r_[picked, spare].astype(np.int64), np.r_[served, np.zeros(len(spare))]

    def served(self, values: np.ndarray) -> np.ndarray:
        """The share served of each of the problem's demand points (capacitated solutions)."""
        merged = self.served_matrix @ values[: self.count] + self.constant_served
        members = self.reduction.members
        dropped = np.zeros(self.problem.n_demand)
        if not self.existing_capacitated:
            # The reductions drop demand an existing site covers without limit: it is served.
            dropped = self.problem.existing_cover(self.within_s).astype(np.float64)
        return np.where(members >= 0, merged[np.maximum(members, 0)], dropped)


def _widen(block: sp.spmatrix, count: int) -> sp.csr_matrix:
    """The same rows with `count` columns (extra columns empty)."""
    block = sp.csr_matrix(block)
    return sp.csr_matrix((block.data, block.indices, block.indptr), shape=(block.shape[0], count))
