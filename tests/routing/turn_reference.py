"""Reference for the searches with turn costs: the line graph of a random street map, in networkx.

Built straight from the segments, independently of layout.py, states.py and turns.py, for the
property tests of cycling (test_routing_property.py) and driving (test_routing_car.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass

import networkx as nx
import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from routing_osm import to_lat_lon

from vicinato.routing import ModeGraph, SnappedPoints
from vicinato.routing.projection import haversine_m

INF = math.inf
Segment = tuple[int, int, float, float]
# The cost of a turn at a crossing from its angle (degrees, positive to the right) and whether it
# is a U-turn.
TurnCost = Callable[[float, bool], float]


def bearing(a: np.ndarray, b: np.ndarray) -> float:
    return math.degrees(math.atan2(b[0] - a[0], b[1] - a[1])) % 360.0


@st.composite
def turn_maps(draw: st.DrawFn) -> tuple[int, list[Segment], int]:
    """Ways drawn as paths over n nodes (two-way or one-way), each segment with a cost each way."""
    n = draw(st.integers(3, 12))
    paths = draw(st.lists(st.lists(st.integers(0, n - 1), min_size=2, max_size=6), min_size=2, max_size=8))
    segments = []
    for path in paths:
        oneway = draw(st.sampled_from(["both", "both", "forward", "backward"]))
        for a, b in zip(path[:-1], path[1:], strict=True):
            if a == b:
                continue
            wf, wb = float(draw(st.integers(1, 60))), float(draw(st.integers(1, 60)))
            segments.append((a, b, INF if oneway == "backward" else wf, INF if oneway == "forward" else wb))
    return n, segments, draw(st.integers(0, 2**31 - 1))


def line_graph(
    xy: np.ndarray,
    segments: list[Segment],
    turn_cost: TurnCost,
    forbidden: Collection[tuple[int, int, int]] = (),
    lengths: dict[tuple[int, int], float] | None = None,
) -> tuple[nx.DiGraph, list[int], dict[tuple[int, int], float], dict[int, int]]:
    """(graph, kept nodes, cost per directed segment, degree per node).

    Nodes ("at", a, b): arrived at OSM node b along the segment a -> b. At a node touching two
    segments one goes on (no turn, no U-turn); elsewhere every turn costs turn_cost(angle, u_turn),
    and U-turns exist only at dead ends or where a single street leaves or at most one arrives
    (streets followed through two-segment nodes). `forbidden` turns (a, b, c), arriving at b from
    a and leaving towards c, are left out (after the U-turn rule is applied). Edges carry the
    weight, the turn's cost and, with `lengths` per segment, the length of the segment entered.
    """
    cost: dict[tuple[int, int], float] = {}
    for a, b, f, r in segments:
        for x, y, w in ((a, b, f), (b, a, r)):
            if w < INF:
                cost[(x, y)] = min(cost.get((x, y), INF), w)
    pairs = {tuple(sorted(k)) for k in cost}
    directed = nx.DiGraph(list(cost))
    components = sorted(nx.strongly_connected_components(directed), key=len, reverse=True)
    kept = components[0]
    pairs = {p for p in pairs if p[0] in kept and p[1] in kept}
    neighbours: dict[int, set[int]] = {}
    for a, b in pairs:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    degree = {node: len(others) for node, others in neighbours.items()}

    def street_open(a: int, b: int) -> bool:
        """Whether one can go from junction a through b and on to the next junction."""
        seen = {(a, b)}
        while True:
            if (a, b) not in cost:
                return False
            if degree[b] != 2:
                return True
            (c,) = neighbours[b] - {a}
            a, b = b, c
            if (a, b) in seen:
                return True
            seen.add((a, b))

    exits = {v: sum(street_open(v, w) for w in neighbours[v]) for v in neighbours}
    entries = dict.fromkeys(neighbours, 0)
    for v in neighbours:
        for w in neighbours[v]:
            # The far end of the street leaving v by w, and whether it can be ridden back to v.
            prev, node = v, w
            while degree[node] == 2 and node != v:
                (nxt,) = neighbours[node] - {prev}
                prev, node = node, nxt
            entries[v] += street_open(node, prev)
    graph = nx.DiGraph()
    for a, b in cost:
        if (min(a, b), max(a, b)) not in pairs:
            continue
        for c in neighbours[b]:
            if (b, c) not in cost or (a, b, c) in forbidden:
                continue
            if degree[b] == 2:
                if c == a:
                    continue
                turn = 0.0
            else:
                u_turn = c == a
                if u_turn and not (degree[b] == 1 or exits[b] == 1 or entries[b] <= 1):
                    continue
                angle = (bearing(xy[b], xy[c]) - bearing(xy[a], xy[b]) + 180.0) % 360.0 - 180.0
                if u_turn or angle == -180.0:
                    angle = 180.0
                turn = turn_cost(angle, u_turn)
            length = lengths[(min(b, c), max(b, c))] if lengths else 0.0
            graph.add_edge(("at", a, b), ("at", b, c), weight=turn + cost[(b, c)], turn=turn, length=length)
    return graph, sorted(kept), cost, degree


def add_points(
    reference: nx.DiGraph,
    graph: ModeGraph,
    snapped: SnappedPoints,
    kept: list[int],
    cost: dict[tuple[int, int], float],
    lengths: dict[tuple[int, int], float] | None = None,
) -> None:
    """Add ("from", k) and ("to", k) for each snapped point k (on segments of `graph`, whose nodes
    are the `kept` ones in order): leaving along its segment either way, arriving there by any
    turn into it, and going straight along the segment to another point on it."""
    turns = reference.copy()
    for k in range(len(snapped)):
        a, b = kept[int(graph.seg_u[snapped.seg[k]])], kept[int(graph.seg_v[snapped.seg[k]])]
        t = float(snapped.frac[k])
        metres = lengths[(min(a, b), max(a, b))] if lengths else 0.0
        for x, y, share in ((a, b, 1 - t), (b, a, t)):
            if (x, y) in cost:
                reference.add_edge(
                    ("from", k), ("at", x, y), weight=share * cost[(x, y)], length=share * metres
                )
                # Arriving at the point: entering x -> y from x, then the rest of the way.
                for prev in turns.predecessors(("at", x, y)) if ("at", x, y) in turns else []:
                    weight = turns[prev][("at", x, y)]["turn"] + (1 - share) * cost[(x, y)]
                    if weight < reference.get_edge_data(prev, ("to", k), {"weight": INF})["weight"]:
                        reference.add_edge(prev, ("to", k), weight=weight, length=(1 - share) * metres)
        # Straight along the same segment.
        for j in range(len(snapped)):
            if snapped.seg[j] == snapped.seg[k]:
                tj = float(snapped.frac[j])
                forward = (a, b) if tj >= t else (b, a)
                if j == k:
                    reference.add_edge(("from", k), ("to", j), weight=0.0, length=0.0)
                elif forward in cost:
                    reference.add_edge(
                        ("from", k),
                        ("to", j),
                        weight=abs(tj - t) * cost[forward],
                        length=abs(tj - t) * metres,
                    )


@dataclass
class DrawnMap:
    """A drawn street map placed on the plane (metres) and on the globe."""

    segments: list[Segment]
    rng: np.random.Generator
    xy: np.ndarray
    lat_lon: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length: np.ndarray
    wf: np.ndarray
    wb: np.ndarray


def place_map(street_map: tuple[int, list[Segment], int]) -> DrawnMap:
    """Place a drawn map at random, rejecting (hypothesis' assume) the maps the comparison does not
    fit: segments under 50 m (the bearing 10 m along a street is then that of its first segment),
    no unique largest strongly connected part, or a loop with no crossing (no turns at all)."""
    n, segments, seed = street_map
    assume(segments)
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 5000, size=(n, 2))
    lat_lon = np.array([to_lat_lon(x, y) for x, y in xy])
    u = np.array([s[0] for s in segments])
    v = np.array([s[1] for s in segments])
    length = haversine_m(lat_lon[u, 1], lat_lon[u, 0], lat_lon[v, 1], lat_lon[v, 0])
    assume(length.min() > 50)
    directed = nx.DiGraph(
        [(a, b) for a, b, f, _ in segments if f < INF] + [(b, a) for a, b, _, r in segments if r < INF]
    )
    components = sorted(nx.strongly_connected_components(directed), key=len, reverse=True)
    assume(len(components[0]) >= 2 and (len(components) == 1 or len(components[0]) > len(components[1])))
    kept_nodes = components[0]
    streets = nx.Graph([(a, b) for a, b, *_ in segments if a in kept_nodes and b in kept_nodes])
    assume(any(d != 2 for _, d in streets.degree))
    wf = np.array([s[2] for s in segments])
    wb = np.array([s[3] for s in segments])
    return DrawnMap(segments, rng, xy, lat_lon, u, v, length, wf, wb)


def points_on_segments(graph: ModeGraph, rng: np.random.Generator, count: int = 6) -> np.ndarray:
    """(lat, lon) of points in the middle of random segments of the graph."""
    pick = rng.choice(graph.segment_count, size=min(count, graph.segment_count), replace=False)
    frac = rng.uniform(0.05, 0.95, size=len(pick))
    lat, lon = graph.shape_lat, graph.shape_lon
    a, b = graph.seg_u[pick], graph.seg_v[pick]
    return np.column_stack([lat[a] + frac * (lat[b] - lat[a]), lon[a] + frac * (lon[b] - lon[a])])
