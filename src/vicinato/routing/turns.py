"""Turns between street directions: the bearings of each chain's ends and what each turn costs.

A *direction* (arc) is one chain ridden one way: arc 2c goes from the chain's start junction A to
its end junction B, arc 2c+1 from B back to A. A turn is a pair (arc arriving at a junction, arc
leaving it). Its angle is measured between the bearing on arrival and the bearing on leaving, each
taken between the junction and the point LOOKAHEAD_M metres along the street (as OSRM does, so that
a kink in the mapped line right at the crossing does not decide the angle): 0 is straight on,
positive to the right, negative to the left, 180 a U-turn.

A cyclist's cost is OSRM's bicycle turn function: (angle / 90)^2 × turn_penalty, divided by the
bias for right turns and multiplied by it for left turns, plus the U-turn penalty for U-turns. A
driver's is OSRM's car turn function: a sigmoid of the angle rising to turn_penalty (cheaper to
the right: the bias shifts it), plus a sigmoid share of the oncoming-traffic penalty for left
turns (not at roundabouts), plus the U-turn penalty. U-turns exist only where OSRM allows them:
at dead ends and where there is no other way on (a single street leaves the junction, or at most
one arrives there); elsewhere one turns round by going round a block. Bends between junctions
(inside a chain) cost nothing, like OSRM's bends within a way; OSRM also charges a bend where two
different ways meet without a crossing, which we do not.
"""

from __future__ import annotations

import numpy as np

from .settings import RoutingSettings

LOOKAHEAD_M = 10.0


