"""Everywhere a point reaches by walking and public transport within a time (one to all), and its isochrone.

- depart_at ("leaving at 08:30"): one walk search from the point to the stops (the access walks),
  one forward RAPTOR from the stops reached, then one search on the walk graph seeded at every
  street point of every stop reached by a vehicle (earliest arrival − departure + the walk off
  the stop) and at the point itself (walking the whole way): the earliest arrival at every
  junction, as seconds after the departure.
- arrive_by ("there by 09:00"): the reverse, as TransitRouter.table() does per place: one walk
  search from the stops to the point (the egress walks), one backward RAPTOR, then one reverse
  search seeded at every stop's street points (arrive_by − latest boarding + the walk into the
  stop) and at the point itself: arrive_by minus the latest departure from every junction.

A junction's time is what depart_at() (arrive_by()) answers for a point standing on it, except
that depart_at() does not count a traffic signal at the very junction it ends at when it gets
there along that junction's own street (the junction's time, an arrival there, does). The isochrone is routing/isochrone.py's: the streets in time
(interpolated where the time runs out, with the stretches either side of the point and of every
stop's street points) buffered, merged and simplified the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ..isochrone import Isochrone, SearchTimes, reachable_area
from ..search import TIME_TOLERANCE_S, multi_source_search
from ..streets import SnappedPoints
from .calendar import ServiceDay
from .errors import TransitError
from .stops import INF, NEG, Kind, StopWalks, _check_budget

KINDS = ("depart_at", "arrive_by")


@dataclass(frozen=True)
class TransitTimes:
    """Seconds between one point and every junction of the walk graph by walking and public
    transport (see the module docstring), inf beyond max_minutes."""

    kind: Kind
    service_day: ServiceDay
    time_s: float  # the departure (depart_at) or the arrival (arrive_by), on the service day's clock
    max_minutes: float
    max_transfers: int
    search: SearchTimes  # the walk search and where it started, for isochrones
    stop_s: np.ndarray  # per stop: arrival by a vehicle − departure, or arrive_by − latest boarding

    @property
    def node_times(self) -> np.ndarray:
        """Seconds at every junction of the walk graph, in its node order (walking has no turn
        costs, so its search states are its junctions)."""
        return self.search.state_times


def transit_times(
    router: StopWalks,
    point: SnappedPoints,
    day: ServiceDay,
    time_s: float,
    kind: Kind,
    *,
    max_minutes: float,
    max_transfers: int,
) -> TransitTimes:
    """TransitTimes from a snapped point (depart_at) or to it (arrive_by), leaving or arriving
    at time_s seconds on the clock of `day`."""
    if kind not in KINDS:
        raise TransitError(f"kind must be 'depart_at' or 'arrive_by', not {kind!r}.")
    _check_budget(max_minutes, max_transfers)
    budget = max_minutes * 60.0
    walk = router.walk
    leaving = kind == "depart_at"
    if leaving:
        view = router.timetable.day_view(day, time_s, time_s + budget)
        access = router.access(point, budget)
        arrival = router.earliest_arrivals(view, access, time_s, time_s + budget, max_transfers)[0][-1]
        with np.errstate(invalid="ignore"):
            stop_s = np.where(arrival < INF, arrival.astype(np.float64) - time_s, np.inf)
        heads, costs = router.stop_seeds(stop_s[None, :], leaving=True)
        own_heads, own_costs = walk._heads_out(point)
        graph = walk.csr
    else:
        view = router.timetable.day_view(day, time_s - budget, time_s)
        egress = router.egress(point, budget)
        latest = router.latest_departures(view, egress, time_s, time_s - budget, max_transfers)[0]
        with np.errstate(invalid="ignore"):
            stop_s = np.where(latest > NEG, time_s - latest.astype(np.float64), np.inf)
        heads, costs = router.stop_seeds(stop_s[None, :], leaving=False)
        own_heads, own_costs = walk._heads_in(point)
        # Walking has no turn costs, so the transposed graph needs none of reverse_search()'s care.
        graph = walk.csr_t
    times = multi_source_search(
        graph,
        np.column_stack([heads, own_heads]),
        np.column_stack([costs, own_costs]),
        budget + TIME_TOLERANCE_S,
    )
    assert times is not None
    # Where the search started, and the seconds there: the point, and the stops' street points.
    extra = router.point_out if leaving else router.point_in
    at_points = stop_s[router.point_stop] + extra + walk.snap_cost(router.points)
    used = np.flatnonzero(at_points <= budget + TIME_TOLERANCE_S)
    sources = _join(point, router.points.take(used))
    source_s = np.concatenate([walk.snap_cost(point), at_points[used]])
    search = SearchTimes(times[0], sources, source_s, towards=not leaving)
    return TransitTimes(kind, day, float(time_s), float(max_minutes), max_transfers, search, stop_s)


def transit_isochrone(
    router: StopWalks,
    lat: float,
    lon: float,
    when: dt.datetime,
    max_minutes: float,
    kind: Kind,
    *,
    max_transfers: int,
    **options: float,
) -> Isochrone:
    """The area reachable from (lat, lon) leaving at `when` (depart_at), or from which (lat,
    lon) is reached by `when` (arrive_by), within max_minutes; options as routing.isochrone's."""
    day, time_s = router.clock_of(when)
    point = router.walk.snap_many([(lat, lon)])
    times = transit_times(
        router, point, day, time_s, kind, max_minutes=max_minutes, max_transfers=max_transfers
    )
    budget = max_minutes * 60.0
    geometry, area_m2 = reachable_area(router.walk, times.search, budget, lat, lon, **options)
    return Isochrone(geometry, area_m2, budget, "transit", lat, lon, kind, day)


def _join(first: SnappedPoints, second: SnappedPoints) -> SnappedPoints:
    """The points of `first`, then those of `second`."""
    fields = ("lat", "lon", "seg", "frac", "dist_m", "ok")
    return SnappedPoints(*(np.concatenate([getattr(first, f), getattr(second, f)]) for f in fields))
