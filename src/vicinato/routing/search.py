"""Compact graphs (CSR arrays) and bounded shortest-path searches on them (compiled: _kernels.py)."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import ModuleType

import numpy as np
import scipy.sparse as sp

# Times are compared with this slack (seconds) so that a place exactly at the cutoff is reached
# whatever the order in which floating-point costs were added up.
TIME_TOLERANCE_S = 1e-6

# Width of the buckets of the bucket queue (seconds): most street arcs are longer, so states are
# seldom expanded twice, and a 30-minute search scans under a thousand buckets. Times past
# MAX_BUCKETS buckets (36 hours), and searches without a limit, share the last bucket.
BUCKET_WIDTH_S = 2.0
MAX_BUCKETS = 1 << 16

# Upper bound on the dense block of times one batch of searches may allocate (bytes), for the
# callers that consume whole rows of times (ReachIndex, isochrones).
_BLOCK_BYTES = 24 * 1024 * 1024

_kernels_module: ModuleType | None = None
_kernels_lock = threading.Lock()


def kernels() -> ModuleType:
    """The compiled kernels, imported (and compiled, or loaded from numba's cache) on first use, so
    that importing vicinato.routing stays cheap for the processes that never search. numba caches
    beside _kernels.py, else in the user's cache directory (NUMBA_CACHE_DIR overrides both); where
    neither is writable, in the system's temporary directory."""
    global _kernels_module
    if _kernels_module is None:
        with _kernels_lock:
            if _kernels_module is None:
                try:
                    from . import _kernels
                except RuntimeError as error:  # numba found no writable place for its cache
                    if "no locator available" not in str(error):
                        raise
                    import numba

                    numba.config.CACHE_DIR = os.path.join(tempfile.gettempdir(), "vicinato-numba-cache")
                    from . import _kernels
                _kernels_module = _kernels
    return _kernels_module


def build_csr(n: int, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray) -> sp.csr_matrix:
    """An n×n CSR matrix of directed edges, keeping the cheapest of parallel edges.

    scipy would add up duplicate entries; for travel times the right merge is the minimum.
    Zero weights stay explicit edges (the searches follow every stored edge).
    """
    return build_csr_lengths(n, rows, cols, weights, np.zeros(len(weights)))[0]


def build_csr_lengths(
    n: int, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray, lengths: np.ndarray
) -> tuple[sp.csr_matrix, np.ndarray]:
    """build_csr(), and the length (metres) of each stored edge, in the order of its data: of
    parallel edges the cheapest is kept, and of equally cheap ones the shortest."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.float64)
    lengths = np.asarray(lengths, dtype=np.float64)
    keep = np.isfinite(weights)
    rows, cols, weights, lengths = rows[keep], cols[keep], weights[keep], lengths[keep]
    if len(weights) and weights.min() < 0:
        raise ValueError("Travel times cannot be negative.")
    # Sorting by (row, col) alone is enough, and much faster, where no edge has a parallel one.
    key = rows * max(n, 1) + cols
    order = np.argsort(key, kind="stable")
    if len(key) > 1 and np.any(key[order][1:] == key[order][:-1]):
        order = np.lexsort((lengths, weights, key))
    rows, cols, weights, lengths, key = rows[order], cols[order], weights[order], lengths[order], key[order]
    if len(rows):
        first = np.ones(len(rows), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        rows, cols, weights, lengths = rows[first], cols[first], weights[first], lengths[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    csr = sp.csr_matrix((weights, cols.astype(np.int32), indptr.astype(np.int32)), shape=(n, n))
    return csr, lengths


def transpose_csr(graph: sp.csr_matrix) -> sp.csr_matrix:
    """The graph with every edge reversed, as CSR (for searches towards a target)."""
    n = graph.shape[0]
    rows = np.repeat(np.arange(n), np.diff(graph.indptr))
    return build_csr(n, graph.indices, rows, graph.data)


def _arrays(graph: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The CSR arrays with the dtypes the kernels are compiled for (no copy when they have them)."""
    index = np.int32 if graph.nnz < 2**31 else np.int64
    data = np.asarray(graph.data, dtype=np.float64)
    if len(data) and data.min() < 0:  # the searches rely on it (a bucket never lies behind)
        raise ValueError("Travel times cannot be negative.")
    return (np.asarray(graph.indptr, dtype=index), np.asarray(graph.indices, dtype=index), data)


def _buckets(limit: float) -> tuple[float, int]:
    """(scale, number of buckets) for a search up to `limit`: a time t goes to bucket
    int(t * scale), computed the same way in the kernels, or to the last bucket beyond it (at
    most MAX_BUCKETS: later times, and searches without a limit, share the last one). 0 buckets
    (a negative limit, nothing to search): the heap."""
    scale = 1.0 / BUCKET_WIDTH_S
    if not limit >= 0:
        return scale, 0
    return scale, int(min(limit * scale, MAX_BUCKETS - 1)) + 1


def _rows(values: np.ndarray | Sequence, dtype: type) -> np.ndarray:
    """values as a contiguous 2-D array, one row per item (a 1-D input: one value per row)."""
    array = np.asarray(values, dtype=dtype)
    return np.ascontiguousarray(array.reshape(len(array), -1) if len(array) else array.reshape(0, 1))


def _sources(heads: np.ndarray, head_costs: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    heads = _rows(heads, np.int64)
    head_costs = np.ascontiguousarray(np.asarray(head_costs, dtype=np.float64).reshape(heads.shape))
    if heads.size and (heads.min() < 0 or heads.max() >= n):
        raise ValueError(f"Search heads must be states of the graph (0 to {n - 1}).")
    if np.any(head_costs < 0):
        raise ValueError("Travel times cannot be negative.")
    return heads, head_costs


def _chunks(total: int, workers: int, most: int) -> list[slice]:
    """Slices of range(total), several per worker (the searches do not all take as long), each at
    most `most` long."""
    size = max(1, min(most, -(-total // (4 * workers)) if workers > 1 else most))
    return [slice(start, min(total, start + size)) for start in range(0, total, size)]


def _run(task: Callable[[slice], None], parts: list[slice], workers: int) -> None:
    """task(part) for every part, on `workers` threads (the kernels release the GIL)."""
    if workers > 1 and len(parts) > 1:
        with ThreadPoolExecutor(max_workers=min(workers, len(parts))) as pool:
            for _ in pool.map(task, parts):
                pass
    else:
        for part in parts:
            task(part)


def default_workers() -> int:
    """Threads for batches of searches: the searches release the GIL, so one per core (at most 4)."""
    return max(1, min(4, os.cpu_count() or 1))


def multi_source_search(
    graph: sp.csr_matrix,
    heads: np.ndarray,
    head_costs: np.ndarray,
    limit: float,
    *,
    workers: int = 1,
    consume: Callable[[slice, np.ndarray], None] | None = None,
) -> np.ndarray | None:
    """Bounded searches from K sources, each starting at a few graph nodes at given costs.

    heads[k] are the graph nodes source k starts from, head_costs[k] what it costs to get there
    (inf for a head that cannot be used). This is how a point in the middle of a street starts a
    search: from both ends of its street, each at its partial cost. Searches stop at `limit`.

    Returns the (K, n) times, inf beyond the limit, or, when `consume` is given, calls
    consume(batch_slice, times_block) per batch (in the worker threads, which run `workers`
    batches at once) and returns None, to keep memory bounded.
    """
    n = graph.shape[0]
    heads, head_costs = _sources(heads, head_costs, n)
    arrays = _arrays(graph)
    scale, n_buckets = _buckets(limit)
    k_total = len(heads)
    out = None if consume is not None else np.empty((k_total, n))
    most = k_total if consume is None else max(1, _BLOCK_BYTES // (8 * max(n, 1)))
    search_rows = kernels().search_rows

    def run(part: slice) -> None:
        block = out[part] if out is not None else np.empty((part.stop - part.start, n))
        search_rows(arrays, heads[part], head_costs[part], limit, scale, n_buckets, block, -1)
        if consume is not None:
            consume(part, block)

    _run(run, _chunks(k_total, workers, most), workers)
    return out


# A group of states left out of a search and completed afterwards (see kernels.complete):
# (states, where each leads (states × width), at what cost).
LeftOut = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class TableLengths:
    """Lengths in metres beside the costs search_table() takes, so that it also gives the length of
    the fastest path of each cell: per arc of the graph (in the order of its data), per head (as
    head_costs), per reader (as read_costs), per extra entry (as the costs of read_extras), per
    left-out group (as its costs)."""

    arcs: np.ndarray
    heads: np.ndarray
    reads: np.ndarray
    extras: np.ndarray | None = None
    left_out: Sequence[np.ndarray] = ()


def search_table(
    graph: sp.csr_matrix,
    heads: np.ndarray,
    head_costs: np.ndarray,
    limit: float,
    read_heads: np.ndarray,
    read_costs: np.ndarray,
    *,
    read_extras: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    dtype: type[np.floating] | np.dtype = np.float64,
    left_out: Sequence[LeftOut] = (),
    workers: int = 1,
    lengths: TableLengths | None = None,
    metres_out: np.ndarray | None = None,
    stop_early: bool = False,
) -> np.ndarray:
    """(K, R) table: one bounded search per source k (as multi_source_search), read by R readers.

    Reader r reads states read_heads[r] at read_costs[r] (inf: not used), and the entries
    (r, state, cost) of read_extras: its cell is the minimum of the state's time, converted to
    `dtype`, plus the cost, also in `dtype`; inf past `limit`.
    `left_out` (at most two groups, completed in order after each search) gives states the
    search graph lacks their times before they are read. Nothing of size K × states is kept.
    With `lengths`, metres_out (a (K, R) float64 array) gets the length of each cell's fastest
    path (inf where the cell is).
    stop_early ends each search once the times the readers read are final (settle_states), rather
    than at the limit: the same table, bit for bit (lengths included), sooner when the readers are
    near the source; a reader that cannot be reached makes that search go to the limit.
    """
    n = graph.shape[0]
    heads, head_costs = _sources(heads, head_costs, n)
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"Tables are float32 or float64, not {dtype}.")
    if len(left_out) > 2:
        raise ValueError("At most two groups of left-out states.")
    left: list[np.ndarray] = []
    for group in [*left_out, *[None] * (2 - len(left_out))]:
        states, nxt, cost = group if group is not None else (np.empty(0), np.empty((0, 1)), np.empty((0, 1)))
        states = np.ascontiguousarray(states, dtype=np.int64)
        left.append(states)
        nxt = _rows(nxt, np.int64) if len(states) else np.empty((0, 1), dtype=np.int64)
        outside = [a for a in (states, nxt) if a.size and (a.min() < 0 or a.max() >= n)]
        if len(states) != len(nxt) or outside:
            raise ValueError(f"Left-out states must be states of the graph (0 to {n - 1}).")
        left.append(nxt)
        left.append(np.ascontiguousarray(np.asarray(cost, dtype=np.float64).reshape(nxt.shape)))
    readers, extras, reader_lengths = _readers(read_heads, read_costs, read_extras, n, dtype, lengths)
    out = np.empty((len(heads), len(readers[0])), dtype=dtype)
    metres = _metres(lengths, metres_out, heads, left, reader_lengths, graph.nnz)
    arrays = _arrays(graph)
    scale, n_buckets = _buckets(limit)
    table_rows = kernels().table_rows
    # numpy compares a float32 array with a Python float in float32, and with a NumPy float64 in
    # float64: the cells past the limit are the same as those `table[table > limit] = inf` clears.
    out_limit = np.result_type(dtype, limit).type(limit)
    settle = settle_states(readers, extras, left) if stop_early else np.empty(0, dtype=np.int64)

    def run(part: slice) -> None:
        tracked = metres if lengths is None else (*metres[:1], metres[1][part], *metres[2:7], metres[7][part])
        table_rows(
            arrays,
            heads[part],
            head_costs[part],
            limit,
            scale,
            n_buckets,
            tuple(left),
            readers,
            extras,
            out_limit,
            out[part],
            tracked,
            settle,
        )

    _run(run, _chunks(len(heads), workers, len(heads)), workers)
    return out


def settle_states(
    readers: tuple[np.ndarray, ...], extras: tuple[np.ndarray, ...], left: list[np.ndarray]
) -> np.ndarray:
    """The states whose times a table's cells are made of (kernels.table_rows' readers, extras and
    left-out groups, as search_table passes them): the states read at a finite cost, and for a read
    state that is left out of the search graph, where it leads (the second group may lead to the
    first, so the second is followed first). Left-out states themselves are not searched (nothing
    leads to them): their times come from where they lead. Sorted by state, for the kernel's reads."""
    state0, cost0, state1, cost1, _ = readers
    read = [state0[np.isfinite(cost0)], state1[np.isfinite(cost1)], extras[1][np.isfinite(extras[2])]]
    needed = np.unique(np.concatenate([np.asarray(r, dtype=np.int64) for r in read]))
    groups = [(left[0], left[1], left[2]), (left[3], left[4], left[5])]
    for states, nxt, cost in reversed(groups):
        pick = np.isin(states, needed)
        if pick.any():
            leads = nxt[pick][np.isfinite(cost[pick])]
            needed = np.union1d(needed, leads)
    out = np.concatenate([group[0] for group in groups])
    return np.ascontiguousarray(needed[~np.isin(needed, out)], dtype=np.int64)


def _metres(
    lengths: TableLengths | None,
    metres_out: np.ndarray | None,
    heads: np.ndarray,
    left: list[np.ndarray],
    reader_lengths: tuple[np.ndarray, np.ndarray, np.ndarray],
    arcs: int,
) -> tuple[np.ndarray, ...]:
    """The `metres` argument of kernels.table_rows (all empty when nothing is tracked)."""
    if lengths is None:
        empty, empty2 = np.empty(0), np.empty((0, 0))
        return (empty, empty2, empty2, empty2, empty, empty, empty, empty2)
    if metres_out is None or metres_out.shape != (len(heads), len(reader_lengths[0])):
        raise ValueError("metres_out must be a (sources, readers) array to receive the lengths.")
    if metres_out.dtype != np.float64 or not metres_out.flags.c_contiguous:
        raise ValueError("metres_out must be a C-contiguous float64 array.")
    arc_len = np.ascontiguousarray(lengths.arcs, dtype=np.float64)
    if len(arc_len) != arcs:
        raise ValueError("There must be one length per arc of the graph.")
    groups = [*lengths.left_out, *[None] * (2 - len(lengths.left_out))]
    left_len = [
        np.ascontiguousarray(np.asarray(g, dtype=np.float64).reshape(left[3 * i + 1].shape))
        if g is not None
        else np.zeros(left[3 * i + 1].shape)
        for i, g in enumerate(groups)
    ]
    head_len = np.ascontiguousarray(np.asarray(lengths.heads, dtype=np.float64).reshape(heads.shape))
    return (arc_len, head_len, left_len[0], left_len[1], *reader_lengths, metres_out)


def _readers(
    read_heads: np.ndarray,
    read_costs: np.ndarray,
    read_extras: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    n: int,
    dtype: np.dtype,
    lengths: TableLengths | None = None,
) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The readers of a table as the kernel takes them: (state0, cost0, state1, cost1, position)
    per reader and (position, state, cost) per extra entry, and with `lengths` the lengths of
    both (length0, length1, extra length; empty without).

    Readers go in the order of the first state they read (states are numbered spatially), so that
    the reads sweep each search's times forwards; `position` is where the cell goes. Each reader's
    first two entries are read for all (an unused one costs inf; a point leaves or enters its
    street by two states); further finite ones (points exactly at a junction, or arriving by
    several turns) are extras.
    """
    read_heads = _rows(read_heads, np.int64)
    read_costs = np.asarray(read_costs, dtype=np.float64).reshape(read_heads.shape)
    read_len = (
        np.zeros(read_heads.shape)
        if lengths is None
        else np.asarray(lengths.reads, dtype=np.float64).reshape(read_heads.shape)
    )
    if read_heads.size and (read_heads.min() < 0 or read_heads.max() >= n):
        raise ValueError(f"Read states must be states of the graph (0 to {n - 1}).")
    if read_heads.shape[1] < 2:
        pad = 2 - read_heads.shape[1]
        read_heads = np.column_stack([read_heads, np.zeros((len(read_heads), pad), dtype=np.int64)])
        read_costs = np.column_stack([read_costs, np.full((len(read_costs), pad), np.inf)])
        read_len = np.column_stack([read_len, np.zeros((len(read_len), pad))])
    order = np.argsort(read_heads[:, 0], kind="stable")
    read_heads, read_costs, read_len = read_heads[order], read_costs[order], read_len[order]
    state_type = np.int32 if n < 2**31 else np.int64
    readers = (
        np.ascontiguousarray(read_heads[:, 0], dtype=state_type),
        np.ascontiguousarray(read_costs[:, 0], dtype=dtype),
        np.ascontiguousarray(read_heads[:, 1], dtype=state_type),
        np.ascontiguousarray(read_costs[:, 1], dtype=dtype),
        order,
    )
    extra = np.isfinite(read_costs[:, 2:])
    rows, states, costs = read_extras if read_extras is not None else (np.empty(0), np.empty(0), np.empty(0))
    rows, states = np.asarray(rows, dtype=np.int64), np.asarray(states, dtype=np.int64)
    if len(states) and (states.min() < 0 or states.max() >= n):
        raise ValueError(f"Read states must be states of the graph (0 to {n - 1}).")
    if len(rows) and (rows.min() < 0 or rows.max() >= len(order)):
        raise ValueError(f"Extra entries must belong to readers (0 to {len(order) - 1}).")
    given = np.isfinite(costs)
    extras = (
        np.concatenate([order[np.nonzero(extra)[0]], rows[given]]),
        np.concatenate([read_heads[:, 2:][extra], states[given]]).astype(state_type),
        np.concatenate([read_costs[:, 2:][extra], np.asarray(costs, dtype=np.float64)[given]]).astype(dtype),
    )
    if lengths is None:
        return readers, extras, (np.empty(0), np.empty(0), np.empty(0))
    extra_len = (
        np.zeros(len(costs)) if lengths.extras is None else np.asarray(lengths.extras, dtype=np.float64)
    )
    reader_lengths = (
        np.ascontiguousarray(read_len[:, 0]),
        np.ascontiguousarray(read_len[:, 1]),
        np.concatenate([read_len[:, 2:][extra], extra_len[given]]),
    )
    return readers, extras, reader_lengths


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
    searched, read = (targets, origins) if reverse else (origins, targets)
    transposed = (graph_t if graph_t is not None else transpose_csr(graph)) if reverse else graph
    table = search_table(
        transposed,
        searched[:, None],
        np.zeros((len(searched), 1)),
        limit,
        read[:, None],
        np.zeros((len(read), 1)),
        workers=workers,
    )
    return np.ascontiguousarray(table.T) if reverse else table
