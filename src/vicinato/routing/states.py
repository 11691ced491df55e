"""Search states of one mode's graph, and where searches start and tables read them.

States are junctions, or street directions linked by turns.

Turn costs. When turns have a cost (cycling, by default; driving always), the time of leaving a
junction depends on how one arrived there, so searches cannot run on junctions: they run on
*directions* instead (each chain ridden one way: state 2c from its start junction A to its end B,
state 2c+1 from B to A), linked by the allowed turns (turns.py). A state stands for "has just
ridden this direction and arrived at its end junction, the next turn not yet taken"; an edge from
state e to state f costs the turn at the junction plus riding f. So:
- a search from a point starts at the two states of its chain (riding to B is state 2c, to A is
  2c+1), at the partial costs; a search towards a point starts at every state that can turn into
  its chain at A or at B, at that turn's cost plus the partial cost from the junction;
- a table from reverse searches therefore still reads two values per origin, one per end of its
  street: the minimum over the origin's states is taken exactly as over junctions without turns;
- a point exactly at a junction (at the very end of its street) arrives or leaves in any direction
  without a turn;
- times at junctions (isochrones, coverage) are: arriving at a junction, the best arrival over its
  incoming directions; starting from a junction, the best over its outgoing directions, with no
  turn (one does not turn when one starts).
Without turn costs the states are the junctions themselves and all of the above reduces to the
junction graph. Traffic signals are not turns: they add their penalty to the segments that arrive
at them, in both kinds of graph (the penalty sits at the node: a point on a segment pays it only if
it passes the node).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from .arrays import group_positions, padded_rows
from .projection import LocalProjection
from .search import build_csr_lengths, multi_source_search
from .settings import RoutingSettings
from .streets import ChainCosts, SnappedPoints, StreetGraph

# Sparse extra entries of a table's readers: (reader, state, cost) arrays.
Extras = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Measure:
    """One measure of a trip, seconds or metres, as each step of a search adds it up: along the
    streets, a whole direction (arc), a turn, and from a point to its street."""

    streets: ChainCosts
    arcs: np.ndarray
    turns: np.ndarray
    snap: Callable[[SnappedPoints], np.ndarray]


class StateGraph(StreetGraph):
    """The states searches run on (junctions, or directions with turn costs) and the turns between them."""

    def __init__(
        self,
        mode: str,
        arrays: dict[str, np.ndarray],
        projection: LocalProjection,
        settings: RoutingSettings,
        fingerprint: str = "",
        workers: int | None = None,
    ) -> None:
        super().__init__(mode, arrays, projection, settings, fingerprint, workers)
        a = self.arrays
        self.turn_from = a["turn_from"]
        self.turn_to = a["turn_to"]
        self.turn_cost = a["turn_cost"]
        self.turn_costs = len(self.turn_to) > 0
        junctions = len(self.junction_node)
        chains = len(self.chain_a)
        # Directions (arcs): 2c rides chain c from A to B, 2c+1 from B to A.
        self.arc_tail = np.empty(2 * chains, dtype=np.int64)
        self.arc_head = np.empty(2 * chains, dtype=np.int64)
        self.arc_tail[0::2], self.arc_tail[1::2] = self.chain_a, self.chain_b
        self.arc_head[0::2], self.arc_head[1::2] = self.chain_b, self.chain_a
        self.arc_cost = np.empty(2 * chains)
        self.arc_cost[0::2] = self.street_seconds.range_f(self.chain_first[:-1], self.chain_first[1:])
        self.arc_cost[1::2] = self.street_seconds.range_b(self.chain_first[:-1], self.chain_first[1:])
        self._out_ptr, self._out_arcs = group_positions(self.arc_tail, junctions)
        self._in_ptr, self._in_arcs = group_positions(self.arc_head, junctions)
        # The turn list is sorted by the direction turned into: each state's incoming turns.
        self._turn_ptr = np.zeros(2 * chains + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.turn_to, minlength=2 * chains), out=self._turn_ptr[1:])
        n = 2 * chains if self.turn_costs else junctions
        self.csr = sp.csr_matrix((a["csr_data"], a["csr_indices"], a["csr_indptr"]), shape=(n, n))
        # Metres of each edge of the search graph (the street ridden; turns have no length).
        self.csr_len = a["csr_len"]
        length = self.seg_len_m.astype(np.float64)
        self.arc_len = np.repeat(np.add.reduceat(length, self.chain_first[:-1]) if chains else length[:0], 2)
        self._left_out: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._left_out_len: list[np.ndarray] = []
        if self.turn_costs:
            self.csr_t, self.csr_t_len = self._reverse_turn_graph()
        else:
            rows = np.repeat(np.arange(n), np.diff(self.csr.indptr))
            self.csr_t, self.csr_t_len = build_csr_lengths(
                n, self.csr.indices, rows, self.csr.data, self.csr_len
            )
        self.seconds = Measure(self.street_seconds, self.arc_cost, self.turn_cost, self.snap_cost)

    @cached_property
    def metres(self) -> Measure:
        """Trips measured in metres along the streets (made on first use: only trip tables need it)."""
        return Measure(self.street_metres, self.arc_len, np.zeros(len(self.turn_cost)), _no_metres)

    def _reverse_turn_graph(self) -> tuple[sp.csr_matrix, np.ndarray]:
        """The graph reverse searches run on, over directions, with two kinds of states left out,
        and the metres of its edges.

        - Directions closed as a whole (one-way streets ridden against their direction) can never
          be entered: a reverse search would only settle them as dead ends.
        - Directions entered from a single other one (x), chosen so that no two are neighbours:
          x links straight to where they lead, and a search starting on one also starts on x.
        reverse_search() gives both their times afterwards from the times of where they lead (in
        this order: a closed direction may lead to a contracted one). This spares a third of the
        work of a reverse search with the default settings (one-way streets), with exact results.
        """
        n = 2 * len(self.chain_a)
        weight = self.turn_cost + self.arc_cost[self.turn_to]
        usable = np.isfinite(weight) & np.isfinite(self.arc_cost[self.turn_from])
        frm = self.turn_from[usable].astype(np.int64)
        to = self.turn_to[usable].astype(np.int64)
        weight = weight[usable]
        one = np.bincount(to, minlength=n) == 1
        self._pred = np.full(n, -1, dtype=np.int64)
        self._pred_cost = np.zeros(n)
        self._pred[to[one[to]]] = frm[one[to]]
        self._pred_cost[to[one[to]]] = weight[one[to]]
        candidate = one & (self._pred != np.arange(n))
        candidate &= ~candidate[np.maximum(self._pred, 0)]
        leads_to_candidate = np.bincount(frm, weights=candidate[to], minlength=n) > 0
        chosen = candidate & ~leads_to_candidate
        self._contracted = chosen
        # Edges to a contracted state go; edges from it start at its single predecessor instead.
        via = chosen[frm]
        keep = ~chosen[to] & ~via
        rows = np.concatenate([to[keep], to[via]])
        cols = np.concatenate([frm[keep], self._pred[frm[via]]])
        costs = np.concatenate([weight[keep], self._pred_cost[frm[via]] + weight[via]])
        lengths = np.concatenate([self.arc_len[to[keep]], self.arc_len[frm[via]] + self.arc_len[to[via]]])
        # Where each left-out state leads (its forward edges), padded: contracted ones, then closed.
        for states in (np.flatnonzero(chosen), np.flatnonzero(~np.isfinite(self.arc_cost))):
            nxt, cost, length = padded_rows(
                self.csr.indptr, (self.csr.indices, self.csr.data, self.csr_len), states, (0, np.inf, np.inf)
            )
            self._left_out.append((states, nxt, cost))
            self._left_out_len.append(length)
        return build_csr_lengths(n, rows, cols, costs, lengths)

    # ----- sizes ----------------------------------------------------------------------------

    @property
    def state_count(self) -> int:
        """Number of search states: junctions, or with turn costs the chains' two directions."""
        return int(self.csr.shape[0])

    @property
    def edge_count(self) -> int:
        """Edges of the search graph: streets between junctions, or with turn costs the allowed turns."""
        return int(self.csr.nnz)

    def sizes(self) -> dict[str, int]:
        return {
            "nodes": self.node_count,
            "states": self.state_count,
            "edges": self.edge_count,
            "segments": self.segment_count,
            "shape_nodes": len(self._node_lon),
        }

    # ----- where searches start and tables read --------------------------------------------

    def _heads_out(
        self, snapped: SnappedPoints, measure: Measure | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """States a search from each point starts at, and the cost to reach them: (K, h) arrays
        (costs in seconds, or in the given measure: the heads are the same).

        Without turn costs: the two junctions of the point's chain. With them: the point's chain
        ridden towards B (state 2c) and towards A (2c+1); a point exactly at a junction also leaves
        by every direction out of it, with no turn.
        """
        m = measure or self.seconds
        seg = snapped.seg
        to_a, to_b = m.streets.exits(seg, snapped.frac)
        chain = self.seg_chain[seg]
        snap = m.snap(snapped)[:, None]
        if not self.turn_costs:
            heads = np.column_stack([self.chain_a[chain], self.chain_b[chain]])
            return heads, np.column_stack([to_a, to_b]) + snap
        heads = np.column_stack([2 * chain, 2 * chain + 1])
        costs = np.column_stack([to_b, to_a])
        at_a, at_b = self._at_junctions(snapped)
        for at, junction in ((at_a, self.chain_a[chain]), (at_b, self.chain_b[chain])):
            if at.any():
                rows = np.where(at, junction, 0)
                arcs, arc_costs = padded_rows(
                    self._out_ptr, (self._out_arcs, m.arcs[self._out_arcs]), rows, (0, np.inf)
                )
                heads = np.column_stack([heads, arcs])
                costs = np.column_stack([costs, np.where(at[:, None], arc_costs, np.inf)])
        return heads, costs + snap

    def _leaving(
        self, snapped: SnappedPoints, measure: Measure | None = None
    ) -> tuple[np.ndarray, np.ndarray, Extras]:
        """_heads_out() as tables read it: the point's two states, (K, 2) heads and costs, and
        sparsely the extra ones of points exactly at a junction, as (point, state, cost) arrays
        (the same states and costs, without a padded column per possible direction)."""
        m = measure or self.seconds
        seg = snapped.seg
        to_a, to_b = m.streets.exits(seg, snapped.frac)
        chain = self.seg_chain[seg]
        snap = m.snap(snapped)
        none = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0))
        if not self.turn_costs:
            heads = np.column_stack([self.chain_a[chain], self.chain_b[chain]])
            return heads, np.column_stack([to_a + snap, to_b + snap]), none
        heads = np.column_stack([2 * chain, 2 * chain + 1])
        costs = np.column_stack([to_b + snap, to_a + snap])
        at_a, at_b = self._at_junctions(snapped)
        parts = [none]
        for at, junction in ((at_a, self.chain_a[chain]), (at_b, self.chain_b[chain])):
            points = np.flatnonzero(at)
            if len(points):
                start = self._out_ptr[junction[points]]
                count = self._out_ptr[junction[points] + 1] - start
                rows = np.repeat(points, count)
                within = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
                arcs = self._out_arcs[np.repeat(start, count) + within]
                parts.append((rows, arcs, m.arcs[arcs] + snap[rows]))
        extras = (
            np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]),
        )
        return heads, costs, extras

    def _heads_in(
        self, snapped: SnappedPoints, measure: Measure | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """States a backward search towards each point starts at, and the cost from them: (K, h)
        (in seconds, or in the given measure).

        Without turn costs: the two junctions of the point's chain. With them: every direction
        arriving at A that may turn into the chain (cost: the turn, then A to the point), the same
        at B; a point exactly at a junction is reached by every direction arriving there, with no turn.
        """
        m = measure or self.seconds
        seg = snapped.seg
        from_a, from_b = m.streets.entries(seg, snapped.frac)
        chain = self.seg_chain[seg]
        snap = m.snap(snapped)[:, None]
        if not self.turn_costs:
            heads = np.column_stack([self.chain_a[chain], self.chain_b[chain]])
            return heads, np.column_stack([from_a, from_b]) + snap
        parts_h, parts_c = [], []
        for state, partial in ((2 * chain, from_a), (2 * chain + 1, from_b)):
            arcs, turn = padded_rows(self._turn_ptr, (self.turn_from, m.turns), state, (0, np.inf))
            parts_h.append(arcs)
            parts_c.append(turn + partial[:, None])
        at_a, at_b = self._at_junctions(snapped)
        for at, junction in ((at_a, self.chain_a[chain]), (at_b, self.chain_b[chain])):
            if at.any():
                rows = np.where(at, junction, 0)
                zero = np.zeros(len(self._in_arcs))
                arcs, free = padded_rows(self._in_ptr, (self._in_arcs, zero), rows, (0, np.inf))
                parts_h.append(arcs)
                parts_c.append(np.where(at[:, None], free, np.inf))
        heads = np.column_stack(parts_h).astype(np.int64)
        costs = np.column_stack(parts_c) + snap
        return heads, costs

    # ----- from states to junctions ----------------------------------------------------------

    def arrival_times(self, state_times: np.ndarray) -> np.ndarray:
        """(K, node_count) earliest arrival at each junction, from forward-search state times."""
        if not self.turn_costs:
            return state_times
        times = np.atleast_2d(state_times)[:, self._in_arcs]
        out = np.minimum.reduceat(times, self._in_ptr[:-1], axis=1)
        return out if state_times.ndim == 2 else out[0]

    def start_times(self, state_times: np.ndarray) -> np.ndarray:
        """(K, node_count) time from each junction, starting there, from reverse-search state times.

        With turn costs a direction's state time counts from its end; starting at its start
        junction adds riding it, and no turn is paid there.
        """
        if not self.turn_costs:
            return state_times
        times = (np.atleast_2d(state_times) + self.arc_cost)[:, self._out_arcs]
        out = np.minimum.reduceat(times, self._out_ptr[:-1], axis=1)
        return out if state_times.ndim == 2 else out[0]

    def chain_entry_times(
        self,
        state_times: np.ndarray,
        origin: SnappedPoints | None = None,
        origin_s: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """From forward-search state times: when each chain can be entered at A (riding towards B)
        and at B (riding towards A). The origin's own chain is entered from the origin itself, which
        callers add; an origin exactly at a junction enters every chain leaving it at once, at
        origin_s (the seconds at each origin point; by default its walk to the street)."""
        if not self.turn_costs:
            return state_times[self.chain_a], state_times[self.chain_b]
        values = state_times[self.turn_from] + self.turn_cost
        has = np.diff(self._turn_ptr) > 0
        entry = np.full(self.state_count, np.inf)
        if len(values):
            entry[has] = np.minimum.reduceat(values, self._turn_ptr[:-1][has])
        if origin is not None:
            chain = self.seg_chain[origin.seg]
            at_a, at_b = self._at_junctions(origin)
            snap = self.snap_cost(origin) if origin_s is None else origin_s
            for at, junction in ((at_a, self.chain_a[chain]), (at_b, self.chain_b[chain])):
                for k in np.flatnonzero(at).tolist():
                    arcs = self._out_arcs[self._out_ptr[junction[k]] : self._out_ptr[junction[k] + 1]]
                    entry[arcs] = np.minimum(entry[arcs], snap[k])
        return entry[0::2], entry[1::2]

    # ----- reverse searches -----------------------------------------------------------------

    def reverse_search(
        self,
        heads: np.ndarray,
        costs: np.ndarray,
        limit: float,
        consume: Callable[[slice, np.ndarray], None],
        needed: list[np.ndarray] | None = None,
    ) -> None:
        """Bounded searches towards the given heads (see search.multi_source_search); each batch of
        times (K, state_count) goes to consume(batch_slice, times), complete for every state, or,
        with `needed`, for the states left out of the search listed there (positions in each
        group of _left_out, as _left_out_needed() gives them)."""
        heads, costs, _ = self._lift(heads, costs)
        which = needed if needed is not None else [np.arange(len(group[0])) for group in self._left_out]
        # The states to complete, where they lead and at what cost.
        steps = [
            (states[pick], np.ascontiguousarray(nxt[pick].T), np.ascontiguousarray(cost[pick].T))
            for (states, nxt, cost), pick in zip(self._left_out, which, strict=True)
            if len(pick)
        ]

        def complete(part: slice, times: np.ndarray) -> None:
            for states, nxt, cost in steps:
                best = times[:, states]
                for j in range(len(nxt)):
                    np.minimum(best, times[:, nxt[j]] + cost[j], out=best)
                best[best > limit] = np.inf
                times[:, states] = best
            consume(part, times)

        multi_source_search(self.csr_t, heads, costs, limit, workers=self.workers, consume=complete)

    def _lift(
        self, heads: np.ndarray, costs: np.ndarray, metres: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Reverse-search heads on contracted states also start at their single predecessor
        (riding the contracted direction first); `metres` of the heads follow along."""
        if not self.turn_costs:
            return heads, costs, metres
        on = self._contracted[heads] & np.isfinite(costs)
        if not on.any():
            return heads, costs, metres
        lifted = np.where(on, self._pred[heads], 0)
        lifted_costs = np.where(on, costs + self._pred_cost[heads], np.inf)
        if metres is not None:
            metres = np.column_stack([metres, metres + self.arc_len[heads]])
        return np.column_stack([heads, lifted]), np.column_stack([costs, lifted_costs]), metres

    def _left_out_needed(self, states: np.ndarray) -> list[np.ndarray]:
        """For each group of _left_out, the positions of the given states and of what they need."""
        closed_states, closed_next, _ = self._left_out[1]
        closed_pick = np.flatnonzero(np.isin(closed_states, states))
        # A closed direction's time comes from where it leads, which may be a contracted state.
        wanted = np.concatenate([states, closed_next[closed_pick].ravel()])
        return [np.flatnonzero(np.isin(self._left_out[0][0], wanted)), closed_pick]


def _no_metres(snapped: SnappedPoints) -> np.ndarray:
    """Metres from points to their streets that count in a trip's distance: none (the distance is
    along the streets; the walk to them counts in the time only)."""
    return np.zeros(len(snapped))
