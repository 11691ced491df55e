"""The timetable of one or more GTFS feeds as arrays, cached on disk like the street graphs, and its day views.

A `Timetable` is built once from the feeds and the walk graph (see build.py) and written to
cache_dir/transit-v<format>-<sha256 of the feeds>-<walk graph>-<settings>.npz (atomically); an
unchanged set of feeds, graph and settings loads it in a fraction of a second.

A `DayView` is what RAPTOR reads for one service date and a window of times: the trips running
that day, and the trips of the day before that run past midnight, and those of the next day, each
shifted onto the clock of the service date (the previous day's 25:10 is 01:10; the next day's
06:00 is 30:00), grouped into routes (a pattern on one of the three days) with their times laid
out stop by stop. Views are built in milliseconds and the last few are kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from ..files import save_npz
from ..graph import ModeGraph
from .build import build_arrays, trips_per_day
from .calendar import ServiceDay, fallback_date
from .feed import GTFSSource, Progress, read_feed
from .settings import TransitSettings

log = logging.getLogger(__name__)

# Bumped whenever the layout of the cache file changes.
TIMETABLE_FORMAT_VERSION = 1
DAY_S = 86400
# Day views are built for windows rounded out to this many seconds, so that nearby queries share one.
WINDOW_STEP_S = 1800
VIEWS_KEPT = 24


def timetable_file_name(feed_sha256s: Sequence[str], walk: ModeGraph, settings: TransitSettings) -> str:
    """transit-v<format>-<16 hex of the feeds' hashes>-<12 hex of the walk graph>-<12 hex of the settings>.npz"""
    feeds = hashlib.sha256("+".join(feed_sha256s).encode()).hexdigest()[:16]
    graph = hashlib.sha256(walk.fingerprint.encode()).hexdigest()[:12]
    return f"transit-v{TIMETABLE_FORMAT_VERSION}-{feeds}-{graph}-{settings.key()[:12]}.npz"


@dataclass(frozen=True)
class DayView:
    """Routes of one service day within a window of times, as RAPTOR reads them (see _raptor.py)."""

    day: ServiceDay
    lo: int
    hi: int
    route_pattern: np.ndarray
    route_offset: np.ndarray  # -1, 0, +1: the service date the route's trips belong to
    route_trip_ptr: np.ndarray  # trips of route r: route_trips[route_trip_ptr[r]:route_trip_ptr[r + 1]]
    route_trips: np.ndarray
    kernel: tuple[np.ndarray, ...]

    @property
    def routes(self) -> int:
        return len(self.route_pattern)

    @cached_property
    def mirror(self) -> tuple[np.ndarray, ...]:
        """The kernel of the same day run backwards in time, for the arrive-by searches (_raptor.py runs
        them as forward searches on it): each route's stops in reverse order, its trips in reverse order,
        times negated, departures and arrivals swapped, boarding and alighting swapped. Built on the
        first backward search of the view (the view keeps it)."""
        r_stop_ptr, r_stops, r_board, r_alight, r_ntrips, r_time, t_arr, t_dep, s_ptr, s_route, s_pos = (
            self.kernel
        )
        sizes = np.diff(r_stop_ptr)
        # Stop i of a route is stop (size - 1 - i) of its mirror, and trip j is trip (trips - 1 - j): the
        # block of a route's times (stop by stop, trip by trip) is read backwards, entries and times alike.
        flip = np.repeat(2 * r_stop_ptr[:-1] + sizes - 1, sizes) - np.arange(r_stop_ptr[-1])
        blocks = sizes * r_ntrips
        times = np.repeat(2 * r_time + blocks - 1, blocks) - np.arange(len(t_arr))
        return (
            r_stop_ptr,
            r_stops[flip],
            r_alight[flip],
            r_board[flip],
            r_ntrips,
            r_time,
            -t_dep[times],
            -t_arr[times],
            s_ptr,
            s_route,
            (sizes[s_route] - 1 - s_pos).astype(s_pos.dtype),
        )


