"""Property tests against networkx's Dijkstra: CSR searches, cutoffs, contraction and snapping."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from routing_osm import to_lat_lon
from turn_reference import add_points, line_graph, place_map, points_on_segments, turn_maps

from vicinato.routing import ModeGraph, RoutingSettings
from vicinato.routing.search import TableLengths, build_csr, build_csr_lengths, node_table, search_table

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


@settings(max_examples=150, deadline=None)
@given(directed_graphs(), st.integers(0, 200), st.data())
def test_table_metres_are_those_of_a_fastest_path(
    graph: tuple[int, list], cutoff: int, data: st.DataObject
) -> None:
    n, edges = graph
    # Times of at least 1 (no free cycles, so that networkx lists the fastest paths), random lengths.
    edges = [(u, v, w + 1) for u, v, w in edges]
    lengths = data.draw(st.lists(st.integers(1, 500), min_size=len(edges), max_size=len(edges)))
    rows, cols = [e[0] for e in edges], [e[1] for e in edges]
    csr, csr_len = build_csr_lengths(n, rows, cols, [e[2] for e in edges], lengths)
    csr_t, csr_t_len = build_csr_lengths(n, cols, rows, [e[2] for e in edges], lengths)
    reference = nx.DiGraph()
    reference.add_nodes_from(range(n))
    for (u, v, w), length in zip(edges, lengths, strict=True):
        if not reference.has_edge(u, v) or (w, length) < (
            reference[u][v]["weight"],
            reference[u][v]["length"],
        ):
            reference.add_edge(u, v, weight=w, length=length)
    origins = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=6))
    targets = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=6))
    for reverse in (False, True):
        searched, read = (targets, origins) if reverse else (origins, targets)
        metres = np.empty((len(searched), len(read)))
        zeros = np.zeros((len(searched), 1))
        times = search_table(
            csr_t if reverse else csr,
            np.array(searched)[:, None],
            zeros,
            cutoff + 1e-6,
            np.array(read)[:, None],
            np.zeros((len(read), 1)),
            lengths=TableLengths(csr_t_len if reverse else csr_len, zeros, np.zeros(len(read))),
            metres_out=metres,
            workers=2,
        )
        if reverse:
            times, metres = times.T, metres.T
        for i, o in enumerate(origins):
            best = nx.single_source_dijkstra_path_length(reference, o, cutoff=cutoff, weight="weight")
            for j, target in enumerate(targets):
                assert times[i, j] == best.get(target, INF)
                if target not in best:
                    assert metres[i, j] == INF
                    continue
                fastest = nx.all_shortest_paths(reference, o, target, weight="weight")
                options = {sum(reference[a][b]["length"] for a, b in itertools.pairwise(p)) for p in fastest}
                assert metres[i, j] in options, (reverse, o, target, metres[i, j], options)


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
    m = place_map(street_map)
    settings_ = RoutingSettings(
        bike_turn_penalty_s=penalty, bike_turn_bias=bias, bike_u_turn_penalty_s=u_turn
    )

    def bike_turn(angle: float, u_turn: bool) -> float:
        bias = 1 / settings_.bike_turn_bias if angle >= 0 else settings_.bike_turn_bias
        u_turn_s = settings_.bike_u_turn_penalty_s if u_turn else 0.0
        return (angle / 90) ** 2 * settings_.bike_turn_penalty_s * bias + u_turn_s

    reference, kept, cost, _ = line_graph(m.xy, m.segments, bike_turn)
    graph, _ = ModeGraph.from_segments(
        "bike",
        m.lat_lon[:, 1],
        m.lat_lon[:, 0],
        m.u,
        m.v,
        m.length,
        m.wf,
        m.wb,
        settings=settings_,
        workers=2,
    )
    assert graph.turn_costs
    points = points_on_segments(graph, m.rng)
    snapped = graph.snap_many(points)
    add_points(reference, graph, snapped, kept, cost)
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
