"""The compiled searches (search.py, _kernels.py) against networkx and scipy on random graphs.

Times must be the same bit for bit: any exact Dijkstra returns, for each node, the smallest
floating-point sum along a path to it, whatever order it settles nodes in. The graphs mix arcs
much shorter than a bucket of the bucket queue (so that states are expanded again), zero-cost
arcs, arcs longer than the cutoff, several heads per source with their own costs, and cutoffs
that fall exactly on a node's time.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from vicinato.routing import search
from vicinato.routing.search import build_csr, kernels, multi_source_search, search_table

INF = math.inf

# Costs from a few seconds' fractions (well under a bucket) to more than any cutoff drawn here,
# with values whose sums round differently depending on the order they are added in.
COSTS = st.one_of(
    st.sampled_from([0.0, 0.1, 0.2, 0.3, 0.7, 1e-9, 1.0, 1.9999999, 2.0, 2.0000001]),
    st.floats(0.0, 5.0, allow_nan=False),
    st.floats(0.0, 400.0, allow_nan=False),
)


@st.composite
def graphs_with_sources(draw: st.DrawFn) -> tuple[int, list[tuple[int, int, float]], np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 25))
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), COSTS), max_size=120))
    k = draw(st.integers(1, 5))
    width = draw(st.integers(1, 4))
    heads = np.array(draw(st.lists(st.integers(0, n - 1), min_size=k * width, max_size=k * width)))
    head_cost = st.one_of(st.just(INF), COSTS)
    costs = np.array(draw(st.lists(head_cost, min_size=k * width, max_size=k * width)))
    return n, edges, heads.reshape(k, width), costs.reshape(k, width)


def _networkx_times(n: int, edges: list, heads: np.ndarray, costs: np.ndarray, limit: float) -> np.ndarray:
    """Multi-source Dijkstra through a virtual source joined to the heads at their costs."""
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n + 1))
    for u, v, w in edges:
        if not graph.has_edge(u, v) or graph[u][v]["weight"] > w:
            graph.add_edge(u, v, weight=w)
    out = np.full((len(heads), n), INF)
    for k in range(len(heads)):
        g = graph.copy()
        for h, c in zip(heads[k], costs[k], strict=True):
            if c < INF and (not g.has_edge(n, h) or g[n][h]["weight"] > c):
                g.add_edge(n, int(h), weight=float(c))
        for node, time in nx.single_source_dijkstra_path_length(g, n, weight="weight").items():
            if node < n and time <= limit:
                out[k, node] = time
    return out


def _scipy_times(csr: sp.csr_matrix, heads: np.ndarray, costs: np.ndarray, limit: float) -> np.ndarray:
    """What search.py did before it was compiled: scipy's Dijkstra from a virtual node per source."""
    n = csr.shape[0]
    out = np.full((len(heads), n), INF)
    for k in range(len(heads)):
        valid = np.isfinite(costs[k])
        indptr = np.concatenate([csr.indptr, [csr.indptr[-1] + valid.sum()]])
        indices = np.concatenate([csr.indices, heads[k][valid]])
        data = np.concatenate([csr.data, costs[k][valid]])
        augmented = sp.csr_matrix((data, indices, indptr), shape=(n + 1, n + 1))
        out[k] = dijkstra(augmented, directed=True, indices=n, limit=limit)[:n]
    return out


def _limits(reference: np.ndarray) -> st.SearchStrategy[float]:
    """Cutoffs: none, arbitrary, and exactly the time of some node (it must be reached)."""
    times = sorted({float(t) for t in reference.ravel() if 0 < t < INF})
    options = [st.just(INF), st.floats(0.0, 300.0, allow_nan=False)]
    if times:
        options.append(st.sampled_from(times))
    return st.one_of(*options)


