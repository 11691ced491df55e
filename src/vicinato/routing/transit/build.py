"""Turn GTFS feeds into timetable arrays: stops and their street access, patterns of trips, services, transfers.

- Ids of every feed are kept apart as "<feed id>:<id>".
- A *pattern* is a set of trips with the same stops in the same order and the same pickup and
  drop-off rules (whatever their route: copies of a line share one). Its trips are sorted by
  departure; where a trip overtakes another (leaves later but arrives earlier somewhere), the
  pattern is split so that within each pattern no trip overtakes another at any stop: RAPTOR then
  finds the first trip leaving a stop after a time by binary search.
- Services become bitmasks over the dates of all feeds (first date + d).
- Transfers are walks on the street graph between all pairs of stops within
  `max_transfer_walk_s`, at the walk mode's speed; transfers.txt then sets minimum times (type 2),
  forbids (type 3) or adds (types 0 and 1) pairs; pathways.txt gives the times between the
  platforms of a station, and its entrances become the platforms' way in from the street.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from ..graph import ModeGraph, SnappedPoints
from .calendar import WEEKDAYS
from .feed import Feed, Progress, route_mode
from .settings import TransitSettings

# Walking times meet the timetable in whole seconds: rounded up (a transfer of 61.2 s takes 62).
EPS_S = 1e-6


def build_arrays(
    feeds: Sequence[Feed], walk: ModeGraph, settings: TransitSettings, progress: Progress | None = None
) -> tuple[dict[str, np.ndarray], dict[str, object]]:
    """All timetable arrays (see Timetable) and the summary of what was built."""
    arrays: dict[str, np.ndarray] = {}
    stops = _merge_stops(feeds, arrays)
    _merge_routes_and_trips(feeds, stops, arrays)
    dates = _merge_services(feeds, arrays)
    if progress is not None:
        progress("patterns", 0, 1)
    _patterns(feeds, stops, arrays)
    if progress is not None:
        progress("patterns", 1, 1)
    pathway_transfers = _access_points(feeds, stops, walk, arrays)
    distance = _snap_distance(walk, arrays)
    _transfers(feeds, stops, walk, settings, arrays, pathway_transfers, progress)
    summary = _summary(feeds, arrays, dates, distance, settings)
    return arrays, summary


def _merge_stops(feeds: Sequence[Feed], arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Stops where vehicles halt (location_type 0) of all feeds; `index` maps feed rows to them."""
    ids, names, lat, lon, feed_of, parents, index = [], [], [], [], [], [], []
    count = 0
    for f, feed in enumerate(feeds):
        local = np.full(len(feed.stop_ids), -1, dtype=np.int64)
        platform = np.flatnonzero(feed.location_type == 0)
        local[platform] = np.arange(count, count + len(platform))
        count += len(platform)
        index.append(local)
        for s in platform.tolist():
            ids.append(f"{feed.feed_id}:{feed.stop_ids[s]}")
            names.append(
                feed.stop_names[s] or (feed.stop_names[feed.parent[s]] if feed.parent[s] >= 0 else "")
            )
            p = int(feed.parent[s])
            parents.append(f"{feed.feed_id}:{feed.stop_ids[p]}" if p >= 0 else "")
        lat.append(feed.stop_lat[platform])
        lon.append(feed.stop_lon[platform])
        feed_of.append(np.full(len(platform), f, dtype=np.int16))
    arrays["stop_id"] = np.asarray(ids, dtype=np.str_)
    arrays["stop_name"] = np.asarray(names, dtype=np.str_)
    arrays["stop_station"] = np.asarray(parents, dtype=np.str_)
    arrays["stop_lat"] = np.concatenate(lat)
    arrays["stop_lon"] = np.concatenate(lon)
    arrays["stop_feed"] = np.concatenate(feed_of)
    return {"index": np.asarray(index, dtype=object)}


