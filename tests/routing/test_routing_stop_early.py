"""Tables whose searches end once the cells' states are final (ModeGraph.search_whole = False, the default)
give the same cells, bit for bit, seconds and metres, as searching the whole graph: on the Milan extract the
product ships (car, bike, walk) and on small random graphs full of equal times."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import scipy.sparse as sp

from vicinato.routing import Network, search
from vicinato.routing.graph import ModeGraph

# The streets of the demo city (lat, lat, lon, lon), where the calculator's points fall.
BOX = (45.42, 45.52, 9.10, 9.26)


def _whole(graph: ModeGraph) -> ModeGraph:
    reference = copy.copy(graph)
    reference.search_whole = True
    return reference


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a.view(np.int64), b.view(np.int64))


def _points(rng: np.random.Generator, count: int) -> np.ndarray:
    return np.column_stack([rng.uniform(BOX[0], BOX[1], count), rng.uniform(BOX[2], BOX[3], count)])


@pytest.mark.parametrize("mode", ["car", "bike", "walk"])
def test_milan_tables_as_whole_searches(milan: Network, mode: str) -> None:
    graph = milan.graph(mode)
    whole = _whole(graph)
    assert not graph.search_whole
    rng = np.random.default_rng(15)
    # The calculator's shapes: one home to a place and a workplace (forward), both back home (reverse),
    # for 150 random homes, places and workplaces; then bigger tables both ways.
    homes, places, works = _points(rng, 150), _points(rng, 150), _points(rng, 150)
    reached = 0
    for home, place, work in zip(homes, places, works, strict=True):
        for origins, destinations in (([home], [place, work]), ([place, work], [home])):
            fast = graph.trip_table(origins, destinations, strict=False)
            slow = whole.trip_table(origins, destinations, strict=False)
            assert _same_bits(fast.seconds, slow.seconds) and _same_bits(fast.metres, slow.metres)
            reached += int(np.isfinite(fast.seconds).sum())
    assert reached > 0.9 * 150 * 4  # nearly every trip has a route: the comparison is not of infinities
    origins, destinations = _points(rng, 12), _points(rng, 30)
    for a, b in ((origins, destinations), (destinations, origins)):
        fast, slow = graph.trip_table(a, b, strict=False), whole.trip_table(a, b, strict=False)
        assert _same_bits(fast.seconds, slow.seconds) and _same_bits(fast.metres, slow.metres)
        # With a cutoff: readers beyond it are never timed, so those searches go to the cutoff.
        assert _same_bits(graph.table(a, b, 1200, strict=False), whole.table(a, b, 1200, strict=False))


@pytest.mark.parametrize("seed", range(24))
def test_random_graphs_with_ties(seed: int) -> None:
    """Small integer costs make many paths equally fast: the lengths (of the first fastest path found) and
    the times still match the whole search's, with readers read at several states and extra entries."""
    rng = np.random.default_rng(seed)
    n, m = 300, 1400
    rows, cols = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = rows != cols
    csr = sp.csr_matrix(
        (rng.integers(0, 4, keep.sum()).astype(float), (rows[keep], cols[keep])), shape=(n, n)
    )
    csr.sum_duplicates()
    lengths = rng.integers(1, 50, csr.nnz).astype(float)
    k, r = 6, 9
    heads = rng.integers(0, n, (k, 2))
    costs = rng.integers(0, 3, (k, 2)).astype(float)
    read_heads = rng.integers(0, n, (r, 2))
    read_costs = rng.integers(0, 3, (r, 2)).astype(float)
    read_costs[rng.random((r, 2)) < 0.2] = np.inf
    extras = (rng.integers(0, r, 4), rng.integers(0, n, 4), rng.integers(0, 3, 4).astype(float))
    tables = []
    for stop_early in (False, True):
        metres = np.empty((k, r))
        lengths_in = search.TableLengths(
            arcs=lengths, heads=np.zeros((k, 2)), reads=np.zeros((r, 2)), extras=np.zeros(4)
        )
        out = search.search_table(
            csr, heads, costs, np.inf, read_heads, read_costs,
            read_extras=extras, lengths=lengths_in, metres_out=metres, stop_early=stop_early,
        )  # fmt: skip
        tables.append((out, metres))
    (slow, slow_m), (fast, fast_m) = tables
    assert _same_bits(fast, slow) and _same_bits(fast_m, slow_m)
    assert np.isfinite(fast).any()