class Timetable:
    """Arrays of stops, patterns, trips, stop times, services and transfers (see build.py)."""

    def __init__(self, arrays: dict[str, np.ndarray], meta: dict, path: Path | None = None) -> None:
        self.arrays = arrays
        self.meta = meta
        self.path = path
        self.first_date = dt.date.fromisoformat(meta["first_date"])
        self.n_days = int(meta["n_days"])
        self.feed_ids: tuple[str, ...] = tuple(f["feed_id"] for f in meta["summary"]["feeds"])
        self._per_day = trips_per_day(arrays, self.n_days)
        self._views: OrderedDict[tuple, DayView] = OrderedDict()
        self._lock = threading.Lock()
        a = arrays
        self.n_stops = len(a["stop_id"])
        self.pattern_sizes = np.diff(a["pattern_stop_ptr"])
        ptr = a["transfer_ptr"]
        frm = np.repeat(np.arange(self.n_stops), np.diff(ptr))
        order = np.argsort(a["transfer_to"], kind="stable")
        rptr = np.zeros(self.n_stops + 1, dtype=np.int64)
        np.cumsum(np.bincount(a["transfer_to"], minlength=self.n_stops), out=rptr[1:])
        self.forward_transfers = (
            ptr,
            a["transfer_to"].astype(np.int32),
            a["transfer_s"],
            a["stop_transfer_s"],
        )
        self.backward_transfers = (
            rptr,
            frm[order].astype(np.int32),
            a["transfer_s"][order],
            a["stop_transfer_s"],
        )

    # ----- building and caching --------------------------------------------------------------

    @classmethod
    def build(
        cls,
        sources: Sequence[GTFSSource | str | os.PathLike[str]],
        walk: ModeGraph,
        settings: TransitSettings | None = None,
        progress: Progress | None = None,
    ) -> Timetable:
        """Read the feeds and build the arrays (no cache involved). Raises GTFSError for a broken feed."""
        settings = settings or TransitSettings()
        started = time.perf_counter()
        feeds = [read_feed(s, progress) for s in _sources(sources)]
        arrays, summary = build_arrays(feeds, walk, settings, progress)
        first = dt.date.fromisoformat(summary["service_period"][0])  # type: ignore[index]
        last = dt.date.fromisoformat(summary["service_period"][1])  # type: ignore[index]
        summary["build_seconds"] = round(time.perf_counter() - started, 3)
        meta = {
            "format": TIMETABLE_FORMAT_VERSION,
            "walk_graph": walk.fingerprint,
            "settings": settings.to_dict(),
            "first_date": first.isoformat(),
            "n_days": (last - first).days + 1,
            "summary": summary,
        }
        return cls(arrays, meta)

    @classmethod
    def load_or_build(
        cls,
        sources: Sequence[GTFSSource | str | os.PathLike[str]],
        walk: ModeGraph,
        cache_dir: str | os.PathLike[str],
        settings: TransitSettings | None = None,
        progress: Progress | None = None,
    ) -> Timetable:
        """The timetable cached for these feeds' contents, this walk graph and these settings, or
        a new one built and cached (cache_dir/timetable_file_name(...))."""
        settings = settings or TransitSettings()
        resolved = _sources(sources)
        shas = [f"{s.feed_id}={s.sha256()}" for s in resolved]
        path = Path(cache_dir) / timetable_file_name(shas, walk, settings)
        if path.exists():
            try:
                return cls.load(path, walk)
            except Exception as error:  # a damaged or half-written cache is rebuilt, not fatal
                log.warning("Rebuilding the timetable cache %s, which could not be read: %s", path, error)
        timetable = cls.build(resolved, walk, settings, progress)
        if progress is not None:
            progress("saving", 0, 1)
        timetable.save(path)
        if progress is not None:
            progress("saving", 1, 1)
        return timetable

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the arrays to one .npz file, atomically."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"meta": np.array(json.dumps(self.meta)), **self.arrays}
        save_npz(path, payload)
        self.path = path
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str], walk: ModeGraph) -> Timetable:
        """Read a timetable written by save(); ValueError if it was built for another walk graph."""
        path = Path(path)
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != TIMETABLE_FORMAT_VERSION:
                raise ValueError(f"timetable format {meta.get('format')} is not {TIMETABLE_FORMAT_VERSION}")
            if meta.get("walk_graph") != walk.fingerprint:
                raise ValueError("the timetable was built for another walk graph")
            arrays = {name: data[name] for name in data.files if name != "meta"}
        return cls(arrays, meta, path)

    @property
    def fingerprint(self) -> str:
        """Identifies the timetable: the feeds, the walk graph and the settings it was built from."""
        feeds = "+".join(f"{f['feed_id']}={f['sha256']}" for f in self.meta["summary"]["feeds"])
        return hashlib.sha256(
            f"{feeds}|{self.meta['walk_graph']}|{json.dumps(self.meta['settings'], sort_keys=True)}".encode()
        ).hexdigest()[:24]

    @property
    def summary(self) -> dict:
        """What was imported: feeds, service period, routes by type, trips per weekday, far stops..."""
        return self.meta["summary"]

    # ----- service days ----------------------------------------------------------------------

    def service_day(self, date: dt.date) -> ServiceDay:
        """The date each feed answers `date` with: itself when the feed covers it, else the same
        weekday inside the feed's service period (see calendar.fallback_date)."""
        used = []
        for f in range(len(self.feed_ids)):
            lo, hi = int(self.arrays["feed_first_day"][f]), int(self.arrays["feed_last_day"][f])
            start = self.first_date + dt.timedelta(days=lo)
            used.append(fallback_date(date, start, self._per_day[f, lo : hi + 1]))
        return ServiceDay(date, tuple(used), self.feed_ids)

    def day_view(self, day: ServiceDay, lo: float = -np.inf, hi: float = np.inf) -> DayView:
        """The routes of a service day whose trips run (on its clock) somewhere in [lo, hi] seconds."""
        lo_i = int(np.floor(lo / WINDOW_STEP_S) * WINDOW_STEP_S) if np.isfinite(lo) else -3 * DAY_S
        hi_i = int(np.ceil(hi / WINDOW_STEP_S) * WINDOW_STEP_S) if np.isfinite(hi) else 4 * DAY_S
        key = (day.dates, lo_i, hi_i)
        with self._lock:
            view = self._views.get(key)
            if view is not None:
                self._views.move_to_end(key)
                return view
        view = self._build_view(day, lo_i, hi_i)
        with self._lock:
            self._views[key] = view
            while len(self._views) > VIEWS_KEPT:
                self._views.popitem(last=False)
        return view

    def _build_view(self, day: ServiceDay, lo: int, hi: int) -> DayView:
        a = self.arrays
        trip_feed = a["trip_feed"].astype(np.int64)
        day_of_feed = np.asarray([(d - self.first_date).days for d in day.dates], dtype=np.int64)
        bits = a["service_bits"]
        selected, offsets = [], []
        for offset in (-1, 0, 1):
            index = day_of_feed[trip_feed] + offset
            inside = (index >= 0) & (index < self.n_days)
            safe = np.where(inside, index, 0)
            running = inside & ((bits[a["trip_service"], safe >> 3] >> (safe & 7)) & 1).astype(bool)
            shift = offset * DAY_S
            running &= (a["trip_first_dep"] + shift <= hi) & (a["trip_last_arr"] + shift >= lo)
            trips = np.flatnonzero(running)
            selected.append(trips)
            offsets.append(np.full(len(trips), offset, dtype=np.int64))
        trips = np.concatenate(selected)
        offset = np.concatenate(offsets)
        pattern = a["trip_pattern"][trips].astype(np.int64)
        # Trips come grouped by offset, then pattern (trip numbers follow patterns), in pattern order.
        new_route = np.ones(len(trips), dtype=bool)
        new_route[1:] = (pattern[1:] != pattern[:-1]) | (offset[1:] != offset[:-1])
        route_of = np.cumsum(new_route) - 1
        starts = np.flatnonzero(new_route)
        n_routes = len(starts)
        route_pattern = pattern[starts]
        route_offset = offset[starts]
        route_trip_ptr = np.append(starts, len(trips)).astype(np.int64)
        n_trips = np.diff(route_trip_ptr)
        n_stops = self.pattern_sizes[route_pattern]
        r_time = np.zeros(n_routes + 1, dtype=np.int64)
        np.cumsum(n_trips * n_stops, out=r_time[1:])
        # Every stop time of the selected trips, written stop by stop per route.
        sizes = n_stops[route_of]
        entry_trip = np.repeat(np.arange(len(trips)), sizes)
        i = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        j = np.arange(len(trips)) - route_trip_ptr[route_of]
        row = a["pattern_time_ptr"][pattern] + (trips - a["pattern_trip_ptr"][pattern]) * sizes
        src = row[entry_trip] + i
        dest = r_time[route_of[entry_trip]] + i * n_trips[route_of[entry_trip]] + j[entry_trip]
        shift = (offset * DAY_S)[entry_trip]
        t_arr = np.empty(len(src), dtype=np.int32)
        t_dep = np.empty(len(src), dtype=np.int32)
        t_arr[dest] = a["arr"][src] + shift
        t_dep[dest] = a["dep"][src] + shift
        r_stop_ptr = np.zeros(n_routes + 1, dtype=np.int64)
        np.cumsum(n_stops, out=r_stop_ptr[1:])
        take = np.repeat(a["pattern_stop_ptr"][route_pattern], n_stops) + (
            np.arange(r_stop_ptr[-1]) - np.repeat(r_stop_ptr[:-1], n_stops)
        )
        r_stops = a["pattern_stops"][take]
        pos = (np.arange(len(take)) - np.repeat(r_stop_ptr[:-1], n_stops)).astype(np.int32)
        route_of_stop = np.repeat(np.arange(n_routes, dtype=np.int32), n_stops)
        by_stop = np.argsort(r_stops, kind="stable")
        s_ptr = np.zeros(self.n_stops + 1, dtype=np.int64)
        np.cumsum(np.bincount(r_stops, minlength=self.n_stops), out=s_ptr[1:])
        kernel = (
            r_stop_ptr,
            r_stops.astype(np.int32),
            a["pattern_board"][take],
            a["pattern_alight"][take],
            n_trips.astype(np.int64),
            r_time[:-1].copy(),
            t_arr,
            t_dep,
            s_ptr,
            route_of_stop[by_stop],
            pos[by_stop],
        )
        return DayView(day, lo, hi, route_pattern, route_offset, route_trip_ptr, trips, kernel)


def _sources(sources: Sequence[GTFSSource | str | os.PathLike[str]]) -> list[GTFSSource]:
    resolved = [s if isinstance(s, GTFSSource) else GTFSSource(Path(s)) for s in sources]
    if not resolved:
        raise ValueError("Give at least one GTFS feed.")
    ids = [s.feed_id for s in resolved]
    if len(set(ids)) != len(ids):
        raise ValueError(
            f"Each feed needs its own id; {ids} has duplicates: pass GTFSSource(path, feed_id=...)."
        )
    return resolved
