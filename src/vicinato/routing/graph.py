"""One travel mode's street graph: junction-level CSR, snapping onto streets, bounded searches, tables.

How a graph is laid out. OSM ways are cut into *segments* between consecutive OSM nodes (the full
geometry, kept for snapping and isochrones). Segments that meet at nodes touching exactly two
segments form *chains* (a street between two crossings); the searches run on the much smaller graph
of *junctions* (chain ends), with one edge per chain and direction. In Milan this removes about
70% of the nodes, which is what makes 300 bounded searches fit in a second. A point is snapped onto
the nearest segment (the projection of the point on it, not the nearest node); it leaves towards
both ends of its chain with the partial costs along the chain (respecting one-way segments), and
the walk from the point to the street is added at walking speed. Two points on the same chain can
also go straight along it without touching a junction; every query accounts for that.

Turn costs. When the settings give turns a cost (cycling, by default), the time of leaving a
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

Graph nodes in the public API are the junctions (`node_lon`, `node_lat`, `node_count`); search
states are `state_count` junctions or directions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from .errors import PointTooFarError
from .projection import LocalProjection
from .search import (
    TIME_TOLERANCE_S,
    build_csr,
    default_workers,
    kernels,
    multi_source_search,
    search_table,
    transpose_csr,
)
from .settings import RoutingSettings
from .turns import chain_bearings, turn_list

if TYPE_CHECKING:
    from .isochrone import Isochrone

MODES = ("walk", "bike")

# Snapping samples each segment every SAMPLE_SPACING_M metres and checks the exact distance to the
# segments of the SNAP_CANDIDATES nearest samples: the chosen segment is at most half the spacing
# (10 m) farther than the true nearest one in the worst case, and is the true nearest in practice.
SAMPLE_SPACING_M = 20.0
SNAP_CANDIDATES = 8

# With turn costs, a point this close to a junction is at the junction: it arrives or leaves in
# any direction without a turn.
AT_JUNCTION_M = 0.1

# Arrays stored on disk for one mode (everything else is derived on load in milliseconds).
STORED_ARRAYS = (
    "node_lon",
    "node_lat",
    "seg_u",
    "seg_v",
    "seg_len_m",
    "seg_wf",
    "seg_wb",
    "seg_pf",
    "seg_pb",
    "chain_first",
    "chain_a",
    "chain_b",
    "junction_node",
    "csr_indptr",
    "csr_indices",
    "csr_data",
    "turn_from",
    "turn_to",
    "turn_cost",
)

Points = Sequence[tuple[float, float]] | np.ndarray
# Sparse extra entries of a table's readers: (reader, state, cost) arrays.
Extras = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass
class ModeReport:
    """What building one mode's graph kept and dropped."""

    mode: str
    nodes_before: int
    segments_before: int
    components: int
    nodes_kept: int
    segments_kept: int
    nodes_dropped: int
    segments_dropped: int
    junctions: int
    chains: int
    edges: int
    length_km: float
    # States the searches run on: the junctions, or with turn costs the chains' two directions;
    # `edges` are then the allowed turns.
    turn_costs: bool = False
    states: int = 0
    traffic_signals: int = 0

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Snap:
    """One point snapped onto the street network."""

    lat: float
    lon: float
    snapped_lat: float
    snapped_lon: float
    distance_m: float
    segment: int
    fraction: float


@dataclass(frozen=True)
class SnappedPoints:
    """Many points snapped at once; `ok` is False where a point is beyond the snapping limit."""

    lat: np.ndarray
    lon: np.ndarray
    seg: np.ndarray
    frac: np.ndarray
    dist_m: np.ndarray
    ok: np.ndarray

    def __len__(self) -> int:
        return len(self.seg)


