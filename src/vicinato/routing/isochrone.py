"""Isochrones: the area reachable from a point within a time, as a (Multi)Polygon that looks right on a map.

The reachable part of every street (including the part of a street cut by the time limit,
interpolated along it, and respecting one-way streets for bikes) is buffered by `buffer_m`
(50 m by default: the depth of a city block's buildings on each side of the street), merged,
cleared of holes smaller than `fill_holes_m2` (courtyards and blocks enclosed by reachable
streets), simplified by `simplify_m`, and returned in WGS84 lon/lat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping
from shapely.geometry.base import BaseGeometry

from .arrays import join_equal
from .search import TIME_TOLERANCE_S
from .streets import SnappedPoints

if TYPE_CHECKING:
    from .graph import ModeGraph
    from .transit.calendar import ServiceDay


@dataclass(frozen=True)
class Isochrone:
    """A reachable area: geometry in lon/lat, its area in m², and what it was computed for.

    By public transport (mode "transit") it also says whether it is the area reachable leaving
    the point (kind "depart_at") or the area from which the point is reached in time
    ("arrive_by"), and which service day of the timetable answered.
    """

    geometry: BaseGeometry
    area_m2: float
    time_s: float
    mode: str
    lat: float
    lon: float
    kind: str | None = None
    service_day: ServiceDay | None = None

    def geojson(self) -> dict[str, Any]:
        """The geometry as a GeoJSON dict (Polygon or MultiPolygon, lon/lat)."""
        return dict(mapping(self.geometry))

    def feature(self) -> dict[str, Any]:
        """A GeoJSON Feature with the time and mode as properties (and, by public transport, the
        kind and the service day: requested_date, service_date, fallback, service_dates)."""
        properties: dict[str, Any] = {
            "mode": self.mode,
            "minutes": self.time_s / 60,
            "area_km2": self.area_m2 / 1e6,
        }
        if self.service_day is not None:
            properties["kind"] = self.kind
            properties.update(self.service_day.to_dict())
        return {"type": "Feature", "geometry": self.geojson(), "properties": properties}


@dataclass(frozen=True)
class SearchTimes:
    """What a search on a graph found: seconds at every search state, and the street points it
    started from with the seconds at each (on its street). Forwards (`towards` False) a state's
    time is when one gets there from the sources; backwards, how long one takes from there to
    reach them (graphs without turn costs only)."""

    state_times: np.ndarray
    sources: SnappedPoints
    source_s: np.ndarray
    towards: bool = False


def reachable_pieces(graph: ModeGraph, times: SearchTimes, time_s: float) -> np.ndarray:
    """(n, 2, 2) projected line pieces (metres) of the streets within time_s of the sources:
    every street whose ends are in time, each cut where the time runs out (interpolated along
    it), and the stretches of the sources' own streets either side of them."""
    sources = times.sources
    source_s = times.source_s
    budget = time_s + TIME_TOLERANCE_S
    if times.towards:
        # Backwards, a piece is walked towards the junctions and the sources: one leaves a
        # segment's start backwards (against its direction) and reaches its end forwards.
        if graph.turn_costs:
            raise ValueError("Backward isochrones need a graph without turn costs (walking).")
        enter_a, enter_b = times.state_times[graph.chain_a], times.state_times[graph.chain_b]
        chain_cost, wf_all, wb_all = graph.exits, graph.seg_wb, graph.seg_wf
    else:
        # When each street can be entered at its start (riding forwards) and at its end (backwards):
        # the junction times without turn costs, the best arrival plus turn into it with them.
        enter_a, enter_b = graph.chain_entry_times(times.state_times, sources, source_s)
        chain_cost, wf_all, wb_all = graph.entries, graph.seg_wf, graph.seg_wb
    seg = np.arange(graph.segment_count)
    chain = graph.seg_chain
    source_chain = graph.seg_chain[sources.seg]
    t_a = enter_a[chain]
    t_b = enter_b[chain]
    candidate = np.isfinite(t_a) | np.isfinite(t_b) | np.isin(chain, source_chain)
    seg = seg[candidate]
    t_a, t_b = t_a[candidate], t_b[candidate]
    zeros = np.zeros(len(seg))
    a0, b0 = chain_cost(seg, zeros)
    a1, b1 = chain_cost(seg, zeros + 1.0)
    t_u = np.minimum(t_a + a0, t_b + b0)
    t_v = np.minimum(t_a + a1, t_b + b1)
    # Segments on a source's own street are also reached straight along it from the source.
    on, k = join_equal(graph.seg_chain[seg], source_chain)
    if len(on):
        for t_end, frac in ((t_u, zeros[on]), (t_v, zeros[on] + 1)):
            ends = (seg[on], frac)
            points = (sources.seg[k], sources.frac[k])
            along = graph.along_chain(*ends, *points) if times.towards else graph.along_chain(*points, *ends)
            np.minimum.at(t_end, on, source_s[k] + along)
    wf, wb = wf_all[seg], wb_all[seg]
    with np.errstate(invalid="ignore", divide="ignore"):
        reach_fwd = np.where((t_u <= budget) & np.isfinite(wf), np.clip((budget - t_u) / wf, 0, 1), 0.0)
        reach_bwd = np.where((t_v <= budget) & np.isfinite(wb), np.clip((budget - t_v) / wb, 0, 1), 0.0)
    whole = reach_fwd + reach_bwd >= 1
    starts = [np.where(whole, 0.0, 0.0), np.where(whole, 0.0, 1.0 - reach_bwd)]
    ends = [np.where(whole, 1.0, reach_fwd), np.where(whole, 0.0, 1.0)]
    piece_seg = [seg, seg]
    # The stretch of each source's own segment on either side of it (fmin and fmax, as Python's
    # min and max, keep a whole zero-length segment rather than a NaN).
    s_seg = sources.seg
    s_frac = sources.frac
    left = np.maximum(0.0, budget - source_s)
    s_wf, s_wb = wf_all[s_seg], wb_all[s_seg]
    with np.errstate(invalid="ignore", divide="ignore"):
        ahead = np.where(np.isfinite(s_wf), np.fmin(1.0, s_frac + left / s_wf), s_frac)
        behind = np.where(np.isfinite(s_wb), np.fmax(0.0, s_frac - left / s_wb), s_frac)
    starts.append(behind)
    ends.append(ahead)
    piece_seg.append(s_seg)
    s0 = np.concatenate(starts)
    s1 = np.concatenate(ends)
    ps = np.concatenate(piece_seg)
    keep = s1 > s0
    s0, s1, ps = s0[keep], s1[keep], ps[keep]
    x, y = graph.projection.to_xy(graph.shape_lon, graph.shape_lat)
    xu, yu = x[graph.seg_u[ps]], y[graph.seg_u[ps]]
    dx, dy = x[graph.seg_v[ps]] - xu, y[graph.seg_v[ps]] - yu
    pieces = np.empty((len(ps), 2, 2))
    pieces[:, 0, 0] = xu + s0 * dx
    pieces[:, 0, 1] = yu + s0 * dy
    pieces[:, 1, 0] = xu + s1 * dx
    pieces[:, 1, 1] = yu + s1 * dy
    return pieces


