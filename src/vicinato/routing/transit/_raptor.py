"""RAPTOR, compiled with numba (nogil, cached like routing/_kernels.py): earliest arrival, latest departure, profiles.

Round k rides k vehicles. Labels per round and stop, in whole seconds of the service day:
- forwards: `arr[k, s]`, the earliest arrival at s by a vehicle, and `ready[k, s]`, the earliest
  time one is at s ready to board (after a same-stop change or a transfer walk, or from the
  origin in round 0). Arrival labels feed transfers; ready labels feed boardings. One walk
  between two rides: transfer walks never chain (the transfer list is already the walking
  network's shortest times between stops within the radius).
- backwards (arrive by): `dep[k, s]`, the latest time one may board at s and still arrive in
  time, and `alight[k, s]`, the latest time one may arrive at s by a vehicle.
Labels of round k start as those of round k - 1; a label only changes when it beats the best of
every round so far (RAPTOR's local pruning), and then records how it was reached.

The day view (timetable.DayView) lays out each route's times stop by stop: the departures from
stop position i of route r are t_dep[r_time[r] + i * n + j] for its n trips j, sorted (no trip of
a route overtakes another), so the first trip leaving after a time is a binary search.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

INF = np.int32(1 << 30)
NEG = np.int32(-(1 << 30))
EPS_S = 1e-6


@njit(nogil=True, cache=True)
def _first_at_or_after(times, lo, hi, value):
    """First k in [lo, hi) with times[k] >= value (times sorted), or hi."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if times[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(nogil=True, cache=True)