@settings(max_examples=200, deadline=None)
@given(graphs_with_sources(), st.data())
def test_searches_match_networkx_and_scipy(case: tuple, data: st.DataObject) -> None:
    n, edges, heads, costs = case
    csr = build_csr(n, [e[0] for e in edges], [e[1] for e in edges], [e[2] for e in edges])
    limit = data.draw(_limits(_networkx_times(n, edges, heads, costs, INF)))
    expected = _networkx_times(n, edges, heads, costs, limit)
    unique_heads = all(len(set(row)) == len(row) for row in heads.tolist())
    if unique_heads:  # scipy sums duplicate entries of a row, which the virtual node would have
        assert np.array_equal(_scipy_times(csr, heads, costs, limit), expected)
    for workers in (1, 2):
        got = multi_source_search(csr, heads, costs, limit, workers=workers)
        assert np.array_equal(got, expected), (limit, got, expected)
    # The bucket queue running out of entries hands over to the heap, with the same result.
    if limit >= 0:
        scale, n_buckets = search._buckets(limit)
        for capacity in (0, 1, 3):
            out = np.empty((len(heads), n))
            kernels().search_rows(search._arrays(csr), heads, costs, limit, scale, n_buckets, out, capacity)
            assert np.array_equal(out, expected)


@settings(max_examples=200, deadline=None)
@given(graphs_with_sources(), st.data())
def test_tables_read_the_search_times(case: tuple, data: st.DataObject) -> None:
    """search_table() = dense searches, each reader's minimum over its (state, cost) entries
    computed in the table's dtype, inf past the limit; states left out of the search completed."""
    n, edges, heads, costs = case
    csr = build_csr(n, [e[0] for e in edges], [e[1] for e in edges], [e[2] for e in edges])
    limit = data.draw(_limits(_networkx_times(n, edges, heads, costs, INF)))
    readers = data.draw(st.integers(1, 12))
    width = data.draw(st.integers(1, 5))
    read_heads = np.array(
        data.draw(st.lists(st.integers(0, n - 1), min_size=readers * width, max_size=readers * width))
    )
    read_heads = read_heads.reshape(readers, width)
    entry = st.one_of(st.just(INF), COSTS)
    read_costs = np.array(data.draw(st.lists(entry, min_size=readers * width, max_size=readers * width)))
    read_costs = read_costs.reshape(readers, width)
    # Up to two groups of states "left out": their times become the best of where they lead,
    # which is never a state of the same group (as in states.py; the second may lead to the first).
    groups = []
    left = np.zeros(n, dtype=bool)
    for _ in range(data.draw(st.integers(0, 2))):
        states = np.array(sorted(set(data.draw(st.lists(st.integers(0, n - 1), max_size=4)))), dtype=np.int64)
        states = states[~left[states]]
        others = np.setdiff1d(np.arange(n), states)
        if groups and len(groups[0][0]) and data.draw(st.booleans()):
            others = groups[0][0]  # the second group leading to the first
        if len(others) == 0:
            continue
        left[states] = True
        leads = max(1, data.draw(st.integers(1, 3)))
        picks = data.draw(
            st.lists(
                st.integers(0, len(others) - 1), min_size=len(states) * leads, max_size=len(states) * leads
            )
        )
        nxt = others[np.array(picks, dtype=np.int64)]
        cost = np.array(
            data.draw(st.lists(entry, min_size=len(states) * leads, max_size=len(states) * leads))
        )
        groups.append((states, nxt.reshape(len(states), leads), cost.reshape(len(states), leads)))
    # Sparse extra entries (reader, state, cost), as tables give points exactly at a junction.
    extras = data.draw(
        st.lists(st.tuples(st.integers(0, readers - 1), st.integers(0, n - 1), entry), max_size=6)
    )
    read_extras = (
        np.array([e[0] for e in extras], dtype=np.int64),
        np.array([e[1] for e in extras], dtype=np.int64),
        np.array([e[2] for e in extras], dtype=np.float64),
    )
    dense = _networkx_times(n, edges, heads, costs, limit)
    for states, nxt, cost in groups:  # in order, each group from the times before it
        before = dense.copy()
        for i, s in enumerate(states):
            best = before[:, s].copy()
            for j in range(nxt.shape[1]):
                best = np.minimum(best, before[:, nxt[i, j]] + cost[i, j])
            best[best > limit] = INF
            dense[:, s] = best
    for dtype in (np.float64, np.float32):
        block = dense.astype(dtype)
        expected = np.full((len(heads), readers), INF, dtype=dtype)
        for r in range(readers):
            for j in range(width):
                expected[:, r] = np.minimum(
                    expected[:, r], block[:, read_heads[r, j]] + read_costs[r, j].astype(dtype)
                )
        for r, state, cost in extras:
            expected[:, r] = np.minimum(expected[:, r], block[:, state] + np.float64(cost).astype(dtype))
        expected[expected > limit] = INF
        for workers in (1, 2):
            got = search_table(
                csr,
                heads,
                costs,
                limit,
                read_heads,
                read_costs,
                read_extras=read_extras,
                dtype=dtype,
                left_out=groups,
                workers=workers,
            )
            assert got.dtype == dtype
            assert np.array_equal(got, expected), (dtype, limit, got, expected)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_nearest_segments_matches_the_numpy_expression(data: st.DataObject) -> None:
    """The compiled snapping step does the numpy arithmetic it replaced, operation by operation."""
    segments = data.draw(st.integers(1, 12))
    points = data.draw(st.integers(1, 12))
    k = data.draw(st.integers(1, 6))
    coordinate = st.one_of(st.floats(-5000, 5000, allow_nan=False), st.sampled_from([0.0, 1.0, 0.1, 1e-9]))
    xy = np.array(data.draw(st.lists(coordinate, min_size=4 * segments, max_size=4 * segments))).reshape(
        -1, 4
    )
    xu, yu = xy[:, 0].copy(), xy[:, 1].copy()
    dx, dy = xy[:, 2] - xu, xy[:, 3] - yu
    if data.draw(st.booleans()):
        dx[0] = dy[0] = 0.0  # a segment of length 0
    pxy = np.array(data.draw(st.lists(coordinate, min_size=2 * points, max_size=2 * points))).reshape(-1, 2)
    x, y = pxy[:, 0].copy(), pxy[:, 1].copy()
    cand = np.array(
        data.draw(st.lists(st.integers(0, segments - 1), min_size=points * k, max_size=points * k))
    )
    cand = cand.reshape(points, k)
    # The expression graph.snap_many used before.
    cx, cy, cdx, cdy = xu[cand], yu[cand], dx[cand], dy[cand]
    px = x[:, None] - cx
    py = y[:, None] - cy
    len2 = cdx * cdx + cdy * cdy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(len2 > 0, (px * cdx + py * cdy) / len2, 0.0)
    t = np.clip(t, 0.0, 1.0)
    dist = np.hypot(px - t * cdx, py - t * cdy)
    best = np.argmin(dist, axis=1)
    rows = np.arange(points)
    # The kernel takes the points in some order, with their candidates as sample indices.
    order = np.array(data.draw(st.permutations(range(points))), dtype=np.int64)
    sample_seg = np.arange(segments, dtype=np.int64)[::-1].copy()
    neighbours = (segments - 1 - cand)[order]
    seg, frac, dist_m = np.empty(points, dtype=np.int64), np.empty(points), np.empty(points)
    kernels().nearest_segments(x, y, order, neighbours, sample_seg, xu, yu, dx, dy, seg, frac, dist_m)
    assert np.array_equal(seg, cand[rows, best])
    assert np.array_equal(frac, t[rows, best])
    assert np.array_equal(dist_m, dist[rows, best])


