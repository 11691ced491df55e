"""The streets of one mode's graph: segments grouped into chains, costs along them, snapping onto them.

How a graph is laid out. OSM ways are cut into *segments* between consecutive OSM nodes (the full
geometry, kept for snapping and isochrones). Segments that meet at nodes touching exactly two
segments form *chains* (a street between two crossings); the searches run on the much smaller graph
of *junctions* (chain ends), with one edge per chain and direction (states.py). In Milan this
removes about 70% of the nodes, which is what makes 300 bounded searches fit in a second. A point
is snapped onto the nearest segment (the projection of the point on it, not the nearest node); it
leaves towards both ends of its chain with the partial costs along the chain (respecting one-way
segments), and the walk from the point to the street is added at walking speed. Two points on the
same chain can also go straight along it without touching a junction; every query accounts for that.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.spatial import cKDTree

from .errors import PointTooFarError
from .layout import STORED_ARRAYS
from .projection import LocalProjection
from .search import default_workers, kernels
from .settings import RoutingSettings

# Snapping samples each segment every SAMPLE_SPACING_M metres and checks the exact distance to the
# segments of the SNAP_CANDIDATES nearest samples: the chosen segment is at most half the spacing
# (10 m) farther than the true nearest one in the worst case, and is the true nearest in practice.
SAMPLE_SPACING_M = 20.0
SNAP_CANDIDATES = 8
# Batches of at least this many points are snapped on the graph's worker threads (the same answers).
SNAP_THREADED = 512

# With turn costs, a point this close to a junction is at the junction: it arrives or leaves in
# any direction without a turn.
AT_JUNCTION_M = 0.1

Points = Sequence[tuple[float, float]] | np.ndarray


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

    def take(self, rows: np.ndarray | slice) -> SnappedPoints:
        """Some of the points (an index array, a mask or a slice)."""
        return SnappedPoints(
            *(np.asarray(getattr(self, f))[rows] for f in ("lat", "lon", "seg", "frac", "dist_m", "ok"))
        )


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


class ChainCosts:
    """One kind of cost along the chains, seconds or metres: per segment in both directions, with
    the part paid on arriving at each segment's far end (a traffic signal), and exclusive prefix
    sums over all segments (chains are contiguous), split into the finite part and a count of
    forbidden (inf) segments, so that a run of segments of a chain costs two subtractions and
    stays exact when a segment is one-way."""

    def __init__(
        self,
        fwd: np.ndarray,
        bwd: np.ndarray,
        end_fwd: np.ndarray,
        end_bwd: np.ndarray,
        seg_first: np.ndarray,
        seg_end: np.ndarray,
    ) -> None:
        self.fwd, self.bwd, self.end_fwd, self.end_bwd = fwd, bwd, end_fwd, end_bwd
        self.seg_first, self.seg_end = seg_first, seg_end
        self._pf, self._cf = _prefix(fwd)
        self._pb, self._cb = _prefix(bwd)

    def range_f(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Forward cost over segments [lo, hi) of one chain (inf if one of them is closed)."""
        return np.where(self._cf[hi] > self._cf[lo], np.inf, self._pf[hi] - self._pf[lo])

    def range_b(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Backward cost over segments [lo, hi) of one chain (inf if one of them is closed)."""
        return np.where(self._cb[hi] > self._cb[lo], np.inf, self._pb[hi] - self._pb[lo])

    def exits(self, seg: np.ndarray, frac: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Costs from points on segments to their chain's start junction (A) and end junction (B)."""
        to_a = _through(frac, self.bwd[seg], self.end_bwd[seg]) + self.range_b(self.seg_first[seg], seg)
        to_b = _through(1.0 - frac, self.fwd[seg], self.end_fwd[seg]) + self.range_f(
            seg + 1, self.seg_end[seg]
        )
        return to_a, to_b

    def entries(self, seg: np.ndarray, frac: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Costs from a chain's start junction (A) and end junction (B) to points on its segments."""
        from_a = self.range_f(self.seg_first[seg], seg) + _part(frac, self.fwd[seg], self.end_fwd[seg])
        from_b = self.range_b(seg + 1, self.seg_end[seg]) + _part(
            1.0 - frac, self.bwd[seg], self.end_bwd[seg]
        )
        return from_a, from_b

    def along(self, seg1: np.ndarray, frac1: np.ndarray, seg2: np.ndarray, frac2: np.ndarray) -> np.ndarray:
        """Cost of going straight along a chain between two points of that same chain."""
        seg1 = np.asarray(seg1)
        seg2 = np.asarray(seg2)
        same = seg1 == seg2
        forward = (seg1 < seg2) | (same & (frac1 <= frac2))
        wf1, wb1, pf1, pb1 = self.fwd[seg1], self.bwd[seg1], self.end_fwd[seg1], self.end_bwd[seg1]
        lo_f = np.minimum(seg1 + 1, seg2)
        fwd = np.where(
            same,
            _part(frac2 - frac1, wf1, pf1),
            _through(1.0 - frac1, wf1, pf1)
            + self.range_f(lo_f, np.maximum(seg2, lo_f))
            + _part(frac2, self.fwd[seg2], self.end_fwd[seg2]),
        )
        lo_b = np.minimum(seg2 + 1, seg1)
        bwd = np.where(
            same,
            _part(frac1 - frac2, wb1, pb1),
            _through(frac1, wb1, pb1)
            + self.range_b(lo_b, np.maximum(seg1, lo_b))
            + _part(1.0 - frac2, self.bwd[seg2], self.end_bwd[seg2]),
        )
        return np.where(forward, fwd, bwd)


def _prefix(costs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    finite = np.isfinite(costs)
    sums = np.zeros(len(costs) + 1)
    np.cumsum(np.where(finite, costs, 0.0), out=sums[1:])
    counts = np.zeros(len(costs) + 1, dtype=np.int64)
    np.cumsum(~finite, out=counts[1:])
    return sums, counts


class StreetGraph:
    """Segments and chains of one travel mode's graph: costs along streets, and snapping onto them.

    ModeGraph (graph.py) builds on it; the search states and turns are in states.py.
    """

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
        chain_len = np.diff(self.chain_first)
        self.seg_chain = np.repeat(np.arange(len(chain_len)), chain_len)
        self.seg_first = self.chain_first[:-1][self.seg_chain]
        self.seg_end = self.chain_first[1:][self.seg_chain]
        # Seconds along the streets; metres along them (street_metres) are made when first asked for.
        self.street_seconds = ChainCosts(
            self.seg_wf, self.seg_wb, self.seg_pf, self.seg_pb, self.seg_first, self.seg_end
        )
        self.walk_mps = settings.walk_speed_kmh / 3.6
        self._tree: cKDTree | None = None
        self._sample_seg: np.ndarray | None = None
        self._seg_xy: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    @cached_property
    def street_metres(self) -> ChainCosts:
        """Metres along the streets (as street_seconds for seconds), the same both ways."""
        length = self.seg_len_m.astype(np.float64)
        none = np.zeros(len(length))
        return ChainCosts(length, length, none, none, self.seg_first, self.seg_end)

    # ----- sizes and coordinates ------------------------------------------------------------

    @property
    def node_count(self) -> int:
        """Number of graph nodes (junctions) searches run on."""
        return len(self.junction_node)

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

    # ----- chain bookkeeping -----------------------------------------------------------------

    def exits(self, seg: np.ndarray, frac: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Seconds from points on segments to their chain's start junction (A) and end junction (B)."""
        return self.street_seconds.exits(seg, frac)

    def entries(self, seg: np.ndarray, frac: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Seconds from a chain's start junction (A) and end junction (B) to points on its segments."""
        return self.street_seconds.entries(seg, frac)

    def along_chain(
        self, seg1: np.ndarray, frac1: np.ndarray, seg2: np.ndarray, frac2: np.ndarray
    ) -> np.ndarray:
        """Seconds going straight along a chain between two points of that same chain."""
        return self.street_seconds.along(seg1, frac1, seg2, frac2)

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
        # scipy starts a Python thread per worker: for a few points that costs more than the query itself.
        workers = self.workers if len(x) >= SNAP_THREADED else 1
        _, neighbours = tree.query(np.column_stack([x[order], y[order]]), k=k, workers=workers)
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
