"""Journeys on foot and by public transport: depart-at, arrive-by, ranges of departures, and tables.

A journey walks on the walk graph from the origin to a stop (any length within the time allowed),
rides one or more vehicles, changing at the same stop (the stop's minimum change time) or by one
walk between stops (the timetable's transfers), and walks from the last stop to the destination;
walking the whole way is always an option. Walking times meet the timetable in whole seconds:
reaching a stop rounds up (ready at 08:00:00.4 misses the 08:00:00 departure), and "in time to
walk on" rounds down. Times are seconds on the clock of the service date (see Timetable.day_view).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from ..graph import Points, SnappedPoints
from ..isochrone import Isochrone
from ..search import TIME_TOLERANCE_S, search_table
from .calendar import ServiceDay
from .errors import TransitError
from .feed import route_mode
from .isochrone import TransitTimes, transit_isochrone, transit_times
from .itinerary import Itinerary, Journey, Option, RideLeg, WalkLeg
from .stops import (
    DEFAULT_MAX_MINUTES,
    DEFAULT_MAX_TRANSFERS,
    EPS_S,
    INF,
    NEG,
    Kind,
    StopWalks,
    _check_budget,
    _floor,
    _labels,
    raptor,
)
from .timetable import DayView


@dataclass(frozen=True)
class TransitTable:
    """Seconds from each origin to each place (inf beyond max_minutes): arrive_by minus the latest
    departure from the origin that still arrives by then."""

    seconds: np.ndarray  # (origins, places), float32
    service_day: ServiceDay
    arrive_by_s: int
    max_minutes: float


@dataclass(frozen=True)
class ArriveBySearch:
    """What arrive_by() computes for a destination and an arrival time, whatever the origin (see
    TransitRouter.arrive_by_search): the walks from the stops to it and the backward RAPTOR labels."""

    destination: SnappedPoints
    day: ServiceDay
    t1: float
    budget: float
    egress: np.ndarray  # (stops,) seconds
    view: DayView
    labels: tuple[np.ndarray, ...]  # departure, alighting and the five parent arrays


class TransitRouter(StopWalks):
    """Queries on one timetable and its walk graph (see the module docstring)."""

    def warm_up(self) -> float:
        """Run each kind of query once, so that numba compiles (or loads) every kernel now rather
        than in the first request: about 30 s on a fresh checkout, under a second once cached.
        Returns the seconds it took."""
        started = dt.datetime.now()
        usable = np.flatnonzero(self.points.ok)
        if not len(usable):
            return 0.0
        first, last = (
            (float(self.points.lat[q]), float(self.points.lon[q])) for q in (usable[0], usable[-1])
        )
        noon = dt.datetime.combine(self.timetable.first_date, dt.time(12))
        self.depart_at(first, last, noon, max_minutes=30)
        self.arrive_by(first, last, noon, max_minutes=30)
        self.departures_between(first, last, noon, noon + dt.timedelta(minutes=10), max_minutes=30)
        self.table([first], [last], noon, max_minutes=30)
        return (dt.datetime.now() - started).total_seconds()

    def _on_the_clock(
        self, search, origin, destination, when: dt.datetime, max_minutes, max_transfers
    ) -> Journey:
        """A search by seconds of the service day (depart_at_seconds, arrive_by_seconds) asked with points and a
        date and time."""
        day, seconds = self.clock_of(when)
        return search(
            self._snap(origin),
            self._snap(destination),
            day,
            seconds,
            max_minutes=max_minutes,
            max_transfers=max_transfers,
        )

    # ----- depart at ------------------------------------------------------------------------

    def depart_at(
        self,
        origin: tuple[float, float],
        destination: tuple[float, float],
        when: dt.datetime,
        *,
        max_minutes: float = DEFAULT_MAX_MINUTES,
        max_transfers: int = DEFAULT_MAX_TRANSFERS,
    ) -> Journey:
        """The earliest arrival leaving `origin` at `when` (or later), within max_minutes."""
        return self._on_the_clock(
            self.depart_at_seconds, origin, destination, when, max_minutes, max_transfers
        )

    def depart_at_seconds(
        self,
        origin: SnappedPoints,
        destination: SnappedPoints,
        day: ServiceDay,
        t0: float,
        *,
        max_minutes: float = DEFAULT_MAX_MINUTES,
        max_transfers: int = DEFAULT_MAX_TRANSFERS,
    ) -> Journey:
        """depart_at() for snapped points and a time in seconds of the service day."""
        _check_budget(max_minutes, max_transfers)
        budget = max_minutes * 60.0
        horizon = t0 + budget
        walk_only = float(self.walk.table_snapped(origin, destination, budget)[0, 0])
        access = self.access(origin, budget)
        egress = self.egress(destination, budget)[:, 0]
        view = self.timetable.day_view(day, t0, horizon)
        labels = self.earliest_arrivals(view, access, t0, horizon, max_transfers)
        arr, ready, parents = labels[0], labels[1], labels[2:]
        with np.errstate(invalid="ignore"):
            at_destination = np.where(arr < INF, arr, np.inf) + egress[None, :]
        per_round = at_destination.min(axis=1)
        best = float(per_round.min())
        if not (best <= horizon + EPS_S) or t0 + walk_only <= best:
            if walk_only <= budget + TIME_TOLERANCE_S:
                return Journey(day, self._walk_itinerary(day, t0, t0 + walk_only))
            return Journey(day, None)
        k = int(np.flatnonzero(per_round == best)[0])
        stop = int(np.argmin(at_destination[k]))
        legs: list = [
            self._walk("egress", stop, None, float(arr[k, stop]), float(arr[k, stop]) + float(egress[stop]))
        ]
        while True:
            while k > 0 and arr[k - 1, stop] == arr[k, stop]:
                k -= 1
            ride, board_stop = self._ride(view, parents, k, stop, forward=True)
            legs.append(ride)
            k -= 1
            while k > 0 and ready[k - 1, board_stop] == ready[k, board_stop]:
                k -= 1
            source = int(parents[4][k, board_stop])
            if k == 0 or source < 0:
                legs.append(
                    self._walk(
                        "access", None, board_stop, ride.departs_s - float(access[board_stop]), ride.departs_s
                    )
                )
                break
            if source != board_stop:
                leaves = float(arr[k, source])
                legs.append(
                    self._walk(
                        "transfer", source, board_stop, leaves, leaves + self._transfer_s(source, board_stop)
                    )
                )
            stop = source
        return Journey(day, Itinerary(day, tuple(reversed(legs))))

    # ----- arrive by ------------------------------------------------------------------------

    def arrive_by(
        self,
        origin: tuple[float, float],
        destination: tuple[float, float],
        when: dt.datetime,
        *,
        max_minutes: float = DEFAULT_MAX_MINUTES,
        max_transfers: int = DEFAULT_MAX_TRANSFERS,
    ) -> Journey:
        """The latest departure from `origin` that arrives by `when`, leaving at most max_minutes before."""
        return self._on_the_clock(
            self.arrive_by_seconds, origin, destination, when, max_minutes, max_transfers
        )

    def arrive_by_seconds(
        self,
        origin: SnappedPoints,
        destination: SnappedPoints,
        day: ServiceDay,
        t1: float,
        *,
        max_minutes: float = DEFAULT_MAX_MINUTES,
        max_transfers: int = DEFAULT_MAX_TRANSFERS,
    ) -> Journey:
        """arrive_by() for snapped points and a time in seconds of the service day."""
        search = self.arrive_by_search(
            destination, day, t1, max_minutes=max_minutes, max_transfers=max_transfers
        )
        return self.arrive_by_from(search, origin)

    def arrive_by_search(
        self,
        destination: SnappedPoints,
        day: ServiceDay,
        t1: float,
        *,
        max_minutes: float = DEFAULT_MAX_MINUTES,
        max_transfers: int = DEFAULT_MAX_TRANSFERS,
        egress: np.ndarray | None = None,
    ) -> ArriveBySearch:
        """The part of arrive_by() that does not depend on the origin: the walks from the stops to
        the destination and the backward RAPTOR from it. arrive_by_from() answers any origin from it,
        so that many origins going to one destination by one time share a single search. `egress`
        (egress() of the destination, first column) may be given when it is known already."""
        _check_budget(max_minutes, max_transfers)
        budget = max_minutes * 60.0
        earliest = t1 - budget
        if egress is None:
            egress = self.egress(destination, budget)[:, 0]
        view = self.timetable.day_view(day, earliest, t1)
        seeds = np.flatnonzero(np.isfinite(egress))
        seed_time = _floor(t1 - egress[seeds]).astype(np.int32)
        labels = _labels(max_transfers + 1, self.n_stops, 2)
        raptor().latest_departure(
            view.mirror, self.timetable.backward_transfers, seeds.astype(np.int64), seed_time,
            np.int32(max(math.ceil(earliest), NEG + 1)), labels[0], labels[1], labels[2:],
        )  # fmt: skip
        return ArriveBySearch(destination, day, t1, budget, egress, view, labels)

    def arrive_by_from(
        self,
        search: ArriveBySearch,
        origin: SnappedPoints,
        *,
        access: np.ndarray | None = None,
        walk_only: float | None = None,
    ) -> Journey:
        """The journey of arrive_by() from one snapped origin, read from a search of arrive_by_search().
        `access` (the origin's row of access()) and `walk_only` (the walk alone, seconds) may be given
        when they are known already; they are computed otherwise."""
        day, t1, budget, egress, view = search.day, search.t1, search.budget, search.egress, search.view
        dep, alight, parents = search.labels[0], search.labels[1], search.labels[2:]
        earliest = t1 - budget
        if walk_only is None:
            walk_only = float(self.walk.table_snapped(origin, search.destination, budget)[0, 0])
        if access is None:
            access = self.access(origin, budget)
        with np.errstate(invalid="ignore"):
            from_origin = np.where(dep > NEG, dep, -np.inf) - access[None, :]
        per_round = from_origin.max(axis=1)
        best = float(per_round.max())
        walk_leaves = t1 - walk_only
        if not (best >= earliest - EPS_S) or walk_leaves >= best:
            if walk_only <= budget + TIME_TOLERANCE_S:
                return Journey(day, self._walk_itinerary(day, walk_leaves, t1))
            return Journey(day, None)
        k = int(np.flatnonzero(per_round == best)[0])
        stop = int(np.argmax(from_origin[k]))
        legs: list = [
            self._walk("access", None, stop, float(dep[k, stop]) - float(access[stop]), float(dep[k, stop]))
        ]
        while True:
            while k > 0 and dep[k - 1, stop] == dep[k, stop]:
                k -= 1
            ride, alight_stop = self._ride(view, parents, k, stop, forward=False)
            legs.append(ride)
            k -= 1
            while k > 0 and alight[k - 1, alight_stop] == alight[k, alight_stop]:
                k -= 1
            target = int(parents[4][k, alight_stop])
            if k == 0 or target < 0:
                legs.append(
                    self._walk(
                        "egress",
                        alight_stop,
                        None,
                        ride.arrives_s,
                        ride.arrives_s + float(egress[alight_stop]),
                    )
                )
                break
            if target != alight_stop:
                legs.append(
                    self._walk(
                        "transfer",
                        alight_stop,
                        target,
                        ride.arrives_s,
                        ride.arrives_s + self._transfer_s(alight_stop, target),
                    )
                )
            stop = target
        return Journey(day, Itinerary(day, tuple(legs)))

    # ----- ranges ---------------------------------------------------------------------------

    def departures_between(
        self,
        origin: tuple[float, float],
        destination: tuple[float, float],
        start: dt.datetime,
        end: dt.datetime,
        *,
        max_minutes: float = DEFAULT_MAX_MINUTES,
        max_transfers: int = DEFAULT_MAX_TRANSFERS,
    ) -> tuple[ServiceDay, list[Option]]:
        """rRAPTOR: the Pareto set of (departure, arrival) leaving between start and end (the
        same service day), each arriving within max_minutes of its departure. An option's
        itinerary is depart_at() at its departure. Walking alone is not listed (it is always possible)."""
        day, t_start = self.clock_of(start)
        end_day, t_end = self.clock_of(end)
        if end_day.requested != day.requested:
            t_end += (end_day.requested - day.requested).days * 86400
        return day, self.departures_between_seconds(
            self._snap(origin),
            self._snap(destination),
            day,
            t_start,
            t_end,
            max_minutes=max_minutes,
            max_transfers=max_transfers,
        )

    def departures_between_seconds(
        self,
        origin: SnappedPoints,
        destination: SnappedPoints,
        day: ServiceDay,
        t_start: float,
        t_end: float,
        *,
        max_minutes: float = DEFAULT_MAX_MINUTES,
        max_transfers: int = DEFAULT_MAX_TRANSFERS,
    ) -> list[Option]:
        _check_budget(max_minutes, max_transfers)
        if t_end < t_start:
            raise TransitError("The end of the window is before its start; swap them.")
        budget = max_minutes * 60.0
        access = self.access(origin, budget)
        egress = self.egress(destination, budget)[:, 0]
        view = self.timetable.day_view(day, t_start, t_end + budget)
        seeds = np.flatnonzero(np.isfinite(access))
        departures = self._departures(view, seeds, access[seeds], t_start, t_end)
        if not len(departures):
            return []
        rounds = max_transfers + 1
        labels = _labels(rounds, self.n_stops, 2)
        ends = np.flatnonzero(np.isfinite(egress))
        out = np.empty(len(departures))
        raptor().profile(
            view.kernel, self.timetable.forward_transfers, seeds.astype(np.int64), access[seeds],
            departures, np.int32(min(math.floor(t_end + budget), INF - 1)), ends.astype(np.int64), egress[ends],
            labels[0], labels[1], labels[2:], out,
        )  # fmt: skip
        options: list[Option] = []
        later = np.inf
        for leave, arrive in zip(departures.tolist(), out.tolist(), strict=True):
            if arrive < later and arrive - leave <= budget + EPS_S:
                options.append(Option(float(leave), float(arrive)))
            later = min(later, arrive)
        return options[::-1]

    def _departures(
        self, view: DayView, stops: np.ndarray, walk_s: np.ndarray, lo: float, hi: float
    ) -> np.ndarray:
        """Times leaving the origin that catch a vehicle just in time at one of the stops, descending."""
        r_stop_ptr, _, r_board, _, r_ntrips, r_time, _, t_dep, s_ptr, s_route, s_pos = view.kernel
        found = []
        for s, w in zip(stops.tolist(), walk_s.tolist(), strict=True):
            for e in range(int(s_ptr[s]), int(s_ptr[s + 1])):
                r, i = int(s_route[e]), int(s_pos[e])
                if not r_board[r_stop_ptr[r] + i]:
                    continue
                column = t_dep[r_time[r] + i * r_ntrips[r] : r_time[r] + (i + 1) * r_ntrips[r]]
                leave = _floor(column - w)
                found.append(leave[(leave >= math.ceil(lo - EPS_S)) & (leave <= hi)])
        if not found:
            return np.empty(0)
        return np.unique(np.concatenate(found))[::-1].astype(np.float64)

    # ----- one to all and isochrones ---------------------------------------------------------

    def times_from(
        self,
        origin: tuple[float, float],
        when: dt.datetime,
        *,
        max_minutes: float,
        max_transfers: int = DEFAULT_MAX_TRANSFERS,
    ) -> TransitTimes:
        """Leaving `origin` at `when`: seconds to the earliest arrival at every walk-graph
        junction (TransitTimes.node_times), inf beyond max_minutes (see transit/isochrone.py)."""
        day, t0 = self.clock_of(when)
        return transit_times(
            self,
            self._snap(origin),
            day,
            t0,
            "depart_at",
            max_minutes=max_minutes,
            max_transfers=max_transfers,
        )

    def times_to(
        self,
        destination: tuple[float, float],
        when: dt.datetime,
        *,
        max_minutes: float,
        max_transfers: int = DEFAULT_MAX_TRANSFERS,
    ) -> TransitTimes:
        """Arriving at `destination` by `when`: seconds from the latest departure from every
        walk-graph junction (TransitTimes.node_times), inf beyond max_minutes."""
        day, t1 = self.clock_of(when)
        return transit_times(
            self,
            self._snap(destination),
            day,
            t1,
            "arrive_by",
            max_minutes=max_minutes,
            max_transfers=max_transfers,
        )

    def isochrone(
        self,
        lat: float,
        lon: float,
        when: dt.datetime,
        max_minutes: float,
        kind: Kind = "depart_at",
        *,
        max_transfers: int = DEFAULT_MAX_TRANSFERS,
        **options: float,
    ) -> Isochrone:
        """The area reachable from a point leaving at `when` (kind "depart_at"), or from which the
        point is reached by `when` ("arrive_by"), within max_minutes on foot and by public
        transport: an Isochrone of mode "transit" with its service_day. Options (buffer_m,
        simplify_m, fill_holes_m2) as ModeGraph.isochrone's."""
        return transit_isochrone(
            self, lat, lon, when, max_minutes, kind, max_transfers=max_transfers, **options
        )

    # ----- tables ---------------------------------------------------------------------------

    def table(
        self,
        origins: Points,
        places: Points,
        arrive_by: dt.datetime,
        *,
        max_minutes: float = 45.0,
        max_transfers: int = DEFAULT_MAX_TRANSFERS,
        strict: bool = False,
    ) -> TransitTable:
        """Origins × places: arrive_by minus the latest departure from the origin arriving at the
        place by arrive_by, inf beyond max_minutes (or for points farther than the snapping
        limit from any street, unless strict=True, which raises PointTooFarError for them)."""
        day, t1 = self.clock_of(arrive_by)
        o = self.walk.snap_many(origins, strict=strict)
        d = self.walk.snap_many(places, strict=strict)
        return self.table_snapped(o, d, day, t1, max_minutes=max_minutes, max_transfers=max_transfers)

    def table_snapped(
        self,
        o: SnappedPoints,
        d: SnappedPoints,
        day: ServiceDay,
        t1: float,
        *,
        max_minutes: float = 45.0,
        max_transfers: int = DEFAULT_MAX_TRANSFERS,
    ) -> TransitTable:
        _check_budget(max_minutes, max_transfers)
        budget = max_minutes * 60.0
        if len(o) == 0 or len(d) == 0:
            return TransitTable(
                np.full((len(o), len(d)), np.inf, dtype=np.float32), day, int(t1), max_minutes
            )
        view = self.timetable.day_view(day, t1 - budget, t1)
        egress = self.egress(d, budget)
        latest = self.latest_departures(view, egress, t1, t1 - budget, max_transfers)
        heads, costs = self.place_seeds(latest, t1, d)
        read_heads, read_costs, read_extras = self.walk._leaving(o)
        limit = budget + TIME_TOLERANCE_S
        cells = search_table(
            self.walk.csr_t, heads, costs, limit, read_heads, read_costs,
            read_extras=read_extras, dtype=np.float32, workers=self.walk.workers,
        ).T  # fmt: skip
        # Walks that need no search: along the origin's street to the place, or to a stop's point.
        oi, di, direct = self.walk.direct_trips(o, d)
        keep = direct <= limit
        np.minimum.at(cells, (oi[keep], di[keep]), direct[keep].astype(np.float32))
        oi, qi, direct = self.walk.direct_trips(o, self.points)
        if len(oi):
            with np.errstate(invalid="ignore"):
                stop_cost = np.where(latest > NEG, t1 - latest.astype(np.float64), np.inf)
            values = direct[:, None] + self.point_in[qi][:, None] + stop_cost[:, self.point_stop[qi]].T
            values[~(values <= limit)] = np.inf
            np.minimum.at(
                cells,
                (np.repeat(oi, len(d)), np.tile(np.arange(len(d)), len(oi))),
                values.ravel().astype(np.float32),
            )
        cells[~o.ok, :] = np.inf
        cells[:, ~d.ok] = np.inf
        return TransitTable(cells, day, int(t1), max_minutes)

    # ----- itinerary pieces -----------------------------------------------------------------

    def _transfer_s(self, frm: int, to: int) -> float:
        ptr, targets, seconds, _ = self.timetable.forward_transfers
        row = slice(int(ptr[frm]), int(ptr[frm + 1]))
        hit = np.flatnonzero(targets[row] == to)
        return float(seconds[row][hit[0]]) if len(hit) else 0.0

    def _stop(self, stop: int | None) -> tuple[str, str | None]:
        if stop is None:
            return "", None
        a = self.timetable.arrays
        return str(a["stop_name"][stop]), str(a["stop_id"][stop])

    def _walk(self, purpose: str, frm: int | None, to: int | None, departs: float, arrives: float) -> WalkLeg:
        from_name, from_id = self._stop(frm)
        to_name, to_id = self._stop(to)
        return WalkLeg(
            purpose, from_name or "origin", to_name or "destination", from_id, to_id, departs, arrives
        )

    def _walk_itinerary(self, day: ServiceDay, departs: float, arrives: float) -> Itinerary:
        return Itinerary(day, (WalkLeg("direct", "origin", "destination", None, None, departs, arrives),))

    def _ride(
        self, view: DayView, parents: tuple, k: int, stop: int, *, forward: bool
    ) -> tuple[RideLeg, int]:
        """The ride recorded for label (k, stop), and the stop at its other end (where it was
        boarded, going forwards; where it was left, going backwards)."""
        r_stop_ptr, r_stops, _, _, r_ntrips, r_time, t_arr, t_dep = view.kernel[:8]
        r = int(parents[0][k, stop])
        j = int(parents[1][k, stop])
        board, alight = int(parents[2][k, stop]), int(parents[3][k, stop])
        base, n, sp = int(r_time[r]), int(r_ntrips[r]), int(r_stop_ptr[r])
        trip = int(view.route_trips[view.route_trip_ptr[r] + j])
        a = self.timetable.arrays
        route = int(a["trip_route"][trip])
        frm, to = int(r_stops[sp + board]), int(r_stops[sp + alight])
        offset = int(view.route_offset[r])
        feed = int(a["trip_feed"][trip])
        leg = RideLeg(
            line=str(a["route_short"][route]) or str(a["route_long"][route]),
            mode=route_mode(int(a["route_type"][route])),
            route_id=str(a["route_id"][route]),
            route_name=str(a["route_long"][route]),
            route_color=str(a["route_color"][route]),
            trip_id=str(a["trip_id"][trip]),
            headsign=str(a["trip_headsign"][trip])
            or str(a["stop_name"][int(r_stops[r_stop_ptr[r + 1] - 1])]),
            from_stop_id=str(a["stop_id"][frm]),
            from_name=str(a["stop_name"][frm]),
            to_stop_id=str(a["stop_id"][to]),
            to_name=str(a["stop_name"][to]),
            departs_s=int(t_dep[base + board * n + j]),
            arrives_s=int(t_arr[base + alight * n + j]),
            stops=alight - board,
            service_date=view.day.dates[feed] + dt.timedelta(days=offset),
        )
        return leg, (frm if forward else to)
