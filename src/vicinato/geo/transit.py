"""Public transport in the product: each network's GTFS feeds, their timetable, and the places reachable by
walking and public transport from a point, arriving by a time (or leaving at one).

The timetable is built once per set of feeds and walk graph (routing/transit, cached like the street graphs).
Which places are reachable is answered from an index per network, service day and time (`TransitReach`),
built from the listed places the first time it is asked for (half a second for 300 places) and kept in
memory and on disk under the version of the listed places (see `networks`): when that changes, every process
drops its indexes and the next search builds its own again.
"""

from __future__ import annotations

import hashlib
import threading
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

from . import networks, travel
from .networks import Source

TRANSIT = "transit"
KINDS = ("arrive_by", "depart_at")
DEFAULT_ARRIVAL = clock(9, 0)


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
def sources(source: Source | None = None) -> list[GTFSSource]:
    """The feeds of a network (by default the site's): chosen by `vicinato import-gtfs`, or the configured ones."""
    source = source or networks.default()
    return [GTFSSource(path, feed_id) for path, feed_id in networks.feed_files(source)]


def available(source: Source | None = None) -> bool:
    return bool(sources(source))


def _build(feeds: list[GTFSSource], source: Source, progress=None) -> Timetable:
    walk = travel.network(source).graph("walk")
    return Timetable.load_or_build(feeds, walk, settings.ROUTING_CACHE_DIR, progress=progress)


def use_sources(feeds: list[GTFSSource], codes: list[str], progress=None) -> Timetable:
    """Build (or load) the timetable of these feeds on the walk graph of these municipalities' networks (the
    site's when none is given) and make them their public transport; a broken feed raises GTFSError and
    leaves the feeds in use as they were."""
    codes = networks.check_codes(codes or [settings.SITE_MUNICIPALITY])
    targets = {networks.network_of(code) for code in codes}
    timetable = None
    for target in targets:
        timetable = _build(feeds, target, progress)
    networks.set_feeds(codes, feeds)
    forget()
    return timetable


_routers: dict[Source, TransitRouter] = {}


def router(source: Source | None = None) -> TransitRouter:
    """The journey planner of a network (by default the site's)."""
    source = source or networks.default()
    held = _routers.get(source)
    if held is None:
        feeds = sources(source)
        if not feeds:
            raise travel.TravelError(
                _(
                    "Public transport is not available: no timetable has been imported "
                    "(vicinato import-gtfs FEED.zip)."
                )
            )
        held = _routers[source] = TransitRouter(_build(feeds, source), travel.network(source).graph("walk"))
    return held


# --- the reach indexes ------------------------------------------------------------------------------------------
_lock = threading.Lock()
_indexes: OrderedDict[Path, TransitReach] = OrderedDict()
INDEXES_KEPT = 8


def _index_path(when: When, source: Source) -> Path:
    """The file of an index: named by the database, the timetable, the listed places' version and the time."""
    timetable = router(source).timetable
    database = hashlib.sha256(f"{connection.vendor}:{connection.settings_dict['NAME']}".encode()).hexdigest()[
        :12
    ]
    day, seconds = router(source).clock_of(when.at)
    places = networks.state().places[:12] or "none"
    key = f"{timetable.fingerprint[:12]}-{places}-{when.kind}-{day.date.isoformat()}-{int(seconds)}"
    return settings.ROUTING_INDEX_DIR / f"transit-{connection.vendor}-{database}-{key}.npz"


def reach(when: When, source: Source | None = None) -> TransitReach:
    """The index of listed places reachable by public transport for this service day and time, on a network
    (by default the site's), for the listed places as they are now."""
    source = source or networks.default()
    path = _index_path(when, source)
    held = _indexes.get(path)
    if held is not None:
        return held
    with _lock:
        held = _indexes.get(path)
        if held is not None:
            return held
        index = None
        if path.exists():
            try:
                index = TransitReach.load(path, router(source))
            except (StaleIndexError, OSError, ValueError):
                index = None
        if index is None:
            index = TransitReach.build(
                router(source),
                travel.places(),
                when.at,
                kind=when.kind,
                max_minutes=settings.ROUTING_MAX_MINUTES,
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            index.save(path)
        _indexes[path] = index
        while len(_indexes) > INDEXES_KEPT:
            _indexes.popitem(last=False)
        return index


def _places_changed(new: networks.State, old: networks.State | None) -> None:
    """Indexes of other versions of the listed places are never used again: this data folder drops them."""
    if old is not None and old.places != new.places:
        with _lock:
            _indexes.clear()
        keep = new.places[:12] or "none"
        for path in settings.ROUTING_INDEX_DIR.glob("transit-*.npz"):
            if f"-{keep}-" not in path.name:
                path.unlink(missing_ok=True)
    if old is not None and old.networks != new.networks:
        forget()


networks.on_change(_places_changed)


def drop_indexes() -> None:
    """Drop this process's indexes and this data folder's files of them (a test begins)."""
    with _lock:
        _indexes.clear()
    for path in settings.ROUTING_INDEX_DIR.glob("transit-*.npz"):
        path.unlink(missing_ok=True)


def forget() -> None:
    """The feeds or networks changed: the next search loads the new timetables and builds new indexes."""
    _routers.clear()
    _isochrone.cache_clear()
    with _lock:
        _indexes.clear()


def service(when: When, source: Source | None = None) -> dict:
    """Which date of the timetable answers for `when`: {"requested_date", "service_date", "fallback", ...}."""
    day, _seconds = router(source).clock_of(when.at)
    return {
        **day.to_dict(),
        "kind": when.kind,
        "time": timezone.localtime(when.at).isoformat(),
        "requested": day.requested,  # dates, for pages to format
        "used": day.date,
    }


def reachable_places(lat: float, lon: float, minutes: int, when: When) -> dict[str, float]:
    """Listed places reachable within `minutes` by walking and public transport, as {public_id: minutes}."""
    source = travel.source_at(lat, lon)
    try:
        reached = reach(when, source).reachable(lat, lon, within_s=travel.check_minutes(minutes) * 60)
    except RoutingError as error:
        raise travel.TravelError(travel.people_message(error)) from error
    return {r.place_id: round(r.seconds / 60, 1) for r in reached}


def itinerary(origin: tuple[float, float], destination: tuple[float, float], when: When) -> dict | None:
    """The trip itself (walk to stop X, line L towards T from X to Y departing hh:mm, walk...), as JSON: its
    legs, the service date used; None when there is none within the longest trip the site answers for."""
    planner = router(travel.source_at(*origin))
    ask = planner.arrive_by if when.kind == "arrive_by" else planner.depart_at
    try:
        journey = ask(origin, destination, when.at, max_minutes=settings.ROUTING_MAX_MINUTES * 2)
    except RoutingError as error:
        raise travel.TravelError(travel.people_message(error)) from error
    return journey.to_dict() if journey.itinerary is not None else None


@lru_cache(maxsize=256)
def _isochrone(lat: float, lon: float, minutes: int, at: datetime, kind: str, source: Source) -> dict:
    try:
        area = router(source).isochrone(lat, lon, at, minutes, kind)
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
    source = travel.source_at(lat, lon)
    return _isochrone(round(lat, 4), round(lon, 4), minutes, when.at, when.kind, source)


def summary() -> dict:
    """What the timetable in use covers: feeds, service period, routes by type (for the credits page)."""
    return router().timetable.summary


def covers(day: date) -> bool:
    return not router().timetable.service_day(day).fallback
