"""Compact graphs (CSR arrays) and bounded shortest-path searches on them with scipy's Dijkstra."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

# Times are compared with this slack (seconds) so that a place exactly at the cutoff is reached
# whatever the order in which floating-point costs were added up.
TIME_TOLERANCE_S = 1e-6

# Upper bound on the dense distance block one search batch may allocate (bytes). Below glibc's
# largest mmap threshold (32 MiB) freed blocks are reused by the next batch instead of being
# mapped afresh, which on this kind of virtual machine costs more in page faults than the search.
_BLOCK_BYTES = 24 * 1024 * 1024


def build_csr(n: int, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray) -> sp.csr_matrix:
    """An n×n CSR matrix of directed edges, keeping the cheapest of parallel edges.

    scipy would add up duplicate entries; for travel times the right merge is the minimum.
    Zero weights stay explicit edges (scipy's csgraph treats explicit zeros as edges).
    """
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.float64)
    keep = np.isfinite(weights)
    rows, cols, weights = rows[keep], cols[keep], weights[keep]
    order = np.lexsort((weights, cols, rows))
    rows, cols, weights = rows[order], cols[order], weights[order]
    if len(rows):
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        rows, cols, weights = rows[first], cols[first], weights[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return sp.csr_matrix((weights, cols.astype(np.int32), indptr.astype(np.int32)), shape=(n, n))


def transpose_csr(graph: sp.csr_matrix) -> sp.csr_matrix:
    """The graph with every edge reversed, as CSR (for searches towards a target)."""
    n = graph.shape[0]
    rows = np.repeat(np.arange(n), np.diff(graph.indptr))
    return build_csr(n, graph.indices, rows, graph.data)


def multi_source_search(
    graph: sp.csr_matrix,
    heads: np.ndarray,
    head_costs: np.ndarray,
    limit: float,
    *,
    workers: int = 1,
    consume: Callable[[slice, np.ndarray], None] | None = None,
) -> np.ndarray | None:
    """Bounded Dijkstra from K virtual sources, each joined to a few graph nodes at given costs.

    heads[k] are the graph nodes source k starts from, head_costs[k] what it costs to get there
    (inf for a head that cannot be used). This is how a point in the middle of a street starts a
    search: from both ends of its street, each at its partial cost. Each batch of sources becomes a
    few extra rows appended to the CSR arrays (no copy of the graph is modified), and one scipy
    call searches them, stopping at `limit` seconds.

    Returns the (K, n) times, inf beyond the limit, or, when `consume` is given, calls
    consume(batch_slice, times_block) per batch and returns None (to keep memory bounded).
    scipy's Dijkstra holds the GIL, so `workers` threads overlap one batch's search with the
    numpy work of the others (the consumers), not two searches.
    """
    heads = np.asarray(heads, dtype=np.int64).reshape(len(heads), -1)
    head_costs = np.asarray(head_costs, dtype=np.float64).reshape(heads.shape)
    n = graph.shape[0]
    k_total = len(heads)
    batch = max(1, min(256, _BLOCK_BYTES // (8 * (n + 256))))
    if workers > 1:
        # Give every worker something to do even for a few hundred sources.
        batch = max(1, min(batch, -(-k_total // (2 * workers))))
    batches = [slice(start, min(k_total, start + batch)) for start in range(0, k_total, batch)]
    out = None if consume is not None else np.empty((k_total, n))
    base_end = graph.indptr[-1]

    def run(part: slice) -> None:
        h = heads[part]
        c = head_costs[part]
        k = len(h)
        valid = np.isfinite(c)
        indptr = np.concatenate([graph.indptr, base_end + np.cumsum(valid.sum(axis=1))]).astype(np.int32)
        indices = np.concatenate([graph.indices, h[valid]]).astype(np.int32)
        data = np.concatenate([graph.data, c[valid]])
        augmented = sp.csr_matrix((data, indices, indptr), shape=(n + k, n + k))
        times = dijkstra(augmented, directed=True, indices=np.arange(n, n + k), limit=limit)[:, :n]
        # Consumers run in the worker thread too: numpy's gathers and ufuncs release the GIL,
        # and every batch writes its own slice of the output.
        if consume is not None:
            consume(part, times)
        else:
            assert out is not None
            out[part] = times

    if workers > 1 and len(batches) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for _ in pool.map(run, batches):
                pass
    else:
        for part in batches:
            run(part)
    return out


def node_table(
    graph: sp.csr_matrix,
    origins: Sequence[int] | np.ndarray,
    targets: Sequence[int] | np.ndarray,
    cutoff_s: float,
    *,
    reverse: bool | None = None,
    graph_t: sp.csr_matrix | None = None,
    workers: int = 1,
) -> np.ndarray:
    """Travel times between graph nodes (origins × targets), inf where over the cutoff.

    With reverse=True it searches backwards from each target on the transposed graph and then
    reads one value per origin; with reverse=False forwards from each origin. By default it does
    whichever needs fewer searches.
    """
    origins = np.asarray(origins, dtype=np.int64)
    targets = np.asarray(targets, dtype=np.int64)
    if reverse is None:
        reverse = len(targets) <= len(origins)
    limit = cutoff_s + TIME_TOLERANCE_S
    if reverse:
        transposed = graph_t if graph_t is not None else transpose_csr(graph)
        times = multi_source_search(
            transposed, targets[:, None], np.zeros((len(targets), 1)), limit, workers=workers
        )
        assert times is not None
        table = times[:, origins].T
    else:
        times = multi_source_search(
            graph, origins[:, None], np.zeros((len(origins), 1)), limit, workers=workers
        )
        assert times is not None
        table = times[:, targets]
    table = np.ascontiguousarray(table)
    table[table > limit] = np.inf
    return table
