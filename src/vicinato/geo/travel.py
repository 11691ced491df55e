"""Travel times in the product: the street network that serves a point, the places reachable from it,
coverage; and, where a municipality has no network, the places by straight-line distance.

Which network serves which municipality, and the version of the listed places, are in the database
(`networks`); each process keeps its own graphs and indexes of reachable places, built from that state (the
indexes are kept in its data folder too, so that a restart loads them) and updated within about a second of
a change made by any process.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
from collections.abc import Callable
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
    OSMFileError,
    PointTooFarError,
    ReachIndex,
    RoutingError,
    StaleIndexError,
    StreetIndex,
    coverage_share,
    node_weights_from_polygons,
)
from vicinato.routing.projection import haversine_m

from . import networks
from .models import Area, Municipality, Stop
from .networks import Source
from .services import locate

logger = logging.getLogger(__name__)
_lock = threading.Lock()
# (network key, mode) -> (places token it is up to date with, the index, the places it holds: {id: (lat, lon)})
_indexes: dict[tuple[str, str], tuple[str, ReachIndex, dict[str, tuple[float, float]]]] = {}


class TravelError(Exception):
    """A point or request the routing cannot answer; the message is for people."""


class NoNetworkError(TravelError):
    """A point in a municipality without a street network: travel times cannot be given, only straight-line
    distances (`straight_line_places`)."""

    def __init__(self, municipality: Municipality) -> None:
        self.municipality = municipality
        super().__init__(no_network_note(municipality))


class MapUnavailableError(NoNetworkError, RoutingError):
    """The street map of a network cannot be read on this machine (its extract was moved or deleted, or is
    broken): the server's log says which file; people are given the places by straight-line distance."""

    def __init__(self, error: OSMFileError, municipality: Municipality | None = None) -> None:
        logger.error("The street map cannot be read: %s", error)
        self.municipality = municipality
        TravelError.__init__(
            self,
            _(
                "The street map cannot be read on this server right now, so travel times cannot be computed; "
                "the administrators can see why in the server's log. Places are listed by straight-line distance."
            ),
        )


def no_network_note(municipality: Municipality) -> str:
    return _(
        "%(name)s has no street map yet, so travel times cannot be computed there: they need its "
        "OpenStreetMap extract (vicinato import-osm FILE --municipality %(code)s). Places are listed by "
        "straight-line distance."
    ) % {"name": municipality.name, "code": municipality.istat_code or "CODE"}


def _long_lived(value):
    """Mark what the process holds so far as permanent for the cyclic garbage collector (gc.freeze).

    The street graphs and names stay for the life of the process; without this, each full collection in a
    web worker walks through them again, pausing every request in it for 100-200 ms now and then.
    """
    gc.freeze()
    return value


def network(source: Source | None = None) -> Network:
    """The graphs of a network (by default the site municipality's); MapUnavailableError if its extract cannot
    be read."""
    try:
        return networks.graphs(source or networks.default(), _long_lived)
    except OSMFileError as error:
        raise MapUnavailableError(error) from error


def source_at(lat: float, lon: float) -> Source:
    """The network that serves a point; NoNetworkError inside a municipality that has none."""
    municipality = locate(lat, lon).municipality
    source = networks.for_municipality(municipality)
    if source is None:
        raise NoNetworkError(municipality)
    return source


def streets(municipality: Municipality | None = None) -> StreetIndex:
    """The street names of a municipality's network, for geocoding (by default the site municipality's)."""
    source = networks.for_municipality(municipality)
    if source is None:
        raise NoNetworkError(municipality)
    try:
        return networks.streets(source, _long_lived)
    except OSMFileError as error:
        raise MapUnavailableError(error, municipality) from error


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise TravelError(_("Unknown mode '%(mode)s'; choose walk or bike.") % {"mode": mode})
    return mode


@lru_cache(maxsize=64)
def _index_file(directory: Path, vendor: str, database: str, source_sha256: str, mode: str) -> Path:
    # One index per database, so that tests and several installations never share one.
    name = f"{vendor}-{hashlib.sha256(f'{vendor}:{database}'.encode()).hexdigest()[:12]}"
    return directory / f"reach-{name}-{source_sha256[:12]}-{mode}.npz"


