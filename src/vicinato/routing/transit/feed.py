"""Read one GTFS feed into arrays: stops, routes, trips with their stop times, services, transfers, pathways.

Everything is checked on the way in: a broken feed raises one GTFSError whose message names the
file, the line and what to fix. Frequencies are expanded into trips; stop times missing between
two timed stops are interpolated by distance; trips of fewer than two stops are left out.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..projection import haversine_m
from .calendar import Services, read_services
from .csvfile import Archive, Chunk, TableReader, as_text
from .errors import GTFSError

# (stage, done, total): see Timetable.build.
Progress = Callable[[str, int, int], None]

# route_type -> mode name (basic GTFS types, then the extended ones by their hundreds).
ROUTE_MODES = {0: "tram", 1: "metro", 2: "rail", 3: "bus", 4: "ferry", 5: "cable_tram", 6: "aerial_lift"}
ROUTE_MODES |= {7: "funicular", 11: "trolleybus", 12: "monorail"}
EXTENDED_MODES = {1: "rail", 2: "coach", 4: "metro", 7: "bus", 8: "trolleybus", 9: "tram", 10: "ferry"}
EXTENDED_MODES |= {11: "trolleybus", 12: "funicular", 13: "aerial_lift", 14: "ferry", 15: "taxi", 17: "other"}


def route_mode(route_type: int) -> str:
    """A name for a route_type: 'bus', 'tram', 'metro', 'rail', ... (extended types by their hundreds)."""
    if route_type in ROUTE_MODES:
        return ROUTE_MODES[route_type]
    return EXTENDED_MODES.get(route_type // 100, "other")


@dataclass(frozen=True)
class GTFSSource:
    """A feed to import: a .zip file (or a folder of .txt files) and the id that keeps its ids apart."""

    path: Path
    feed_id: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))
        if not self.feed_id:
            object.__setattr__(self, "feed_id", re.sub(r"[^A-Za-z0-9_-]+", "_", self.path.stem) or "feed")
        if ":" in self.feed_id:
            raise ValueError(f"A feed id may not contain ':' ({self.feed_id!r}); choose another.")

    def sha256(self) -> str:
        digest = hashlib.sha256()
        files = sorted(self.path.glob("*.txt")) if self.path.is_dir() else [self.path]
        for path in files:
            digest.update(path.name.encode() if self.path.is_dir() else b"")
            with path.open("rb") as handle:
                for block in iter(lambda h=handle: h.read(1 << 20), b""):
                    digest.update(block)
        return digest.hexdigest()


@dataclass
class Feed:
    """One feed's data as arrays; ids are the feed's own (the timetable prefixes them with the feed id)."""

    feed_id: str
    sha256: str
    agency_names: list[str]
    timezone: str
    stop_ids: list[str]
    stop_names: list[str]
    stop_lat: np.ndarray
    stop_lon: np.ndarray
    location_type: np.ndarray  # int8: 0 stop/platform, 1 station, 2 entrance, 3 node, 4 boarding area
    parent: np.ndarray  # int32, -1 for none
    route_ids: list[str]
    route_short: list[str]
    route_long: list[str]
    route_type: np.ndarray
    route_color: list[str]
    trip_ids: list[str]
    trip_route: np.ndarray
    trip_service: np.ndarray
    trip_headsign: list[str]
    # Stop times grouped by trip in stop_sequence order: trip t owns rows st_ptr[t]:st_ptr[t + 1].
    st_ptr: np.ndarray
    st_stop: np.ndarray
    st_arr: np.ndarray
    st_dep: np.ndarray
    st_board: np.ndarray  # bool: pickup allowed
    st_alight: np.ndarray  # bool: drop-off allowed
    services: Services
    # transfers.txt, stop to stop: (from, to, transfer_type, min_transfer_time or -1)
    transfers: np.ndarray = field(default_factory=lambda: np.empty((0, 4), dtype=np.int64))
    # pathways.txt: (from, to, seconds, bidirectional)
    pathways: np.ndarray = field(default_factory=lambda: np.empty((0, 4), dtype=np.float64))
    counts: dict[str, int] = field(default_factory=dict)


def _index(rows: Chunk, column: str, what: str) -> dict[str, int]:
    index: dict[str, int] = {}
    for row, value in enumerate(rows.values(column)):
        if not value.strip():
            raise rows.error(row, f"the {column} is empty", f"give every {what} an id")
        if value in index:
            raise rows.error(row, f"the {column} {value!r} appears twice", f"give each {what} its own id")
        index[value] = row
    return index


def _floats(rows: Chunk, column: str, low: float, high: float, needed: np.ndarray) -> np.ndarray:
    out = np.full(len(rows), np.nan)
    values = rows.values(column) if rows.table.has(column) else [""] * len(rows)
    for row, value in enumerate(values):
        text = value.strip()
        if not text:
            if needed[row]:
                raise rows.error(row, f"the {column} is empty", f"give the stop its {column} (WGS84 degrees)")
            continue
        try:
            number = float(text)
        except ValueError:
            number = np.nan
        if not low <= number <= high:
            raise rows.error(
                row, f"the {column} {text!r} is not a number from {low:g} to {high:g}", "correct it"
            )
        out[row] = number
    return out


def _text(rows: Chunk, column: str) -> list[str]:
    return [v.strip() for v in rows.values(column)] if rows.table.has(column) else [""] * len(rows)


def read_feed(source: GTFSSource, progress: Progress | None = None) -> Feed:
    """Read and check a whole feed (see the module docstring)."""
    archive = Archive(source.path, source.feed_id)
    try:
        return _read(archive, source, progress)
    finally:
        archive.close()


def _read(archive: Archive, source: GTFSSource, progress: Progress | None) -> Feed:
    feed = source.feed_id
    for name in ("stops.txt", "routes.txt", "trips.txt", "stop_times.txt"):
        archive.require(name)
    agency_names, timezone = [], ""
    if archive.has("agency.txt"):
        agency = TableReader(archive, "agency.txt").rows()
        agency_names = _text(agency, "agency_name")
        timezone = next((t for t in _text(agency, "agency_timezone") if t), "")
    services = read_services(archive)

    stops = TableReader(archive, "stops.txt", ("stop_id",)).rows()
    stop_index = _index(stops, "stop_id", "stop")
    location_type = stops.ints("location_type", 0, 0, 4).astype(np.int8)
    located = location_type <= 2
    stop_lat = _floats(stops, "stop_lat", -90, 90, located)
    stop_lon = _floats(stops, "stop_lon", -180, 180, located)
    parent = np.full(len(stops), -1, dtype=np.int32)
    for row, value in enumerate(_text(stops, "parent_station")):
        if value:
            if value not in stop_index:
                raise stops.error(
                    row,
                    f"the parent_station {value!r} is not a stop_id of stops.txt",
                    "add the station or correct the id",
                )
            parent[row] = stop_index[value]
    # Nodes without coordinates (generic nodes, boarding areas) stand where their parent stands.
    for _ in range(3):
        missing = np.isnan(stop_lat) & (parent >= 0)
        stop_lat[missing], stop_lon[missing] = stop_lat[parent[missing]], stop_lon[parent[missing]]

    routes = TableReader(archive, "routes.txt", ("route_id", "route_type")).rows()
    route_index = _index(routes, "route_id", "route")
    route_type = routes.ints("route_type", -1, 0, 1799)
    if (route_type < 0).any():
        row = int(np.flatnonzero(route_type < 0)[0])
        raise routes.error(
            row,
            "the route_type is empty",
            "give the route its type (3 for a bus, 0 for a tram, 1 for a metro...)",
        )

    trips = TableReader(archive, "trips.txt", ("route_id", "service_id", "trip_id")).rows()
    trip_index = _index(trips, "trip_id", "trip")
    trip_route = trips.lookup("route_id", route_index, "route_id", "routes.txt")
    service_index = {s: i for i, s in enumerate(services.ids)}
    trip_service = trips.lookup(
        "service_id", service_index, "service_id", "calendar.txt or calendar_dates.txt"
    )

    times = _read_stop_times(archive, stop_index, trip_index, location_type, (stop_lat, stop_lon), progress)
    st_trip, st_stop, st_arr, st_dep, st_board, st_alight = times
    trip_ids = as_text(trips.values("trip_id"))
    headsigns = _text(trips, "trip_headsign")
    counts: dict[str, int] = {}
    if archive.has("frequencies.txt"):
        (
            st_trip,
            st_stop,
            st_arr,
            st_dep,
            st_board,
            st_alight,
            trip_route,
            trip_service,
            trip_ids,
            headsigns,
        ) = _expand_frequencies(
            archive, trip_index, times, trip_route, trip_service, trip_ids, headsigns, counts
        )
    # Trips of fewer than two stops cannot be ridden: they are left out (and counted).
    n_trips = len(trip_ids)
    sizes = np.bincount(st_trip, minlength=n_trips)
    keep_trip = sizes >= 2
    counts["trips_without_stop_times"] = int((sizes == 0).sum()) - counts.get("frequency_templates", 0)
    counts["trips_with_one_stop"] = int((sizes == 1).sum())
    renumber = np.cumsum(keep_trip) - 1
    keep_row = keep_trip[st_trip]
    st_trip = renumber[st_trip[keep_row]]
    st_stop, st_arr, st_dep = st_stop[keep_row], st_arr[keep_row], st_dep[keep_row]
    st_board, st_alight = st_board[keep_row], st_alight[keep_row]
    kept = np.flatnonzero(keep_trip)
    st_ptr = np.zeros(len(kept) + 1, dtype=np.int64)
    np.cumsum(np.bincount(st_trip, minlength=len(kept)), out=st_ptr[1:])

    transfers = _read_transfers(archive, stop_index, parent, location_type, counts)
    pathways = _read_pathways(archive, stop_index, stop_lat, stop_lon, counts)
    return Feed(
        feed_id=feed,
        sha256=source.sha256(),
        agency_names=agency_names,
        timezone=timezone,
        stop_ids=as_text(stops.values("stop_id")),
        stop_names=_text(stops, "stop_name"),
        stop_lat=stop_lat,
        stop_lon=stop_lon,
        location_type=location_type,
        parent=parent,
        route_ids=as_text(routes.values("route_id")),
        route_short=_text(routes, "route_short_name"),
        route_long=_text(routes, "route_long_name"),
        route_type=route_type.astype(np.int32),
        route_color=_text(routes, "route_color"),
        trip_ids=[trip_ids[t] for t in kept.tolist()],
        trip_route=np.asarray(trip_route, dtype=np.int32)[kept],
        trip_service=np.asarray(trip_service, dtype=np.int32)[kept],
        trip_headsign=[headsigns[t] for t in kept.tolist()],
        st_ptr=st_ptr,
        st_stop=st_stop.astype(np.int32),
        st_arr=st_arr.astype(np.int32),
        st_dep=st_dep.astype(np.int32),
        st_board=st_board,
        st_alight=st_alight,
        services=services,
        transfers=transfers,
        pathways=pathways,
        counts=counts,
    )


StopTimes = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _read_stop_times(
    archive: Archive,
    stop_index: dict[str, int],
    trip_index: dict[str, int],
    location_type: np.ndarray,
    coordinates: tuple[np.ndarray, np.ndarray],
    progress: Progress | None,
) -> StopTimes:
    """Rows of stop_times.txt sorted by trip and stop_sequence, times filled in and checked."""
    name = "stop_times.txt"
    table = TableReader(
        archive, name, ("trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time")
    )
    parts: list[tuple[np.ndarray, ...]] = []

    def report(done: int) -> None:
        if progress is not None:
            progress(f"{archive.feed_id}: {name}", done, table.size)

    for chunk in table.chunks(report):
        trip = chunk.lookup("trip_id", trip_index, "trip_id", "trips.txt")
        stop = chunk.lookup("stop_id", stop_index, "stop_id", "stops.txt")
        wrong = np.flatnonzero(location_type[stop] != 0)
        if len(wrong):
            raise chunk.error(
                int(wrong[0]),
                f"the stop_id {chunk.values('stop_id')[int(wrong[0])]!r} is a station, entrance or node, not a stop",
                "give the id of the stop or platform where vehicles halt",
            )
        # 32-bit columns: a feed of millions of stop times then takes about 26 bytes per row.
        parts.append(
            (
                trip.astype(np.int32),
                stop.astype(np.int32),
                chunk.ints("stop_sequence", -1).astype(np.int32),
                chunk.times("arrival_time"),
                chunk.times("departure_time"),
                chunk.ints("pickup_type", 0, 0, 3) != 1,
                chunk.ints("drop_off_type", 0, 0, 3) != 1,
                chunk.lines.astype(np.int32),
            )
        )
    if not parts:
        raise GTFSError(
            archive.feed_id, name, None, "the file has no rows", "give the trips their stop times"
        )
    trip, stop, seq, arr, dep, board, alight, lines = (np.concatenate(c) for c in zip(*parts, strict=True))
    del parts
    if (seq < 0).any():
        line = int(lines[np.flatnonzero(seq < 0)[0]])
        raise GTFSError(
            archive.feed_id, name, line, "the stop_sequence is empty", "number the stops of each trip"
        )
    order = np.lexsort((seq, trip))
    trip, stop, seq, arr, dep, board, alight, lines = (
        x[order] for x in (trip, stop, seq, arr, dep, board, alight, lines)
    )
    same_trip = trip[1:] == trip[:-1]

    def fail(rows: np.ndarray, problem: str, fix: str) -> None:
        if len(rows):
            raise GTFSError(archive.feed_id, name, int(lines[rows[0]]), problem, fix)

    fail(
        np.flatnonzero(same_trip & (seq[1:] == seq[:-1])) + 1,
        "the stop_sequence repeats one of the same trip",
        "number each stop of a trip once",
    )
    arr = np.where(arr < 0, dep, arr)
    dep = np.where(dep < 0, arr, dep)
    first = np.ones(len(trip), dtype=bool)
    first[1:] = ~same_trip
    last = np.ones(len(trip), dtype=bool)
    last[:-1] = ~same_trip
    fail(
        np.flatnonzero((first | last) & (arr < 0)),
        "the first or last stop of a trip has no time",
        "give the first and last stop of every trip their arrival and departure times",
    )
    if (arr < 0).any():
        arr, dep = _interpolate(trip, stop, arr, dep, *coordinates)
    fail(
        np.flatnonzero(dep < arr),
        "the departure_time is before the arrival_time",
        "correct the times of this stop",
    )
    fail(
        np.flatnonzero(same_trip & (arr[1:] < dep[:-1])) + 1,
        "the trip arrives here before it leaves its previous stop (times go down)",
        "correct the times or the stop_sequence of this trip",
    )
    return trip, stop, arr, dep, board, alight


def _interpolate(
    trip: np.ndarray, stop: np.ndarray, arr: np.ndarray, dep: np.ndarray, lat: np.ndarray, lon: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Times of untimed stops, by the straight-line distance between the timed ones around them."""
    step = np.zeros(len(trip))
    same = trip[1:] == trip[:-1]
    step[1:] = np.where(
        same,
        np.nan_to_num(haversine_m(lon[stop[:-1]], lat[stop[:-1]], lon[stop[1:]], lat[stop[1:]])) + 1e-3,
        0,
    )
    along = np.cumsum(step)
    timed = arr >= 0
    idx = np.arange(len(trip))
    before = np.maximum.accumulate(np.where(timed, idx, 0))
    after = np.minimum.accumulate(np.where(timed, idx, len(trip) - 1)[::-1])[::-1]
    share = (along - along[before]) / np.maximum(along[after] - along[before], 1e-9)
    guess = np.round(dep[before] + share * (arr[after] - dep[before])).astype(arr.dtype)
    return np.where(timed, arr, guess), np.where(timed, dep, guess)


