"""Build one mode's graph arrays from street segments (the search graph included).

Cleaning, the largest strongly connected part, chains between junctions, and the search graph:
junctions, or street directions linked by turns. What the arrays mean is described in streets.py
and states.py; ModeGraph.from_segments() and Network.build() call build_mode_arrays().
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .projection import LocalProjection
from .restrictions import TurnRestrictions, forbidden_turns
from .search import build_csr_lengths
from .settings import RoutingSettings
from .turns import chain_bearings, turn_list

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
    "csr_len",
    "turn_from",
    "turn_to",
    "turn_cost",
)


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
    # Turn restrictions applied (one per arrival and departure node pair) and the turns they forbid.
    turn_restrictions: int = 0
    forbidden_turns: int = 0

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


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
    *,
    roundabout: np.ndarray | None = None,
    restrictions: TurnRestrictions | None = None,
) -> tuple[dict[str, np.ndarray], ModeReport]:
    """Clean, keep the largest strongly connected component, contract into chains and junctions,
    and build the search graph (junctions, or directions and turns when the mode has turn costs).

    signal_fwd/signal_bwd: riding the segment forwards/backwards arrives at a traffic signal; its
    penalty (at a junction, or between junctions) is added to the segment's cost here.
    roundabout: whether each segment is part of a roundabout (car turn costs differ there).
    restrictions: turns forbidden or mandatory via a node (node indices of node_lon/node_lat);
    their via nodes become junctions.
    """
    settings = settings or RoutingSettings()
    restrictions = restrictions if restrictions is not None else TurnRestrictions.none()
    u = np.asarray(seg_u, dtype=np.int64)
    v = np.asarray(seg_v, dtype=np.int64)
    length = np.asarray(seg_len_m, dtype=np.float64)
    wf = np.asarray(seg_wf, dtype=np.float64)
    wb = np.asarray(seg_wb, dtype=np.float64)
    # Signal flags travel through the cleaning as 0/1 "penalties", priced once the junctions are known.
    pf = np.zeros(len(u)) if signal_fwd is None else np.asarray(signal_fwd, dtype=np.float64)
    pb = np.zeros(len(u)) if signal_bwd is None else np.asarray(signal_bwd, dtype=np.float64)
    rb = np.zeros(len(u), dtype=bool) if roundabout is None else np.asarray(roundabout, dtype=bool)
    usable = (np.isfinite(wf) | np.isfinite(wb)) & (u != v)
    u, v, length, wf, wb, pf, pb, rb = (x[usable] for x in (u, v, length, wf, wb, pf, pb, rb))
    # One segment per node pair, cheapest cost per direction (two ways may share two nodes).
    swap = u > v
    u, v = np.where(swap, v, u), np.where(swap, u, v)
    wf, wb = np.where(swap, wb, wf), np.where(swap, wf, wb)
    pf, pb = np.where(swap, pb, pf), np.where(swap, pf, pb)
    order = np.lexsort((v, u))
    u, v, length, wf, wb, pf, pb, rb = (x[order] for x in (u, v, length, wf, wb, pf, pb, rb))
    if len(u) == 0:
        raise ValueError(f"No street segments are usable for {mode}.")
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    starts = np.flatnonzero(first)
    wf = np.minimum.reduceat(wf, starts)
    wb = np.minimum.reduceat(wb, starts)
    pf = np.maximum.reduceat(pf, starts)
    pb = np.maximum.reduceat(pb, starts)
    rb = np.maximum.reduceat(rb, starts)
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
    length, wf, wb, pf, pb, rb = (x[keep_seg] for x in (length, wf, wb, pf, pb, rb))
    kept_nodes = used_nodes[keep_node]
    lon = np.asarray(node_lon, dtype=np.float64)[kept_nodes]
    lat = np.asarray(node_lat, dtype=np.float64)[kept_nodes]
    n = len(kept_nodes)
    kept_index = np.full(len(node_lon), -1, dtype=np.int64)
    kept_index[kept_nodes] = np.arange(n)
    restrictions = restrictions.mapped(kept_index)

    forced = np.zeros(n, dtype=bool)
    forced[restrictions.via] = True
    order, flip, chain_first, chain_a_node, chain_b_node, is_junction = _chains(n, u2, v2, forced)
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
    # Lengths as stored (float32), so that distances along a street and along a route agree.
    s_len32 = s_len.astype(np.float32)

    chain_idx = np.repeat(np.arange(len(chain_a)), np.diff(chain_first))
    total_f = np.zeros(len(chain_a))
    total_b = np.zeros(len(chain_a))
    np.add.at(total_f, chain_idx, s_wf)
    np.add.at(total_b, chain_idx, s_wb)
    chain_len = np.zeros(len(chain_a))
    np.add.at(chain_len, chain_idx, s_len32.astype(np.float64))
    turn_costs = settings.turn_costs(mode)
    forbidden = 0
    if turn_costs:
        # Search states are the chains' directions; edges are the turns (turns.py).
        projection = LocalProjection(float(lat.mean()), float(lon.mean()))
        x, y = projection.to_xy(lon, lat)
        leave_a, arrive_b = chain_bearings(x, y, su, sv, s_len, chain_first)
        arc_cost = np.empty(2 * len(chain_a))
        arc_cost[0::2], arc_cost[1::2] = total_f, total_b
        # Each direction's first and last segment (for roundabouts and restrictions).
        first_seg, last_seg = chain_first[:-1], chain_first[1:] - 1
        arc_first = np.empty(2 * len(chain_a), dtype=np.int64)
        arc_last = np.empty(2 * len(chain_a), dtype=np.int64)
        arc_first[0::2], arc_first[1::2] = first_seg, last_seg
        arc_last[0::2], arc_last[1::2] = last_seg, first_seg
        s_rb = rb[order]
        turn_from, turn_to, turn_cost = turn_list(
            chain_a,
            chain_b,
            len(junction_node),
            arc_cost,
            leave_a,
            arrive_b,
            settings,
            mode=mode,
            roundabout=(s_rb[arc_last], s_rb[arc_first]),
        )
        if len(restrictions):
            # The node an arc arrives at, the node before it, and the node after the arc's start.
            along = np.arange(2 * len(chain_a)) % 2 == 0
            arc_via = junction_node[np.where(along, np.repeat(chain_b, 2), np.repeat(chain_a, 2))]
            before = np.where(along, su[arc_last], sv[arc_last])
            after = np.where(along, sv[arc_first], su[arc_first])
            banned = forbidden_turns(turn_from, turn_to, arc_via, before, after, restrictions)
            forbidden = int(banned.sum())
            turn_from, turn_to, turn_cost = turn_from[~banned], turn_to[~banned], turn_cost[~banned]
        arc_len = np.repeat(chain_len, 2)
        csr, csr_len = build_csr_lengths(
            len(arc_cost), turn_from, turn_to, turn_cost + arc_cost[turn_to], arc_len[turn_to]
        )
    else:
        turn_from = turn_to = np.empty(0, dtype=np.int32)
        turn_cost = np.empty(0)
        not_loop = chain_a != chain_b
        csr, csr_len = build_csr_lengths(
            len(junction_node),
            np.concatenate([chain_a[not_loop], chain_b[not_loop]]),
            np.concatenate([chain_b[not_loop], chain_a[not_loop]]),
            np.concatenate([total_f[not_loop], total_b[not_loop]]),
            np.concatenate([chain_len[not_loop], chain_len[not_loop]]),
        )
    arrays = {
        "node_lon": lon,
        "node_lat": lat,
        "seg_u": su.astype(np.int32),
        "seg_v": sv.astype(np.int32),
        "seg_len_m": s_len32,
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
        "csr_len": csr_len,
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
        turn_restrictions=len(restrictions),
        forbidden_turns=forbidden,
    )
    return arrays, report


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
    n: int, u: np.ndarray, v: np.ndarray, forced: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Group segments into chains between junctions (nodes not touching exactly two segments, and
    the `forced` ones).

    Returns the segment order (chains contiguous, each from its start junction to its end), whether
    each ordered segment is flipped, chain start offsets, chain end nodes, and the junction mask.
    A closed loop with no junction on it gets one of its nodes promoted to junction.
    """
    degree = np.bincount(u, minlength=n) + np.bincount(v, minlength=n)
    is_junction = (degree != 2) | forced
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
