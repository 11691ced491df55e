"""Property tests against networkx's Dijkstra: CSR searches, cutoffs, contraction and snapping."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from routing_osm import to_lat_lon

from vicinato.routing import ModeGraph, RoutingSettings
from vicinato.routing.projection import haversine_m
from vicinato.routing.search import build_csr, node_table

INF = math.inf
NO_TURNS = RoutingSettings(bike_turn_penalty_s=0, bike_u_turn_penalty_s=0)


def _reference(n: int, edges: list[tuple[int, int, float]]) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n))
    for u, v, w in edges:
        if not graph.has_edge(u, v) or graph[u][v]["weight"] > w:
            graph.add_edge(u, v, weight=w)
    return graph


@st.composite
def directed_graphs(draw: st.DrawFn) -> tuple[int, list[tuple[int, int, float]]]:
    n = draw(st.integers(1, 30))
    edges = draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(0, 60)), max_size=150)
    )
    return n, [(u, v, float(w)) for u, v, w in edges]


@settings(max_examples=150, deadline=None)
@given(directed_graphs(), st.integers(0, 200), st.data())
def test_node_table_matches_networkx(graph: tuple[int, list], cutoff: int, data: st.DataObject) -> None:
    n, edges = graph
    csr = build_csr(n, [e[0] for e in edges], [e[1] for e in edges], [e[2] for e in edges])
    origins = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=8))
    targets = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=8))
    reference = _reference(n, edges)
    expected = np.full((len(origins), len(targets)), INF)
    for i, o in enumerate(origins):
        lengths = nx.single_source_dijkstra_path_length(reference, o, cutoff=cutoff, weight="weight")
        for j, t in enumerate(targets):
            expected[i, j] = lengths.get(t, INF)
    for reverse in (True, False):
        got = node_table(csr, origins, targets, cutoff, reverse=reverse, workers=2)
        assert np.array_equal(got, expected), (reverse, got, expected)


@st.composite
def street_maps(draw: st.DrawFn) -> tuple[int, list[tuple[int, int, float, float]], int]:
    """Ways drawn as paths over n nodes, each segment with a forward and a backward cost (inf = closed)."""
    n = draw(st.integers(2, 14))
    paths = draw(st.lists(st.lists(st.integers(0, n - 1), min_size=2, max_size=7), min_size=1, max_size=9))
    cost = st.one_of(st.just(INF), st.integers(0, 40).map(float))
    segments = []
    for path in paths:
        oneway = draw(st.sampled_from(["both", "forward", "backward", "mixed"]))
        for u, v in zip(path[:-1], path[1:], strict=True):
            if u == v:
                continue
            wf, wb = float(draw(st.integers(0, 40))), float(draw(st.integers(0, 40)))
            if oneway == "forward":
                wb = INF
            elif oneway == "backward":
                wf = INF
            elif oneway == "mixed":
                wf, wb = draw(cost), draw(cost)
                if wf == INF and wb == INF:
                    wf = 1.0
            segments.append((u, v, wf, wb))
    seed = draw(st.integers(0, 2**31 - 1))
    return n, segments, seed


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(street_maps(), st.integers(0, 120))
def test_contracted_graph_with_snapping_matches_networkx(
    street_map: tuple[int, list, int], cutoff: int
) -> None:
    n, segments, seed = street_map
    assume(segments)
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 5000, size=(n, 2))
    lat_lon = np.array([to_lat_lon(x, y) for x, y in xy])
    u = np.array([s[0] for s in segments])
    v = np.array([s[1] for s in segments])
    wf = np.array([s[2] for s in segments])
    wb = np.array([s[3] for s in segments])
    edges = [(a, b, f) for a, b, f, _ in segments if f < INF] + [
        (b, a, r) for a, b, _, r in segments if r < INF
    ]
    reference = _reference(n, edges)
    reference.remove_nodes_from([node for node in range(n) if reference.degree(node) == 0])
    components = sorted(nx.strongly_connected_components(reference), key=len, reverse=True)
    assume(len(components) == 1 or len(components[0]) > len(components[1]))  # a unique largest one
    kept = sorted(components[0])
    assume(len(kept) >= 2)
    core = reference.subgraph(kept)
    graph, report = ModeGraph.from_segments(
        "bike", lat_lon[:, 1], lat_lon[:, 0], u, v, np.ones(len(u)), wf, wb, settings=NO_TURNS, workers=2
    )
    assert report.nodes_kept == len(kept)
    points = lat_lon[kept]
    got = graph.table(points, points, cutoff)
    for i, source in enumerate(kept):
        lengths = nx.single_source_dijkstra_path_length(core, source, cutoff=cutoff, weight="weight")
        expected = [lengths.get(target, INF) for target in kept]
        assert np.allclose(got[i], expected, atol=1e-6, rtol=0), (source, got[i], expected)


def _bearing(a: np.ndarray, b: np.ndarray) -> float:
    return math.degrees(math.atan2(b[0] - a[0], b[1] - a[1])) % 360.0


def _turn_reference(
    xy: np.ndarray, segments: list[tuple[int, int, float, float]], settings: RoutingSettings
) -> tuple[nx.DiGraph, list[int], dict[tuple[int, int], tuple[float, float]]]:
    """The cycling graph with turns built straight from the segments, independently of graph.py.

    Nodes ("at", a, b): arrived at OSM node b riding the segment a -> b. At a node touching two
    segments one rides on (no turn, no U-turn); elsewhere every turn costs OSRM's function of the
    angle between the segments, and U-turns exist only at dead ends or where a single street
    leaves or at most one arrives (streets followed through two-segment nodes).
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
        """Whether one can ride from junction a through b and on to the next junction."""
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
            if (b, c) not in cost:
                continue
            if degree[b] == 2:
                if c == a:
                    continue
                turn = 0.0
            else:
                u_turn = c == a
                if u_turn and not (degree[b] == 1 or exits[b] == 1 or entries[b] <= 1):
                    continue
                angle = (_bearing(xy[b], xy[c]) - _bearing(xy[a], xy[b]) + 180.0) % 360.0 - 180.0
                if u_turn or angle == -180.0:
                    angle = 180.0
                bias = 1 / settings.bike_turn_bias if angle >= 0 else settings.bike_turn_bias
                turn = (angle / 90) ** 2 * settings.bike_turn_penalty_s * bias
                turn += settings.bike_u_turn_penalty_s if u_turn else 0.0
            graph.add_edge(("at", a, b), ("at", b, c), weight=turn + cost[(b, c)], turn=turn)
    return graph, sorted(kept), cost


