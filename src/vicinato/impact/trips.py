"""Round trips by each mode, for many (origin, destination) pairs at once, on the city's real network.

Rules (they decide the figures; the README of the app repeats them):
- Car as driver, car as passenger and motorbike use the car graph (one-way streets, turn restrictions and the
  urban congestion factor of routing/car.py); bike and walk their own graphs. A round trip is the fastest trip
  there plus the fastest trip back (different on one-way streets). Kilometres are along the route driven.
- Public transport: the best journey arriving by the arrival time (rounded to the hour) on the timetable's
  reference day of the same kind (the coming weekday, Saturday or Sunday: the usual commute, not one day's
  disruptions), counted twice (the way back is taken as the same journey). Walk legs count as walk km (their
  minutes at the walking speed); a ride counts as km of its GTFS mode: the straight line between its stops
  times the detour factor of the emission factors' file.
- Pairs are routed once each: many bookings share a home cell and a place, so a batch routes its distinct
  pairs (tables of unique origins by unique destinations for the street graphs, a cache of journeys by
  origin, destination and time for public transport) and spreads the answers over its rows.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from django.conf import settings
from django.utils import timezone

from vicinato.geo import transit, travel
from vicinato.routing import RoutingError

from . import factors as factor_files

ROAD_GRAPH = {"car_driver": "car", "car_passenger": "car", "motorbike": "car", "bike": "bike", "walk": "walk"}
TRANSIT = "transit"
ALL_MODES = (*ROAD_GRAPH, TRANSIT)
SLOT_MINUTES = 60
# Tables of unique origins by unique destinations are cut so that one holds at most this many cells.
TABLE_CELLS = 4_000_000
EARTH_RADIUS_KM = 6371.0088


class Unroutable(Exception):
    """A mode this city cannot route (no car graph, no timetable); the message is for people."""


@dataclass
class RoundTrips:
    """Round trips for N rows: minutes and km (NaN where the pair has no route), km by factor mode."""

    minutes: np.ndarray
    km: np.ndarray
    km_by_mode: dict[str, np.ndarray]

    @property
    def ok(self) -> np.ndarray:
        return np.isfinite(self.minutes)


def road_graph(mode: str):
    name = ROAD_GRAPH[mode]
    net = travel.network()
    if name not in net.modes:
        raise Unroutable(name)
    return net.graph(name)


def check_routable(mode: str) -> None:
    """Raise Unroutable when the city has no graph or timetable for `mode`."""
    if mode == TRANSIT:
        if not transit.available():
            raise Unroutable(mode)
    elif mode in ROAD_GRAPH:
        road_graph(mode)
    else:
        raise Unroutable(mode)


def version(modes) -> tuple:
    """What routing by `modes` depends on: the street network in use and, for public transport, the timetable
    (a key for answers kept in memory)."""
    key: tuple = (id(travel.network()),)
    if TRANSIT in modes:
        key += (transit.router().timetable.fingerprint,)
    return key


def on_map(points: np.ndarray) -> np.ndarray:
    """Which (lat, lon) rows lie within the snapping limit of a street of the map (the walk graph)."""
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    finite = np.all(np.isfinite(points), axis=1)
    ok = np.zeros(len(points), dtype=bool)
    if finite.any():
        ok[finite] = travel.network().graph("walk").snap_many(points[finite], strict=False).ok
    return ok


def distinct_rows(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first, inverse) of the distinct rows of equal-length columns (floats compared bit for bit): the index
    of one row of each distinct row, and the number of each row's distinct row. For a million rows in a
    fraction of a second, where np.unique(axis=0) sorts them as bytes for seconds."""
    n = len(columns[0])
    keys = [
        np.ascontiguousarray(c, dtype=np.float64).view(np.int64)
        if np.asarray(c).dtype.kind == "f"
        else np.asarray(c).astype(np.int64)
        for c in columns
    ]
    order = np.lexsort(keys[::-1])
    change = np.zeros(n, dtype=bool)
    change[:1] = True
    for key in keys:
        ordered = key[order]
        change[1:] |= ordered[1:] != ordered[:-1]
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.cumsum(change) - 1
    return order[change], inverse