Places = list[tuple[str, float, float]]  # (public id, lat, lon) of the listed places
# Which places are listed is the register's to say (geo sits below it and does not import it): the register
# app sets this source in its AppConfig.ready().
_places_source: Callable[[], Places] = list


def set_places_source(source: Callable[[], Places]) -> None:
    global _places_source
    _places_source = source


def places() -> Places:
    """(public id, lat, lon) of the listed places, from the source the register set."""
    return [row for row in _places_source() if row[1] is not None and row[2] is not None]


def places_changed() -> None:
    """The listed places changed (in the caller's transaction): every process updates its indexes."""
    networks.bump(networks.PLACES)


def reach_index(mode: str, source: Source | None = None) -> ReachIndex:
    """The index of listed places of a network (by default the site's) for a mode, up to date with the places
    as the database has them (checked at most once a second)."""
    check_mode(mode)
    current = networks.state()
    source = source or current.default
    key = (source.key, mode)
    held = _indexes.get(key)
    if held and held[0] == current.places:
        return held[1]
    with _lock:
        held = _indexes.get(key)
        if held and held[0] == current.places:
            return held[1]
        graph = network(source).graph(mode)
        path = _index_file(
            settings.ROUTING_INDEX_DIR,
            connection.vendor,
            connection.settings_dict["NAME"],
            network(source).source_sha256,
            mode,
        )
        index, known = (held[1], held[2]) if held else _load_index(path, graph)
        listed = {pid: (lat, lon) for pid, lat, lon in places()}
        gone = [pid for pid in known if pid not in listed]
        moved = [(pid, *at) for pid, at in listed.items() if known.get(pid) != at]
        for pid in gone:
            index.remove(pid)
        index.add_many(moved, on_far="skip")
        if gone or moved or not path.exists():
            index.save(path)
        _indexes[key] = (current.places, index, listed)
        return index


def _load_index(path: Path, graph) -> tuple[ReachIndex, dict[str, tuple[float, float]]]:
    """The index this data folder kept (the places it holds), or a new empty one."""
    try:
        index = ReachIndex.load(path, graph)
    except (StaleIndexError, OSError, ValueError):
        return ReachIndex(graph, max_time_s=settings.ROUTING_MAX_MINUTES * 60), {}
    return index, {pid: index.location(pid) for pid in index.place_ids}


def _drop_unused(new: networks.State, old: networks.State | None) -> None:
    """Networks no municipality uses any more: their indexes go (the graphs go in `networks`)."""
    if old is None or old.networks == new.networks:
        return
    used = {s.key for s in new.by_code.values()} | {networks.CONFIGURED}
    with _lock:
        for key in [k for k in _indexes if k[0] not in used]:
            _indexes.pop(key, None)
    _station_walk.cache_clear()


networks.on_change(_drop_unused)


def forget() -> None:
    """Drop this process's indexes and answers kept (a test begins); the graphs stay."""
    _indexes.clear()
    _coverage_cache.clear()
    _station_walk.cache_clear()
    networks.expire()


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
    """Listed places reachable within `minutes`, as {public_id: minutes}, nearest first, on the network that
    serves the point (NoNetworkError where none does).

    `index`: the mode's reach_index() for the point, when the caller already holds it (one look-up per request).
    """
    if index is None:
        index = reach_index(mode, source_at(lat, lon))
    try:
        reached = index.reachable(lat, lon, within_s=check_minutes(minutes) * 60)
    except RoutingError as error:
        raise TravelError(people_message(error)) from error
    return {r.place_id: round(r.seconds / 60, 1) for r in reached}


def straight_line_places(lat: float, lon: float, mode: str, minutes: int) -> dict[str, float]:
    """Where no network serves a point: the listed places within the distance the mode's speed covers in
    `minutes` as the crow flies (public transport: the bike's), as {public_id: km}, nearest first."""
    speed = settings.ROUTING_WALK_SPEED_KMH if mode == "walk" else settings.ROUTING_BIKE_SPEED_KMH
    rows = places()
    if not rows:
        return {}
    ids = [row[0] for row in rows]
    at = np.asarray([row[1:] for row in rows], dtype=float)
    km = haversine_m(np.full(len(rows), lon), np.full(len(rows), lat), at[:, 1], at[:, 0]) / 1000
    order = np.lexsort((ids, km))
    limit = speed * check_minutes(minutes) / 60
    return {ids[i]: round(float(km[i]), 2) for i in order.tolist() if km[i] <= limit}