def _expand_frequencies(
    archive: Archive,
    trip_index: dict[str, int],
    times: StopTimes,
    trip_route: np.ndarray,
    trip_service: np.ndarray,
    trip_ids: list[str],
    headsigns: list[str],
    counts: dict[str, int],
) -> tuple:
    """Trips of frequencies.txt become one trip per departure (start, start + headway, ... < end),
    each with the template's running times; the template itself no longer runs at its own times.
    exact_times=0 and 1 are expanded alike (the departures of exact_times=0 are then a model)."""
    rows = TableReader(
        archive, "frequencies.txt", ("trip_id", "start_time", "end_time", "headway_secs")
    ).rows()
    if not len(rows):
        return (*times, trip_route, trip_service, trip_ids, headsigns)
    template = rows.lookup("trip_id", trip_index, "trip_id", "trips.txt")
    start, end = rows.times("start_time"), rows.times("end_time")
    headway = rows.ints("headway_secs", -1, 1, 86400)
    for row in range(len(rows)):
        if start[row] < 0 or end[row] < 0 or headway[row] < 0:
            raise rows.error(row, "the start_time, end_time or headway_secs is empty", "fill them in")
        if end[row] <= start[row]:
            raise rows.error(row, "the end_time is not after the start_time", "correct the times")
    st_trip, st_stop, st_arr, st_dep, st_board, st_alight = times
    ptr = np.zeros(len(trip_ids) + 1, dtype=np.int64)
    np.cumsum(np.bincount(st_trip, minlength=len(trip_ids)), out=ptr[1:])
    departures = [
        np.arange(s, e, h) for s, e, h in zip(start.tolist(), end.tolist(), headway.tolist(), strict=True)
    ]
    copies_of = np.repeat(template, [len(d) for d in departures])
    starts = np.concatenate(departures).astype(np.int64)
    sizes = ptr[copies_of + 1] - ptr[copies_of]
    new_trip = np.repeat(np.arange(len(copies_of)) + len(trip_ids), sizes)
    src = np.repeat(ptr[copies_of], sizes) + (
        np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    )
    shift = np.repeat(starts - st_dep[ptr[copies_of]], sizes)
    is_template = np.zeros(len(trip_ids), dtype=bool)
    is_template[template] = True
    keep = ~is_template[st_trip]  # the template's own stop times: gone, so the trip is left out later
    counts["frequency_trips"] = len(copies_of)
    counts["frequency_templates"] = int(is_template.sum())
    ids = trip_ids + [
        f"{trip_ids[t]}@{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"
        for t, s in zip(copies_of.tolist(), starts.tolist(), strict=True)
    ]
    return (
        np.concatenate([st_trip[keep], new_trip]),
        np.concatenate([st_stop[keep], st_stop[src]]),
        np.concatenate([st_arr[keep], st_arr[src] + shift]),
        np.concatenate([st_dep[keep], st_dep[src] + shift]),
        np.concatenate([st_board[keep], st_board[src]]),
        np.concatenate([st_alight[keep], st_alight[src]]),
        np.concatenate([trip_route, trip_route[copies_of]]),
        np.concatenate([trip_service, trip_service[copies_of]]),
        ids,
        headsigns + [headsigns[t] for t in copies_of.tolist()],
    )


