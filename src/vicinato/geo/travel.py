"""Travel times in the product: the city's street network, the places reachable from a point, coverage."""

from __future__ import annotations

import fcntl
import gc
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from vicinato.routing import (
    MODES,
    Network,
    PointTooFarError,
    ReachIndex,
    RoutingError,
    RoutingSettings,
    StaleIndexError,
    StreetIndex,
    coverage_share,
    node_weights_from_polygons,
)

from .models import Area, Stop

_lock = threading.Lock()
_indexes: dict[str, tuple[float, ReachIndex]] = {}
# When each mode's index file was last looked at, and at which path: a search looks at the file (to see
# another process's changes) at most once in this many seconds; this process's own changes are seen at once.
_checked: dict[str, tuple[Path, float]] = {}
CHECK_EVERY_S = 1.0


class TravelError(Exception):
    """A point or request the routing cannot answer; the message is for people."""


def routing_settings() -> RoutingSettings:
    return RoutingSettings(
        walk_speed_kmh=settings.ROUTING_WALK_SPEED_KMH, bike_speed_kmh=settings.ROUTING_BIKE_SPEED_KMH
    )


def _source_file() -> Path:
    """The extract chosen by `vicinato import-osm`, or the configured default."""
    chosen = settings.ROUTING_CACHE_DIR / "source.json"
    if chosen.exists():
        return Path(json.loads(chosen.read_text())["path"])
    return settings.ROUTING_OSM_FILE


def use_source(path: Path) -> Network:
    """Build (or load) the graphs of an extract and make it the city's network."""
    built = Network.load_or_build(path, settings.ROUTING_CACHE_DIR, routing_settings())
    settings.ROUTING_CACHE_DIR.mkdir(parents=True, exist_ok=True)
    (settings.ROUTING_CACHE_DIR / "source.json").write_text(json.dumps({"path": str(Path(path).resolve())}))
    network.cache_clear()
    streets.cache_clear()
    _indexes.clear()
    return built


def _long_lived(value):
    """Mark what the process holds so far as permanent for the cyclic garbage collector (gc.freeze).

    The street graphs and names stay for the life of the process; without this, each full collection in a
    web worker walks through them again, pausing every request in it for 100-200 ms now and then.
    """
    gc.freeze()
    return value


@lru_cache(maxsize=1)
def network() -> Network:
    return _long_lived(Network.load_or_build(_source_file(), settings.ROUTING_CACHE_DIR, routing_settings()))


@lru_cache(maxsize=1)
def streets() -> StreetIndex:
    return _long_lived(StreetIndex.load_or_build(_source_file(), settings.ROUTING_CACHE_DIR))


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise TravelError(_("Unknown mode '%(mode)s'; choose walk or bike.") % {"mode": mode})
    return mode


def _index_path(mode: str) -> Path:
    # One index per database, so that tests and several installations never share one.
    return _index_file(
        settings.ROUTING_INDEX_DIR,
        connection.vendor,
        connection.settings_dict["NAME"],
        network().source_sha256,
        mode,
    )


@lru_cache(maxsize=64)
def _index_file(directory: Path, vendor: str, database: str, source_sha256: str, mode: str) -> Path:
    name = f"{vendor}-{hashlib.sha256(f'{vendor}:{database}'.encode()).hexdigest()[:12]}"
    return directory / f"reach-{name}-{source_sha256[:12]}-{mode}.npz"


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


Places = list[tuple[str, float, float]]  # (public id, lat, lon) of the listed places
# Which places are listed is the register's to say (geo sits below it and does not import it): the register
# app sets this source in its AppConfig.ready().
_places_source: Callable[[], Places] = list


def set_places_source(source: Callable[[], Places]) -> None:
    global _places_source
    _places_source = source


def places() -> Places:
    """(public id, lat, lon) of the listed places, from the source the register set."""
    return _places_source()


def rebuild_index(mode: str, places: Places | None = None) -> ReachIndex:
    """Build a mode's index of reachable places from `places` (default: the listed places' source)."""
    path = _index_path(mode)
    with _file_lock(path):
        index = ReachIndex.build(
            network().graph(mode),
            _places_source() if places is None else places,
            max_time_s=settings.ROUTING_MAX_MINUTES * 60,
            on_far="skip",
        )
        index.save(path)
    _indexes[mode] = (path.stat().st_mtime, index)
    return index


def reach_index(mode: str) -> ReachIndex:
    """The index of listed places for a mode: from memory, reloaded when another process changed it."""
    path = _index_path(check_mode(mode))
    cached = _indexes.get(mode)
    checked = _checked.get(mode)
    if cached and checked and checked[0] == path and time.monotonic() - checked[1] < CHECK_EVERY_S:
        return cached[1]
    with _lock:
        mtime = path.stat().st_mtime if path.exists() else None
        cached = _indexes.get(mode)
        _checked[mode] = (path, time.monotonic())
        if cached and mtime is not None and cached[0] == mtime:
            return cached[1]
        if mtime is not None:
            try:
                index = ReachIndex.load(path, network().graph(mode))
                _indexes[mode] = (mtime, index)
                return index
            except (StaleIndexError, OSError, ValueError):
                pass
        return rebuild_index(mode)