def _unique(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rounded = np.round(points, 6)
    first, inverse = distinct_rows(rounded[:, 0], rounded[:, 1])
    return rounded[first], inverse


# Round trips already routed for a few rows (estimates, one booking's check-in), by (graph, origin, destination):
# the calculator is asked again and again from the same 250 m cells to the same places.
_road: OrderedDict[tuple, tuple[float, float]] = OrderedDict()
_road_lock = threading.Lock()
ROAD_KEPT = 50_000
FEW = 8


def _road_few(
    graph, name: str, origins: np.ndarray, destinations: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(minutes, km) for a few rows, through the cache of round trips."""
    keys = [
        (name, id(graph), *np.round(o, 6), *np.round(d, 6))
        for o, d in zip(origins, destinations, strict=True)
    ]
    with _road_lock:
        found = [_road.get(k) for k in keys]
    missing = [i for i, f in enumerate(found) if f is None]
    if missing:
        minutes, km = _road_table(graph, origins[missing], destinations[missing])
        with _road_lock:
            for j, i in enumerate(missing):
                found[i] = (float(minutes[j]), float(km[j]))
                _road[keys[i]] = found[i]
            while len(_road) > ROAD_KEPT:
                _road.popitem(last=False)
    return np.array([f[0] for f in found]), np.array([f[1] for f in found])


def road_round_trips(mode: str, origins: np.ndarray, destinations: np.ndarray) -> RoundTrips:
    """Round trips origin → destination → origin by a street mode, for each row."""
    graph = road_graph(mode)
    if len(origins) <= FEW:
        minutes, km = _road_few(
            graph, ROAD_GRAPH[mode], np.asarray(origins, float), np.asarray(destinations, float)
        )
    else:
        minutes, km = _road_table(graph, origins, destinations)
    return RoundTrips(minutes, km, {mode: np.nan_to_num(km)})


def _road_table(graph, origins: np.ndarray, destinations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(origins)
    minutes, km = np.full(n, np.nan), np.full(n, np.nan)
    if n:
        ou, oi = _unique(np.asarray(origins, dtype=float))
        du, di = _unique(np.asarray(destinations, dtype=float))
        block = max(1, TABLE_CELLS // max(1, len(du)))
        for start in range(0, len(ou), block):
            part = slice(start, min(start + block, len(ou)))
            rows = np.flatnonzero((oi >= part.start) & (oi < part.stop))
            if not len(rows):
                continue
            there = graph.trip_table(ou[part], du, strict=False)
            back = graph.trip_table(du, ou[part], strict=False)
            local = oi[rows] - part.start
            seconds = there.seconds[local, di[rows]] + back.seconds[di[rows], local]
            metres = there.metres[local, di[rows]] + back.metres[di[rows], local]
            good = np.isfinite(seconds)
            minutes[rows[good]] = seconds[good] / 60
            km[rows[good]] = metres[good] / 1000
    return minutes, km


def reference_day(day: date, today: date | None = None) -> date:
    """The day a commute is routed on by public transport: the coming weekday, Saturday or Sunday (after
    `today`), of the same kind as `day`."""
    start = (today or timezone.localdate()) + timedelta(days=1)
    kind = min(day.weekday(), 5) if day.weekday() < 6 else 6
    for offset in range(7):
        candidate = start + timedelta(days=offset)
        weekday = candidate.weekday()
        if (kind < 5 and weekday < 5) or weekday == kind:
            return candidate
    return start  # pragma: no cover


def slot(moment: time) -> time:
    """A time rounded to the nearest SLOT_MINUTES (at most 23:00)."""
    minutes = min(round((moment.hour * 60 + moment.minute) / SLOT_MINUTES) * SLOT_MINUTES, 23 * 60)
    return time(minutes // 60, minutes % 60)


_journeys: OrderedDict[tuple, tuple[float, dict[str, float]] | None] = OrderedDict()
_journeys_lock = threading.Lock()
JOURNEYS_KEPT = 200_000
_stops: dict[str, dict[str, tuple[float, float]]] = {}


def _stop_points(router) -> dict[str, tuple[float, float]]:
    timetable = router.timetable
    key = timetable.fingerprint
    if key not in _stops:
        a = timetable.arrays
        _stops.clear()
        _stops[key] = {
            str(s): (float(la), float(lo))
            for s, la, lo in zip(a["stop_id"], a["stop_lat"], a["stop_lon"], strict=True)
        }
    return _stops[key]


def _crow_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


def _answer(router, found) -> tuple[float, dict[str, float]] | None:
    """(minutes, km by mode) of a Journey, or None when it has no itinerary."""
    if found is None or found.itinerary is None:
        return None
    stops = _stop_points(router)
    detour = factor_files.current().detour.get("transit_ride", 1.25)
    walk_kmh = settings.ROUTING_WALK_SPEED_KMH
    km: dict[str, float] = {}
    for leg in found.itinerary.legs:
        if leg.kind == "walk":
            km["walk"] = km.get("walk", 0.0) + leg.seconds / 3600 * walk_kmh
        else:
            a, b = stops.get(leg.from_stop_id), stops.get(leg.to_stop_id)
            ride = _crow_km(a, b) * detour if a and b else 0.0
            km[leg.mode] = km.get(leg.mode, 0.0) + ride
    return found.itinerary.seconds / 60, km


def max_journey_minutes() -> float:
    return settings.ROUTING_MAX_MINUTES * 3


def _keep(key: tuple, answer) -> None:
    with _journeys_lock:
        _journeys[key] = answer
        while len(_journeys) > JOURNEYS_KEPT:
            _journeys.popitem(last=False)


def journey(origin: tuple[float, float], destination: tuple[float, float], arrive_by: datetime):
    """(minutes, km by mode) of the one-way journey by public transport, or None when there is none."""
    router = transit.router()
    key = (router.timetable.fingerprint, origin, destination, arrive_by.isoformat())
    with _journeys_lock:
        if key in _journeys:
            _journeys.move_to_end(key)
            return _journeys[key]
    try:
        found = router.arrive_by(origin, destination, arrive_by, max_minutes=max_journey_minutes())
    except RoutingError:
        found = None
    answer = _answer(router, found)
    _keep(key, answer)
    return answer


def journeys(asked: list[tuple], zone) -> list:
    """journey() for many (origin, destination, day, time) keys at once: the keys going to one destination by
    one time share one backward search (TransitRouter.arrive_by_search), each destination's walks (from the
    stops, and from its origins) are searched once whatever the time, and each origin walks to the stops once
    (one forward walk search) whatever its destinations. The answers are journey()'s, to the digit."""
    router = transit.router()
    fingerprint = router.timetable.fingerprint
    cache_keys = [
        (fingerprint, o, d, datetime.combine(day, at, tzinfo=zone).isoformat()) for o, d, day, at in asked
    ]
    answers: list = [None] * len(asked)
    todo: dict[tuple, list[int]] = {}  # (destination, day, time) -> indexes of asked
    with _journeys_lock:
        for i, key in enumerate(cache_keys):
            if key in _journeys:
                _journeys.move_to_end(key)
                answers[i] = _journeys[key]
            else:
                todo.setdefault(asked[i][1:], []).append(i)
    if not todo:
        return answers
    budget = max_journey_minutes() * 60.0
    walk = router.walk
    origins = sorted({asked[i][0] for rows in todo.values() for i in rows})
    snapped = walk.snap_many(origins, strict=False)
    row_of = {o: r for r, o in enumerate(origins)}
    access = router.access_many(snapped.take(snapped.ok), budget)
    access_row = dict(zip(np.flatnonzero(snapped.ok).tolist(), range(len(access)), strict=True))

    by_destination: dict[tuple, list[tuple]] = {}
    for (destination, day, at), rows in todo.items():
        by_destination.setdefault(destination, []).append((day, at, rows))

    def one_destination(item: tuple[tuple, list[tuple]]) -> None:
        destination, times = item
        end = walk.snap_many([destination], strict=False)
        origins_here = sorted({row_of[asked[i][0]] for _day, _at, rows in times for i in rows})
        if end.ok[0]:
            # The walks from the stops and from every origin to it, whatever the time: once per destination.
            egress = router.egress(end, budget)[:, 0]
            walks = walk.table_snapped(snapped.take(np.array(origins_here)), end, budget)[:, 0]
            walk_only = dict(zip(origins_here, walks.tolist(), strict=True))
        for day, at, rows in times:
            if end.ok[0]:
                service_day, t1 = router.clock_of(datetime.combine(day, at, tzinfo=zone))
                search = router.arrive_by_search(
                    end, service_day, t1, max_minutes=max_journey_minutes(), egress=egress
                )
            for i in rows:
                origin = row_of[asked[i][0]]
                found = None
                if end.ok[0] and origin in access_row:
                    found = router.arrive_by_from(
                        search,
                        snapped.take(np.array([origin])),
                        access=access[access_row[origin]],
                        walk_only=walk_only[origin],
                    )
                answers[i] = _answer(router, found)
                _keep(cache_keys[i], answers[i])

    # The searches release the GIL (numba, nogil): the destinations run on the graph's threads.
    with ThreadPoolExecutor(max_workers=max(1, walk.workers)) as pool:
        list(pool.map(one_destination, by_destination.items()))
    return answers


def transit_round_trips(
    origins: np.ndarray,
    destinations: np.ndarray,
    days: list[date],
    arrivals: list[time],
    today: date | None = None,
) -> RoundTrips:
    """Round trips by public transport for each row, arriving by arrivals[i] (see the module's rules)."""
    if not transit.available():
        raise Unroutable(TRANSIT)
    n = len(origins)
    minutes, km = np.full(n, np.nan), np.full(n, np.nan)
    by_mode: dict[str, np.ndarray] = {}
    zone = timezone.get_current_timezone()
    today = today or timezone.localdate()
    # Rows by distinct (origin, destination, reference day, slot), with numpy: a batch has a million rows.
    when_of: dict[tuple, tuple] = {}
    when = np.empty(n, dtype=np.int64)
    for i, pair in enumerate(zip(days, arrivals, strict=True)):
        found = when_of.get(pair)
        if found is None:
            found = when_of[pair] = (len(when_of), reference_day(pair[0], today), slot(pair[1]))
        when[i] = found[0]
    whens = [(day, at) for _index, day, at in sorted(when_of.values())]
    # Each distinct point rounded once (as journey() keys them), then each distinct (origin, destination, time).
    o_first, o_row = distinct_rows(origins[:, 0], origins[:, 1])
    d_first, d_row = distinct_rows(destinations[:, 0], destinations[:, 1])
    o_key = [(round(a, 6), round(b, 6)) for a, b in origins[o_first].tolist()]
    d_key = [(round(a, 6), round(b, 6)) for a, b in destinations[d_first].tolist()]
    first, inverse = distinct_rows(o_row, d_row, when)
    key_of: dict[tuple, int] = {}
    keys = np.array(
        [
            key_of.setdefault((o_key[o], d_key[d], *whens[w]), len(key_of))
            for o, d, w in zip(
                o_row[first].tolist(), d_row[first].tolist(), when[first].tolist(), strict=True
            )
        ],
        dtype=np.int64,
    )
    answers = journeys(list(key_of), zone)
    inverse = keys[inverse]
    one_minutes = np.array([np.nan if a is None else a[0] for a in answers])
    one_km = np.array([np.nan if a is None else sum(a[1].values()) for a in answers])
    minutes[:] = 2 * one_minutes[inverse]
    km[:] = 2 * one_km[inverse]
    for mode in sorted({m for a in answers if a is not None for m in a[1]}):
        per = np.array([0.0 if a is None else a[1].get(mode, 0.0) for a in answers])
        ok = np.array([a is not None and mode in a[1] for a in answers])
        by_mode[mode] = np.where(ok[inverse], 2 * per[inverse], 0.0)
    return RoundTrips(minutes, km, by_mode)


def round_trips(
    mode: str,
    origins: np.ndarray,
    destinations: np.ndarray,
    days: list[date],
    arrivals: list[time],
    today: date | None = None,
) -> RoundTrips:
    """Round trips by `mode` (a `Mode` value) for each row; Unroutable when the city cannot route it."""
    origins = np.asarray(origins, dtype=float).reshape(-1, 2)
    destinations = np.asarray(destinations, dtype=float).reshape(-1, 2)
    if mode == TRANSIT:
        return transit_round_trips(origins, destinations, days, arrivals, today)
    if mode in ROAD_GRAPH:
        return road_round_trips(mode, origins, destinations)
    raise Unroutable(mode)