def _merge_routes_and_trips(feeds: Sequence[Feed], stops: dict, arrays: dict[str, np.ndarray]) -> None:
    route_ids, short, long, color, headsign, trip_ids = [], [], [], [], [], []
    rtype, rfeed, troute, tservice, tfeed = [], [], [], [], []
    route_base = service_base = 0
    for f, feed in enumerate(feeds):
        route_ids += [f"{feed.feed_id}:{r}" for r in feed.route_ids]
        short += feed.route_short
        long += feed.route_long
        color += feed.route_color
        rtype.append(feed.route_type)
        rfeed.append(np.full(len(feed.route_ids), f, dtype=np.int16))
        trip_ids += [f"{feed.feed_id}:{t}" for t in feed.trip_ids]
        headsign += feed.trip_headsign
        troute.append(feed.trip_route + route_base)
        tservice.append(feed.trip_service + service_base)
        tfeed.append(np.full(len(feed.trip_ids), f, dtype=np.int16))
        route_base += len(feed.route_ids)
        service_base += len(feed.services.ids)
    arrays["route_id"] = np.asarray(route_ids, dtype=np.str_)
    arrays["route_short"] = np.asarray(short, dtype=np.str_)
    arrays["route_long"] = np.asarray(long, dtype=np.str_)
    arrays["route_color"] = np.asarray(color, dtype=np.str_)
    arrays["route_type"] = np.concatenate(rtype).astype(np.int32)
    arrays["route_feed"] = np.concatenate(rfeed)
    arrays["trip_id"] = np.asarray(trip_ids, dtype=np.str_)
    arrays["trip_headsign"] = np.asarray(headsign, dtype=np.str_)
    arrays["trip_route"] = np.concatenate(troute).astype(np.int32)
    arrays["trip_service"] = np.concatenate(tservice).astype(np.int32)
    arrays["trip_feed"] = np.concatenate(tfeed)


def _merge_services(feeds: Sequence[Feed], arrays: dict[str, np.ndarray]) -> tuple[dt.date, int]:
    first = min(f.services.first for f in feeds)
    last = max(f.services.last for f in feeds)
    n_days = (last - first).days + 1
    rows = []
    for feed in feeds:
        days = np.zeros((len(feed.services.ids), n_days), dtype=bool)
        start = (feed.services.first - first).days
        days[:, start : start + feed.services.days.shape[1]] = feed.services.days
        rows.append(days)
    days = np.concatenate(rows)
    arrays["service_bits"] = np.packbits(days, axis=1, bitorder="little")
    arrays["feed_first_day"] = np.asarray([(f.services.first - first).days for f in feeds], dtype=np.int32)
    arrays["feed_last_day"] = np.asarray([(f.services.last - first).days for f in feeds], dtype=np.int32)
    return first, n_days


def _patterns(feeds: Sequence[Feed], stops: dict, arrays: dict[str, np.ndarray]) -> None:
    """Group trips into patterns, sort and split them (see the module docstring), and renumber the
    trips so that those of a pattern are contiguous: trip_* arrays follow the new order."""
    seq_stop, seq_board, seq_alight, seq_arr, seq_dep = [], [], [], [], []
    for f, feed in enumerate(feeds):
        seq_stop.append(stops["index"][f][feed.st_stop])
        seq_board.append(feed.st_board)
        seq_alight.append(feed.st_alight)
        seq_arr.append(feed.st_arr)
        seq_dep.append(feed.st_dep)
    stop = np.concatenate(seq_stop).astype(np.int32)
    flags = np.concatenate(seq_board).astype(np.uint8) | (np.concatenate(seq_alight).astype(np.uint8) << 1)
    arr = np.concatenate(seq_arr).astype(np.int32)
    dep = np.concatenate(seq_dep).astype(np.int32)
    sizes = np.concatenate([np.diff(f.st_ptr) for f in feeds])
    ptr = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=ptr[1:])
    keys: dict[bytes, int] = {}
    ptr_list = ptr.tolist()
    key_of_trip = np.empty(len(sizes), dtype=np.int64)
    for t in range(len(sizes)):
        a, b = ptr_list[t], ptr_list[t + 1]
        key = stop[a:b].tobytes() + flags[a:b].tobytes()
        key_of_trip[t] = keys.setdefault(key, len(keys))
    by_key = np.argsort(key_of_trip, kind="stable")
    bounds = np.searchsorted(key_of_trip[by_key], np.arange(len(keys) + 1))
    order: list[np.ndarray] = []
    p_stop_ptr, p_stops, p_flags, p_trip_ptr = [0], [], [], [0]
    for k in range(len(keys)):
        trips = by_key[bounds[k] : bounds[k + 1]]
        n_s = int(sizes[trips[0]])
        rows = ptr[trips][:, None] + np.arange(n_s)[None, :]
        d, a = dep[rows], arr[rows]
        sort = np.lexsort(d[:, ::-1].T)  # by the departure from the first stop, then the next...
        trips, d, a = trips[sort], d[sort], a[sort]
        for chain in _fifo_chains(d, a):
            order.append(trips[chain])
            p_trip_ptr.append(p_trip_ptr[-1] + len(chain))
            first = int(ptr[trips[0]])
            p_stops.append(stop[first : first + n_s])
            p_flags.append(flags[first : first + n_s])
            p_stop_ptr.append(p_stop_ptr[-1] + n_s)
    new_order = np.concatenate(order)
    for name in ("trip_id", "trip_headsign", "trip_route", "trip_service", "trip_feed"):
        arrays[name] = arrays[name][new_order]
    rows_sizes = sizes[new_order]
    take = np.repeat(ptr[new_order], rows_sizes) + (
        np.arange(rows_sizes.sum()) - np.repeat(np.cumsum(rows_sizes) - rows_sizes, rows_sizes)
    )
    arrays["arr"], arrays["dep"] = arr[take], dep[take]
    trip_ptr = np.zeros(len(new_order) + 1, dtype=np.int64)
    np.cumsum(rows_sizes, out=trip_ptr[1:])
    arrays["trip_first_dep"] = arrays["dep"][trip_ptr[:-1]]
    arrays["trip_last_arr"] = arrays["arr"][trip_ptr[1:] - 1]
    p_trip = np.asarray(p_trip_ptr, dtype=np.int64)
    arrays["pattern_trip_ptr"] = p_trip
    arrays["pattern_time_ptr"] = trip_ptr[p_trip]
    arrays["pattern_stop_ptr"] = np.asarray(p_stop_ptr, dtype=np.int64)
    arrays["pattern_stops"] = np.concatenate(p_stops).astype(np.int32)
    all_flags = np.concatenate(p_flags)
    arrays["pattern_board"] = (all_flags & 1).astype(np.uint8)
    arrays["pattern_alight"] = ((all_flags >> 1) & 1).astype(np.uint8)
    arrays["trip_pattern"] = np.repeat(np.arange(len(p_trip) - 1, dtype=np.int32), np.diff(p_trip))