def sync_place(public_id: str, lat: float | None, lon: float | None, listed: bool) -> None:
    """Add, move or remove one place in the indexes that exist; a missing index is built on first use."""
    if not _source_file().exists():
        return
    for mode in MODES:
        path = _index_path(mode)
        if not path.exists():
            continue
        with _file_lock(path):
            try:
                index = ReachIndex.load(path, network().graph(mode))
            except (StaleIndexError, OSError, ValueError):
                # Made for another graph or damaged: drop it, the next search rebuilds it from the register.
                path.unlink(missing_ok=True)
                _indexes.pop(mode, None)
                continue
            if listed and lat is not None:
                try:
                    index.add(public_id, lat, lon)
                except PointTooFarError:
                    index.remove(public_id)
            else:
                index.remove(public_id)
            index.save(path)
        _indexes.pop(mode, None)


def people_message(error: RoutingError) -> str:
    if isinstance(error, PointTooFarError):
        return _(
            "This point is %(distance)d m from the nearest street of the map (the limit is %(limit)d m); "
            "choose a point inside the city."
        ) % {"distance": round(error.distance_m), "limit": round(error.max_distance_m)}
    return str(error)


def check_minutes(minutes: int) -> int:
    if not 1 <= minutes <= settings.ROUTING_MAX_MINUTES:
        raise TravelError(_("Choose between 1 and %(max)d minutes.") % {"max": settings.ROUTING_MAX_MINUTES})
    return minutes


def reachable_places(
    lat: float, lon: float, mode: str, minutes: int, *, index: ReachIndex | None = None
) -> dict[str, float]:
    """Listed places reachable within `minutes`, as {public_id: minutes}, nearest first.

    `index`: the mode's reach_index(), when the caller already holds it (one look-up per request).
    """
    if index is None:
        index = reach_index(mode)
    try:
        reached = index.reachable(lat, lon, within_s=check_minutes(minutes) * 60)
    except RoutingError as error:
        raise TravelError(people_message(error)) from error
    return {r.place_id: round(r.seconds / 60, 1) for r in reached}


def isochrone(lat: float, lon: float, mode: str, minutes: int) -> dict:
    graph = network().graph(check_mode(mode))
    try:
        area = graph.isochrone(lat, lon, check_minutes(minutes) * 60)
    except RoutingError as error:
        raise TravelError(people_message(error)) from error
    feature = area.feature()
    feature["properties"].update({"minutes": minutes, "area_km2": round(area.area_m2 / 1e6, 3)})
    return feature


@lru_cache(maxsize=4096)
def nearest_station_walk(lat: float, lon: float) -> tuple[str, str, float] | None:
    """The metro station with the shortest walk from a point: (name, lines, minutes), within 30 minutes."""
    stations = list(Stop.objects.filter(kind=Stop.Kind.METRO).values_list("name", "lines", "lat", "lon"))
    if not stations or not _source_file().exists():
        return None
    walk = network().graph("walk")
    try:
        times = walk.times_from(lat, lon, cutoff_s=1800).to([(s[2], s[3]) for s in stations], strict=False)
    except RoutingError:
        return None
    best = int(np.argmin(times))
    if not np.isfinite(times[best]):
        return None
    return stations[best][0], stations[best][1], round(float(times[best]) / 60, 1)


@dataclass
class NeighbourhoodCoverage:
    code: str
    name: str
    district: str | None
    population: int
    share: float | None  # None: outside the street map
    outline: dict


_coverage_cache: dict[tuple, list[NeighbourhoodCoverage]] = {}


def coverage(mode: str, minutes: int) -> list[NeighbourhoodCoverage]:
    """For each neighbourhood, the share of residents within `minutes` of a listed place."""
    graph = network().graph(check_mode(mode))
    index = reach_index(mode)
    # Reused until the index of places changes (its file's time) or the areas change.
    return coverage_of(graph, index, minutes, (mode, _indexes[mode][0]))


def coverage_of(graph, index, minutes: int, version: tuple) -> list[NeighbourhoodCoverage]:
    """Coverage from an index of reachable places (`covered_nodes(seconds)` over `graph`'s nodes); `version`
    names the index as it is now, so that the answer is reused until it changes (or the areas change)."""
    key = (*version, check_minutes(minutes), Area.objects.count())
    if key not in _coverage_cache:
        _coverage_cache.clear()
        _coverage_cache[key] = _compute_coverage(graph, index, minutes)
    return _coverage_cache[key]


def _compute_coverage(graph, index, minutes: int) -> list[NeighbourhoodCoverage]:
    covered = index.covered_nodes(minutes * 60)
    areas = list(Area.objects.filter(level=Area.Level.NEIGHBOURHOOD).select_related("parent"))
    on_map = graph.snap_many(
        [(a.shape.representative_point().y, a.shape.representative_point().x) for a in areas], strict=False
    ).ok
    rows = []
    for area, inside in zip(areas, on_map, strict=True):
        share = None
        if inside and area.population:
            share = coverage_share(
                node_weights_from_polygons(graph, [(area.shape, area.population)]), covered
            )
        rows.append(
            NeighbourhoodCoverage(
                area.code,
                area.name,
                area.parent.code if area.parent else None,
                area.population or 0,
                share,
                area.outline or area.geometry,
            )
        )
    return rows
