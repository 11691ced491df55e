"""Small vectorised helpers over numpy arrays shared by the graph modules."""

from __future__ import annotations

import numpy as np


def join_equal(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs (i, j) with left[i] == right[j]."""
    order = np.argsort(right, kind="stable")
    lo = np.searchsorted(right[order], left, side="left")
    counts = np.searchsorted(right[order], left, side="right") - lo
    li = np.repeat(np.arange(len(left)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return li, order[np.repeat(lo, counts) + offsets]


def group_positions(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR grouping of positions by key: (ptr of n + 1, positions sorted by key)."""
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return ptr, np.argsort(keys, kind="stable")


def padded_rows(
    ptr: np.ndarray, values: tuple[np.ndarray, ...], rows: np.ndarray, fill: tuple[float, ...]
) -> tuple[np.ndarray, ...]:
    """For each row id, the entries of that CSR row side by side, padded to the longest with `fill`."""
    start = ptr[rows]
    count = ptr[rows + 1] - start
    width = int(count.max()) if len(rows) else 0
    pos = start[:, None] + np.arange(width)[None, :]
    inside = np.arange(width)[None, :] < count[:, None]
    pos = np.where(inside, pos, 0)
    return tuple(np.where(inside, v[pos] if len(v) else f, f) for v, f in zip(values, fill, strict=True))
