"""Reference for the isochrones of walking, cycling and driving: how isochrone.py found the reachable street
pieces before it could take precomputed search times (commit 6bbf631), kept as it was so that a test can show
that taking them changed nothing, bit for bit. The pieces are drawn into an area by isochrone.draw_area, the
same for both: what this reference checks is which pieces are reached, and how far along. A deliberate change of
how pieces are found replaces this file (and the test) with the new expectation.
"""

from __future__ import annotations

import numpy as np
from shapely.geometry.base import BaseGeometry

from vicinato.routing import ModeGraph
from vicinato.routing.isochrone import draw_area
from vicinato.routing.search import TIME_TOLERANCE_S


def reachable_pieces(graph: ModeGraph, lat: float, lon: float, time_s: float) -> np.ndarray:
    """(n, 2, 2) projected line pieces (metres) of the streets reachable within time_s."""
    origin = graph.snap_many([(lat, lon)])
    # When each street can be entered at its start (riding forwards) and at its end (backwards):
    # the junction times without turn costs, the best arrival plus turn into it with them.
    enter_a, enter_b = graph.chain_entry_times(graph.state_times_from(origin, time_s)[0], origin)
    budget = time_s + TIME_TOLERANCE_S
    seg = np.arange(graph.segment_count)
    chain = graph.seg_chain
    t_a = enter_a[chain]
    t_b = enter_b[chain]
    candidate = np.isfinite(t_a) | np.isfinite(t_b) | (chain == graph.seg_chain[origin.seg[0]])
    seg = seg[candidate]
    t_a, t_b = t_a[candidate], t_b[candidate]
    zeros = np.zeros(len(seg))
    a0, b0 = graph.entries(seg, zeros)
    a1, b1 = graph.entries(seg, zeros + 1.0)
    t_u = np.minimum(t_a + a0, t_b + b0)
    t_v = np.minimum(t_a + a1, t_b + b1)
    snap = graph.snap_cost(origin)[0]
    same = graph.seg_chain[seg] == graph.seg_chain[origin.seg[0]]
    if same.any():
        o_seg = np.full(same.sum(), origin.seg[0])
        o_frac = np.full(same.sum(), origin.frac[0])
        t_u[same] = np.minimum(t_u[same], snap + graph.along_chain(o_seg, o_frac, seg[same], zeros[same]))
        t_v[same] = np.minimum(t_v[same], snap + graph.along_chain(o_seg, o_frac, seg[same], zeros[same] + 1))
    wf, wb = graph.seg_wf[seg], graph.seg_wb[seg]
    with np.errstate(invalid="ignore", divide="ignore"):
        reach_fwd = np.where((t_u <= budget) & np.isfinite(wf), np.clip((budget - t_u) / wf, 0, 1), 0.0)
        reach_bwd = np.where((t_v <= budget) & np.isfinite(wb), np.clip((budget - t_v) / wb, 0, 1), 0.0)
    whole = reach_fwd + reach_bwd >= 1
    starts = [np.where(whole, 0.0, 0.0), np.where(whole, 0.0, 1.0 - reach_bwd)]
    ends = [np.where(whole, 1.0, reach_fwd), np.where(whole, 0.0, 1.0)]
    piece_seg = [seg, seg]
    # The stretch of the origin's own street on either side of the snapped point.
    o_seg = int(origin.seg[0])
    o_frac = float(origin.frac[0])
    left = max(0.0, budget - snap)
    with np.errstate(invalid="ignore", divide="ignore"):
        ahead = min(1.0, o_frac + left / graph.seg_wf[o_seg]) if np.isfinite(graph.seg_wf[o_seg]) else o_frac
        behind = max(0.0, o_frac - left / graph.seg_wb[o_seg]) if np.isfinite(graph.seg_wb[o_seg]) else o_frac
    starts.append(np.array([behind]))
    ends.append(np.array([ahead]))
    piece_seg.append(np.array([o_seg]))
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
) -> tuple[BaseGeometry, float]:
    """The geometry and area in m² that isochrone() gave."""
    pieces = reachable_pieces(graph, lat, lon, time_s)
    return draw_area(
        graph, pieces, lat, lon, buffer_m=buffer_m, simplify_m=simplify_m, fill_holes_m2=fill_holes_m2
    )
