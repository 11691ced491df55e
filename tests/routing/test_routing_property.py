"""Property tests against networkx's Dijkstra: CSR searches, cutoffs, contraction and snapping."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from routing_osm import to_lat_lon

from vicinato.routing import ModeGraph
from vicinato.routing.search import build_csr, node_table

INF = math.inf


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
        "bike", lat_lon[:, 1], lat_lon[:, 0], u, v, np.ones(len(u)), wf, wb, workers=2
    )
    assert report.nodes_kept == len(kept)
    points = lat_lon[kept]
    got = graph.table(points, points, cutoff)
    for i, source in enumerate(kept):
        lengths = nx.single_source_dijkstra_path_length(core, source, cutoff=cutoff, weight="weight")
        expected = [lengths.get(target, INF) for target in kept]
        assert np.allclose(got[i], expected, atol=1e-6, rtol=0), (source, got[i], expected)
