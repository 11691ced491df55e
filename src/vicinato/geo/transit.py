"""Public transport in the product: the city's GTFS feeds, their timetable, and the places reachable by walking
and public transport from a point, arriving by a time (or leaving at one).

The timetable is built once per set of feeds and walk graph (routing/transit, cached like the street graphs).
Which places are reachable is answered from an index per service day and time (`TransitReach`), built from
the listed places the first time it is asked for (half a second for 300 places) and kept in memory and on
disk; a change of the listed places drops the indexes, and the next search builds its own again.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from vicinato.routing import GTFSSource, RoutingError, StaleIndexError, Timetable, TransitReach, TransitRouter

from . import travel

TRANSIT = "transit"
KINDS = ("arrive_by", "depart_at")
DEFAULT_ARRIVAL = clock(9, 0)
SOURCES_FILE = "transit.json"


@dataclass(frozen=True)
class When:
    """When a trip by public transport is made: arriving by `at`, or leaving at it (`kind`)."""

    at: datetime  # aware
    kind: str = "arrive_by"

    @classmethod
    def default(cls, now: datetime | None = None) -> When:
        """Arrive by 09:00 on the next weekday (Milan's wall clock): the commute the product is about."""
        day = timezone.localdate(now or timezone.now()) + timedelta(days=1)
        while day.weekday() > 4:
            day += timedelta(days=1)
        return cls(datetime.combine(day, DEFAULT_ARRIVAL, tzinfo=timezone.get_current_timezone()))

    @classmethod
    def of(cls, depart_at: datetime | None = None, arrive_by: datetime | None = None) -> When:
        """From a request's `depart_at` or `arrive_by` (naive ones are Milan's wall clock); the default without."""
        if depart_at is not None and arrive_by is not None:
            raise travel.TravelError(_("Give either a departure time or an arrival time, not both."))
        at, kind = (depart_at, "depart_at") if depart_at is not None else (arrive_by, "arrive_by")
        if at is None:
            return cls.default()
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        if not 1900 <= at.year <= 2200:
            raise travel.TravelError(_("Choose a date between 1900 and 2200."))
        return cls(timezone.localtime(at), kind)

    @property
    def minute(self) -> str:
        return timezone.localtime(self.at).strftime("%Y-%m-%dT%H:%M")


# --- the feeds and the timetable --------------------------------------------------------------------------------
def sources() -> list[GTFSSource]:
    """The feeds chosen by `vicinato import-gtfs`, or the configured default (the demo's feed)."""
    chosen = settings.ROUTING_CACHE_DIR / SOURCES_FILE
    if chosen.exists():
        return [GTFSSource(Path(f["path"]), f["feed_id"]) for f in json.loads(chosen.read_text())["feeds"]]
    return [GTFSSource(Path(path)) for path in settings.TRANSIT_FEEDS if Path(path).exists()]


def available() -> bool:
    return bool(sources())


def _build(feeds: list[GTFSSource], progress=None) -> Timetable:
    walk = travel.network().graph("walk")
    return Timetable.load_or_build(feeds, walk, settings.ROUTING_CACHE_DIR, progress=progress)


def use_sources(feeds: list[GTFSSource], progress=None) -> Timetable:
    """Build (or load) the timetable of these feeds and make them the city's; a broken feed raises GTFSError
    and leaves the feeds in use as they were."""
    timetable = _build(feeds, progress)
    settings.ROUTING_CACHE_DIR.mkdir(parents=True, exist_ok=True)
    chosen = [{"path": str(f.path.resolve()), "feed_id": f.feed_id} for f in feeds]
    (settings.ROUTING_CACHE_DIR / SOURCES_FILE).write_text(json.dumps({"feeds": chosen}))
    forget()
    return timetable


@lru_cache(maxsize=1)
def router() -> TransitRouter:
    feeds = sources()
    if not feeds:
        raise travel.TravelError(
            _(
                "Public transport is not available: no timetable has been imported (vicinato import-gtfs FEED.zip)."
            )
        )
    return TransitRouter(_build(feeds), travel.network().graph("walk"))


# --- the reach indexes ------------------------------------------------------------------------------------------
_lock = threading.Lock()
_indexes: OrderedDict[Path, tuple[float, TransitReach]] = OrderedDict()
_checked: dict[Path, float] = {}
INDEXES_KEPT = 8


def _index_path(when: When) -> Path:
    timetable = router().timetable
    database = hashlib.sha256(f"{connection.vendor}:{connection.settings_dict['NAME']}".encode()).hexdigest()[
        :12
    ]
    day, seconds = router().clock_of(when.at)
    key = f"{timetable.fingerprint[:12]}-{when.kind}-{day.date.isoformat()}-{int(seconds)}"
    return settings.ROUTING_INDEX_DIR / f"transit-{connection.vendor}-{database}-{key}.npz"


def reach(when: When) -> TransitReach:
    """The index of listed places reachable by public transport for this service day and time."""
    path = _index_path(when)
    held = _indexes.get(path)
    if held and time.monotonic() - _checked.get(path, 0) < travel.CHECK_EVERY_S:
        return held[1]
    with _lock:
        _checked[path] = time.monotonic()
        mtime = path.stat().st_mtime if path.exists() else None
        held = _indexes.get(path)
        if held and mtime == held[0]:
            return held[1]
        index = None
        if mtime is not None:
            try:
                index = TransitReach.load(path, router())
            except (StaleIndexError, OSError, ValueError):
                index = None
        if index is None:
            index = TransitReach.build(
                router(),
                travel.places(),
                when.at,
                kind=when.kind,
                max_minutes=settings.ROUTING_MAX_MINUTES,
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            index.save(path)
            mtime = path.stat().st_mtime
        _indexes[path] = (mtime, index)
        _indexes.move_to_end(path)
        while len(_indexes) > INDEXES_KEPT:
            _indexes.popitem(last=False)
        return index


def version(when: When) -> tuple:
    """What names the index of `when` as it is now (it changes when the index is built again)."""
    reach(when)
    path = _index_path(when)
    return (TRANSIT, path.name, _indexes[path][0])


def drop_indexes() -> None:
    """Drop every index of reachable places by public transport (the listed places changed): the next search
    of each process builds its own again (each process sees the files gone within a second)."""
    with _lock:
        _indexes.clear()
        _checked.clear()
    for path in settings.ROUTING_INDEX_DIR.glob("transit-*.npz"):
        path.unlink(missing_ok=True)


def forget() -> None:
    """The feeds changed: the next search loads the new timetable and builds new indexes."""
    router.cache_clear()
    _isochrone.cache_clear()
    drop_indexes()


def service(when: When) -> dict:
    """Which date of the timetable answers for `when`: {"requested_date", "service_date", "fallback", ...}."""
    day, _seconds = router().clock_of(when.at)
    return {
        **day.to_dict(),
        "kind": when.kind,
        "time": timezone.localtime(when.at).isoformat(),
        "requested": day.requested,  # dates, for pages to format
        "used": day.date,
    }


def reachable_places(lat: float, lon: float, minutes: int, when: When) -> dict[str, float]:
    """Listed places reachable within `minutes` by walking and public transport, as {public_id: minutes}."""
    try:
        reached = reach(when).reachable(lat, lon, within_s=travel.check_minutes(minutes) * 60)
    except RoutingError as error:
        raise travel.TravelError(travel.people_message(error)) from error
    return {r.place_id: round(r.seconds / 60, 1) for r in reached}


def itinerary(origin: tuple[float, float], destination: tuple[float, float], when: When) -> dict | None:
    """The trip itself (walk to stop X, line L towards T from X to Y departing hh:mm, walk...), as JSON: its
    legs, the service date used; None when there is none within the longest trip the site answers for."""
    ask = router().arrive_by if when.kind == "arrive_by" else router().depart_at
    try:
        journey = ask(origin, destination, when.at, max_minutes=settings.ROUTING_MAX_MINUTES * 2)
    except RoutingError as error:
        raise travel.TravelError(travel.people_message(error)) from error
    return journey.to_dict() if journey.itinerary is not None else None


@lru_cache(maxsize=256)
def _isochrone(lat: float, lon: float, minutes: int, at: datetime, kind: str, timetable: str) -> dict:
    try:
        area = router().isochrone(lat, lon, at, minutes, kind)
    except RoutingError as error:
        raise travel.TravelError(travel.people_message(error)) from error
    feature = area.feature()
    feature["properties"].update({"minutes": minutes, "area_km2": round(area.area_m2 / 1e6, 3)})
    return feature


def isochrone(lat: float, lon: float, minutes: int, when: When) -> dict:
    """The area from which a point is reached by `when` (or reached leaving at it) within `minutes` on foot
    and by public transport, as a GeoJSON Feature saying which service date answered. Drawing one takes about
    a second: they are kept by point (to about 10 m), minutes and time."""
    minutes = travel.check_minutes(minutes)
    return _isochrone(
        round(lat, 4), round(lon, 4), minutes, when.at, when.kind, router().timetable.fingerprint
    )


def coverage_nodes(minutes: int, when: When):
    """The walk graph's nodes within `minutes` of a listed place by public transport (for coverage)."""
    return reach(when).covered_nodes(travel.check_minutes(minutes) * 60)


def summary() -> dict:
    """What the timetable in use covers: feeds, service period, routes by type (for the credits page)."""
    return router().timetable.summary


def covers(day: date) -> bool:
    return not router().timetable.service_day(day).fallback
