"""RAPTOR, compiled with numba (nogil, cached like routing/_kernels.py): earliest arrival, latest departure, profiles.

Round k rides k vehicles. Labels per round and stop, in whole seconds of the service day:
- forwards: `arr[k, s]`, the earliest arrival at s by a vehicle, and `ready[k, s]`, the earliest
  time one is at s ready to board (after a same-stop change or a transfer walk, or from the
  origin in round 0). Arrival labels feed transfers; ready labels feed boardings. One walk
  between two rides: transfer walks never chain (the transfer list is already the walking
  network's shortest times between stops within the radius).
- backwards (arrive by): `dep[k, s]`, the latest time one may board at s and still arrive in
  time, and `alight[k, s]`, the latest time one may arrive at s by a vehicle. A backward search is
  the forward one run on the day's mirror (DayView.mirror: time runs the other way, so every time
  is negated and each route is read from its last stop and its last trip), with the transfers
  read towards their stops: one kernel for both directions, whose labels come out negated.
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
                nm = _ready_at(s, a + same[s], s, k, horizon, ready, p_from, best_ready, marked, mlist, nm)
            for e in range(tr_ptr[s], tr_ptr[s + 1]):
                nm = _ready_at(
                    tr_to[e], a + tr_s[e], s, k, horizon, ready, p_from, best_ready, marked, mlist, nm
                )
    for m in range(nm):
        marked[mlist[m]] = False


@njit(nogil=True, cache=True)
def _seed_forward(seed_stop, seed_time, horizon, ready, p_from, best_ready, marked, mlist):
    nm = 0
    for k in range(seed_stop.shape[0]):
        nm = _ready_at(
            seed_stop[k], seed_time[k], -1, 0, horizon, ready, p_from, best_ready, marked, mlist, nm
        )
    return nm


@njit(nogil=True, cache=True)
def _ready_at(s, t, came_from, k, horizon, ready, p_from, best_ready, marked, mlist, nm):
    """Being ready to board at s at time t in round k, from stop came_from (-1: the origin): kept when it beats
    every round so far within the horizon, and s marked for the next round. Returns the marked count."""
    if t < best_ready[s] and t <= horizon:
        ready[k, s] = t
        best_ready[s] = t
        p_from[k, s] = came_from
        if not marked[s]:
            marked[s] = True
            mlist[nm] = s
            nm += 1
    return nm


@njit(nogil=True, cache=True)
def _fresh(arr, ready):
    """Labels set to INF, and a forward search's scratch: best_arr, best_ready, marked, mlist."""
    arr[:, :] = INF
    ready[:, :] = INF
    n_stops = arr.shape[1]
    best_arr = np.full(n_stops, INF, dtype=np.int32)
    best_ready = np.full(n_stops, INF, dtype=np.int32)
    return best_arr, best_ready, np.zeros(n_stops, dtype=np.bool_), np.empty(n_stops, dtype=np.int64)


@njit(nogil=True, cache=True)
def earliest_arrival(view, transfers, seed_stop, seed_time, horizon, arr, ready, parents):
    """Forward RAPTOR from stops reached at seed_time (ready to board); labels into arr/ready
    ((rounds + 1, stops) int32) and how each was reached into parents (see _forward_rounds)."""
    best_arr, best_ready, marked, mlist = _fresh(arr, ready)
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
    best_arr, best_ready, marked, mlist = _fresh(arr, ready)
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
def _backward(
    mirror,
    transfers,
    seed_stop,
    seed_time,
    earliest,
    arr,
    ready,
    parents,
    best_arr,
    best_ready,
    marked,
    mlist,
):
    """A backward search run as a forward one on the mirrored day (timetable.mirror_kernel: routes
    reversed, times negated, boarding and alighting swapped) with the backward transfers: labels
    come out negated (arr = -dep, ready = -alight), parents in the mirror's positions and trips."""
    arr[:, :] = INF
    ready[:, :] = INF
    best_arr[:] = INF
    best_ready[:] = INF
    horizon = np.int32(-earliest)
    nm = _seed_forward(seed_stop, -seed_time, horizon, ready, parents[4], best_ready, marked, mlist)
    _forward_rounds(mirror, transfers, horizon, arr, ready, parents, best_arr, best_ready, marked, mlist, nm)