def isochrone(lat: float, lon: float, mode: str, minutes: int) -> dict:
    graph = network(source_at(lat, lon)).graph(check_mode(mode))
    try:
        area = graph.isochrone(lat, lon, check_minutes(minutes) * 60)
    except RoutingError as error:
        raise TravelError(people_message(error)) from error
    feature = area.feature()
    feature["properties"].update({"minutes": minutes, "area_km2": round(area.area_m2 / 1e6, 3)})
    return feature


def nearest_station_walk(lat: float, lon: float) -> tuple[str, str, float] | None:
    """The metro station with the shortest walk from a point: (name, lines, minutes), within 30 minutes, on
    the network that serves the point (None where none does)."""
    try:
        source = source_at(lat, lon)
    except NoNetworkError:
        return None
    return _station_walk(lat, lon, source)


@lru_cache(maxsize=4096)
def _station_walk(lat: float, lon: float, source: Source) -> tuple[str, str, float] | None:
    stations = list(Stop.objects.filter(kind=Stop.Kind.METRO).values_list("name", "lines", "lat", "lon"))
    if not stations:
        return None
    try:
        walk = network(source).graph("walk")
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
    share: float | None  # None: outside the street map (or its municipality has none)
    outline: dict


_coverage_cache: dict[tuple, list[NeighbourhoodCoverage]] = {}
COVERAGE_KEPT = 8  # answers kept (modes x minutes), oldest dropped first
# What coverage needs of a network: its graph and an index with covered_nodes(seconds) over the graph's nodes
# (None: the network cannot answer, e.g. it has no public transport).
IndexOf = Callable[[Source], tuple[object, object] | None]


def coverage(mode: str, minutes: int) -> list[NeighbourhoodCoverage]:
    """For each neighbourhood, the share of residents within `minutes` of a listed place, on the network of
    its municipality."""
    check_mode(mode)
    return coverage_of(
        lambda source: (network(source).graph(mode), reach_index(mode, source)), minutes, (mode,)
    )


def coverage_of(index_of: IndexOf, minutes: int, version: tuple) -> list[NeighbourhoodCoverage]:
    """Coverage from each network's index of reachable places; `version` names the kind of index, so that the
    answer is reused until it, the networks, the places or the areas change."""
    current = networks.state()
    key = (*version, current.networks, current.places, check_minutes(minutes), Area.objects.count())
    kept = _coverage_cache.get(key)
    if kept is None:
        kept = _compute_coverage(index_of, minutes)
        with _lock:
            # A page shows several modes side by side: keep the last few answers, not only one.
            while len(_coverage_cache) >= COVERAGE_KEPT:
                _coverage_cache.pop(next(iter(_coverage_cache)), None)
            _coverage_cache[key] = kept
    return kept


def _compute_coverage(index_of: IndexOf, minutes: int) -> list[NeighbourhoodCoverage]:
    # The municipalities' and districts' outlines are not needed here (reading the JSON is most of the cost).
    areas = list(
        Area.objects.filter(level=Area.Level.NEIGHBOURHOOD)
        .select_related("parent", "municipality")
        .defer("municipality__boundary", "parent__geometry", "parent__outline")
    )
    shares: dict[int, float | None] = {}
    groups: dict[Source, list[Area]] = {}
    for area in areas:
        source = networks.for_municipality(area.municipality)
        if source is not None:
            groups.setdefault(source, []).append(area)
    for source, members in groups.items():
        found = index_of(source)
        if found is None:
            continue
        graph, index = found
        covered = index.covered_nodes(minutes * 60)
        points = [(a.shape.representative_point().y, a.shape.representative_point().x) for a in members]
        on_map = graph.snap_many(points, strict=False).ok
        for area, inside in zip(members, on_map, strict=True):
            if inside and area.population:
                weights = node_weights_from_polygons(graph, [(area.shape, area.population)])
                shares[area.pk] = coverage_share(weights, covered)
    return [
        NeighbourhoodCoverage(
            area.code,
            area.name,
            area.parent.code if area.parent else None,
            area.population or 0,
            shares.get(area.pk),
            area.outline or area.geometry,
        )
        for area in areas
    ]