def as_lat_lon(points: Points | Iterable[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Split (lat, lon) pairs into two float arrays."""
    arr = np.asarray(points if isinstance(points, np.ndarray) else list(points), dtype=np.float64)
    if arr.size == 0:
        return np.empty(0), np.empty(0)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError("Points must be (lat, lon) pairs, for example [(45.4642, 9.19)].")
    return arr[:, 0].copy(), arr[:, 1].copy()


def _part(fraction: np.ndarray, cost: np.ndarray, penalty: np.ndarray | float = 0.0) -> np.ndarray:
    """fraction × cost, with 0 × inf = 0 (standing at a segment end costs nothing, even if one-way).

    `penalty` is the part of the cost paid on arriving at the segment's far end (a traffic signal):
    it is left out of the share, and paid in full by the callers whose stretch reaches that end.
    """
    with np.errstate(invalid="ignore"):
        return np.where(fraction <= 0, 0.0, fraction * (cost - penalty))


def _through(fraction: np.ndarray, cost: np.ndarray, penalty: np.ndarray) -> np.ndarray:
    """The last `fraction` of a segment up to and including its far end (and the signal there)."""
    with np.errstate(invalid="ignore"):
        return np.where(fraction <= 0, 0.0, fraction * (cost - penalty) + penalty)


def _padded_rows(
    ptr: np.ndarray, values: tuple[np.ndarray, ...], rows: np.ndarray, fill: tuple[float, ...]
) -> tuple[np.ndarray, ...]:
    """For each row id, the entries of that CSR row side by side, padded to the longest with `fill`."""
    start = ptr[rows]
    count = ptr[rows + 1] - start
    width = int(count.max()) if len(rows) else 0
    pos = start[:, None] + np.arange(width)[None, :]
    inside = np.arange(width)[None, :] < count[:, None]
    pos = np.where(inside, pos, 0)
    return tuple(np.where(inside, v[pos] if len(v) else f, f) for v, f in zip(values, fill, strict=True))


class ModeGraph:
    """The street graph of one travel mode, ready for snapping and bounded searches."""

    def __init__(
        self,
        mode: str,
        arrays: dict[str, np.ndarray],
        projection: LocalProjection,
        settings: RoutingSettings,
        fingerprint: str = "",
        workers: int | None = None,
    ) -> None:
        self.mode = mode
        self.settings = settings
        self.projection = projection
        self.fingerprint = fingerprint
        self.workers = workers if workers is not None else default_workers()
        self.arrays = {name: arrays[name] for name in STORED_ARRAYS}
        a = self.arrays
        self._node_lon = a["node_lon"]
        self._node_lat = a["node_lat"]
        self.seg_u = a["seg_u"]
        self.seg_v = a["seg_v"]
        self.seg_len_m = a["seg_len_m"]
        self.seg_wf = a["seg_wf"]
        self.seg_wb = a["seg_wb"]
        self.chain_first = a["chain_first"]
        self.chain_a = a["chain_a"]
        self.chain_b = a["chain_b"]
        self.junction_node = a["junction_node"]
        self.seg_pf = a["seg_pf"]
        self.seg_pb = a["seg_pb"]
        self.turn_from = a["turn_from"]
        self.turn_to = a["turn_to"]
        self.turn_cost = a["turn_cost"]
        self.turn_costs = len(self.turn_to) > 0
        chain_len = np.diff(self.chain_first)
        self.seg_chain = np.repeat(np.arange(len(chain_len)), chain_len)
        self.seg_first = self.chain_first[:-1][self.seg_chain]
        self.seg_end = self.chain_first[1:][self.seg_chain]
        # Exclusive prefix sums over all segments (chains are contiguous), split into the finite
        # part and a count of forbidden (inf) segments, so that sums over any run of segments of a
        # chain are two subtractions and stay exact when a segment is one-way.
        self._pf, self._cf = self._prefix(self.seg_wf)
        self._pb, self._cb = self._prefix(self.seg_wb)
        junctions = len(self.junction_node)
        chains = len(self.chain_a)
        # Directions (arcs): 2c rides chain c from A to B, 2c+1 from B to A.
        self.arc_tail = np.empty(2 * chains, dtype=np.int64)
        self.arc_head = np.empty(2 * chains, dtype=np.int64)
        self.arc_tail[0::2], self.arc_tail[1::2] = self.chain_a, self.chain_b
        self.arc_head[0::2], self.arc_head[1::2] = self.chain_b, self.chain_a
        self.arc_cost = np.empty(2 * chains)
        self.arc_cost[0::2] = self._range_f(self.chain_first[:-1], self.chain_first[1:])
        self.arc_cost[1::2] = self._range_b(self.chain_first[:-1], self.chain_first[1:])
        self._out_ptr, self._out_arcs = _group(self.arc_tail, junctions)
        self._in_ptr, self._in_arcs = _group(self.arc_head, junctions)
        # The turn list is sorted by the direction turned into: each state's incoming turns.
        self._turn_ptr = np.zeros(2 * chains + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.turn_to, minlength=2 * chains), out=self._turn_ptr[1:])
        n = 2 * chains if self.turn_costs else junctions
        self.csr = sp.csr_matrix((a["csr_data"], a["csr_indices"], a["csr_indptr"]), shape=(n, n))
        self._left_out: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.csr_t = self._reverse_turn_graph() if self.turn_costs else transpose_csr(self.csr)
        self.walk_mps = settings.walk_speed_kmh / 3.6
        self._tree: cKDTree | None = None
        self._sample_seg: np.ndarray | None = None
        self._seg_xy: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    # ----- building -------------------------------------------------------------------------

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
        settings: RoutingSettings | None = None,
        projection: LocalProjection | None = None,
        fingerprint: str = "",
        workers: int | None = None,
    ) -> tuple[ModeGraph, ModeReport]:
        """Build a graph from directed segment costs (seconds, inf where a direction is closed).

        signal_fwd/signal_bwd: whether riding each segment forwards/backwards arrives at a traffic
        signal (none by default); the settings price them. Keeps only the largest strongly
        connected component and reports what was dropped. Turn costs come from the settings
        (cycling only).
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
        )
        if projection is None:
            projection = LocalProjection(
                float((arrays["node_lat"].min() + arrays["node_lat"].max()) / 2),
                float((arrays["node_lon"].min() + arrays["node_lon"].max()) / 2),
            )
        return cls(mode, arrays, projection, settings, fingerprint, workers), report

    def _reverse_turn_graph(self) -> sp.csr_matrix:
        """The graph reverse searches run on, over directions, with two kinds of states left out.

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
        # Where each left-out state leads (its forward edges), padded: contracted ones, then closed.
        groups = []
        for states in (np.flatnonzero(chosen), np.flatnonzero(~np.isfinite(self.arc_cost))):
            nxt, cost = _padded_rows(self.csr.indptr, (self.csr.indices, self.csr.data), states, (0, np.inf))
            groups.append((states, nxt, cost))
        self._left_out = groups
        return build_csr(n, rows, cols, costs)

    @staticmethod
    def _prefix(costs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        finite = np.isfinite(costs)
        sums = np.zeros(len(costs) + 1)
        np.cumsum(np.where(finite, costs, 0.0), out=sums[1:])
        counts = np.zeros(len(costs) + 1, dtype=np.int64)
        np.cumsum(~finite, out=counts[1:])
        return sums, counts

    # ----- sizes and coordinates ------------------------------------------------------------

    @property
    def node_count(self) -> int:
        """Number of graph nodes (junctions) searches run on."""
        return len(self.junction_node)

    @property
    def state_count(self) -> int:
        """Number of search states: junctions, or with turn costs the chains' two directions."""
        return int(self.csr.shape[0])

    @property
    def edge_count(self) -> int:
        """Edges of the search graph: streets between junctions, or with turn costs the allowed turns."""
        return int(self.csr.nnz)

    @property
    def segment_count(self) -> int:
        return len(self.seg_u)

    @property
    def node_lon(self) -> np.ndarray:
        return self._node_lon[self.junction_node]

    @property
    def node_lat(self) -> np.ndarray:
        return self._node_lat[self.junction_node]

    @property
    def shape_lon(self) -> np.ndarray:
        """Longitudes of every OSM node of the graph (junctions and shape points)."""
        return self._node_lon

    @property
    def shape_lat(self) -> np.ndarray:
        return self._node_lat

    def sizes(self) -> dict[str, int]:
        return {
            "nodes": self.node_count,
            "states": self.state_count,
            "edges": self.edge_count,
            "segments": self.segment_count,
            "shape_nodes": len(self._node_lon),
        }

    # ----- chain bookkeeping -----------------------------------------------------------------

    def _range_f(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Forward cost over segments [lo, hi) of one chain (inf if one of them is closed)."""
        return np.where(self._cf[hi] > self._cf[lo], np.inf, self._pf[hi] - self._pf[lo])

    def _range_b(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return np.where(self._cb[hi] > self._cb[lo], np.inf, self._pb[hi] - self._pb[lo])

    def exits(self, seg: np.ndarray, frac: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Costs from points on segments to their chain's start junction (A) and end junction (B)."""
        to_a = _through(frac, self.seg_wb[seg], self.seg_pb[seg]) + self._range_b(self.seg_first[seg], seg)
        to_b = _through(1.0 - frac, self.seg_wf[seg], self.seg_pf[seg]) + self._range_f(
            seg + 1, self.seg_end[seg]
        )
        return to_a, to_b

    def entries(self, seg: np.ndarray, frac: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Costs from a chain's start junction (A) and end junction (B) to points on its segments."""
        from_a = self._range_f(self.seg_first[seg], seg) + _part(frac, self.seg_wf[seg], self.seg_pf[seg])
        from_b = self._range_b(seg + 1, self.seg_end[seg]) + _part(
            1.0 - frac, self.seg_wb[seg], self.seg_pb[seg]
        )
        return from_a, from_b

    def along_chain(
        self, seg1: np.ndarray, frac1: np.ndarray, seg2: np.ndarray, frac2: np.ndarray
    ) -> np.ndarray:
        """Cost of going straight along a chain between two points of that same chain."""
        seg1 = np.asarray(seg1)
        seg2 = np.asarray(seg2)
        same = seg1 == seg2
        forward = (seg1 < seg2) | (same & (frac1 <= frac2))
        wf1, wb1, pf1, pb1 = self.seg_wf[seg1], self.seg_wb[seg1], self.seg_pf[seg1], self.seg_pb[seg1]
        lo_f = np.minimum(seg1 + 1, seg2)
        fwd = np.where(
            same,
            _part(frac2 - frac1, wf1, pf1),
            _through(1.0 - frac1, wf1, pf1)
            + self._range_f(lo_f, np.maximum(seg2, lo_f))
            + _part(frac2, self.seg_wf[seg2], self.seg_pf[seg2]),
        )
        lo_b = np.minimum(seg2 + 1, seg1)
        bwd = np.where(
            same,
            _part(frac1 - frac2, wb1, pb1),
            _through(frac1, wb1, pb1)
            + self._range_b(lo_b, np.maximum(seg1, lo_b))
            + _part(1.0 - frac2, self.seg_wb[seg2], self.seg_pb[seg2]),
        )
        return np.where(forward, fwd, bwd)

    # ----- snapping --------------------------------------------------------------------------

    def _snap_index(self) -> cKDTree:
        if self._tree is None:
            x, y = self.projection.to_xy(self._node_lon, self._node_lat)
            xu, yu, xv, yv = x[self.seg_u], y[self.seg_u], x[self.seg_v], y[self.seg_v]
            self._seg_xy = (xu, yu, xv - xu, yv - yu)
            length = np.hypot(xv - xu, yv - yu)
            per_seg = np.maximum(1, np.ceil(length / SAMPLE_SPACING_M).astype(np.int64))
            sample_seg = np.repeat(np.arange(len(length)), per_seg)
            starts = np.cumsum(per_seg) - per_seg
            t = (np.arange(len(sample_seg)) - starts[sample_seg] + 0.5) / per_seg[sample_seg]
            sx = xu[sample_seg] + t * (xv - xu)[sample_seg]
            sy = yu[sample_seg] + t * (yv - yu)[sample_seg]
            self._sample_seg = sample_seg
            # An unbalanced tree builds faster and answers as fast for points spread like streets.
            self._tree = cKDTree(np.column_stack([sx, sy]), balanced_tree=False)
        return self._tree

    def snap_many(self, points: Points, *, strict: bool = True) -> SnappedPoints:
        """Snap (lat, lon) points onto the nearest street segments of this mode.

        With strict=True a point beyond settings.max_snap_m raises PointTooFarError; otherwise it
        is marked ok=False and every query treats it as unreachable.
        """
        lat, lon = as_lat_lon(points)
        if len(lat) == 0:
            empty = np.empty(0)
            return SnappedPoints(
                empty, empty, np.empty(0, dtype=np.int64), empty, empty, np.empty(0, dtype=bool)
            )
        if not (np.all(np.isfinite(lat)) and np.all(np.isfinite(lon))):
            raise ValueError(
                "Points must have finite latitude and longitude; drop the ones without coordinates."
            )
        tree = self._snap_index()
        assert self._seg_xy is not None and self._sample_seg is not None
        x, y = self.projection.to_xy(lon, lat)
        k = min(SNAP_CANDIDATES, tree.n)
        # Querying in spatial order (250 m cells) keeps the tree's nodes in cache: 3-4x faster for
        # large batches of scattered points.
        order = np.lexsort((np.floor(y / 250.0), np.floor(x / 250.0)))
        _, neighbours = tree.query(np.column_stack([x[order], y[order]]), k=k, workers=self.workers)
        # The nearest of each point's candidate segments (the perpendicular foot on each, compiled).
        seg = np.empty(len(x), dtype=np.int64)
        frac = np.empty(len(x))
        dist_m = np.empty(len(x))
        kernels().nearest_segments(
            np.ascontiguousarray(x, dtype=np.float64),
            np.ascontiguousarray(y, dtype=np.float64),
            order,
            np.asarray(neighbours, dtype=np.int64).reshape(len(x), k),
            self._sample_seg,
            *self._seg_xy,
            seg,
            frac,
            dist_m,
        )
        ok = dist_m <= self.settings.max_snap_m
        if strict and not ok.all():
            bad = int(np.flatnonzero(~ok)[0])
            raise PointTooFarError(
                float(lat[bad]), float(lon[bad]), float(dist_m[bad]), self.settings.max_snap_m, self.mode
            )
        return SnappedPoints(lat, lon, seg, frac, dist_m, ok)

    def snap(self, lat: float, lon: float) -> Snap:
        """Snap one point onto the nearest street; PointTooFarError if it is too far from any."""
        s = self.snap_many([(lat, lon)])
        seg, frac = int(s.seg[0]), float(s.frac[0])
        u, v = self.seg_u[seg], self.seg_v[seg]
        return Snap(
            lat=lat,
            lon=lon,
            snapped_lat=float(self._node_lat[u] + frac * (self._node_lat[v] - self._node_lat[u])),
            snapped_lon=float(self._node_lon[u] + frac * (self._node_lon[v] - self._node_lon[u])),
            distance_m=float(s.dist_m[0]),
            segment=seg,
            fraction=frac,
        )

    def snap_cost(self, snapped: SnappedPoints) -> np.ndarray:
        """Seconds to walk from each point to the street (inf for points beyond the limit)."""
        return np.where(snapped.ok, snapped.dist_m / self.walk_mps, np.inf)

    def _at_junctions(self, snapped: SnappedPoints) -> tuple[np.ndarray, np.ndarray]:
        """Which points lie on their chain's start junction (A) and end junction (B), give or take
        AT_JUNCTION_M (a point mapped on a crossing node snaps there up to rounding)."""
        seg, frac = snapped.seg, snapped.frac
        length = self.seg_len_m[seg]
        at_a = (seg == self.seg_first[seg]) & (frac * length <= AT_JUNCTION_M)
        at_b = (seg == self.seg_end[seg] - 1) & ((1.0 - frac) * length <= AT_JUNCTION_M)
        return at_a, at_b

    def _heads_out(self, snapped: SnappedPoints) -> tuple[np.ndarray, np.ndarray]:
        """States a search from each point starts at, and the cost to reach them: (K, h) arrays.

        Without turn costs: the two junctions of the point's chain. With them: the point's chain
        ridden towards B (state 2c) and towards A (2c+1); a point exactly at a junction also leaves
        by every direction out of it, with no turn.
        """
        seg = snapped.seg
        to_a, to_b = self.exits(seg, snapped.frac)
        chain = self.seg_chain[seg]
        snap = self.snap_cost(snapped)[:, None]
        if not self.turn_costs:
            heads = np.column_stack([self.chain_a[chain], self.chain_b[chain]])
            return heads, np.column_stack([to_a, to_b]) + snap
        heads = np.column_stack([2 * chain, 2 * chain + 1])
        costs = np.column_stack([to_b, to_a])
        at_a, at_b = self._at_junctions(snapped)
        for at, junction in ((at_a, self.chain_a[chain]), (at_b, self.chain_b[chain])):
            if at.any():
                rows = np.where(at, junction, 0)
                arcs, arc_costs = _padded_rows(
                    self._out_ptr, (self._out_arcs, self.arc_cost[self._out_arcs]), rows, (0, np.inf)
                )
                heads = np.column_stack([heads, arcs])
                costs = np.column_stack([costs, np.where(at[:, None], arc_costs, np.inf)])
        return heads, costs + snap

    def _leaving(self, snapped: SnappedPoints) -> tuple[np.ndarray, np.ndarray, Extras]:
        """_heads_out() as tables read it: the point's two states, (K, 2) heads and costs, and
        sparsely the extra ones of points exactly at a junction, as (point, state, cost) arrays
        (the same states and costs, without a padded column per possible direction)."""
        seg = snapped.seg
        to_a, to_b = self.exits(seg, snapped.frac)
        chain = self.seg_chain[seg]
        snap = self.snap_cost(snapped)
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
                parts.append((rows, arcs, self.arc_cost[arcs] + snap[rows]))
        extras = (
            np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]),
        )
        return heads, costs, extras

    def _heads_in(self, snapped: SnappedPoints) -> tuple[np.ndarray, np.ndarray]:
        """States a backward search towards each point starts at, and the cost from them: (K, h).

        Without turn costs: the two junctions of the point's chain. With them: every direction
        arriving at A that may turn into the chain (cost: the turn, then A to the point), the same
        at B; a point exactly at a junction is reached by every direction arriving there, with no turn.
        """
        seg = snapped.seg
        from_a, from_b = self.entries(seg, snapped.frac)
        chain = self.seg_chain[seg]
        snap = self.snap_cost(snapped)[:, None]
        if not self.turn_costs:
            heads = np.column_stack([self.chain_a[chain], self.chain_b[chain]])
            return heads, np.column_stack([from_a, from_b]) + snap
        parts_h, parts_c = [], []
        for state, partial in ((2 * chain, from_a), (2 * chain + 1, from_b)):
            arcs, turn = _padded_rows(self._turn_ptr, (self.turn_from, self.turn_cost), state, (0, np.inf))
            parts_h.append(arcs)
            parts_c.append(turn + partial[:, None])
        at_a, at_b = self._at_junctions(snapped)
        for at, junction in ((at_a, self.chain_a[chain]), (at_b, self.chain_b[chain])):
            if at.any():
                rows = np.where(at, junction, 0)
                zero = np.zeros(len(self._in_arcs))
                arcs, free = _padded_rows(self._in_ptr, (self._in_arcs, zero), rows, (0, np.inf))
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
        self, state_times: np.ndarray, origin: SnappedPoints | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """From forward-search state times: when each chain can be entered at A (riding towards B)
        and at B (riding towards A). The origin's own chain is entered from the origin itself, which
        callers add; an origin exactly at a junction enters every chain leaving it at once."""
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
            snap = self.snap_cost(origin)
            for at, junction in ((at_a, self.chain_a[chain]), (at_b, self.chain_b[chain])):
                for k in np.flatnonzero(at).tolist():
                    arcs = self._out_arcs[self._out_ptr[junction[k]] : self._out_ptr[junction[k] + 1]]
                    entry[arcs] = np.minimum(entry[arcs], snap[k])
        return entry[0::2], entry[1::2]

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
        heads, costs = self._lift(heads, costs)
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

    def _lift(self, heads: np.ndarray, costs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Reverse-search heads on contracted states also start at their single predecessor."""
        if not self.turn_costs:
            return heads, costs
        on = self._contracted[heads] & np.isfinite(costs)
        if not on.any():
            return heads, costs
        lifted = np.where(on, self._pred[heads], 0)
        lifted_costs = np.where(on, costs + self._pred_cost[heads], np.inf)
        return np.column_stack([heads, lifted]), np.column_stack([costs, lifted_costs])

    def _left_out_needed(self, states: np.ndarray) -> list[np.ndarray]:
        """For each group of _left_out, the positions of the given states and of what they need."""
        closed_states, closed_next, _ = self._left_out[1]
        closed_pick = np.flatnonzero(np.isin(closed_states, states))
        # A closed direction's time comes from where it leads, which may be a contracted state.
        wanted = np.concatenate([states, closed_next[closed_pick].ravel()])
        return [np.flatnonzero(np.isin(self._left_out[0][0], wanted)), closed_pick]

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
        if len(o) == 0 or len(d) == 0:
            return np.full((len(o), len(d)), np.inf, dtype=dtype)
        limit = cutoff_s + TIME_TOLERANCE_S
        reverse = len(d) <= len(o)
        read_extras = None
        if reverse:
            # Backwards from each destination, then each origin reads the states it starts at.
            heads, costs = self._heads_in(d)
            read_heads, read_costs, read_extras = self._leaving(o)
        else:
            heads, costs = self._heads_out(o)
            read_heads, read_costs = self._heads_in(d)
        left_out: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        if reverse and self.turn_costs:
            # Only the states left out of the search that some origin starts on get their times.
            assert read_extras is not None
            read = [read_heads[np.isfinite(read_costs)], read_extras[1][np.isfinite(read_extras[2])]]
            needed = self._left_out_needed(np.unique(np.concatenate(read)))
            heads, costs = self._lift(heads, costs)
            left_out = [
                (states[pick], nxt[pick], cost[pick])
                for (states, nxt, cost), pick in zip(self._left_out, needed, strict=True)
            ]
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
        )
        result = table.T if reverse else table
        self._apply_same_chain(o, d, result, limit)
        if not o.ok.all():
            result[~o.ok, :] = np.inf
        if not d.ok.all():
            result[:, ~d.ok] = np.inf
        return result

    def direct_trips(self, o: SnappedPoints, d: SnappedPoints) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(origin index, destination index, seconds) of the trips that need no search: straight
        along a chain both points lie on, and, with turn costs, from an origin exactly at a
        junction onto any street that starts there (it leaves without a turn)."""
        o_chain = self.seg_chain[o.seg]
        d_chain = self.seg_chain[d.seg]
        oi, di = _join(o_chain, d_chain)
        cost = self.along_chain(o.seg[oi], o.frac[oi], d.seg[di], d.frac[di])
        if self.turn_costs:
            at_a, at_b = self._at_junctions(o)
            at = np.flatnonzero(at_a | at_b)
            if len(at):
                junction = np.where(at_a[at], self.chain_a[o_chain[at]], self.chain_b[o_chain[at]])
                from_a, from_b = self.entries(d.seg, d.frac)
                ends = np.concatenate([self.chain_a[d_chain], self.chain_b[d_chain]])
                li, ri = _join(junction, ends)
                oi = np.concatenate([oi, at[li]])
                di = np.concatenate([di, ri % len(d)])
                cost = np.concatenate([cost, np.concatenate([from_a, from_b])[ri]])
        cost = cost + self.snap_cost(o)[oi] + self.snap_cost(d)[di]
        return oi, di, cost

    def _apply_same_chain(self, o: SnappedPoints, d: SnappedPoints, result: np.ndarray, limit: float) -> None:
        """Lower table cells where a trip needs no search (see direct_trips)."""
        oi, di, direct = self.direct_trips(o, d)
        if len(oi) == 0:
            return
        direct[direct > limit] = np.inf
        np.minimum.at(result, (oi, di), direct.astype(result.dtype))

    def travel_time(
        self, origin: tuple[float, float], destination: tuple[float, float], cutoff_s: float = math.inf
    ) -> float:
        """Seconds from one (lat, lon) to another, inf if over the cutoff."""
        return float(self.table([origin], [destination], cutoff_s)[0, 0])

    def isochrone(self, lat: float, lon: float, time_s: float, **options: float) -> Isochrone:
        """The area reachable from a point within time_s; see isochrone.isochrone for the options."""
        from .isochrone import isochrone

        return isochrone(self, lat, lon, time_s, **options)


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


def build_mode_arrays(
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
    settings: RoutingSettings | None = None,
) -> tuple[dict[str, np.ndarray], ModeReport]:
    """Clean, keep the largest strongly connected component, contract into chains and junctions,
    and build the search graph (junctions, or directions and turns when the mode has turn costs).

    signal_fwd/signal_bwd: riding the segment forwards/backwards arrives at a traffic signal; its
    penalty (at a junction, or between junctions) is added to the segment's cost here.
    """
    settings = settings or RoutingSettings()
    u = np.asarray(seg_u, dtype=np.int64)
    v = np.asarray(seg_v, dtype=np.int64)
    length = np.asarray(seg_len_m, dtype=np.float64)
    wf = np.asarray(seg_wf, dtype=np.float64)
    wb = np.asarray(seg_wb, dtype=np.float64)
    # Signal flags travel through the cleaning as 0/1 "penalties", priced once the junctions are known.
    pf = np.zeros(len(u)) if signal_fwd is None else np.asarray(signal_fwd, dtype=np.float64)
    pb = np.zeros(len(u)) if signal_bwd is None else np.asarray(signal_bwd, dtype=np.float64)
    usable = (np.isfinite(wf) | np.isfinite(wb)) & (u != v)
    u, v, length, wf, wb, pf, pb = (x[usable] for x in (u, v, length, wf, wb, pf, pb))
    # One segment per node pair, cheapest cost per direction (two ways may share two nodes).
    swap = u > v
    u, v = np.where(swap, v, u), np.where(swap, u, v)
    wf, wb = np.where(swap, wb, wf), np.where(swap, wf, wb)
    pf, pb = np.where(swap, pb, pf), np.where(swap, pf, pb)
    order = np.lexsort((v, u))
    u, v, length, wf, wb, pf, pb = (x[order] for x in (u, v, length, wf, wb, pf, pb))
    if len(u) == 0:
        raise ValueError(f"No street segments are usable for {mode}.")
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    starts = np.flatnonzero(first)
    wf = np.minimum.reduceat(wf, starts)
    wb = np.minimum.reduceat(wb, starts)
    pf = np.maximum.reduceat(pf, starts)
    pb = np.maximum.reduceat(pb, starts)
    u, v, length = u[starts], v[starts], length[starts]

    used_nodes, inverse = np.unique(np.concatenate([u, v]), return_inverse=True)
    n_nodes = len(used_nodes)
    u_i, v_i = inverse[: len(u)], inverse[len(u) :]
    segments_before = len(u)

    # Largest strongly connected component of the directed segment graph.
    fwd, bwd = np.isfinite(wf), np.isfinite(wb)
    rows = np.concatenate([u_i[fwd], v_i[bwd]])
    cols = np.concatenate([v_i[fwd], u_i[bwd]])
    adjacency = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_nodes, n_nodes))
    n_components, labels = connected_components(adjacency, directed=True, connection="strong")
    biggest = np.argmax(np.bincount(labels))
    keep_node = labels == biggest
    keep_seg = keep_node[u_i] & keep_node[v_i]
    new_index = np.cumsum(keep_node) - 1
    u2 = new_index[u_i[keep_seg]]
    v2 = new_index[v_i[keep_seg]]
    length, wf, wb, pf, pb = (x[keep_seg] for x in (length, wf, wb, pf, pb))
    kept_nodes = used_nodes[keep_node]
    lon = np.asarray(node_lon, dtype=np.float64)[kept_nodes]
    lat = np.asarray(node_lat, dtype=np.float64)[kept_nodes]
    n = len(kept_nodes)

    order, flip, chain_first, chain_a_node, chain_b_node, is_junction = _chains(n, u2, v2)
    # Price the signals: at a junction, or on a street between junctions (see settings.py).
    at_junction, mid_street = settings.signal_penalties_s(mode)
    degree = np.bincount(u2, minlength=n) + np.bincount(v2, minlength=n)
    signal_nodes = len(np.unique(np.concatenate([v2[pf > 0], u2[pb > 0]])))
    pf = pf * np.where(degree[v2] == 2, mid_street, at_junction)
    pb = pb * np.where(degree[u2] == 2, mid_street, at_junction)
    wf, wb = wf + pf, wb + pb

    # Junctions are numbered along a Hilbert curve: neighbours in the street get nearby numbers,
    # so a search touches nearby memory (about 20% faster searches than OSM-id order). Chains
    # (and so the directions searched with turn costs) follow the number of their first junction.
    junction_node = np.flatnonzero(is_junction)
    junction_node = junction_node[_hilbert_order(lon[junction_node], lat[junction_node])]
    junction_id = np.full(n, -1, dtype=np.int64)
    junction_id[junction_node] = np.arange(len(junction_node))
    chain_order = np.argsort(np.minimum(junction_id[chain_a_node], junction_id[chain_b_node]), kind="stable")
    sizes = np.diff(chain_first)
    new_first = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes[chain_order], out=new_first[1:])
    take = np.repeat(chain_first[:-1][chain_order] - new_first[:-1], sizes[chain_order]) + np.arange(
        new_first[-1]
    )
    order, flip, chain_first = order[take], flip[take], new_first
    chain_a = junction_id[chain_a_node[chain_order]]
    chain_b = junction_id[chain_b_node[chain_order]]

    su = np.where(flip, v2[order], u2[order])
    sv = np.where(flip, u2[order], v2[order])
    s_wf = np.where(flip, wb[order], wf[order])
    s_wb = np.where(flip, wf[order], wb[order])
    s_pf = np.where(flip, pb[order], pf[order])
    s_pb = np.where(flip, pf[order], pb[order])
    s_len = length[order]

    chain_idx = np.repeat(np.arange(len(chain_a)), np.diff(chain_first))
    total_f = np.zeros(len(chain_a))
    total_b = np.zeros(len(chain_a))
    np.add.at(total_f, chain_idx, s_wf)
    np.add.at(total_b, chain_idx, s_wb)
    turn_costs = mode == "bike" and settings.bike_turn_costs
    if turn_costs:
        # Search states are the chains' directions; edges are the turns (turns.py).
        projection = LocalProjection(float(lat.mean()), float(lon.mean()))
        x, y = projection.to_xy(lon, lat)
        leave_a, arrive_b = chain_bearings(x, y, su, sv, s_len, chain_first)
        arc_cost = np.empty(2 * len(chain_a))
        arc_cost[0::2], arc_cost[1::2] = total_f, total_b
        turn_from, turn_to, turn_cost = turn_list(
            chain_a, chain_b, len(junction_node), arc_cost, leave_a, arrive_b, settings
        )
        csr = build_csr(len(arc_cost), turn_from, turn_to, turn_cost + arc_cost[turn_to])
    else:
        turn_from = turn_to = np.empty(0, dtype=np.int32)
        turn_cost = np.empty(0)
        not_loop = chain_a != chain_b
        csr = build_csr(
            len(junction_node),
            np.concatenate([chain_a[not_loop], chain_b[not_loop]]),
            np.concatenate([chain_b[not_loop], chain_a[not_loop]]),
            np.concatenate([total_f[not_loop], total_b[not_loop]]),
        )
    arrays = {
        "node_lon": lon,
        "node_lat": lat,
        "seg_u": su.astype(np.int32),
        "seg_v": sv.astype(np.int32),
        "seg_len_m": s_len.astype(np.float32),
        "seg_wf": s_wf,
        "seg_wb": s_wb,
        "seg_pf": s_pf,
        "seg_pb": s_pb,
        "chain_first": chain_first.astype(np.int64),
        "chain_a": chain_a.astype(np.int32),
        "chain_b": chain_b.astype(np.int32),
        "junction_node": junction_node.astype(np.int32),
        "csr_indptr": csr.indptr,
        "csr_indices": csr.indices,
        "csr_data": csr.data,
        "turn_from": turn_from,
        "turn_to": turn_to,
        "turn_cost": turn_cost,
    }
    report = ModeReport(
        mode=mode,
        nodes_before=int(n_nodes),
        segments_before=int(segments_before),
        components=int(n_components),
        nodes_kept=int(n),
        segments_kept=int(len(su)),
        nodes_dropped=int(n_nodes - n),
        segments_dropped=int(segments_before - len(su)),
        junctions=int(len(junction_node)),
        chains=int(len(chain_a)),
        edges=int(csr.nnz),
        length_km=round(float(s_len.sum()) / 1000, 3),
        turn_costs=bool(turn_costs),
        states=int(csr.shape[0]),
        traffic_signals=int(signal_nodes),
    )
    return arrays, report