def _last_at_or_before(times, lo, hi, value):
    """Last k in [lo, hi) with times[k] <= value (times sorted), or lo - 1."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if times[mid] <= value:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


@njit(nogil=True, cache=True)
def _forward_rounds(view, transfers, horizon, arr, ready, parents, best_arr, best_ready, marked, mlist, nm):
    """Rounds 1.. of a forward search from the stops marked in mlist[:nm] (round 0 labels set)."""
    r_stop_ptr, r_stops, r_board, r_alight, r_ntrips, r_time, t_arr, t_dep, s_ptr, s_route, s_pos = view
    tr_ptr, tr_to, tr_s, same = transfers
    p_route, p_trip, p_board, p_alight, p_from = parents
    n_rounds = arr.shape[0] - 1
    n_stops = arr.shape[1]
    n_routes = r_ntrips.shape[0]
    route_from = np.full(n_routes, -1, dtype=np.int64)
    queue = np.empty(n_routes, dtype=np.int64)
    improved = np.zeros(n_stops, dtype=np.bool_)
    ilist = np.empty(n_stops, dtype=np.int64)
    for k in range(1, n_rounds + 1):
        arr[k, :] = arr[k - 1, :]
        ready[k, :] = ready[k - 1, :]
        if nm == 0:
            continue
        nq = 0
        for m in range(nm):
            s = mlist[m]
            marked[s] = False
            for e in range(s_ptr[s], s_ptr[s + 1]):
                r = s_route[e]
                p = s_pos[e]
                if route_from[r] < 0:
                    queue[nq] = r
                    nq += 1
                    route_from[r] = p
                elif p < route_from[r]:
                    route_from[r] = p
        nm = 0
        ni = 0
        for qi in range(nq):
            r = queue[qi]
            p0 = route_from[r]
            route_from[r] = -1
            n = r_ntrips[r]
            base = r_time[r]
            sp = r_stop_ptr[r]
            ns = r_stop_ptr[r + 1] - sp
            trip = -1
            board_at = -1
            for i in range(p0, ns):
                s = r_stops[sp + i]
                col = base + i * n
                if trip >= 0 and r_alight[sp + i]:
                    a = t_arr[col + trip]
                    if a < best_arr[s] and a <= horizon:
                        arr[k, s] = a
                        best_arr[s] = a
                        p_route[k, s] = r
                        p_trip[k, s] = trip
                        p_board[k, s] = board_at
                        p_alight[k, s] = i
                        if not improved[s]:
                            improved[s] = True
                            ilist[ni] = s
                            ni += 1
                if r_board[sp + i]:
                    t = ready[k - 1, s]
                    if t < INF and (trip < 0 or t <= t_dep[col + trip]):
                        hi = n if trip < 0 else trip
                        j = _first_at_or_after(t_dep, col, col + hi, t) - col
                        if j < hi:
                            trip = j
                            board_at = i
        for m in range(ni):
            s = ilist[m]
            improved[s] = False
            a = arr[k, s]
            if same[s] >= 0:
                t = a + same[s]
                if t < best_ready[s] and t <= horizon:
                    ready[k, s] = t
                    best_ready[s] = t
                    p_from[k, s] = s
                    if not marked[s]:
                        marked[s] = True
                        mlist[nm] = s
                        nm += 1
            for e in range(tr_ptr[s], tr_ptr[s + 1]):
                s2 = tr_to[e]
                t = a + tr_s[e]
                if t < best_ready[s2] and t <= horizon:
                    ready[k, s2] = t
                    best_ready[s2] = t
                    p_from[k, s2] = s
                    if not marked[s2]:
                        marked[s2] = True
                        mlist[nm] = s2
                        nm += 1
    for m in range(nm):
        marked[mlist[m]] = False


@njit(nogil=True, cache=True)
def _seed_forward(seed_stop, seed_time, horizon, ready, p_from, best_ready, marked, mlist):
    nm = 0
    for k in range(seed_stop.shape[0]):
        s = seed_stop[k]
        t = seed_time[k]
        if t <= horizon and t < best_ready[s]:
            ready[0, s] = t
            best_ready[s] = t
            p_from[0, s] = -1
            if not marked[s]:
                marked[s] = True
                mlist[nm] = s
                nm += 1
    return nm


@njit(nogil=True, cache=True)
def earliest_arrival(view, transfers, seed_stop, seed_time, horizon, arr, ready, parents):
    """Forward RAPTOR from stops reached at seed_time (ready to board); labels into arr/ready
    ((rounds + 1, stops) int32) and how each was reached into parents (see _forward_rounds)."""
    n_stops = arr.shape[1]
    arr[:, :] = INF
    ready[:, :] = INF
    best_arr = np.full(n_stops, INF, dtype=np.int32)
    best_ready = np.full(n_stops, INF, dtype=np.int32)
    marked = np.zeros(n_stops, dtype=np.bool_)
    mlist = np.empty(n_stops, dtype=np.int64)
    nm = _seed_forward(seed_stop, seed_time, horizon, ready, parents[4], best_ready, marked, mlist)
    _forward_rounds(view, transfers, horizon, arr, ready, parents, best_arr, best_ready, marked, mlist, nm)


@njit(nogil=True, cache=True)
def profile(
    view,
    transfers,
    seed_stop,
    seed_walk,
    departures,
    horizon,
    egress_stop,
    egress_walk,
    arr,
    ready,
    parents,
    out,
):
    """rRAPTOR: for each departure from the origin (descending), the earliest arrival at the
    destination (stops egress_stop reached by vehicle, then egress_walk seconds on foot): out[i]
    (inf if none by the horizon). Labels carry over from later departures to earlier ones."""
    n_stops = arr.shape[1]
    arr[:, :] = INF
    ready[:, :] = INF
    best_arr = np.full(n_stops, INF, dtype=np.int32)
    best_ready = np.full(n_stops, INF, dtype=np.int32)
    marked = np.zeros(n_stops, dtype=np.bool_)
    mlist = np.empty(n_stops, dtype=np.int64)
    seed_time = np.empty(seed_stop.shape[0], dtype=np.int32)
    for d in range(departures.shape[0]):
        for k in range(seed_stop.shape[0]):
            seed_time[k] = np.int32(math.ceil(departures[d] + seed_walk[k] - EPS_S))
        nm = _seed_forward(seed_stop, seed_time, horizon, ready, parents[4], best_ready, marked, mlist)
        _forward_rounds(
            view, transfers, horizon, arr, ready, parents, best_arr, best_ready, marked, mlist, nm
        )
        best = np.inf
        for k in range(egress_stop.shape[0]):
            a = best_arr[egress_stop[k]]
            if a < INF and a + egress_walk[k] < best:
                best = a + egress_walk[k]
        out[d] = best


@njit(nogil=True, cache=True)
def _backward_rounds(
    view, transfers, earliest, dep, alight, parents, best_dep, best_alight, marked, mlist, nm
):
    """Rounds 1.. of a backward search (mirror of _forward_rounds); `earliest` bounds every label."""
    r_stop_ptr, r_stops, r_board, r_alight, r_ntrips, r_time, t_arr, t_dep, s_ptr, s_route, s_pos = view
    tr_ptr, tr_from, tr_s, same = transfers
    p_route, p_trip, p_board, p_alight, p_to = parents
    n_rounds = dep.shape[0] - 1
    n_stops = dep.shape[1]
    n_routes = r_ntrips.shape[0]
    route_to = np.full(n_routes, -1, dtype=np.int64)
    queue = np.empty(n_routes, dtype=np.int64)
    improved = np.zeros(n_stops, dtype=np.bool_)
    ilist = np.empty(n_stops, dtype=np.int64)
    for k in range(1, n_rounds + 1):
        dep[k, :] = dep[k - 1, :]
        alight[k, :] = alight[k - 1, :]
        if nm == 0:
            continue
        nq = 0
        for m in range(nm):
            s = mlist[m]
            marked[s] = False
            for e in range(s_ptr[s], s_ptr[s + 1]):
                r = s_route[e]
                p = s_pos[e]
                if route_to[r] < 0:
                    queue[nq] = r
                    nq += 1
                    route_to[r] = p
                elif p > route_to[r]:
                    route_to[r] = p
        nm = 0
        ni = 0
        for qi in range(nq):
            r = queue[qi]
            p0 = route_to[r]
            route_to[r] = -1
            n = r_ntrips[r]
            base = r_time[r]
            sp = r_stop_ptr[r]
            trip = -1
            alight_at = -1
            for i in range(p0, -1, -1):
                s = r_stops[sp + i]
                col = base + i * n
                if trip >= 0 and r_board[sp + i]:
                    d = t_dep[col + trip]
                    if d > best_dep[s] and d >= earliest:
                        dep[k, s] = d
                        best_dep[s] = d
                        p_route[k, s] = r
                        p_trip[k, s] = trip
                        p_board[k, s] = i
                        p_alight[k, s] = alight_at
                        if not improved[s]:
                            improved[s] = True
                            ilist[ni] = s
                            ni += 1
                if r_alight[sp + i]:
                    t = alight[k - 1, s]
                    if t > NEG and (trip < 0 or t >= t_arr[col + trip]):
                        lo = 0 if trip < 0 else trip + 1
                        j = _last_at_or_before(t_arr, col + lo, col + n, t) - col
                        if j >= lo:
                            trip = j
                            alight_at = i
        for m in range(ni):
            s = ilist[m]
            improved[s] = False
            d = dep[k, s]
            if same[s] >= 0:
                t = d - same[s]
                if t > best_alight[s] and t >= earliest:
                    alight[k, s] = t
                    best_alight[s] = t
                    p_to[k, s] = s
                    if not marked[s]:
                        marked[s] = True
                        mlist[nm] = s
                        nm += 1
            for e in range(tr_ptr[s], tr_ptr[s + 1]):
                s2 = tr_from[e]
                t = d - tr_s[e]
                if t > best_alight[s2] and t >= earliest:
                    alight[k, s2] = t
                    best_alight[s2] = t
                    p_to[k, s2] = s
                    if not marked[s2]:
                        marked[s2] = True
                        mlist[nm] = s2
                        nm += 1
    for m in range(nm):
        marked[mlist[m]] = False


@njit(nogil=True, cache=True)
def _latest(
    view,
    transfers,
    seed_stop,
    seed_time,
    earliest,
    dep,
    alight,
    parents,
    best_dep,
    best_alight,
    marked,
    mlist,
):
    dep[:, :] = NEG
    alight[:, :] = NEG
    best_dep[:] = NEG
    best_alight[:] = NEG
    nm = 0
    for k in range(seed_stop.shape[0]):
        s = seed_stop[k]
        t = seed_time[k]
        if t >= earliest and t > best_alight[s]:
            alight[0, s] = t
            best_alight[s] = t
            parents[4][0, s] = -1
            if not marked[s]:
                marked[s] = True
                mlist[nm] = s
                nm += 1
    _backward_rounds(
        view, transfers, earliest, dep, alight, parents, best_dep, best_alight, marked, mlist, nm
    )


@njit(nogil=True, cache=True)
def latest_departure(view, transfers, seed_stop, seed_time, earliest, dep, alight, parents):
    """Backward RAPTOR towards stops one may reach by vehicle until seed_time (then walk on to the
    destination): labels into dep/alight, how each was reached into parents."""
    n_stops = dep.shape[1]
    best_dep = np.empty(n_stops, dtype=np.int32)
    best_alight = np.empty(n_stops, dtype=np.int32)
    marked = np.zeros(n_stops, dtype=np.bool_)
    mlist = np.empty(n_stops, dtype=np.int64)
    _latest(
        view,
        transfers,
        seed_stop,
        seed_time,
        earliest,
        dep,
        alight,
        parents,
        best_dep,
        best_alight,
        marked,
        mlist,
    )


@njit(nogil=True, cache=True)
def latest_departures(view, transfers, seed_ptr, seed_stop, seed_time, earliest, n_rounds, out):
    """For each target k (seeds seed_ptr[k]:seed_ptr[k + 1]), the latest boarding time at every
    stop that still arrives in time: out[k] (NEG where none), as latest_departure's best labels."""
    n_stops = out.shape[1]
    dep = np.empty((n_rounds + 1, n_stops), dtype=np.int32)
    alight = np.empty((n_rounds + 1, n_stops), dtype=np.int32)
    parents = (
        np.empty((n_rounds + 1, n_stops), dtype=np.int32),
        np.empty((n_rounds + 1, n_stops), dtype=np.int32),
        np.empty((n_rounds + 1, n_stops), dtype=np.int32),
        np.empty((n_rounds + 1, n_stops), dtype=np.int32),
        np.empty((n_rounds + 1, n_stops), dtype=np.int32),
    )
    best_alight = np.empty(n_stops, dtype=np.int32)
    marked = np.zeros(n_stops, dtype=np.bool_)
    mlist = np.empty(n_stops, dtype=np.int64)
    for k in range(out.shape[0]):
        lo, hi = seed_ptr[k], seed_ptr[k + 1]
        _latest(
            view, transfers, seed_stop[lo:hi], seed_time[lo:hi], earliest, dep, alight, parents,
            out[k], best_alight, marked, mlist,
        )  # fmt: skip