def test_bad_input_is_refused() -> None:
    csr = build_csr(3, [0, 1], [1, 2], [1.0, 2.0])
    with pytest.raises(ValueError, match="negative"):
        build_csr(2, [0], [1], [-1.0])
    with pytest.raises(ValueError, match="negative"):
        multi_source_search(csr, [[0]], [[-1.0]], 10.0)
    with pytest.raises(ValueError, match="states of the graph"):
        multi_source_search(csr, [[3]], [[0.0]], 10.0)
    with pytest.raises(ValueError, match="states of the graph"):
        search_table(csr, [[0]], [[0.0]], 10.0, [[5]], [[0.0]])
    with pytest.raises(ValueError, match="belong to readers"):
        search_table(csr, [[0]], [[0.0]], 10.0, [[1]], [[0.0]], read_extras=([1], [2], [0.0]))
    with pytest.raises(ValueError, match="Left-out states"):
        search_table(csr, [[0]], [[0.0]], 10.0, [[1]], [[0.0]], left_out=[([1], [[7]], [[0.0]])])
    with pytest.raises(ValueError, match="float32 or float64"):
        search_table(csr, [[0]], [[0.0]], 10.0, [[1]], [[0.0]], dtype=np.int32)


def test_no_sources_or_no_readers() -> None:
    csr = build_csr(3, [0, 1], [1, 2], [1.0, 2.0])
    assert multi_source_search(csr, np.empty((0, 2), dtype=np.int64), np.empty((0, 2)), 5.0).shape == (0, 3)
    assert search_table(
        csr, [[0]], [[0.0]], 5.0, np.empty((0, 2), dtype=np.int64), np.empty((0, 2))
    ).shape == (1, 0)
    assert np.array_equal(
        search_table(csr, [[0]], [[0.5]], 5.0, [2, 1, 0], [0.0, 0.0, 0.0]), [[3.5, 1.5, 0.5]]
    )