def _join(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs (i, j) with left[i] == right[j]."""
    order = np.argsort(right, kind="stable")
    lo = np.searchsorted(right[order], left, side="left")
    counts = np.searchsorted(right[order], left, side="right") - lo
    li = np.repeat(np.arange(len(left)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return li, order[np.repeat(lo, counts) + offsets]


def _group(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR grouping of positions by key: (ptr of n + 1, positions sorted by key)."""
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return ptr, np.argsort(keys, kind="stable")


def _hilbert_order(x: np.ndarray, y: np.ndarray, bits: int = 16) -> np.ndarray:
    """Indices that sort points along a Hilbert curve over their bounding box."""
    scale = (1 << bits) - 1
    span_x = max(float(x.max() - x.min()), 1e-12)
    span_y = max(float(y.max() - y.min()), 1e-12)
    xi = ((x - x.min()) / span_x * scale).astype(np.int64)
    yi = ((y - y.min()) / span_y * scale).astype(np.int64)
    key = np.zeros(len(x), dtype=np.int64)
    side = 1 << (bits - 1)
    while side > 0:
        rx = (xi & side) > 0
        ry = (yi & side) > 0
        key += side * side * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        # Rotate the quadrant so that the curve stays continuous at the next level.
        flip = ~ry & rx
        xi = np.where(flip, scale - xi, xi)
        yi = np.where(flip, scale - yi, yi)
        swap = ~ry
        xi, yi = np.where(swap, yi, xi), np.where(swap, xi, yi)
        side >>= 1
    return np.argsort(key, kind="stable")


def _chains(
    n: int, u: np.ndarray, v: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Group segments into chains between junctions (nodes not touching exactly two segments).

    Returns the segment order (chains contiguous, each from its start junction to its end), whether
    each ordered segment is flipped, chain start offsets, chain end nodes, and the junction mask.
    A closed loop with no junction on it gets one of its nodes promoted to junction.
    """
    degree = np.bincount(u, minlength=n) + np.bincount(v, minlength=n)
    is_junction = degree != 2
    incident_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(degree, out=incident_ptr[1:])
    ends = np.concatenate([u, v])
    seg_ids = np.concatenate([np.arange(len(u)), np.arange(len(u))])
    incident = seg_ids[np.argsort(ends, kind="stable")]
    # Plain Python lists: this walk touches every segment once and list indexing is much faster
    # than numpy scalar indexing.
    ptr = incident_ptr.tolist()
    inc = incident.tolist()
    us = u.tolist()
    vs = v.tolist()
    junction = is_junction.tolist()
    visited = [False] * len(us)
    order: list[int] = []
    flip: list[bool] = []
    chain_first = [0]
    chain_a: list[int] = []
    chain_b: list[int] = []

    def walk(start: int, seg: int) -> None:
        node = start
        while True:
            visited[seg] = True
            flipped = us[seg] != node
            order.append(seg)
            flip.append(flipped)
            other = us[seg] if flipped else vs[seg]
            if junction[other]:
                break
            first, second = inc[ptr[other]], inc[ptr[other] + 1]
            seg = second if first == seg else first
            node = other
        chain_a.append(start)
        chain_b.append(other)
        chain_first.append(len(order))

    for node in np.flatnonzero(is_junction).tolist():
        for k in range(ptr[node], ptr[node + 1]):
            seg = inc[k]
            if not visited[seg]:
                walk(node, seg)
    for seg in range(len(us)):
        if not visited[seg]:
            junction[us[seg]] = True
            walk(us[seg], seg)
    return (
        np.asarray(order, dtype=np.int64),
        np.asarray(flip, dtype=bool),
        np.asarray(chain_first, dtype=np.int64),
        np.asarray(chain_a, dtype=np.int64),
        np.asarray(chain_b, dtype=np.int64),
        np.asarray(junction, dtype=bool),
    )
