"""One travel mode's street graph: snapping onto streets, bounded searches, tables, isochrones.

A ModeGraph is built in layers, each in its own module: layout.py builds the arrays (segments,
chains between junctions, the search graph), streets.py holds the segments and chains (costs along
them, snapping), states.py the search states (junctions, or with turn costs the directions of the
streets) and where searches start; this module runs the searches and answers the queries.

Graph nodes in the public API are the junctions (`node_lon`, `node_lat`, `node_count`); search
states are `state_count` junctions or directions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .arrays import join_equal
from .layout import ModeReport, build_mode_arrays
from .projection import LocalProjection
from .restrictions import TurnRestrictions
from .search import TIME_TOLERANCE_S, TableLengths, multi_source_search, search_table
from .settings import RoutingSettings
from .states import Measure, StateGraph
from .streets import Points, SnappedPoints

if TYPE_CHECKING:
    from .isochrone import Isochrone

# Every mode a Network builds.
NETWORK_MODES = ("walk", "bike", "car")
# The modes of proximity, in which places are searched "within 15 minutes" (the product's nearby
# search, its reach indexes and `vicinato import-osm` go through these); driving is built too and
# asked for by name: network.graph("car").
MODES = ("walk", "bike")

# trip_pairs() runs its searches in blocks of this many pairs (a block's table is this squared).
PAIR_BLOCK = 256


class ModeGraph(StateGraph):
    """The street graph of one travel mode, ready for snapping and bounded searches."""

    # Tables (table(), trip_table(), trip_pairs()) end each search once the states their cells read
    # are final (search.search_table's stop_early): the same cells, bit for bit, as searching the
    # whole graph, which True restores (the reference the tests compare them with).
    search_whole: bool = False

    @classmethod
    def from_segments(
        cls,
        mode: str,
        node_lon: np.ndarray,
        node_lat: np.ndarray,
        seg_u: np.ndarray,
        seg_v: np.ndarray,
        seg_len_m: np.ndarray,
        seg_wf: np.ndarray,
        seg_wb: np.ndarray,
        signal_fwd: np.ndarray | None = None,
        signal_bwd: np.ndarray | None = None,
        *,
        roundabout: np.ndarray | None = None,
        restrictions: TurnRestrictions | None = None,
        settings: RoutingSettings | None = None,
        projection: LocalProjection | None = None,
        fingerprint: str = "",
        workers: int | None = None,
    ) -> tuple[ModeGraph, ModeReport]:
        """Build a graph from directed segment costs (seconds, inf where a direction is closed).

        signal_fwd/signal_bwd: whether riding each segment forwards/backwards arrives at a traffic
        signal (none by default); the settings price them. Keeps only the largest strongly
        connected component and reports what was dropped. Turn costs come from the settings
        (cycling and driving); roundabout and restrictions (driving) are as build_mode_arrays takes them.
        """
        settings = settings or RoutingSettings()
        arrays, report = build_mode_arrays(
            mode,
            node_lon,
            node_lat,
            seg_u,
            seg_v,
            seg_len_m,
            seg_wf,
            seg_wb,
            signal_fwd,
            signal_bwd,
            settings,
            roundabout=roundabout,
            restrictions=restrictions,
        )
        if projection is None:
            projection = LocalProjection(
                float((arrays["node_lat"].min() + arrays["node_lat"].max()) / 2),
                float((arrays["node_lon"].min() + arrays["node_lon"].max()) / 2),
            )
        return cls(mode, arrays, projection, settings, fingerprint, workers), report

    # ----- searches --------------------------------------------------------------------------

    def state_times_from(self, snapped: SnappedPoints, cutoff_s: float) -> np.ndarray:
        """(K, state_count) forward-search times from each snapped point, inf beyond the cutoff."""
        heads, costs = self._heads_out(snapped)
        out = multi_source_search(self.csr, heads, costs, cutoff_s + TIME_TOLERANCE_S, workers=self.workers)
        assert out is not None
        return out

    def state_times_to(self, snapped: SnappedPoints, cutoff_s: float) -> np.ndarray:
        """(K, state_count) reverse-search times towards each snapped point, inf beyond the cutoff."""
        heads, costs = self._heads_in(snapped)
        out = np.empty((len(heads), self.state_count))

        def keep(part: slice, times: np.ndarray) -> None:
            out[part] = times

        self.reverse_search(heads, costs, cutoff_s + TIME_TOLERANCE_S, keep)
        return out

    def node_times_from(self, snapped: SnappedPoints, cutoff_s: float) -> np.ndarray:
        """(K, node_count) times from each snapped point to every junction, inf beyond the cutoff."""
        return self.arrival_times(self.state_times_from(snapped, cutoff_s))

    def node_times_to(self, snapped: SnappedPoints, cutoff_s: float) -> np.ndarray:
        """(K, node_count) times from every junction to each snapped point (reverse searches)."""
        times = self.start_times(self.state_times_to(snapped, cutoff_s))
        if self.turn_costs:
            # From the ends of the point's own street, straight along it.
            from_a, from_b = self.entries(snapped.seg, snapped.frac)
            chain = self.seg_chain[snapped.seg]
            snap = self.snap_cost(snapped)
            rows = np.arange(len(chain))
            for junction, partial in ((self.chain_a[chain], from_a), (self.chain_b[chain], from_b)):
                times[rows, junction] = np.minimum(times[rows, junction], partial + snap)
            times[times > cutoff_s + TIME_TOLERANCE_S] = np.inf
        return times

    def times_from(self, lat: float, lon: float, cutoff_s: float) -> TravelTimes:
        """One-to-many: times from a point to every state (and junction) within the cutoff."""
        origin = self.snap_many([(lat, lon)])
        return TravelTimes(self, origin, self.state_times_from(origin, cutoff_s)[0], cutoff_s)

    def table(
        self,
        origins: Points,
        destinations: Points,
        cutoff_s: float,
        *,
        strict: bool = True,
        dtype: type[np.floating] | np.dtype = np.float64,
    ) -> np.ndarray:
        """Many-to-many travel times in seconds, shape (origins, destinations), inf where unreachable.

        Runs min(len(origins), len(destinations)) bounded searches: backwards from each destination
        (on the transposed graph) and then one lookup per origin, or forwards when there are fewer
        origins. With strict=False, points too far from any street give inf instead of raising.
        The result may be a transposed (Fortran-ordered) view.
        """
        o = self.snap_many(origins, strict=strict)
        d = self.snap_many(destinations, strict=strict)
        return self.table_snapped(o, d, cutoff_s, dtype=dtype)

    def table_snapped(
        self,
        o: SnappedPoints,
        d: SnappedPoints,
        cutoff_s: float,
        *,
        dtype: type[np.floating] | np.dtype = np.float64,
    ) -> np.ndarray:
        """table() for points already snapped with snap_many()."""
        return self._table(o, d, cutoff_s, dtype, with_metres=False)[0]

    def trip_table(
        self, origins: Points, destinations: Points, cutoff_s: float = math.inf, *, strict: bool = True
    ) -> Trips:
        """Seconds and metres of the fastest trip from every origin to every destination.

        `metres` is the length along the streets of the route that gives `seconds` (the fastest,
        not the shortest; the walk from each point to its street counts in the time only). Both
        are (origins, destinations) arrays, inf where unreachable or over the cutoff; the same
        searches as table() (compiled, spread over graph.workers threads), carrying the length
        of each path along. strict=False gives inf for points too far from any street.
        """
        o = self.snap_many(origins, strict=strict)
        d = self.snap_many(destinations, strict=strict)
        seconds, metres = self._table(o, d, cutoff_s, np.float64, with_metres=True)
        assert metres is not None
        return Trips(seconds, metres)

    def trip_pairs(
        self, origins: Points, destinations: Points, cutoff_s: float = math.inf, *, strict: bool = True
    ) -> Trips:
        """Seconds and metres of the fastest trip from origins[i] to destinations[i], for each i.

        As trip_table(), pair by pair: one search per pair, in blocks of PAIR_BLOCK pairs (each
        block a small trip table whose diagonal is kept), so memory stays small however many
        pairs there are (a commute and a trip to a desk per booking, say).
        """
        o = self.snap_many(origins, strict=strict)
        d = self.snap_many(destinations, strict=strict)
        if len(o) != len(d):
            raise ValueError(
                f"Give as many destinations as origins ({len(d)} destinations for {len(o)} origins): "
                "trip i goes from origins[i] to destinations[i]."
            )
        seconds, metres = np.empty(len(o)), np.empty(len(o))
        for start in range(0, len(o), PAIR_BLOCK):
            block = slice(start, min(start + PAIR_BLOCK, len(o)))
            times, lengths = self._table(o.take(block), d.take(block), cutoff_s, np.float64, with_metres=True)
            assert lengths is not None
            seconds[block], metres[block] = np.diagonal(times), np.diagonal(lengths)
        return Trips(seconds, metres)

    def trip(
        self, origin: tuple[float, float], destination: tuple[float, float], cutoff_s: float = math.inf
    ) -> Trip:
        """The fastest trip from one (lat, lon) to another: seconds and metres (inf if unreachable)."""
        table = self.trip_table([origin], [destination], cutoff_s)
        return Trip(float(table.seconds[0, 0]), float(table.metres[0, 0]))

    def _table(
        self,
        o: SnappedPoints,
        d: SnappedPoints,
        cutoff_s: float,
        dtype: type[np.floating] | np.dtype,
        *,
        with_metres: bool,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """(seconds, metres or None): the tables of table() and trip_table()."""
        if len(o) == 0 or len(d) == 0:
            empty = np.full((len(o), len(d)), np.inf, dtype=dtype)
            return empty, (empty.astype(np.float64) if with_metres else None)
        limit = cutoff_s + TIME_TOLERANCE_S
        reverse = len(d) <= len(o)
        read_extras = extras_m = heads_m = read_m = None
        if reverse:
            # Backwards from each destination, then each origin reads the states it starts at.
            heads, costs = self._heads_in(d)
            read_heads, read_costs, read_extras = self._leaving(o)
            if with_metres:
                heads_m = self._heads_in(d, self.metres)[1]
                _, read_m, (_, _, extras_m) = self._leaving(o, self.metres)
        else:
            heads, costs = self._heads_out(o)
            read_heads, read_costs = self._heads_in(d)
            if with_metres:
                heads_m, read_m = self._heads_out(o, self.metres)[1], self._heads_in(d, self.metres)[1]
        left_out: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        left_out_m: list[np.ndarray] = []
        if reverse and self.turn_costs:
            # Only the states left out of the search that some origin starts on get their times.
            assert read_extras is not None
            read = [read_heads[np.isfinite(read_costs)], read_extras[1][np.isfinite(read_extras[2])]]
            needed = self._left_out_needed(np.unique(np.concatenate(read)))
            heads, costs, lifted_m = self._lift(heads, costs, heads_m)
            left_out = [
                (states[pick], nxt[pick], cost[pick])
                for (states, nxt, cost), pick in zip(self._left_out, needed, strict=True)
            ]
            left_out_m = [length[pick] for length, pick in zip(self._left_out_len, needed, strict=True)]
            heads_m = lifted_m
        lengths = metres = None
        if heads_m is not None and read_m is not None:
            lengths = TableLengths(
                arcs=self.csr_t_len if reverse else self.csr_len,
                heads=heads_m,
                reads=read_m,
                extras=extras_m,
                left_out=left_out_m,
            )
            metres = np.empty((len(heads), len(read_heads)))
        table = search_table(
            self.csr_t if reverse else self.csr,
            heads,
            costs,
            limit,
            read_heads,
            read_costs,
            read_extras=read_extras,
            dtype=dtype,
            left_out=left_out,
            workers=self.workers,
            lengths=lengths,
            metres_out=metres,
            stop_early=not self.search_whole,
        )
        result = table.T if reverse else table
        result_m = None if metres is None else (metres.T if reverse else metres)
        self._apply_direct(o, d, result, limit, result_m)
        for cells in (result, result_m):
            if cells is not None:
                cells[~o.ok, :] = np.inf
                cells[:, ~d.ok] = np.inf
        return result, result_m

    def direct_trips(
        self, o: SnappedPoints, d: SnappedPoints, measure: Measure | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(origin index, destination index, seconds) of the trips that need no search: straight
        along a chain both points lie on, and, with turn costs, from an origin exactly at a
        junction onto any street that starts there (it leaves without a turn). With a measure
        (self.metres), the same trips in that measure."""
        m = measure or self.seconds
        o_chain = self.seg_chain[o.seg]
        d_chain = self.seg_chain[d.seg]
        oi, di = join_equal(o_chain, d_chain)
        cost = m.streets.along(o.seg[oi], o.frac[oi], d.seg[di], d.frac[di])
        if self.turn_costs:
            at_a, at_b = self._at_junctions(o)
            at = np.flatnonzero(at_a | at_b)
            if len(at):
                junction = np.where(at_a[at], self.chain_a[o_chain[at]], self.chain_b[o_chain[at]])
                from_a, from_b = m.streets.entries(d.seg, d.frac)
                ends = np.concatenate([self.chain_a[d_chain], self.chain_b[d_chain]])
                li, ri = join_equal(junction, ends)
                oi = np.concatenate([oi, at[li]])
                di = np.concatenate([di, ri % len(d)])
                cost = np.concatenate([cost, np.concatenate([from_a, from_b])[ri]])
        cost = cost + m.snap(o)[oi] + m.snap(d)[di]
        return oi, di, cost

    def _apply_direct(
        self, o: SnappedPoints, d: SnappedPoints, result: np.ndarray, limit: float, metres: np.ndarray | None
    ) -> None:
        """Lower table cells where a trip needs no search (see direct_trips), and give those
        cells the metres of that trip."""
        oi, di, direct = self.direct_trips(o, d)
        if len(oi) == 0:
            return
        direct[direct > limit] = np.inf
        if metres is None:
            np.minimum.at(result, (oi, di), direct.astype(result.dtype))
            return
        direct_m = self.direct_trips(o, d, self.metres)[2]
        # The fastest direct trip of each pair, where it is faster than the searches' answer.
        order = np.lexsort((direct, di, oi))
        first = np.ones(len(order), dtype=bool)
        first[1:] = (oi[order][1:] != oi[order][:-1]) | (di[order][1:] != di[order][:-1])
        pick = order[first]
        oi, di, direct, direct_m = oi[pick], di[pick], direct[pick].astype(result.dtype), direct_m[pick]
        better = direct < result[oi, di]
        result[oi[better], di[better]] = direct[better]
        metres[oi[better], di[better]] = direct_m[better]

    def travel_time(
        self, origin: tuple[float, float], destination: tuple[float, float], cutoff_s: float = math.inf
    ) -> float:
        """Seconds from one (lat, lon) to another, inf if over the cutoff."""
        return float(self.table([origin], [destination], cutoff_s)[0, 0])

    def isochrone(self, lat: float, lon: float, time_s: float, **options: float) -> Isochrone:
        """The area reachable from a point within time_s; see isochrone.isochrone for the options."""
        from .isochrone import isochrone

        return isochrone(self, lat, lon, time_s, **options)


