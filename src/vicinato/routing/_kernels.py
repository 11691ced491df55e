"""Compiled bounded searches (numba) behind search.py, which imports this module on first use.

Every kernel runs without the GIL (nogil=True), so search.py spreads searches over threads.
Compiled code is cached on disk (cache=True): the first search in a fresh checkout compiles (a few
seconds, once per machine and version of this file), later processes load it in a fraction of a
second. numba keeps that cache in __pycache__ beside this file, or where that is not writable in
the user's cache directory; NUMBA_CACHE_DIR overrides both.

Two priority queues, one result:
- a bucket queue (Dial's algorithm): bucket b holds the states reached in [b × width,
  (b + 1) × width), each bucket a FIFO list; the last bucket also holds every later state (for
  searches without a limit, or with one longer than the buckets reach, 36 hours). Buckets are
  taken in increasing order and no arc leads back to an earlier one (costs are not negative);
  within a bucket states come first in, first out, so a state may be expanded before its time
  is final when arcs shorter than the width lead inside the bucket: it is then improved, queued
  again and expanded again (a label-correcting search; rare on streets, whose arcs are mostly
  longer than the width). The search ends when no entry is left, without scanning the empty
  buckets after the last one used.
- a binary heap without decrease-key (an improved state is pushed again, stale entries skipped
  when popped), as a fallback should a bucket search outgrow its queue (and when asked for).
Both stop pushing past `limit`, and both stop only when no arc can improve any state: every time
is then the minimum over the paths to its state of the floating-point sum along the path (sums
only grow along a path, costs being non-negative), which is what any exact Dijkstra, scipy's
included, returns, bit for bit. So the choice of queue changes the speed, never the result.

Distances. Given a length per arc (metres), a search can also carry the length of the path that
gave each state its time: whenever a state's time improves, its length becomes the length at
the state it was reached from plus the arc's, so the final length is that of the fastest path
(of equally fast ones, the first found). An empty `far` array switches this off (the branch is
the same for every arc, so it costs next to nothing).
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = np.inf


@njit(nogil=True, cache=True, inline="always")
def _heap_push(heap_key, heap_node, size, key, node):
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if heap_key[parent] <= key:
            break
        heap_key[i] = heap_key[parent]
        heap_node[i] = heap_node[parent]
        i = parent
    heap_key[i] = key
    heap_node[i] = node
    return size + 1


@njit(nogil=True, cache=True, inline="always")
def _heap_pop(heap_key, heap_node, size):
    """Remove the root (read it before calling); returns the new size."""
    last = size - 1
    key = heap_key[last]
    node = heap_node[last]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= last:
            break
        if child + 1 < last and heap_key[child + 1] < heap_key[child]:
            child += 1
        if heap_key[child] >= key:
            break
        heap_key[i] = heap_key[child]
        heap_node[i] = heap_node[child]
        i = child
    heap_key[i] = key
    heap_node[i] = node
    return last


@njit(nogil=True, cache=True)
def heap_search(indptr, indices, data, heads, costs, limit, dist, touched, heap_key, heap_node, metres):
    """One search from several heads (state heads[j] reached at costs[j]) into `dist`, binary heap.

    `dist` must be inf everywhere on entry; on return it holds the time of every state within
    `limit`, inf elsewhere. The states given a time are touched[:count] (count is returned), for
    the caller to reset `dist` cheaply. heap_key/heap_node need len(heads) + len(indices) entries.
    metres = (length of each arc, length at each head, far): far gets the length of the path to
    each state given a time (see the module's docstring); an empty far tracks nothing.
    """
    lengths, head_lengths, far = metres
    track = far.shape[0] > 0
    size = 0
    count = 0
    for j in range(heads.shape[0]):
        cost = costs[j]
        if cost <= limit:  # also skips inf and nan
            head = heads[j]
            if cost < dist[head]:
                if dist[head] == INF:
                    touched[count] = head
                    count += 1
                dist[head] = cost
                if track:
                    far[head] = head_lengths[j]
                size = _heap_push(heap_key, heap_node, size, cost, head)
    while size > 0:
        time = heap_key[0]
        node = heap_node[0]
        size = _heap_pop(heap_key, heap_node, size)
        if time > dist[node]:
            continue  # stale: the state was reached sooner since
        here = far[node] if track else 0.0
        for e in range(indptr[node], indptr[node + 1]):
            nxt = indices[e]
            candidate = time + data[e]
            if candidate < dist[nxt] and candidate <= limit:
                if dist[nxt] == INF:
                    touched[count] = nxt
                    count += 1
                dist[nxt] = candidate
                if track:
                    far[nxt] = here + lengths[e]
                size = _heap_push(heap_key, heap_node, size, candidate, nxt)
    return count


@njit(nogil=True, cache=True)
def bucket_search(
    indptr,
    indices,
    data,
    heads,
    costs,
    limit,
    scale,
    dist,
    touched,
    first,
    last,
    entry_key,
    entry_node,
    entry_next,
    capacity,
    metres,
    settle,
):
    """heap_search() with a bucket queue: a state reached at time t goes to bucket int(t * scale),
    or to the last one if that is beyond it; `first`/`last` (the first and last queue entry of
    each bucket) must be -1 on entry, as they are on return. Every improvement of a state appends
    an entry (its time, its state, the next entry of the bucket), up to `capacity` entries; an
    entry whose time is no longer its state's is skipped.

    Returns the count of touched states, or -1 - count if the entries ran out (the caller resets
    those states and searches again with the heap).

    A non-empty `settle` (states) ends the search as soon as their times are final: once every one
    has a time and the buckets taken are past the last of their buckets (no later entry can lower a
    time of an earlier bucket). Until then the search is the same, step for step, as the whole one,
    so those states get the same times and lengths, bit for bit; other states may be left unfinished.
    """
    lengths, head_lengths, far = metres
    track = far.shape[0] > 0
    n_buckets = first.shape[0]
    final = n_buckets - 1
    n_settle = settle.shape[0]
    waiting = 0  # settle[:waiting] have a time
    stop_after = final  # with every settle state timed: the last bucket of their times
    highest = -1  # the last bucket an entry went to
    used = 0
    pending = 0  # entries queued and not yet taken
    count = 0
    current = n_buckets
    for j in range(heads.shape[0]):
        cost = costs[j]
        if cost <= limit:
            head = heads[j]
            if cost < dist[head]:
                if dist[head] == INF:
                    touched[count] = head
                    count += 1
                dist[head] = cost
                if track:
                    far[head] = head_lengths[j]
                if used == capacity:
                    return _overflow(first, last, count)
                bucket = min(int(cost * scale), final)
                entry_key[used] = cost
                entry_node[used] = head
                entry_next[used] = -1
                if last[bucket] < 0:
                    first[bucket] = used
                else:
                    entry_next[last[bucket]] = used
                last[bucket] = used
                used += 1
                pending += 1
                current = min(current, bucket)
                highest = max(highest, bucket)
    while pending > 0:
        entry = first[current]
        if entry < 0:
            current += 1
            if n_settle > 0:
                # Times only fall, so a state once timed stays timed and the last bucket only moves back.
                while waiting < n_settle and dist[settle[waiting]] != INF:
                    waiting += 1
                if waiting == n_settle:
                    if stop_after == final:
                        stop_after = 0
                        for i in range(n_settle):
                            stop_after = max(stop_after, min(int(dist[settle[i]] * scale), final))
                    if current > stop_after:
                        for b in range(current, highest + 1):  # leave the buckets empty for the next search
                            first[b] = -1
                            last[b] = -1
                        return count
            continue
        pending -= 1
        first[current] = entry_next[entry]
        if first[current] < 0:
            last[current] = -1
        node = entry_node[entry]
        time = dist[node]
        if entry_key[entry] != time:
            continue  # stale: the state was reached sooner since, and queued again
        here = far[node] if track else 0.0
        for e in range(indptr[node], indptr[node + 1]):
            nxt = indices[e]
            candidate = time + data[e]
            if candidate < dist[nxt] and candidate <= limit:
                if dist[nxt] == INF:
                    touched[count] = nxt
                    count += 1
                dist[nxt] = candidate
                if track:
                    far[nxt] = here + lengths[e]
                if used == capacity:
                    return _overflow(first, last, count)
                # Never an earlier bucket than the current one: costs are not negative.
                bucket = min(int(candidate * scale), final)
                entry_key[used] = candidate
                entry_node[used] = nxt
                entry_next[used] = -1
                if last[bucket] < 0:
                    first[bucket] = used
                else:
                    entry_next[last[bucket]] = used
                last[bucket] = used
                used += 1
                pending += 1
                highest = max(highest, bucket)
    return count


@njit(nogil=True, cache=True)
def _overflow(first, last, count):
    """The bucket queue ran out of entries: empty the buckets for the next search and say so."""
    first[:] = -1
    last[:] = -1
    return -1 - count


@njit(nogil=True, cache=True)
def search(graph, heads, costs, limit, scale, dist, workspace, capacity, metres, settle):
    """One search (see heap_search) on graph = (indptr, indices, data): with the bucket queue when
    the workspace has buckets, else (or when the bucket queue needs more than `capacity` entries)
    with the heap, which uses the same entry arrays. `workspace` comes from _workspace(); metres
    as heap_search takes them; a bucket search ends once the `settle` states are final (see
    bucket_search; empty: searches everything)."""
    indptr, indices, data = graph
    touched, first, last, entry_key, entry_node, entry_next = workspace
    if first.shape[0] > 0:
        count = bucket_search(
            indptr, indices, data, heads, costs, limit, scale, dist,
            touched, first, last, entry_key, entry_node, entry_next, capacity, metres, settle,
        )  # fmt: skip
        if count >= 0:
            return count
        for i in range(-1 - count):
            dist[touched[i]] = INF
    return heap_search(
        indptr, indices, data, heads, costs, limit, dist, touched, entry_key, entry_node, metres
    )


@njit(nogil=True, cache=True)
def _workspace(n_states, n_edges, n_heads, n_buckets):
    """Scratch arrays of one thread's searches. The queue has room for twice the entries an exact
    Dijkstra could need (one per head and per arc), for states queued again in the bucket queue;
    beyond that the search starts again with the heap (see search())."""
    capacity = 2 * (n_edges + n_heads) + 1
    return (
        np.empty(n_states, dtype=np.int64),
        np.full(n_buckets, -1, dtype=np.int64),
        np.full(n_buckets, -1, dtype=np.int64),
        np.empty(capacity),
        np.empty(capacity, dtype=np.int64),
        np.empty(capacity, dtype=np.int64),
    )


@njit(nogil=True, cache=True)
def complete(dist, states, nxt, cost, limit, far, lengths):
    """Times of states left out of a search, from where they lead: states[i] gets
    min(dist[states[i]], dist[nxt[i, j]] + cost[i, j]), inf past `limit`. The states of one call
    never lead to each other, so the order does not matter. With a non-empty `far`, the chosen
    one's length too: far[nxt[i, j]] + lengths[i, j]."""
    track = far.shape[0] > 0
    for i in range(states.shape[0]):
        s = states[i]
        best = dist[s]
        best_far = far[s] if track else 0.0
        for j in range(nxt.shape[1]):
            other = dist[nxt[i, j]] + cost[i, j]
            if other < best:
                best = other
                if track:
                    best_far = far[nxt[i, j]] + lengths[i, j]
        dist[s] = best if best <= limit else INF
        if track:
            far[s] = best_far


@njit(nogil=True, cache=True)
def search_rows(graph, heads, costs, limit, scale, n_buckets, out, bucket_capacity):
    """out[k] = the times of one search from heads[k] at costs[k], inf beyond the limit (out is
    written whole). n_buckets = 0 searches with the heap. bucket_capacity caps the bucket queue's
    entries (-1: no cap but the workspace's; tests use it to exercise the fallback to the heap)."""
    workspace = _workspace(out.shape[1], graph[1].shape[0], heads.shape[1], n_buckets)
    capacity = workspace[3].shape[0]
    if bucket_capacity >= 0:
        capacity = min(capacity, bucket_capacity)
    untracked = (np.empty(0), np.empty(0), np.empty(0))
    everything = np.empty(0, dtype=np.int64)
    for k in range(heads.shape[0]):
        row = out[k]
        row[:] = INF
        search(graph, heads[k], costs[k], limit, scale, row, workspace, capacity, untracked, everything)


@njit(nogil=True, cache=True)
def table_rows(
    graph, heads, costs, limit, scale, n_buckets, left_out, readers, extras, out_limit, out, metres, settle
):
    """One search from heads[k] per row k of `out`, read at once by every reader.

    left_out = (states, next, cost) × 2: two groups of states left out of the search graph,
    completed in this order after each search (see complete()). readers = (state0, cost0, state1,
    cost1, pos): reader r gets the minimum of (time of state0[r] + cost0[r]), of (time of
    state1[r] + cost1[r]) and, over the extras = (pos, state, cost) i with pos[i] == pos[r], of
    (time of state[i] + cost[i]); each sum in out's dtype after converting the time to it (as
    numpy would), inf past out_limit (a scalar of out's dtype: numpy compares in the array's
    dtype). The cell is out[k, pos[r]].

    metres = (arc lengths, head lengths (K × heads), the two left-out groups' lengths (as their
    costs), reader lengths 0 and 1, extra lengths, out_metres): out_metres[k, pos[r]] gets the
    length of the path of the time chosen for out[k, pos[r]] (inf where that is inf). An empty
    out_metres tracks nothing.
    """
    first_states, first_next, first_cost, second_states, second_next, second_cost = left_out
    state0, cost0, state1, cost1, pos = readers
    extra_pos, extra_state, extra_cost = extras
    arc_len, head_len, first_len, second_len, len0, len1, extra_len, out_metres = metres
    track = out_metres.shape[0] > 0
    n_states = graph[0].shape[0] - 1
    dist = np.full(n_states, INF)
    far = np.empty(n_states if track else 0)
    untracked = np.empty(0)
    workspace = _workspace(n_states, graph[1].shape[0], heads.shape[1], n_buckets)
    touched = workspace[0]
    capacity = workspace[3].shape[0]
    unreached = out.dtype.type(INF)
    for k in range(heads.shape[0]):
        heads_len = head_len[k] if track else untracked
        count = search(
            graph,
            heads[k],
            costs[k],
            limit,
            scale,
            dist,
            workspace,
            capacity,
            (arc_len, heads_len, far),
            settle,
        )
        complete(dist, first_states, first_next, first_cost, limit, far, first_len)
        complete(dist, second_states, second_next, second_cost, limit, far, second_len)
        row = out[k]
        for r in range(pos.shape[0]):
            t0 = out.dtype.type(dist[state0[r]]) + cost0[r]
            t1 = out.dtype.type(dist[state1[r]]) + cost1[r]
            best = t1 if t1 < t0 else t0
            reached = best <= out_limit and best < unreached
            row[pos[r]] = best if reached else unreached
            if track:
                metres_r = far[state1[r]] + len1[r] if t1 < t0 else far[state0[r]] + len0[r]
                out_metres[k, pos[r]] = metres_r if reached else INF
        for i in range(extra_pos.shape[0]):
            value = out.dtype.type(dist[extra_state[i]]) + extra_cost[i]
            if value < row[extra_pos[i]]:
                reached = value <= out_limit and value < unreached
                row[extra_pos[i]] = value if reached else unreached
                if track:
                    out_metres[k, extra_pos[i]] = far[extra_state[i]] + extra_len[i] if reached else INF
        for i in range(count):
            dist[touched[i]] = INF
        for s in first_states:
            dist[s] = INF
        for s in second_states:
            dist[s] = INF


@njit(nogil=True, cache=True)
def nearest_segments(x, y, order, neighbours, sample_seg, seg_x, seg_y, seg_dx, seg_dy, seg, frac, dist_m):
    """For each point, the nearest of its candidate segments: its index, the fraction along it of
    the point's foot on it, and the distance to that foot.

    Point order[i] is at (x[order[i]], y[order[i]]); its candidates are the segments
    sample_seg[neighbours[i, :]] (the k-d tree's answer for the points taken in that order); the
    results go to seg, frac and dist_m at order[i]. Segment s runs from (seg_x[s], seg_y[s]) by
    (seg_dx[s], seg_dy[s]). The arithmetic is the same, operation by operation, as the numpy
    expression it replaces (see streets.StreetGraph.snap_many), and ties go to the first candidate, as with
    argmin.
    """
    for i in range(order.shape[0]):
        p = order[i]
        best = INF
        best_seg = sample_seg[neighbours[i, 0]]
        best_t = 0.0
        for j in range(neighbours.shape[1]):
            s = sample_seg[neighbours[i, j]]
            dx = seg_dx[s]
            dy = seg_dy[s]
            px = x[p] - seg_x[s]
            py = y[p] - seg_y[s]
            len2 = dx * dx + dy * dy
            t = (px * dx + py * dy) / len2 if len2 > 0 else 0.0
            t = min(max(t, 0.0), 1.0)
            d = np.hypot(px - t * dx, py - t * dy)
            if d < best or j == 0:
                best = d
                best_seg = s
                best_t = t
        seg[p] = best_seg
        frac[p] = best_t
        dist_m[p] = best