@njit(nogil=True, cache=True)
def latest_departure(mirror, transfers, seed_stop, seed_time, earliest, dep, alight, parents):
    """Backward RAPTOR towards stops one may reach by vehicle until seed_time (then walk on to the
    destination): `dep[k, s]`, the latest time one may board at s and still arrive in time, and
    `alight[k, s]`, the latest time one may arrive at s by a vehicle (NEG where none after
    `earliest`); parents as a forward search's, read on the day's own view (not the mirror):
    p_board where the ride was boarded, p_alight where it was left, p_from the next stop."""
    n_stops = dep.shape[1]
    best_arr = np.empty(n_stops, dtype=np.int32)
    best_ready = np.empty(n_stops, dtype=np.int32)
    marked = np.zeros(n_stops, dtype=np.bool_)
    mlist = np.empty(n_stops, dtype=np.int64)
    _backward(
        mirror,
        transfers,
        seed_stop,
        seed_time,
        earliest,
        dep,
        alight,
        parents,
        best_arr,
        best_ready,
        marked,
        mlist,
    )
    r_stop_ptr, r_ntrips = mirror[0], mirror[4]
    p_route, p_trip, p_board, p_alight = parents[0], parents[1], parents[2], parents[3]
    for k in range(dep.shape[0] - 1, 0, -1):
        for s in range(n_stops):
            if dep[k, s] < dep[k - 1, s]:  # set by a ride of round k: back to the view's numbering
                r = p_route[k, s]
                last = r_stop_ptr[r + 1] - r_stop_ptr[r] - 1
                boarded = p_board[k, s]
                p_board[k, s] = last - p_alight[k, s]
                p_alight[k, s] = last - boarded
                p_trip[k, s] = r_ntrips[r] - 1 - p_trip[k, s]
    for k in range(dep.shape[0]):
        for s in range(n_stops):
            dep[k, s] = -dep[k, s]
            alight[k, s] = -alight[k, s]


@njit(nogil=True, cache=True)
def latest_departures(mirror, transfers, seed_ptr, seed_stop, seed_time, earliest, n_rounds, out):
    """For each target k (seeds seed_ptr[k]:seed_ptr[k + 1]), the latest boarding time at every
    stop that still arrives in time: out[k] (NEG where none), as latest_departure's best labels."""
    n_stops = out.shape[1]
    arr = np.empty((n_rounds + 1, n_stops), dtype=np.int32)
    ready = np.empty((n_rounds + 1, n_stops), dtype=np.int32)
    parents = (
        np.empty((n_rounds + 1, n_stops), dtype=np.int32),
        np.empty((n_rounds + 1, n_stops), dtype=np.int32),
        np.empty((n_rounds + 1, n_stops), dtype=np.int32),
        np.empty((n_rounds + 1, n_stops), dtype=np.int32),
        np.empty((n_rounds + 1, n_stops), dtype=np.int32),
    )
    best_arr = np.empty(n_stops, dtype=np.int32)
    best_ready = np.empty(n_stops, dtype=np.int32)
    marked = np.zeros(n_stops, dtype=np.bool_)
    mlist = np.empty(n_stops, dtype=np.int64)
    for k in range(out.shape[0]):
        lo, hi = seed_ptr[k], seed_ptr[k + 1]
        _backward(
            mirror, transfers, seed_stop[lo:hi], seed_time[lo:hi], earliest, arr, ready, parents,
            best_arr, best_ready, marked, mlist,
        )  # fmt: skip
        for s in range(n_stops):
            out[k, s] = -best_arr[s]
