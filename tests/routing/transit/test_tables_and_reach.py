"""Tables and the reach index agree with point queries; the cache, several feeds, pathways, the summary."""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path

import numpy as np
import pytest
from routing_osm import to_lat_lon
from transit_world import SmallRouter, basic_files, stop_row, write_feed

from vicinato.routing import ModeGraph, StaleIndexError
from vicinato.routing.transit import (
    GTFSSource,
    Timetable,
    TransitReach,
    TransitRouter,
    TransitSettings,
    timetable_file_name,
)

TUESDAY = dt.date(2014, 10, 21)


def sample_points(router: TransitRouter, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    stops = np.column_stack([router.timetable.arrays["stop_lat"], router.timetable.arrays["stop_lon"]])
    points = stops[rng.integers(len(stops), size=3 * n)] + rng.uniform(-0.005, 0.005, size=(3 * n, 2))
    ok = router.walk.snap_many(points, strict=False).ok
    return points[ok][:n]


def test_table_equals_arrive_by_queries(milan: TransitRouter) -> None:
    origins, places = sample_points(milan, 25, 1), sample_points(milan, 8, 2)
    arrive_by = dt.datetime.combine(TUESDAY, dt.time(9, 0))
    table = milan.table(origins, places, arrive_by, max_minutes=45)
    assert table.seconds.shape == (25, 8) and table.service_day.date == TUESDAY
    reached = 0
    for i, origin in enumerate(origins):
        for j, place in enumerate(places):
            journey = milan.arrive_by(tuple(origin), tuple(place), arrive_by, max_minutes=45)
            if journey.itinerary is None:
                assert table.seconds[i, j] == math.inf
            else:
                reached += 1
                assert table.seconds[i, j] == pytest.approx(9 * 3600 - journey.itinerary.departs_s, abs=2e-3)
    assert reached > 40


def test_reach_arrive_by_equals_the_table_and_covers_the_same_nodes(milan: TransitRouter) -> None:
    places = sample_points(milan, 30, 3)
    when = dt.datetime.combine(TUESDAY, dt.time(9, 0))
    index = TransitReach.build(milan, [(f"p{i}", *p) for i, p in enumerate(places)], when, max_minutes=30)
    origins = sample_points(milan, 40, 4)
    table = milan.table(origins, places, when, max_minutes=30).seconds
    for i, origin in enumerate(origins):
        times = index.times_from(*origin)
        for j in range(len(places)):
            expected = table[i, j]
            got = times.get(f"p{j}", math.inf)
            assert got == pytest.approx(expected, abs=2e-2) or (math.isinf(got) and math.isinf(expected))
        listed = index.reachable(*origin, within_s=900)
        assert [p.seconds for p in listed] == sorted(p.seconds for p in listed)
        assert {p.place_id for p in listed} == {f"p{j}" for j in np.flatnonzero(table[i] <= 900)}
    covered = index.covered_nodes(900)
    walk = milan.walk
    nodes = np.random.default_rng(5).choice(walk.node_count, 150, replace=False)
    for node in nodes.tolist():
        point = (float(walk.node_lat[node]), float(walk.node_lon[node]))
        best = min((p.seconds for p in index.reachable(*point)), default=math.inf)
        if abs(best - 900) > 0.05:
            assert covered[node] == (best <= 900), node


def test_reach_depart_at_equals_depart_at_queries(milan: TransitRouter) -> None:
    places = sample_points(milan, 12, 6)
    when = dt.datetime.combine(TUESDAY, dt.time(8, 15))
    index = TransitReach.build(
        milan, [(i, *p) for i, p in enumerate(places)], when, kind="depart_at", max_minutes=30
    )
    for origin in sample_points(milan, 15, 7):
        times = index.times_from(*origin)
        for j, place in enumerate(places):
            journey = milan.depart_at(tuple(origin), tuple(place), when, max_minutes=30)
            expected = journey.itinerary.arrives_s - 8.25 * 3600 if journey.itinerary else math.inf
            assert times.get(j, math.inf) == pytest.approx(expected, abs=1e-6)
    covered = index.covered_nodes(600)
    walk = milan.walk
    for node in np.random.default_rng(8).choice(walk.node_count, 100, replace=False).tolist():
        best = min(
            (p.seconds for p in index.reachable(float(walk.node_lat[node]), float(walk.node_lon[node]))),
            default=math.inf,
        )
        if abs(best - 600) > 0.05:
            assert covered[node] == (best <= 600), node


def test_demo_summary(milan: TransitRouter) -> None:
    summary = milan.timetable.summary
    assert summary["routes_by_type"] == {"bus": 9, "metro": 1, "tram": 5}
    assert summary["service_period"] == ["2014-10-19", "2014-11-01"]
    assert (summary["stops"], summary["trips"], summary["stop_times"]) == (516, 10608, 248555)
    assert summary["stops_far_from_streets"] == []
    assert summary["trips_per_weekday"]["tuesday"] > summary["trips_per_weekday"]["sunday"] > 0
    assert summary["feeds"][0]["feed_id"] == "atm" and summary["feeds"][0]["timezone"] == "Europe/Rome"


STOPS = [stop_row("A", 0, 0), stop_row("B", 400, 0), stop_row("E", 1600, 400)]
TRIPS = [("t1", "L1", "S")]
TIMES = [("t1", "A", 1, "08:00:00", "08:00:00"), ("t1", "E", 2, "08:05:00", "08:05:00")]


def test_cache_reused_and_rebuilt(tmp_path: Path, grid_walk: ModeGraph) -> None:
    feed = write_feed(tmp_path / "feed.zip", basic_files(STOPS, TRIPS, TIMES))
    cache = tmp_path / "cache"
    stages: list[str] = []
    first = Timetable.load_or_build(
        [feed], grid_walk, cache, progress=lambda stage, done, total: stages.append(stage)
    )
    assert first.path is not None and first.path.parent == cache
    assert first.path.name == timetable_file_name(
        [f"feed={GTFSSource(feed).sha256()}"], grid_walk, TransitSettings()
    )
    assert "patterns" in stages and "transfers" in stages and any("stop_times.txt" in s for s in stages)
    stamp = first.path.stat().st_mtime_ns
    again = Timetable.load_or_build([feed], grid_walk, cache)
    assert again.path == first.path and again.path.stat().st_mtime_ns == stamp
    assert all(np.array_equal(again.arrays[k], first.arrays[k]) for k in first.arrays)
    other = Timetable.load_or_build([feed], grid_walk, cache, TransitSettings(same_stop_transfer_s=120))
    assert other.path != first.path
    # A damaged cache file is rebuilt.
    first.path.write_bytes(b"not a cache")
    os.utime(first.path)
    rebuilt = Timetable.load_or_build([feed], grid_walk, cache)
    assert rebuilt.summary["trips"] == 1


def test_feeds_keep_their_ids_apart(tmp_path: Path, grid_walk: ModeGraph) -> None:
    city = write_feed(tmp_path / "city.zip", basic_files(STOPS, TRIPS, TIMES))
    rail_trips = [("t1", "L1", "S")]
    rail_times = [("t1", "B", 1, "08:30:00", "08:30:00"), ("t1", "E", 2, "08:33:00", "08:33:00")]
    rail = write_feed(
        tmp_path / "rail.zip", basic_files(STOPS, rail_trips, rail_times, routes=(("L1", "R", 2),))
    )
    timetable = Timetable.build([GTFSSource(city, "city"), GTFSSource(rail, "rail")], grid_walk)
    assert sorted(timetable.arrays["trip_id"].tolist()) == ["city:t1", "rail:t1"]
    assert "city:A" in timetable.arrays["stop_id"] and "rail:A" in timetable.arrays["stop_id"]
    assert timetable.summary["routes_by_type"] == {"bus": 1, "metro": 1, "rail": 1, "tram": 1}
    router = TransitRouter(timetable, grid_walk)
    journey = router.depart_at(to_lat_lon(400, 0), to_lat_lon(1600, 400), dt.datetime(2025, 6, 3, 8, 20))
    assert journey.itinerary.legs[1].trip_id == "rail:t1" and journey.itinerary.legs[1].mode == "rail"
    assert journey.to_dict()["service_dates"] == {"city": "2025-06-03", "rail": "2025-06-03"}
    with pytest.raises(ValueError, match="own id"):
        Timetable.build([GTFSSource(city, "x"), GTFSSource(rail, "x")], grid_walk)


def test_pathways_give_station_transfers_and_entrances(small_router: SmallRouter) -> None:
    # Station S at x = 800 with two platforms (stops P1, P2) and an entrance at x = 1200 (on the
    # street); the platforms are reached only through the entrance, 90 s inside the station.
    header = ["stop_id", "stop_name", "stop_lat", "stop_lon", "location_type", "parent_station"]
    stops = [
        stop_row("S", 800, 0, "Station", location_type=1),
        stop_row("P1", 800, 0, "Platform 1", location_type=0, parent_station="S"),
        stop_row("P2", 800, 0, "Platform 2", location_type=0, parent_station="S"),
        stop_row("IN", 1200, 0, "Entrance", location_type=2, parent_station="S"),
        stop_row("A", 0, 0),
        stop_row("E", 1600, 400),
    ]
    trips = [("t1", "L1", "S1"), ("t2", "L2", "S1")]
    times = [
        ("t1", "A", 1, "08:00:00", "08:00:00"), ("t1", "P1", 2, "08:05:00", "08:05:00"),
        ("t2", "P2", 1, "08:07:00", "08:07:00"), ("t2", "E", 2, "08:10:00", "08:10:00"),
    ]  # fmt: skip
    files = basic_files(stops, trips, times)
    files["stops.txt"] = (header, stops)
    files["pathways.txt"] = (
        ["pathway_id", "from_stop_id", "to_stop_id", "pathway_mode", "is_bidirectional", "traversal_time"],
        [["w1", "P1", "P2", 2, 1, 45], ["w2", "IN", "P1", 2, 1, 90]],
    )
    router = small_router(files, TransitSettings(same_stop_transfer_s=0, max_transfer_walk_s=0))
    a = router.timetable.arrays
    stop = {s: i for i, s in enumerate(a["stop_id"].tolist())}
    ptr = a["transfer_ptr"]
    p1_out = dict(
        zip(
            a["transfer_to"][ptr[stop["t:P1"]] : ptr[stop["t:P1"] + 1]].tolist(),
            a["transfer_s"][ptr[stop["t:P1"]] : ptr[stop["t:P1"] + 1]].tolist(),
            strict=True,
        )
    )
    assert p1_out == {stop["t:P2"]: 45}
    # Platform 2 meets the street at the entrance only: 45 + 90 s inside.
    points = np.flatnonzero(a["point_stop"] == stop["t:P2"])
    assert len(points) == 1 and a["point_lon"][points[0]] == pytest.approx(to_lat_lon(1200, 0)[1])
    assert a["point_in_s"][points[0]] == pytest.approx(135) and a["point_out_s"][points[0]] == pytest.approx(
        135
    )
    journey = router.depart_at(to_lat_lon(0, 0), to_lat_lon(1600, 400), dt.datetime(2025, 6, 3, 7, 59))
    legs = journey.itinerary.legs
    assert [getattr(leg, "trip_id", getattr(leg, "purpose", "")) for leg in legs] == [
        "access",
        "t:t1",
        "transfer",
        "t:t2",
        "egress",
    ]
    assert legs[2].seconds == 45


def test_reach_saves_and_loads(milan: TransitRouter, tmp_path: Path) -> None:
    places = sample_points(milan, 10, 9)
    origins = sample_points(milan, 10, 10)
    for kind, hour in (("arrive_by", 9), ("depart_at", 8)):
        when = dt.datetime(2030, 1, 1, hour)  # outside the feed: a Tuesday of it answers
        index = TransitReach.build(
            milan, [(f"p{i}", *p) for i, p in enumerate(places)], when, kind=kind, max_minutes=30
        )
        assert index.day.fallback and index.day.date.weekday() == 1
        path = index.save(tmp_path / f"{kind}.npz")
        loaded = TransitReach.load(path, milan)
        assert (loaded.kind, loaded.ids, loaded.day.date) == (kind, index.ids, index.day.date)
        for origin in origins:
            assert loaded.times_from(*origin) == index.times_from(*origin)
        assert np.array_equal(loaded.covered_nodes(600), index.covered_nodes(600))


def test_reach_refuses_another_timetable(
    milan: TransitRouter, small_router: SmallRouter, tmp_path: Path
) -> None:
    other = small_router(basic_files(STOPS, TRIPS, TIMES))
    index = TransitReach.build(other, [(1, *to_lat_lon(0, 0))], dt.datetime(2025, 6, 3, 9), max_minutes=20)
    path = index.save(tmp_path / "index.npz")
    with pytest.raises(StaleIndexError, match="rebuild it"):
        TransitReach.load(path, milan)


def test_weekly_calendar_with_removed_dates(small_router: SmallRouter) -> None:
    files = basic_files(STOPS, TRIPS, TIMES)
    del files["calendar_dates.txt"]
    days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    files["calendar.txt"] = (
        ["service_id", *days, "start_date", "end_date"],
        [["S", 1, 1, 1, 1, 1, 0, 0, "20250601", "20250630"]],
    )
    files["calendar_dates.txt"] = (
        ["service_id", "date", "exception_type"],
        [["S", "20250603", 2], ["S", "20250607", 1]],
    )
    router = small_router(files)
    o, d = to_lat_lon(0, 0), to_lat_lon(1600, 400)

    def rides(day: int) -> int:
        return router.depart_at(o, d, dt.datetime(2025, 6, day, 7, 55)).itinerary.rides

    assert [rides(day) for day in (2, 3, 4, 7, 8)] == [1, 0, 1, 1, 0]  # Mon, Tue removed, Wed, Sat added, Sun
    assert router.timetable.summary["trips_per_weekday"] == {
        d: (1 if i < 6 else 0) for i, d in enumerate(days)
    }


def test_stops_far_from_the_streets_are_listed(small_router: SmallRouter) -> None:
    stops = [*STOPS, stop_row("FAR", 800, 1100, "Far away")]  # 700 m north of the nearest street
    times = [("t1", "A", 1, "08:00:00", "08:00:00"), ("t1", "FAR", 2, "08:05:00", "08:05:00")]
    router = small_router(basic_files(stops, TRIPS, times))
    far = router.timetable.summary["stops_far_from_streets"]
    assert [(s["stop_id"], s["name"]) for s in far] == [("t:FAR", "Far away")]
    assert far[0]["distance_m"] == pytest.approx(700, abs=1)
    # Nobody can walk to or from it: the ride there leads nowhere.
    journey = router.depart_at(to_lat_lon(0, 0), to_lat_lon(800, 400), dt.datetime(2025, 6, 3, 7, 59))
    assert journey.itinerary.rides == 0