def _fifo_chains(dep: np.ndarray, arr: np.ndarray) -> list[np.ndarray]:
    """Split trips (rows, sorted by departure) into groups in which no trip overtakes another."""
    if len(dep) < 2 or ((np.diff(dep, axis=0) >= 0).all() and (np.diff(arr, axis=0) >= 0).all()):
        return [np.arange(len(dep))]
    chains: list[list[int]] = []
    for t in range(len(dep)):
        for chain in chains:
            last = chain[-1]
            if (dep[t] >= dep[last]).all() and (arr[t] >= arr[last]).all():
                chain.append(t)
                break
        else:
            chains.append([t])
    return [np.asarray(c) for c in chains]


def _access_points(
    feeds: Sequence[Feed], stops: dict, walk: ModeGraph, arrays: dict[str, np.ndarray]
) -> dict[tuple[int, int], float]:
    """Where each stop meets the street: its own position, or, for platforms linked by pathways to
    entrances, those entrances (with the time inside the station each way). Also the times
    between platforms along pathways, which replace walks on the street between them."""
    speed = walk.settings.walk_speed_kmh / 3.6
    point_stop, point_lat, point_lon, point_in, point_out = [], [], [], [], []
    inside: dict[tuple[int, int], float] = {}
    entrances_of: dict[int, list[tuple[float, float, float, float]]] = {}
    for f, feed in enumerate(feeds):
        if not len(feed.pathways):
            continue
        local = stops["index"][f]
        node = np.arange(len(feed.stop_ids))
        # A boarding area is part of its platform.
        area = (feed.location_type == 4) & (feed.parent >= 0)
        node[area] = feed.parent[area]
        frm = node[feed.pathways[:, 0].astype(np.int64)]
        to = node[feed.pathways[:, 1].astype(np.int64)]
        value = feed.pathways[:, 2]
        seconds = np.where(value >= 0, value, (-1.0 - value) / speed)
        both = feed.pathways[:, 3] > 0
        rows = np.concatenate([frm, to[both]])
        cols = np.concatenate([to, frm[both]])
        weight = np.concatenate([seconds, seconds[both]]) + 1e-9  # scipy drops explicit zeros
        n = len(feed.stop_ids)
        graph = sp.csr_matrix((weight, (rows, cols)), shape=(n, n))
        involved = np.unique(np.concatenate([frm, to]))
        platforms = involved[feed.location_type[involved] == 0]
        if not len(platforms):
            continue
        reach = dijkstra(graph, indices=platforms)
        back = dijkstra(graph.T.tocsr(), indices=platforms)
        for i, p in enumerate(platforms.tolist()):
            for q in platforms.tolist():
                if q != p and np.isfinite(reach[i, q]):
                    inside[(int(local[p]), int(local[q]))] = float(reach[i, q])
            for e in involved[feed.location_type[involved] == 2].tolist():
                if np.isfinite(reach[i, e]) or np.isfinite(back[i, e]):
                    entrances_of.setdefault(int(local[p]), []).append(
                        (
                            float(feed.stop_lat[e]),
                            float(feed.stop_lon[e]),
                            float(back[i, e]),
                            float(reach[i, e]),
                        )
                    )
    for s in range(len(arrays["stop_id"])):
        for lat, lon, time_in, time_out in entrances_of.get(
            s, [(arrays["stop_lat"][s], arrays["stop_lon"][s], 0.0, 0.0)]
        ):
            point_stop.append(s)
            point_lat.append(lat)
            point_lon.append(lon)
            point_in.append(time_in)
            point_out.append(time_out)
    arrays["point_stop"] = np.asarray(point_stop, dtype=np.int32)
    arrays["point_lat"] = np.asarray(point_lat, dtype=np.float64)
    arrays["point_lon"] = np.asarray(point_lon, dtype=np.float64)
    arrays["point_in_s"] = np.asarray(point_in, dtype=np.float64)
    arrays["point_out_s"] = np.asarray(point_out, dtype=np.float64)
    return inside