@st.composite
def turn_maps(draw: st.DrawFn) -> tuple[int, list[tuple[int, int, float, float]], int]:
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


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    turn_maps(),
    st.floats(0.5, 20),
    st.sampled_from([1.0, 1.4, 2.0]),
    st.sampled_from([0.0, 5.0, 20.0]),
    st.integers(0, 400),
)
def test_turn_costs_match_networkx_on_the_line_graph(
    street_map: tuple[int, list, int], penalty: float, bias: float, u_turn: float, cutoff: int
) -> None:
    n, segments, seed = street_map
    assume(segments)
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 5000, size=(n, 2))
    lat_lon = np.array([to_lat_lon(x, y) for x, y in xy])
    u = np.array([s[0] for s in segments])
    v = np.array([s[1] for s in segments])
    length = haversine_m(lat_lon[u, 1], lat_lon[u, 0], lat_lon[v, 1], lat_lon[v, 0])
    assume(length.min() > 50)  # so that the bearing 10 m along a street is that of its first segment
    directed = nx.DiGraph(
        [(a, b) for a, b, f, _ in segments if f < INF] + [(b, a) for a, b, _, r in segments if r < INF]
    )
    components = sorted(nx.strongly_connected_components(directed), key=len, reverse=True)
    assume(len(components[0]) >= 2 and (len(components) == 1 or len(components[0]) > len(components[1])))
    kept_nodes = components[0]
    streets = nx.Graph([(a, b) for a, b, *_ in segments if a in kept_nodes and b in kept_nodes])
    assume(any(d != 2 for _, d in streets.degree))  # a loop with no crossing has no turns at all
    settings_ = RoutingSettings(
        bike_turn_penalty_s=penalty, bike_turn_bias=bias, bike_u_turn_penalty_s=u_turn
    )
    reference, kept, cost = _turn_reference(xy, segments, settings_)
    wf = np.array([s[2] for s in segments])
    wb = np.array([s[3] for s in segments])
    graph, _ = ModeGraph.from_segments(
        "bike", lat_lon[:, 1], lat_lon[:, 0], u, v, length, wf, wb, settings=settings_, workers=2
    )
    assert graph.turn_costs
    # Points in the middle of random segments of the kept part, snapped by the graph itself.
    pick = rng.choice(graph.segment_count, size=min(6, graph.segment_count), replace=False)
    frac = rng.uniform(0.05, 0.95, size=len(pick))
    shape_lat, shape_lon = graph.shape_lat, graph.shape_lon
    a_i, b_i = graph.seg_u[pick], graph.seg_v[pick]
    points = np.column_stack(
        [
            shape_lat[a_i] + frac * (shape_lat[b_i] - shape_lat[a_i]),
            shape_lon[a_i] + frac * (shape_lon[b_i] - shape_lon[a_i]),
        ]
    )
    snapped = graph.snap_many(points)
    turns = reference.copy()
    for k in range(len(points)):
        a, b = kept[int(graph.seg_u[snapped.seg[k]])], kept[int(graph.seg_v[snapped.seg[k]])]
        t = float(snapped.frac[k])
        for x, y, share in ((a, b, 1 - t), (b, a, t)):
            if (x, y) in cost:
                reference.add_edge(("from", k), ("at", x, y), weight=share * cost[(x, y)])
                # Arriving at the point: entering x -> y from x, riding the rest of the way.
                for prev in turns.predecessors(("at", x, y)) if ("at", x, y) in turns else []:
                    turn = turns[prev][("at", x, y)]["turn"]
                    reference.add_edge(
                        prev,
                        ("to", k),
                        weight=min(
                            reference.get_edge_data(prev, ("to", k), {"weight": INF})["weight"],
                            turn + (1 - share) * cost[(x, y)],
                        ),
                    )
        # Straight along the same segment.
        for j in range(len(points)):
            if snapped.seg[j] == snapped.seg[k]:
                tj = float(snapped.frac[j])
                forward = (a, b) if tj >= t else (b, a)
                if j == k:
                    reference.add_edge(("from", k), ("to", j), weight=0.0)
                elif forward in cost:
                    reference.add_edge(("from", k), ("to", j), weight=abs(tj - t) * cost[forward])
    got = graph.table(points, points, cutoff)
    snap = graph.snap_cost(snapped)
    for k in range(len(points)):
        lengths = nx.single_source_dijkstra_path_length(reference, ("from", k), weight="weight")
        expected = np.array([lengths.get(("to", j), INF) + snap[k] + snap[j] for j in range(len(points))])
        expected[expected > cutoff + 1e-6] = INF
        assert np.array_equal(np.isfinite(got[k]), np.isfinite(expected)), (k, got[k], expected)
        # Bearings here come from the metres drawn, the graph's from lon/lat on its own plane: 0.05 s
        # absorbs that projection difference; any wrong turn or missing U-turn costs seconds.
        assert np.allclose(got[k][np.isfinite(expected)], expected[np.isfinite(expected)], atol=0.05), (
            k,
            got[k],
            expected,
        )
