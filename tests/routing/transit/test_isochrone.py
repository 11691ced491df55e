"""One-to-all times and isochrones by public transport agree with point queries and with walking."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
import shapely
from routing_osm import to_lat_lon
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from transit_world import SmallRouter, basic_files, stop_row

from vicinato.routing import ModeGraph, PointTooFarError
from vicinato.routing.transit import TransitError, TransitRouter

TUESDAY = dt.date(2014, 10, 21)
# A stop in the middle of a block: x = 1000 m lies between the crossings at 800 and 1200 m.
STOPS = [stop_row("A", 0, 0), stop_row("M", 1000, 0)]
TRIPS = [("t1", "L1", "S"), ("t2", "L1", "S")]
TIMES = [
    ("t1", "A", 1, "08:00:00", "08:00:00"), ("t1", "M", 2, "08:05:00", "08:05:00"),
    ("t2", "M", 1, "08:00:00", "08:00:00"), ("t2", "A", 2, "08:05:00", "08:05:00"),
]  # fmt: skip


def junction(walk: ModeGraph, x: float, y: float) -> int:
    lat, lon = to_lat_lon(x, y)
    return int(np.argmin(np.hypot(walk.node_lat - lat, walk.node_lon - lon)))


def point_query(
    router: TransitRouter, kind: str, point: tuple[float, float], node: int, when: dt.datetime, minutes: float
) -> float:
    """Seconds of the depart_at (from point to the junction) or arrive_by (from the junction to point) query."""
    walk = router.walk
    at = (float(walk.node_lat[node]), float(walk.node_lon[node]))
    if kind == "depart_at":
        itinerary = router.depart_at(point, at, when, max_minutes=minutes).itinerary
        return itinerary.arrives_s - router.clock_of(when)[1] if itinerary else math.inf
    itinerary = router.arrive_by(at, point, when, max_minutes=minutes).itinerary
    return router.clock_of(when)[1] - itinerary.departs_s if itinerary else math.inf


def in_metres(walk: ModeGraph, geometry: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geometry, lambda c: np.column_stack(walk.projection.to_xy(c[:, 0], c[:, 1])))


def inside(geometry: BaseGeometry, x: float, y: float) -> bool:
    lat, lon = to_lat_lon(x, y)
    return bool(geometry.contains(Point(lon, lat)))


# ----- small feeds on the street grid ------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "when"),
    [("depart_at", dt.time(7, 59, 30)), ("arrive_by", dt.time(8, 5, 30))],
)
def test_grid_node_times_equal_point_queries(small_router: SmallRouter, kind: str, when: dt.time) -> None:
    router = small_router(basic_files(STOPS, TRIPS, TIMES))
    walk = router.walk
    moment = dt.datetime.combine(dt.date(2025, 6, 3), when)
    query = router.times_from if kind == "depart_at" else router.times_to
    times = query(to_lat_lon(0, 0), moment, max_minutes=9)
    assert times.kind == kind and times.service_day.date == dt.date(2025, 6, 3)
    for node in range(walk.node_count):
        expected = point_query(router, kind, to_lat_lon(0, 0), node, moment, 9)
        assert times.node_times[node] == pytest.approx(expected, abs=1e-6), node
    # The crossing at x = 1200 m: 30 s waiting and 5 minutes riding between (0, 0) and M (t1, or
    # t2 the other way), then 200 m on foot (give or take the centimetres between the points,
    # written to 7 decimals, and their streets), instead of a 15-minute walk.
    crossing = junction(walk, 1200, 0)
    assert times.node_times[crossing] == pytest.approx(330 + 200 / walk.walk_mps, abs=0.05)
    assert 1200 / walk.walk_mps == pytest.approx(900)  # so on foot, it is out of reach
    assert np.isinf(times.node_times).sum() > 0


@pytest.mark.parametrize(
    ("kind", "when", "minutes"),
    [("depart_at", dt.time(7, 59), 7), ("arrive_by", dt.time(8, 6), 7)],
)
def test_grid_isochrone_around_a_stop_in_the_middle_of_a_block(
    small_router: SmallRouter, kind: str, when: dt.time, minutes: float
) -> None:
    # Leaving (0, 0) at 07:59, or to be at (0, 0) by 08:06, within 7 minutes: one minute to walk
    # from M (arriving at 08:05), or to M (boarding at 08:00). Neither crossing next to M is within
    # that minute, so only M's own street is drawn around it.
    router = small_router(basic_files(STOPS, TRIPS, TIMES))
    walk = router.walk
    moment = dt.datetime.combine(dt.date(2025, 6, 3), when)
    iso = router.isochrone(
        *to_lat_lon(0, 0), moment, minutes, kind, buffer_m=20, simplify_m=0, fill_holes_m2=0
    )
    assert (iso.mode, iso.kind, iso.time_s, iso.service_day.date) == (
        "transit",
        kind,
        minutes * 60,
        dt.date(2025, 6, 3),
    )
    reach = 60 * walk.walk_mps
    for side in (-1, 1):
        assert inside(iso.geometry, 1000 + side * (reach + 15), 0)
        assert not inside(iso.geometry, 1000 + side * (reach + 25), 0)
    walked = minutes * 60 * walk.walk_mps
    assert inside(iso.geometry, walked + 15, 0) and not inside(iso.geometry, walked + 25, 0)
    assert not inside(iso.geometry, 1000, 100)
    properties = iso.feature()["properties"]
    assert properties["kind"] == kind and properties["service_date"] == "2025-06-03"
    assert properties["fallback"] is False


# ----- the Milan demo feed -------------------------------------------------------------------------


def stop_point(router: TransitRouter, name: str) -> tuple[float, float]:
    a = router.timetable.arrays
    stop = a["stop_name"].tolist().index(name)
    return float(a["stop_lat"][stop]), float(a["stop_lon"][stop])


@pytest.mark.parametrize(("kind", "when"), [("depart_at", dt.time(8, 15)), ("arrive_by", dt.time(9, 0))])
def test_milan_node_times_equal_point_queries(milan: TransitRouter, kind: str, when: dt.time) -> None:
    walk = milan.walk
    origin = (45.4660, 9.1880)
    moment = dt.datetime.combine(TUESDAY, when)
    query = milan.times_from if kind == "depart_at" else milan.times_to
    times = query(origin, moment, max_minutes=30).node_times
    snapped = walk.snap_many([origin])
    walking = (walk.node_times_from if kind == "depart_at" else walk.node_times_to)(snapped, 1800)[0]
    assert np.all(times <= walking + 1e-6)
    by_transit = np.flatnonzero(times < walking - 60)
    rng = np.random.default_rng(21)
    nodes = np.concatenate(
        [
            rng.choice(by_transit, 25, replace=False),
            rng.choice(np.flatnonzero(np.isfinite(walking)), 5, replace=False),
            rng.choice(np.flatnonzero(np.isinf(times)), 5, replace=False),
        ]
    )
    # A point query that reaches a junction along its own street does not pay a traffic signal at
    # the junction itself, which the junction's time (arriving there) includes.
    signal = np.zeros(len(walk.shape_lon), dtype=bool)
    signal[walk.seg_v[walk.seg_pf > 0]] = True
    signal[walk.seg_u[walk.seg_pb > 0]] = True
    penalty = walk.settings.walk_traffic_signal_penalty_s
    for node in nodes.tolist():
        expected = point_query(milan, kind, origin, node, moment, 30)
        if signal[walk.junction_node[node]] and kind == "depart_at":
            assert times[node] - penalty - 1e-6 <= expected <= times[node] + 1e-6, node
        else:
            assert times[node] == pytest.approx(expected, abs=1e-6), node


@pytest.mark.parametrize(
    ("kind", "when"),
    [("depart_at", dt.datetime(2014, 10, 21, 8, 15)), ("arrive_by", dt.datetime(2030, 1, 1, 9, 0))],
)
def test_milan_isochrone_holds_the_walk_one_and_follows_m2(
    milan: TransitRouter, kind: str, when: dt.datetime
) -> None:
    walk = milan.walk
    cadorna = stop_point(milan, "CADORNA F.N.")
    origin = (cadorna[0] + 0.0008, cadorna[1])  # 90 m north of the M2 station
    iso = milan.isochrone(*origin, when, 30, kind)
    on_foot = walk.isochrone(*origin, 1800)
    # Both are simplified (the lines by 5 m, the outline by 10 m), so each outline lies within 15 m
    # of the exact union of its buffers, and the walk's exact area is inside the transit one.
    transit_m, walk_m = in_metres(walk, iso.geometry), in_metres(walk, on_foot.geometry)
    assert walk_m.difference(transit_m.buffer(30)).area == 0
    assert iso.area_m2 > 2 * on_foot.area_m2
    # Along M2, 3 to 6 km away: out of a 30-minute walk, in by metro.
    for station in ("CENTRALE F.S.", "LORETO M2", "LAMBRATE F.S.", "ROMOLO"):
        lat, lon = stop_point(milan, station)
        assert iso.geometry.contains(Point(lon, lat)) and not on_foot.geometry.contains(Point(lon, lat))
    assert iso.service_day.fallback == (when.year == 2030)
    assert iso.service_day.date.weekday() == 1
    assert iso.feature()["properties"]["service_date"] == iso.service_day.date.isoformat()


def test_milan_isochrone_without_a_stop_in_reach_is_the_walk_one(milan: TransitRouter) -> None:
    walk = milan.walk
    rng = np.random.default_rng(3)
    length = walk.seg_len_m.astype(np.float64)
    seg = rng.choice(len(length), 400, p=length / length.sum())
    points = np.column_stack([walk.shape_lat[walk.seg_u[seg]], walk.shape_lon[walk.seg_u[seg]]])
    # Seconds to the nearest stop (15 minutes where none is nearer).
    nearest_stop = np.array([min(900.0, milan.access(walk.snap_many([p]), 900).min()) for p in points])
    point = tuple(points[int(np.argmax(nearest_stop))])
    minutes = math.floor(nearest_stop.max() / 60) - 1
    assert minutes >= 3
    when = dt.datetime(2014, 10, 21, 8, 15)
    times = milan.times_from(point, when, max_minutes=minutes)
    assert np.isinf(times.stop_s).all() and len(times.search.sources) == 1
    transit = milan.isochrone(*point, when, minutes)
    on_foot = walk.isochrone(*point, minutes * 60)
    assert shapely.to_wkb(transit.geometry) == shapely.to_wkb(on_foot.geometry)
    assert transit.area_m2 == on_foot.area_m2 > 0


def test_bad_input_gets_clear_errors(milan: TransitRouter) -> None:
    when = dt.datetime(2014, 10, 21, 8, 15)
    far = (float(milan.walk.node_lat.max()) + 0.09, 9.19)  # 10 km north of the extract's streets
    with pytest.raises(
        PointTooFarError, match=r"km from the nearest street in the walk map .* choose a point"
    ):
        milan.isochrone(*far, when, 30)
    with pytest.raises(PointTooFarError):
        milan.times_to(far, when, max_minutes=30)
    with pytest.raises(TransitError, match="max_minutes must be a positive number of minutes, not 0"):
        milan.isochrone(45.4642, 9.19, when, 0)
    with pytest.raises(TransitError, match="max_minutes must be a positive"):
        milan.times_from((45.4642, 9.19), when, max_minutes=-5)
    with pytest.raises(TransitError, match="kind must be 'depart_at' or 'arrive_by', not 'later'"):
        milan.isochrone(45.4642, 9.19, when, 30, "later")