def _snap_distance(walk: ModeGraph, arrays: dict[str, np.ndarray]) -> np.ndarray:
    """Metres from each stop to the nearest street of the walk graph."""
    points = np.column_stack([arrays["stop_lat"], arrays["stop_lon"]])
    return walk.snap_many(points, strict=False).dist_m


def _transfers(
    feeds: Sequence[Feed],
    stops: dict,
    walk: ModeGraph,
    settings: TransitSettings,
    arrays: dict[str, np.ndarray],
    inside: dict[tuple[int, int], float],
    progress: Progress | None,
) -> None:
    n_stops = len(arrays["stop_id"])
    points = np.column_stack([arrays["point_lat"], arrays["point_lon"]])
    snapped = walk.snap_many(points, strict=False)
    point_stop = arrays["point_stop"]
    best: dict[tuple[int, int], float] = {}
    chunk = 1000
    total = len(points)
    frm_all, to_all, sec_all = [], [], []
    for start in range(0, total, chunk):
        part = slice(start, min(total, start + chunk))
        sub = subset_points(snapped, part)
        table = walk.table_snapped(sub, snapped, settings.max_transfer_walk_s)
        oi, di = np.nonzero(np.isfinite(table))
        seconds = table[oi, di] + arrays["point_out_s"][part][oi] + arrays["point_in_s"][di]
        frm_all.append(point_stop[part][oi])
        to_all.append(point_stop[di])
        sec_all.append(seconds)
        if progress is not None:
            progress("transfers", min(total, start + chunk), total)
    frm = np.concatenate(frm_all) if frm_all else np.empty(0, dtype=np.int64)
    to = np.concatenate(to_all) if to_all else np.empty(0, dtype=np.int64)
    sec = np.concatenate(sec_all) if sec_all else np.empty(0)
    keep = frm != to
    for a, b, s in zip(frm[keep].tolist(), to[keep].tolist(), sec[keep].tolist(), strict=True):
        if s < best.get((a, b), math.inf):
            best[(a, b)] = s
    best.update(inside)
    same = np.full(n_stops, settings.same_stop_transfer_s, dtype=np.int32)
    counts = {"type_2": 0, "type_3": 0, "added": 0}
    missing: list[tuple[int, int]] = []
    for f, feed in enumerate(feeds):
        local = stops["index"][f]
        for frm_s, to_s, kind, minimum in feed.transfers.tolist():
            a, b = int(local[frm_s]), int(local[to_s])
            if a < 0 or b < 0:
                continue
            if kind == 3:
                counts["type_3"] += 1
                if a == b:
                    same[a] = -1
                else:
                    best.pop((a, b), None)
                    best[(a, b)] = math.nan  # forbidden, whatever later rows say
            elif kind == 2:
                counts["type_2"] += 1
                if a == b:
                    same[a] = minimum
                elif not math.isnan(best.get((a, b), 0.0)):
                    best[(a, b)] = float(minimum)
            elif a != b and (a, b) not in best:
                missing.append((a, b))
    if missing:
        # Types 0 and 1 between stops farther apart than the transfer radius: walk them anyway.
        ends = np.unique(np.asarray(missing).ravel())
        position = {s: i for i, s in enumerate(ends.tolist())}
        first_point = np.searchsorted(point_stop, ends)
        sub = subset_points(snapped, first_point)
        table = walk.table_snapped(sub, sub, 3600.0)
        for a, b in missing:
            value = float(table[position[a], position[b]])
            if math.isfinite(value):
                best[(a, b)] = value
                counts["added"] += 1
    pairs = [(a, b, s) for (a, b), s in best.items() if not math.isnan(s)]
    pairs.sort()
    frm = np.asarray([p[0] for p in pairs], dtype=np.int64)
    to = np.asarray([p[1] for p in pairs], dtype=np.int32)
    seconds = np.ceil(np.asarray([p[2] for p in pairs], dtype=np.float64) - EPS_S).astype(np.int32)
    ptr = np.zeros(n_stops + 1, dtype=np.int64)
    np.cumsum(np.bincount(frm, minlength=n_stops), out=ptr[1:])
    arrays["transfer_ptr"] = ptr
    arrays["transfer_to"] = to
    arrays["transfer_s"] = np.maximum(seconds, 0)
    arrays["stop_transfer_s"] = same
    arrays["transfer_counts"] = np.asarray([counts["type_2"], counts["type_3"], counts["added"], len(inside)])


