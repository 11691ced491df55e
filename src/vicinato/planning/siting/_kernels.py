"""Compiled greedy + swap local search (numba) behind preview.py, which imports this module on first use.

Both searches add sites one at a time by largest gain (greedy), then exchange one open site for
one closed candidate while some exchange improves the objective, taking the best exchange each
time (Teitz and Bart's interchange, with the gains of all exchanges computed in one pass over the
demand as in Whitaker's fast interchange and Resende and Werneck's implementation). Each pass
costs O(entries + k × candidates). Compiled code is cached on disk like the routing kernels.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _covering_fill(col_ptr, col_rows, row_ptr, row_cols, weights, count, is_open, chosen, start, k):
    """Greedy: fill chosen[start:k] with the candidates adding the most uncovered weight, one at a time."""
    m = len(col_ptr) - 1
    gain = np.zeros(m)
    for j in range(m):
        if not is_open[j]:
            for p in range(col_ptr[j], col_ptr[j + 1]):
                if count[col_rows[p]] == 0:
                    gain[j] += weights[col_rows[p]]
    for step in range(start, k):
        best = -1
        best_gain = -1.0
        for j in range(m):
            if not is_open[j] and gain[j] > best_gain:
                best_gain = gain[j]
                best = j
        chosen[step] = best
        is_open[best] = True
        for p in range(col_ptr[best], col_ptr[best + 1]):
            i = col_rows[p]
            if count[i] == 0:
                for q in range(row_ptr[i], row_ptr[i + 1]):
                    gain[row_cols[q]] -= weights[i]
            count[i] += 1


@njit(cache=True)
def _covering_swaps(col_ptr, col_rows, row_ptr, row_cols, weights, count, is_open, chosen, max_swaps):
    """Best-improvement exchanges until none improves; returns the number made."""
    n = len(weights)
    m = len(col_ptr) - 1
    k = len(chosen)
    slot = np.full(m, -1, np.int64)
    for s in range(k):
        slot[chosen[s]] = s
    gain = np.zeros(m)
    loss = np.zeros(k)
    extra = np.zeros((k, m))
    tolerance = 1e-12 * max(weights.sum(), 1.0)
    swaps = 0
    while swaps < max_swaps:
        gain[:] = 0.0
        loss[:] = 0.0
        extra[:, :] = 0.0
        for i in range(n):
            w = weights[i]
            if w == 0.0:
                continue
            if count[i] == 0:
                for q in range(row_ptr[i], row_ptr[i + 1]):
                    gain[row_cols[q]] += w
            elif count[i] == 1:
                # Only one open site covers this row: closing it loses the row unless the
                # candidate opened instead covers it too.
                s = -1
                for q in range(row_ptr[i], row_ptr[i + 1]):
                    if is_open[row_cols[q]]:
                        s = slot[row_cols[q]]
                        break
                loss[s] += w
                for q in range(row_ptr[i], row_ptr[i + 1]):
                    extra[s, row_cols[q]] += w
        best_value = tolerance
        out_slot = -1
        into = -1
        for s in range(k):
            for j in range(m):
                if not is_open[j]:
                    value = gain[j] - loss[s] + extra[s, j]
                    if value > best_value:
                        best_value = value
                        out_slot = s
                        into = j
        if out_slot < 0:
            break
        out = chosen[out_slot]
        for p in range(col_ptr[out], col_ptr[out + 1]):
            count[col_rows[p]] -= 1
        for p in range(col_ptr[into], col_ptr[into + 1]):
            count[col_rows[p]] += 1
        is_open[out] = False
        is_open[into] = True
        slot[out] = -1
        slot[into] = out_slot
        chosen[out_slot] = into
        swaps += 1
    return swaps


@njit(cache=True)
def _covered_weight(weights, count):
    covered = 0.0
    for i in range(len(weights)):
        if count[i] > 0:
            covered += weights[i]
    return covered


@njit(cache=True)
def covering_search(col_ptr, col_rows, row_ptr, row_cols, weights, k, max_swaps, restarts, seed):
    """Maximal covering: open k of the columns so that the weight of rows covered is largest.

    col_ptr/col_rows: the rows each candidate covers (CSC); row_ptr/row_cols: the candidates
    covering each row (CSR). Rows already covered must come with weight 0. After greedy + swaps,
    `restarts` times: exchange a quarter of the best plan's sites for random candidates (seeded),
    swap again, and keep the result if it is better (iterated local search).
    Returns (chosen candidates, covered weight, swaps made).
    """
    n = len(weights)
    m = len(col_ptr) - 1
    np.random.seed(seed)
    count = np.zeros(n, np.int64)
    is_open = np.zeros(m, np.bool_)
    chosen = np.empty(k, np.int64)
    _covering_fill(col_ptr, col_rows, row_ptr, row_cols, weights, count, is_open, chosen, 0, k)
    swaps = _covering_swaps(col_ptr, col_rows, row_ptr, row_cols, weights, count, is_open, chosen, max_swaps)
    best = chosen.copy()
    best_value = _covered_weight(weights, count)
    tolerance = 1e-12 * max(weights.sum(), 1.0)
    drop = max(1, k // 4)
    for _ in range(restarts):
        if m <= k:
            break  # no candidate left out to try
        chosen[:] = best
        np.random.shuffle(chosen)
        is_open[:] = False
        count[:] = 0
        for s in range(k - drop):
            is_open[chosen[s]] = True
        # The dropped sites are replaced by random closed candidates (not the greedy's choice, which
        # tends to rebuild the same plan), then swaps descend to a new local optimum.
        for s in range(k - drop, k):
            j = np.random.randint(m)
            while is_open[j] or j == chosen[s]:
                j = np.random.randint(m)
            chosen[s] = j
            is_open[j] = True
        for s in range(k):
            for p in range(col_ptr[chosen[s]], col_ptr[chosen[s] + 1]):
                count[col_rows[p]] += 1
        swaps += _covering_swaps(
            col_ptr, col_rows, row_ptr, row_cols, weights, count, is_open, chosen, max_swaps
        )
        value = _covered_weight(weights, count)
        if value > best_value + tolerance:
            best_value = value
            best[:] = chosen
    return best, best_value, swaps


@njit(cache=True)
def _nearest_two(row_ptr, row_cols, row_cost, caps, is_open, i):
    """The nearest and second nearest open candidates of row i: (d1, site1, d2); cap where none."""
    d1 = caps[i]
    d2 = caps[i]
    site = -1
    for q in range(row_ptr[i], row_ptr[i + 1]):
        if is_open[row_cols[q]]:
            if site < 0:
                d1 = row_cost[q]
                site = row_cols[q]
            else:
                d2 = row_cost[q]
                break
    return d1, site, d2


@njit(cache=True)
def median_search(col_ptr, col_rows, col_cost, row_ptr, row_cols, row_cost, caps, weights, k, max_swaps):
    """p-median: open k candidates so that Σ weight × min(cap, cost to the nearest open one) is least.

    Rows (CSR) list only the candidates cheaper than the row's cap, sorted by cost; the columns
    (CSC) hold the same entries. Returns (chosen candidates, total cost, swaps made).
    """
    n = len(weights)
    m = len(col_ptr) - 1
    current = caps.copy()
    is_open = np.zeros(m, np.bool_)
    saving = np.zeros(m)
    for j in range(m):
        for p in range(col_ptr[j], col_ptr[j + 1]):
            i = col_rows[p]
            saving[j] += weights[i] * (caps[i] - col_cost[p])
    chosen = np.empty(k, np.int64)
    for step in range(k):
        best = -1
        best_saving = -1.0
        for j in range(m):
            if not is_open[j] and saving[j] > best_saving:
                best_saving = saving[j]
                best = j
        chosen[step] = best
        is_open[best] = True
        for p in range(col_ptr[best], col_ptr[best + 1]):
            i = col_rows[p]
            cost = col_cost[p]
            old = current[i]
            if cost >= old:
                continue
            for q in range(row_ptr[i], row_ptr[i + 1]):
                if row_cost[q] >= old:
                    break
                saving[row_cols[q]] -= weights[i] * (old - max(row_cost[q], cost))
            current[i] = cost
    slot = np.full(m, -1, np.int64)
    for s in range(k):
        slot[chosen[s]] = s
    gain = np.zeros(m)
    loss = np.zeros(k)
    extra = np.zeros((k, m))
    tolerance = 1e-12 * max((weights * caps).sum(), 1.0)
    swaps = 0
    while swaps < max_swaps:
        gain[:] = 0.0
        loss[:] = 0.0
        extra[:, :] = 0.0
        for i in range(n):
            w = weights[i]
            if w == 0.0:
                continue
            d1, site, d2 = _nearest_two(row_ptr, row_cols, row_cost, caps, is_open, i)
            if site >= 0:
                s = slot[site]
                loss[s] += w * (d2 - d1)
            for q in range(row_ptr[i], row_ptr[i + 1]):
                cost = row_cost[q]
                if cost >= d2:
                    break
                j = row_cols[q]
                if cost < d1:
                    gain[j] += w * (d1 - cost)
                if site >= 0:
                    # Opening j instead of the site serving i keeps i's cost at most max(cost, d1).
                    extra[slot[site], j] += w * (d2 - max(cost, d1))
        best_value = tolerance
        out_slot = -1
        into = -1
        for s in range(k):
            for j in range(m):
                if not is_open[j]:
                    value = gain[j] - loss[s] + extra[s, j]
                    if value > best_value:
                        best_value = value
                        out_slot = s
                        into = j
        if out_slot < 0:
            break
        out = chosen[out_slot]
        is_open[out] = False
        is_open[into] = True
        slot[out] = -1
        slot[into] = out_slot
        chosen[out_slot] = into
        swaps += 1
    total = 0.0
    for i in range(n):
        d1, site, d2 = _nearest_two(row_ptr, row_cols, row_cost, caps, is_open, i)
        total += weights[i] * d1
    return chosen, total, swaps