@dataclass(frozen=True)
class Trip:
    """The fastest trip between two points: its time and the length of its route."""

    seconds: float
    metres: float


@dataclass(frozen=True)
class Trips:
    """Fastest trips: their seconds and the metres of their routes, arrays of the same shape
    ((origins, destinations) from trip_table(), one per pair from trip_pairs()), inf where
    unreachable."""

    seconds: np.ndarray
    metres: np.ndarray


@dataclass
class TravelTimes:
    """Times from one origin: to every search state (state_times) and, on demand, to any point."""

    graph: ModeGraph
    origin: SnappedPoints
    state_times: np.ndarray
    cutoff_s: float

    @property
    def node_times(self) -> np.ndarray:
        """Earliest arrival at every junction."""
        return self.graph.arrival_times(self.state_times)

    def to(self, points: Points, *, strict: bool = True) -> np.ndarray:
        """Seconds from the origin to each (lat, lon), inf beyond the cutoff."""
        g = self.graph
        d = g.snap_many(points, strict=strict)
        if len(d) == 0:
            return np.empty(0)
        heads, costs = g._heads_in(d)
        times = np.min(self.state_times[heads] + costs, axis=1)
        _, di, direct = g.direct_trips(self.origin, d)
        np.minimum.at(times, di, direct)
        times[~(times <= self.cutoff_s + TIME_TOLERANCE_S)] = np.inf
        times[~d.ok] = np.inf
        return times

    def reachable_nodes(self, within_s: float | None = None) -> np.ndarray:
        """Indices of the junctions reached within the given time (default: the cutoff)."""
        limit = (self.cutoff_s if within_s is None else within_s) + TIME_TOLERANCE_S
        return np.flatnonzero(self.node_times <= limit)