def subset_points(points: SnappedPoints, rows: np.ndarray | slice) -> SnappedPoints:
    """Some of many snapped points."""
    fields = ("lat", "lon", "seg", "frac", "dist_m", "ok")
    return SnappedPoints(*(np.asarray(getattr(points, f))[rows] for f in fields))


def trips_per_day(arrays: dict[str, np.ndarray], n_days: int) -> np.ndarray:
    """(feeds, days): trips running on each date of the timetable, per feed."""
    bits = np.unpackbits(arrays["service_bits"], axis=1, bitorder="little", count=n_days).astype(np.int64)
    per_service = np.bincount(arrays["trip_service"], minlength=len(bits))
    n_feeds = len(arrays["feed_first_day"])
    out = np.zeros((n_feeds, n_days), dtype=np.int64)
    service_feed = np.zeros(len(bits), dtype=np.int64)
    service_feed[arrays["trip_service"]] = arrays["trip_feed"]
    for f in range(n_feeds):
        mine = service_feed == f
        out[f] = per_service[mine] @ bits[mine]
    return out


def _summary(
    feeds: Sequence[Feed],
    arrays: dict[str, np.ndarray],
    dates: tuple[dt.date, int],
    distance: np.ndarray,
    settings: TransitSettings,
) -> dict[str, object]:
    first, n_days = dates
    per_day = trips_per_day(arrays, n_days)
    routes_by_type: dict[str, int] = {}
    for t in arrays["route_type"].tolist():
        routes_by_type[route_mode(int(t))] = routes_by_type.get(route_mode(int(t)), 0) + 1
    weekday_trips = {}
    for w, name in enumerate(WEEKDAYS):
        # As a query on that weekday would be answered outside the feeds' periods: their busiest such day.
        total = 0
        for f in range(len(feeds)):
            lo, hi = int(arrays["feed_first_day"][f]), int(arrays["feed_last_day"][f])
            offsets = np.arange(lo, hi + 1)
            same = offsets[(first.weekday() + offsets) % 7 == w]
            total += int(per_day[f, same].max()) if len(same) else 0
        weekday_trips[name] = total
    used_stops = np.zeros(len(arrays["stop_id"]), dtype=bool)
    used_stops[arrays["pattern_stops"]] = True
    far = np.flatnonzero(distance > settings.far_stop_m)
    counts: dict[str, int] = {}
    for feed in feeds:
        for key, value in feed.counts.items():
            counts[key] = counts.get(key, 0) + value
    type_2, type_3, added, pathway_pairs = arrays["transfer_counts"].tolist()
    return {
        "feeds": [
            {
                "feed_id": f.feed_id,
                "sha256": f.sha256,
                "agencies": f.agency_names,
                "timezone": f.timezone,
                "first_date": f.services.first.isoformat(),
                "last_date": f.services.last.isoformat(),
            }
            for f in feeds
        ],
        "service_period": [first.isoformat(), (first + dt.timedelta(days=n_days - 1)).isoformat()],
        "routes_by_type": dict(sorted(routes_by_type.items())),
        "trips_per_weekday": weekday_trips,
        "stops": int(len(arrays["stop_id"])),
        "stops_served": int(used_stops.sum()),
        "stops_far_from_streets": [
            {
                "stop_id": str(arrays["stop_id"][s]),
                "name": str(arrays["stop_name"][s]),
                "distance_m": round(float(distance[s]), 1),
            }
            for s in far.tolist()
        ],
        "routes": int(len(arrays["route_id"])),
        "trips": int(len(arrays["trip_id"])),
        "stop_times": int(len(arrays["arr"])),
        "patterns": int(len(arrays["pattern_trip_ptr"]) - 1),
        "transfers": int(len(arrays["transfer_to"])),
        "transfers_txt": {"minimum_times": type_2, "not_possible": type_3, "added": added},
        "pathway_pairs": pathway_pairs,
        "counts": counts,
    }
