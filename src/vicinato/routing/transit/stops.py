"""Walking between points and stops, and the RAPTOR searches those walks start: the layer under TransitRouter.

TransitRouter (router.py) answers journeys and tables from it; TransitReach (reach.py) and the
one-to-all times and isochrones (isochrone.py) use it too. Times are seconds on the clock of the
service date (see Timetable.day_view); walking times meet the timetable in whole seconds.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np

from ..graph import ModeGraph, SnappedPoints
from ..search import kernels
from .calendar import ServiceDay
from .errors import TransitError
from .timetable import DayView, Timetable

# The same values as in _raptor.py, which is imported (with numba) on the first query only.
EPS_S = 1e-6
INF = 1 << 30
NEG = -(1 << 30)
DEFAULT_MAX_MINUTES = 90.0
DEFAULT_MAX_TRANSFERS = 4
# Leaving at a time, or arriving by it.
Kind = Literal["depart_at", "arrive_by"]


def _check_budget(max_minutes: float, max_transfers: int) -> None:
    if not (max_minutes > 0 and math.isfinite(max_minutes)):
        raise TransitError(f"max_minutes must be a positive number of minutes, not {max_minutes!r}.")
    if not (isinstance(max_transfers, numbers.Integral) and 0 <= max_transfers <= 10):
        raise TransitError(f"max_transfers must be a whole number from 0 to 10, not {max_transfers!r}.")


def _ceil(t: np.ndarray) -> np.ndarray:
    return np.ceil(t - EPS_S)


def _floor(t: np.ndarray) -> np.ndarray:
    return np.floor(t + EPS_S)


class StopWalks:
    """A timetable on its walk graph: the stops' street points, the walks to and from them, and
    the RAPTOR searches they seed."""

    def __init__(self, timetable: Timetable, walk: ModeGraph) -> None:
        if timetable.meta["walk_graph"] != walk.fingerprint:
            raise TransitError(
                "This timetable was built on another walk graph; rebuild it with Timetable.load_or_build()."
            )
        self.timetable = timetable
        self.walk = walk
        a = timetable.arrays
        self.points = walk.snap_many(np.column_stack([a["point_lat"], a["point_lon"]]), strict=False)
        self.point_stop = a["point_stop"].astype(np.int64)
        self.point_in = a["point_in_s"]
        self.point_out = a["point_out_s"]
        self.n_stops = timetable.n_stops
        zone = timetable.summary["feeds"][0].get("timezone") or "Europe/Rome"
        self.zone = ZoneInfo(zone)

    # ----- times ----------------------------------------------------------------------------

    def clock_of(self, when: dt.datetime) -> tuple[ServiceDay, float]:
        """The service day and the seconds on its clock of a date-time (aware ones are converted
        to the feed's time zone; naive ones are taken as local time)."""
        if when.tzinfo is not None:
            when = when.astimezone(self.zone).replace(tzinfo=None)
        midnight = dt.datetime.combine(when.date(), dt.time())
        return self.timetable.service_day(when.date()), (when - midnight).total_seconds()

    # ----- walking to and from stops --------------------------------------------------------

    def _per_stop(self, point_times: np.ndarray, extra: np.ndarray) -> np.ndarray:
        """Per-stop minimum over a stop's street points of (time + extra); rows are points."""
        values = point_times + extra.reshape(-1, *([1] * (point_times.ndim - 1)))
        out = np.full((self.n_stops, *point_times.shape[1:]), np.inf)
        np.minimum.at(out, self.point_stop, values)
        return out

    def access(self, origin: SnappedPoints, limit_s: float) -> np.ndarray:
        """Seconds walking from one snapped point to each stop (inf beyond limit_s)."""
        times = self.walk.table_snapped(origin, self.points, limit_s)[0]
        return self._per_stop(times, self.point_in)

    def access_many(self, origins: SnappedPoints, limit_s: float) -> np.ndarray:
        """access() of many origins, (origins, stops): the same forward search from each origin, run
        together in blocks of fewer origins than stop points (so that each stays a forward search)."""
        out = np.empty((len(origins), self.n_stops))
        block = max(1, len(self.points) - 1)
        for start in range(0, len(origins), block):
            part = origins.take(slice(start, start + block))
            times = self.walk.table_snapped(part, self.points, limit_s)
            out[start : start + len(part)] = self._per_stop(np.asarray(times).T, self.point_in).T
        return out

    def egress(self, destination: SnappedPoints, limit_s: float) -> np.ndarray:
        """Seconds walking from each stop to each snapped point: (stops, points), inf beyond limit_s."""
        times = np.asarray(self.walk.table_snapped(self.points, destination, limit_s))
        return self._per_stop(times, self.point_out)

    def _snap(self, point: tuple[float, float]) -> SnappedPoints:
        return self.walk.snap_many([point])

    def earliest_arrivals(
        self, view: DayView, access: np.ndarray, t0: float, horizon: float, max_transfers: int
    ) -> tuple[np.ndarray, ...]:
        """Forward RAPTOR leaving at t0 from the stops `access` seconds' walk away (inf: out of
        reach), arriving by `horizon`: the labels, arrival by a vehicle and ready to board, then
        the five parent arrays, (rounds + 1, stops) each (the last round holds the best of all)."""
        seeds = np.flatnonzero(np.isfinite(access))
        seed_time = _ceil(t0 + access[seeds]).astype(np.int32)
        labels = _labels(max_transfers + 1, self.n_stops, 2)
        raptor().earliest_arrival(
            view.kernel, self.timetable.forward_transfers, seeds.astype(np.int64), seed_time,
            np.int32(min(math.floor(horizon), INF - 1)), labels[0], labels[1], labels[2:],
        )  # fmt: skip
        return labels

    def latest_departures(
        self, view: DayView, egress: np.ndarray, arrive_by_s: float, earliest_s: float, max_transfers: int
    ) -> np.ndarray:
        """(places, stops) latest time to board at each stop and still arrive at each place (whose
        egress column gives the walk from each stop) by arrive_by_s; NEG where none after earliest_s."""
        n_places = egress.shape[1]
        stop, place = np.nonzero(np.isfinite(egress))
        order = np.lexsort((stop, place))
        stop, place = stop[order], place[order]
        seed_time = _floor(arrive_by_s - egress[stop, place]).astype(np.int32)
        seed_ptr = np.zeros(n_places + 1, dtype=np.int64)
        np.cumsum(np.bincount(place, minlength=n_places), out=seed_ptr[1:])
        out = np.empty((n_places, self.n_stops), dtype=np.int32)
        earliest = np.int32(max(math.ceil(earliest_s - EPS_S), NEG + 1))
        transfers = self.timetable.backward_transfers

        def run(part: slice) -> None:
            raptor().latest_departures(
                view.mirror, transfers, seed_ptr[part.start : part.stop + 1], stop.astype(np.int64),
                seed_time, earliest, max_transfers + 1, out[part],
            )  # fmt: skip

        _in_parts(run, n_places, self.walk.workers)
        return out

    def place_seeds(
        self, latest: np.ndarray, arrive_by_s: float, places: SnappedPoints
    ) -> tuple[np.ndarray, np.ndarray]:
        """Heads and costs of the reverse walk searches of the places (one row each): every street
        point of every stop at (the walk from the point onto the stop + arrive_by - the latest
        boarding there), and the place itself at 0 (walking the whole way)."""
        with np.errstate(invalid="ignore"):
            stop_cost = np.where(
                latest > NEG, arrive_by_s - latest.astype(np.float64), np.inf
            )  # (places, stops)
        heads, costs = self.stop_seeds(stop_cost, leaving=False)
        own_heads, own_costs = self.walk._heads_in(places)
        return np.column_stack([heads, own_heads]), np.column_stack([costs, own_costs])

    def stop_seeds(self, stop_s: np.ndarray, *, leaving: bool) -> tuple[np.ndarray, np.ndarray]:
        """Heads and costs of walk searches seeded at every street point of every stop, one row
        per row of stop_s ((K, stops) seconds at the stops, inf where unused): forward searches
        leaving the stops (plus the walk out of the stop onto the street) or reverse searches
        towards them (plus the walk from the street into the stop)."""
        if leaving:
            heads, costs = self.walk._heads_out(self.points)
        else:
            heads, costs = self.walk._heads_in(self.points)
        heads = np.where(np.isfinite(costs), heads, 0)
        extra = self.point_out if leaving else self.point_in
        point_cost = stop_s[:, self.point_stop] + extra[None, :]  # (K, points)
        costs = (point_cost[:, :, None] + costs[None, :, :]).reshape(len(stop_s), -1)
        return np.broadcast_to(heads.reshape(1, -1), costs.shape), costs


def raptor() -> ModuleType:
    """The compiled RAPTOR kernels, imported on first use (numba caches them like the street searches')."""
    global _raptor_module
    if _raptor_module is None:
        kernels()  # settles where numba may write its cache
        from . import _raptor

        _raptor_module = _raptor
    return _raptor_module


_raptor_module: ModuleType | None = None


def _labels(rounds: int, n_stops: int, kinds: int) -> tuple[np.ndarray, ...]:
    """Label arrays of a search: `kinds` label arrays and the five parent arrays, (rounds + 1, stops)."""
    return tuple(np.empty((rounds + 1, n_stops), dtype=np.int32) for _ in range(kinds + 5))


def _in_parts(task, total: int, workers: int) -> None:  # noqa: ANN001 - task(slice) -> None
    """task(slice) over range(total), on `workers` threads (the kernels release the GIL)."""
    if total == 0:
        return
    size = max(1, -(-total // (4 * workers))) if workers > 1 else total
    parts = [slice(s, min(total, s + size)) for s in range(0, total, size)]
    if workers > 1 and len(parts) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(task, parts))
    else:
        for part in parts:
            task(part)