def _read_transfers(
    archive: Archive,
    stop_index: dict[str, int],
    parent: np.ndarray,
    location_type: np.ndarray,
    counts: dict[str, int],
) -> np.ndarray:
    """Stop-to-stop rows of transfers.txt; a station stands for each of its stops. Rows between
    trips or routes are counted and left out (the engine transfers between stops)."""
    if not archive.has("transfers.txt"):
        return np.empty((0, 4), dtype=np.int64)
    rows = TableReader(archive, "transfers.txt", ("from_stop_id", "to_stop_id", "transfer_type")).rows()
    kind = rows.ints("transfer_type", 0, 0, 5)
    minimum = rows.ints("min_transfer_time", -1, 0, 86400)
    specific = np.zeros(len(rows), dtype=bool)
    for column in ("from_trip_id", "to_trip_id", "from_route_id", "to_route_id"):
        specific |= np.array([bool(v) for v in _text(rows, column)], dtype=bool)
    counts["transfers_between_trips_or_routes"] = int(specific.sum() + (kind >= 4).sum())
    has_from = np.array([bool(v) for v in _text(rows, "from_stop_id")], dtype=bool)
    usable = ~specific & (kind <= 3) & has_from
    frm = np.full(len(rows), -1, dtype=np.int64)
    to = np.full(len(rows), -1, dtype=np.int64)
    for j, column in ((0, "from_stop_id"), (1, "to_stop_id")):
        values = _text(rows, column)
        target = frm if j == 0 else to
        for row in np.flatnonzero(usable).tolist():
            if values[row] not in stop_index:
                raise rows.error(
                    row,
                    f"the {column} {values[row]!r} is not a stop_id of stops.txt",
                    "add the stop or correct the id",
                )
            target[row] = stop_index[values[row]]
    for row in np.flatnonzero(usable & (kind == 2) & (minimum < 0)).tolist():
        raise rows.error(row, "transfer_type 2 needs a min_transfer_time", "give the minimum time in seconds")
    children: dict[int, list[int]] = {}
    for child in np.flatnonzero((parent >= 0) & (location_type == 0)).tolist():
        children.setdefault(int(parent[child]), []).append(child)
    out = []
    for row in np.flatnonzero(usable).tolist():
        sources = children.get(int(frm[row]), [int(frm[row])])
        targets = children.get(int(to[row]), [int(to[row])])
        out.extend((a, b, int(kind[row]), int(minimum[row])) for a in sources for b in targets)
    return np.asarray(out, dtype=np.int64).reshape(-1, 4)