def isochrone(
    graph: ModeGraph,
    lat: float,
    lon: float,
    time_s: float,
    *,
    buffer_m: float = 50.0,
    simplify_m: float = 10.0,
    fill_holes_m2: float = 40_000.0,
) -> Isochrone:
    """The area reachable from (lat, lon) within time_s by the graph's mode; see the module docstring."""
    origin = graph.snap_many([(lat, lon)])
    times = SearchTimes(graph.state_times_from(origin, time_s)[0], origin, graph.snap_cost(origin))
    geometry, area_m2 = reachable_area(
        graph, times, time_s, lat, lon, buffer_m=buffer_m, simplify_m=simplify_m, fill_holes_m2=fill_holes_m2
    )
    return Isochrone(geometry, area_m2, float(time_s), graph.mode, lat, lon)


def reachable_area(
    graph: ModeGraph,
    times: SearchTimes,
    time_s: float,
    lat: float,
    lon: float,
    *,
    buffer_m: float = 50.0,
    simplify_m: float = 10.0,
    fill_holes_m2: float = 40_000.0,
) -> tuple[BaseGeometry, float]:
    """The area (lon/lat geometry, m²) of the streets within time_s of a search's sources, and of
    the point (lat, lon) itself; see the module docstring."""
    pieces = reachable_pieces(graph, times, time_s)
    return draw_area(
        graph, pieces, lat, lon, buffer_m=buffer_m, simplify_m=simplify_m, fill_holes_m2=fill_holes_m2
    )


def draw_area(
    graph: ModeGraph,
    pieces: np.ndarray,
    lat: float,
    lon: float,
    *,
    buffer_m: float,
    simplify_m: float,
    fill_holes_m2: float,
) -> tuple[BaseGeometry, float]:
    """The area (lon/lat geometry, m²) around street pieces ((n, 2, 2), projected metres) and the point."""
    ox, oy = graph.projection.to_xy(lon, lat)
    lines = np.empty(0, dtype=object)
    if len(pieces):
        # Chaining the pieces into longer lines and dropping vertices the buffer would not show
        # makes fewer, simpler shapes; buffering each and merging them with a cascaded union is
        # two orders of magnitude faster than buffering one big MultiLineString.
        lines = shapely.get_parts(shapely.line_merge(shapely.multilinestrings(shapely.linestrings(pieces))))
        lines = shapely.simplify(lines, min(5.0, buffer_m / 10), preserve_topology=False)
    shapes = np.concatenate([lines, [shapely.Point(float(ox), float(oy))]])
    area = shapely.union_all(shapely.buffer(shapes, buffer_m, quad_segs=2))
    area = _fill_holes(area, fill_holes_m2)
    if simplify_m > 0:
        area = area.simplify(simplify_m, preserve_topology=True)
    area_m2 = float(area.area)

    def to_lonlat(coords: np.ndarray) -> np.ndarray:
        lon_a, lat_a = graph.projection.to_lonlat(coords[:, 0], coords[:, 1])
        return np.column_stack([lon_a, lat_a])

    return shapely.transform(area, to_lonlat), area_m2


def _fill_holes(geometry: BaseGeometry, max_hole_m2: float) -> BaseGeometry:
    """Remove interior rings smaller than max_hole_m2 (blocks enclosed by reachable streets)."""
    if max_hole_m2 <= 0:
        return geometry
    polygons = list(geometry.geoms) if isinstance(geometry, MultiPolygon) else [geometry]
    filled = []
    for polygon in polygons:
        if not isinstance(polygon, Polygon) or polygon.is_empty:
            continue
        holes = [ring for ring in polygon.interiors if Polygon(ring).area >= max_hole_m2]
        filled.append(Polygon(polygon.exterior, holes))
    if len(filled) == 1:
        return filled[0]
    return MultiPolygon(filled)