def chain_bearings(
    x: np.ndarray,
    y: np.ndarray,
    seg_u: np.ndarray,
    seg_v: np.ndarray,
    seg_len_m: np.ndarray,
    chain_first: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(bearing leaving A, bearing arriving at B) of every chain ridden from A to B, degrees from north.

    x, y are the projected coordinates (metres) of the shape nodes; segments are chain-contiguous
    and oriented from A to B.
    """
    length = np.asarray(seg_len_m, dtype=np.float64)
    ends = np.cumsum(length)
    starts = ends - length
    first = chain_first[:-1]
    last = chain_first[1:] - 1
    chain_start = starts[first]
    chain_end = ends[last]
    ahead = np.minimum(LOOKAHEAD_M, chain_end - chain_start)
    # The segment holding the point `ahead` metres after A, and the one holding it before B.
    near_a = np.clip(np.searchsorted(ends, chain_start + ahead, side="left"), first, last)
    near_b = np.clip(np.searchsorted(starts, chain_end - ahead, side="right") - 1, first, last)
    px_a, py_a = _point_along(x, y, seg_u, seg_v, starts, length, near_a, chain_start + ahead)
    px_b, py_b = _point_along(x, y, seg_u, seg_v, starts, length, near_b, chain_end - ahead)
    a = seg_u[first]
    b = seg_v[last]
    leave_a = _bearing(x[a], y[a], px_a, py_a)
    arrive_b = _bearing(px_b, py_b, x[b], y[b])
    return leave_a, arrive_b


def _point_along(
    x: np.ndarray,
    y: np.ndarray,
    seg_u: np.ndarray,
    seg_v: np.ndarray,
    starts: np.ndarray,
    length: np.ndarray,
    seg: np.ndarray,
    at: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.clip(np.where(length[seg] > 0, (at - starts[seg]) / length[seg], 1.0), 0.0, 1.0)
    u, v = seg_u[seg], seg_v[seg]
    return x[u] + t * (x[v] - x[u]), y[u] + t * (y[v] - y[u])


def _bearing(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray) -> np.ndarray:
    """Compass bearing (0 north, 90 east) from (x0, y0) to (x1, y1) on the local plane."""
    return np.degrees(np.arctan2(x1 - x0, y1 - y0)) % 360.0


def turn_cost_s(angle: np.ndarray, u_turn: np.ndarray, settings: RoutingSettings) -> np.ndarray:
    """Seconds a cyclist loses on turns of the given angles (degrees, positive to the right)."""
    angle = np.asarray(angle, dtype=np.float64)
    squared = (angle / 90.0) ** 2 * settings.bike_turn_penalty_s
    bias = np.where(angle >= 0, 1.0 / settings.bike_turn_bias, settings.bike_turn_bias)
    return squared * bias + np.where(u_turn, settings.bike_u_turn_penalty_s, 0.0)


def car_turn_cost_s(
    angle: np.ndarray, u_turn: np.ndarray, roundabout: np.ndarray, settings: RoutingSettings
) -> np.ndarray:
    """Seconds a driver loses on turns at a crossing (degrees, positive to the right; traffic on
    the right), as OSRM's car profile prices them in free flow, divided by the congestion factor
    (like every cost of a car trip); `roundabout`: the turn enters or leaves one."""
    angle = np.asarray(angle, dtype=np.float64)
    share = np.abs(angle) / 180.0
    bias = settings.car_turn_bias
    steep = np.where(angle >= 0, 13.0 / bias * share - 6.5 * bias, 13.0 * bias * share - 6.5 / bias)
    cost = settings.car_turn_penalty_s / (1.0 + np.exp(-steep))
    oncoming = (angle < 0) & ~u_turn & ~roundabout
    cost += np.where(
        oncoming, settings.car_oncoming_turn_penalty_s / (1.0 + np.exp(-(13.0 * share - 3.25))), 0.0
    )
    return (cost + np.where(u_turn, settings.car_u_turn_penalty_s, 0.0)) / settings.car_congestion_factor


def turn_list(
    chain_a: np.ndarray,
    chain_b: np.ndarray,
    junctions: int,
    arc_cost: np.ndarray,
    leave_a: np.ndarray,
    arrive_b: np.ndarray,
    settings: RoutingSettings,
    *,
    mode: str = "bike",
    roundabout: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every allowed turn as (from arc, to arc, seconds), sorted by (to arc, from arc).

    Turns into and out of directions that are closed as a whole are listed too: a point in the
    middle of a street can still ride the open part of it and turn at its end. `mode` chooses
    the cost function ("bike" or "car"); roundabout = (whether each arc arrives along a
    roundabout, whether it leaves along one), for cars.
    """
    chains = len(chain_a)
    tail = np.empty(2 * chains, dtype=np.int64)
    head = np.empty(2 * chains, dtype=np.int64)
    tail[0::2], tail[1::2] = chain_a, chain_b
    head[0::2], head[1::2] = chain_b, chain_a
    leave = np.empty(2 * chains)
    arrive = np.empty(2 * chains)
    leave[0::2], leave[1::2] = leave_a, (arrive_b + 180.0) % 360.0
    arrive[0::2], arrive[1::2] = arrive_b, (leave_a + 180.0) % 360.0
    # Leaving arcs grouped by junction.
    by_tail = np.argsort(tail, kind="stable")
    ptr = np.zeros(junctions + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail, minlength=junctions), out=ptr[1:])
    count = ptr[head + 1] - ptr[head]
    frm = np.repeat(np.arange(2 * chains), count)
    offset = np.arange(len(frm)) - np.repeat(np.cumsum(count) - count, count)
    to = by_tail[np.repeat(ptr[head], count) + offset]
    u_turn = to == (frm ^ 1)
    # OSRM's rule: U-turns at dead ends, or where one street leaves or at most one arrives.
    is_open = np.isfinite(arc_cost)
    exits = np.bincount(tail[is_open], minlength=junctions)
    entries = np.bincount(head[is_open], minlength=junctions)
    degree = np.bincount(tail, minlength=junctions)
    via = head[frm]
    u_ok = (degree[via] == 1) | (exits[via] == 1) | (entries[via] <= 1)
    keep = ~u_turn | u_ok
    frm, to, u_turn = frm[keep], to[keep], u_turn[keep]
    angle = (leave[to] - arrive[frm] + 180.0) % 360.0 - 180.0
    angle = np.where(u_turn | (angle == -180.0), 180.0, angle)
    if mode == "car":
        arrives, leaves = roundabout if roundabout is not None else (np.zeros(2 * chains, dtype=bool),) * 2
        cost = car_turn_cost_s(angle, u_turn, arrives[frm] | leaves[to], settings)
    else:
        cost = turn_cost_s(angle, u_turn, settings)
    # A junction touching two street ends is the node picked to cut a closed loop with no crossing
    # on it: riding through it is riding along the street, not a turn.
    cost[(degree[head[frm]] == 2) & ~u_turn] = 0.0
    order = np.lexsort((frm, to))
    return frm[order].astype(np.int32), to[order].astype(np.int32), cost[order]