def test_long_limits_share_the_last_bucket_and_agree_with_the_heap() -> None:
    """Times past the buckets (36 hours), and searches without a limit, go to the last bucket, a
    first-in first-out queue; the times are those of the heap, on arcs of minutes or of days."""
    assert search._buckets(1e9)[1] == search.MAX_BUCKETS == search._buckets(INF)[1]
    assert search._buckets(1800.0)[1] == 901 and search._buckets(-1.0)[1] == 0
    rng = np.random.default_rng(7)
    n = 300
    rows, cols = rng.integers(0, n, 2000), rng.integers(0, n, 2000)
    heads = rng.integers(0, n, (10, 2))
    for unit in (1.0, 86_400.0):
        csr = build_csr(n, rows, cols, rng.uniform(0, 50, 2000) * unit)
        costs = rng.uniform(0, 20, (10, 2)) * unit
        for limit in (INF, 1e9, 60.0 * unit):
            heap = np.empty((len(heads), n))
            kernels().search_rows(search._arrays(csr), heads, costs, limit, 0.5, 0, heap, -1)
            assert np.array_equal(multi_source_search(csr, heads, costs, limit), heap)
        unbounded = multi_source_search(csr, heads, costs, INF)
        bounded = multi_source_search(csr, heads, costs, 60.0 * unit)
        assert np.array_equal(bounded, np.where(unbounded <= 60.0 * unit, unbounded, INF))


@pytest.mark.parametrize("seed", range(40))
def test_larger_random_graphs_match_scipy(seed: int) -> None:
    """Hundreds of nodes, many arcs shorter than a bucket (so that the bucket queue expands states
    before their time is final and has to expand them again), cutoffs on node times."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(50, 400))
    m = int(n * rng.uniform(2, 6))
    short = rng.uniform(0, 2.5, m)
    long = rng.uniform(0, 120, m)
    weights = np.where(rng.random(m) < rng.uniform(0.1, 0.9), short, long)
    weights[rng.random(m) < 0.02] = 0.0
    rows, cols = rng.integers(0, n, m), rng.integers(0, n, m)
    csr = build_csr(n, rows, cols, weights)
    k = 12
    heads = np.stack([rng.choice(n, 3, replace=False) for _ in range(k)])
    costs = np.where(rng.random((k, 3)) < 0.2, INF, rng.uniform(0, 30, (k, 3)))
    unbounded = _scipy_times(csr, heads, costs, INF)
    reached = unbounded[np.isfinite(unbounded)]
    limits = [INF, float(rng.uniform(0, 200))]
    if len(reached):
        limits += [float(x) for x in rng.choice(reached, 3)]
    for limit in limits:
        expected = _scipy_times(csr, heads, costs, limit)
        assert np.array_equal(multi_source_search(csr, heads, costs, limit, workers=2), expected)
        table = search_table(csr, heads, costs, limit, np.arange(n)[:, None], np.zeros((n, 1)), workers=2)
        assert np.array_equal(table, expected)