def _read_pathways(
    archive: Archive, stop_index: dict[str, int], lat: np.ndarray, lon: np.ndarray, counts: dict[str, int]
) -> np.ndarray:
    """pathways.txt as (from, to, seconds or -1 when only the length or nothing is known, two-way).
    The timetable prices missing times at walking speed, by length or by the straight distance."""
    if not archive.has("pathways.txt"):
        return np.empty((0, 4), dtype=np.float64)
    rows = TableReader(
        archive,
        "pathways.txt",
        ("pathway_id", "from_stop_id", "to_stop_id", "pathway_mode", "is_bidirectional"),
    ).rows()
    frm = rows.lookup("from_stop_id", stop_index, "stop_id", "stops.txt")
    to = rows.lookup("to_stop_id", stop_index, "stop_id", "stops.txt")
    both = rows.ints("is_bidirectional", 0, 0, 1)
    seconds = rows.ints("traversal_time", -1, 1, 86400).astype(np.float64)
    length = (
        np.array([float(v) if v else -1.0 for v in _text(rows, "length")])
        if rows.table.has("length")
        else np.full(len(rows), -1.0)
    )
    # Lengths are kept as negative "metres" so the timetable can price them with its walking speed.
    straight = haversine_m(lon[frm], lat[frm], lon[to], lat[to])
    metres = np.where(length >= 0, length, np.nan_to_num(straight))
    value = np.where(seconds > 0, seconds, -1.0 - metres)
    counts["pathways"] = len(rows)
    return np.column_stack([frm, to, value, both]).astype(np.float64)
