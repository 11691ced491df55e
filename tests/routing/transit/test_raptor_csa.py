"""RAPTOR's earliest arrivals equal an independent connection scan's; arrive-by agrees with depart-at."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from csa import CSA
from routing_osm import to_lat_lon
from transit_world import MILAN_GTFS, SmallRouter, basic_files, stop_row

from vicinato.routing import ModeGraph
from vicinato.routing.transit import Itinerary, TransitRouter, TransitSettings

BUDGET_MIN = 60.0


class Checker:
    """Runs the same depart-at queries through the router and through the CSA."""

    def __init__(self, router: TransitRouter, csa: CSA, date: dt.date) -> None:
        self.router = router
        self.csa = csa
        self.date = date
        a = router.timetable.arrays
        self.stop_ids = [s.split(":", 1)[1] for s in a["stop_id"].tolist()]
        self.stops = np.column_stack([a["stop_lat"], a["stop_lon"]])
        walk = router.walk
        radius = router.timetable.meta["settings"]["max_transfer_walk_s"]
        self.footpaths = csa.footpaths(self.stop_ids, walk.table(self.stops, self.stops, radius), radius)
        self.connections = csa.connections(date)

    def both(
        self,
        origin: tuple[float, float],
        destination: tuple[float, float],
        t0: float,
        budget_min: float = BUDGET_MIN,
        max_transfers: int = 8,
    ) -> tuple[float, float]:
        router, walk = self.router, self.router.walk
        budget = budget_min * 60
        o, d = walk.snap_many([origin]), walk.snap_many([destination])
        day = router.timetable.service_day(self.date)
        journey = router.depart_at_seconds(o, d, day, t0, max_minutes=budget_min, max_transfers=max_transfers)
        ours = journey.itinerary.arrives_s if journey.itinerary else math.inf
        if journey.itinerary is not None:
            assert_coherent(journey.itinerary, t0)
        to_stops = walk.table([origin], self.stops, budget)[0]
        from_stops = walk.table(self.stops, [destination], budget)[:, 0]
        access = {s: float(w) for s, w in zip(self.stop_ids, to_stops, strict=True) if math.isfinite(w)}
        egress = {s: float(w) for s, w in zip(self.stop_ids, from_stops, strict=True) if math.isfinite(w)}
        walk_only = float(walk.table([origin], [destination], budget)[0, 0])
        theirs = self.csa.earliest_arrival(
            self.connections, t0, access, egress, self.footpaths, walk_only, budget
        )
        return ours, theirs


def assert_coherent(itinerary: Itinerary, t0: float) -> None:
    """Legs follow each other in time and place, and no leg leaves before the journey may."""
    legs = itinerary.legs
    assert legs[0].departs_s >= t0 - 1e-6
    for before, after in zip(legs, legs[1:], strict=False):
        assert after.departs_s >= before.arrives_s - 1e-6
        assert before.to_stop_id == after.from_stop_id or (
            before.to_stop_id is None and after.from_stop_id is None
        )
    for leg in legs:
        assert leg.arrives_s >= leg.departs_s
    assert (legs[0].from_stop_id, legs[-1].to_stop_id) == (None, None)


@pytest.fixture(scope="module")
def milan_checker(milan: TransitRouter) -> Checker:
    return Checker(milan, CSA(MILAN_GTFS, "atm"), dt.date(2014, 10, 21))


def random_point(rng: np.random.Generator, stops: np.ndarray, walk: ModeGraph) -> tuple[float, float]:
    """A point up to about 700 m from a random stop, within reach of a street."""
    while True:
        lat, lon = stops[rng.integers(len(stops))]
        point = float(lat + rng.uniform(-0.006, 0.006)), float(lon + rng.uniform(-0.009, 0.009))
        if walk.snap_many([point], strict=False).ok[0]:
            return point


def test_earliest_arrival_equals_csa_on_the_demo_feed(milan_checker: Checker) -> None:
    rng = np.random.default_rng(20141021)
    agreed = by_transit = 0
    for _ in range(300):
        origin, destination = (
            random_point(rng, milan_checker.stops, milan_checker.router.walk),
            random_point(rng, milan_checker.stops, milan_checker.router.walk),
        )
        # Mostly daytime, some late evening and some just after midnight (trips of the day before).
        t0 = float(
            rng.choice(
                [rng.uniform(5 * 3600, 22 * 3600), rng.uniform(22 * 3600, 24 * 3600), rng.uniform(0, 5400)]
            )
        )
        ours, theirs = milan_checker.both(origin, destination, t0)
        assert ours == pytest.approx(theirs, abs=1e-6), (origin, destination, t0)
        agreed += 1
        by_transit += (
            math.isfinite(ours)
            and ours < t0 + milan_checker.router.walk.table([origin], [destination], 3600)[0, 0] - 1e-6
        )
    assert agreed == 300
    assert by_transit > 150  # most of these journeys do ride


def test_arrive_by_is_consistent_with_depart_at_on_the_demo_feed(milan: TransitRouter) -> None:
    rng = np.random.default_rng(7)
    stops = np.column_stack([milan.timetable.arrays["stop_lat"], milan.timetable.arrays["stop_lon"]])
    day = milan.timetable.service_day(dt.date(2014, 10, 22))
    checked = 0
    for _ in range(100):
        o = milan.walk.snap_many([random_point(rng, stops, milan.walk)])
        d = milan.walk.snap_many([random_point(rng, stops, milan.walk)])
        t1 = float(rng.uniform(6 * 3600, 23 * 3600))
        journey = milan.arrive_by_seconds(o, d, day, t1, max_minutes=90)
        if journey.itinerary is None:
            continue
        leave = journey.itinerary.departs_s
        assert journey.itinerary.arrives_s <= t1 + 1e-6
        on_time = milan.depart_at_seconds(o, d, day, leave, max_minutes=90)
        assert on_time.itinerary is not None and on_time.itinerary.arrives_s <= t1 + 1e-6
        late = milan.depart_at_seconds(o, d, day, leave + 1, max_minutes=90)
        assert late.itinerary is None or late.itinerary.arrives_s > t1 + 1e-6
        checked += 1
    assert checked > 85


def test_ranges_are_the_pareto_set_of_depart_at(milan: TransitRouter) -> None:
    rng = np.random.default_rng(3)
    stops = np.column_stack([milan.timetable.arrays["stop_lat"], milan.timetable.arrays["stop_lon"]])
    day = milan.timetable.service_day(dt.date(2014, 10, 23))
    for _ in range(5):
        o = milan.walk.snap_many([random_point(rng, stops, milan.walk)])
        d = milan.walk.snap_many([random_point(rng, stops, milan.walk)])
        options = milan.departures_between_seconds(o, d, day, 8 * 3600, 9 * 3600, max_minutes=BUDGET_MIN)
        for option in options:
            best = milan.depart_at_seconds(o, d, day, option.departs_s, max_minutes=BUDGET_MIN).itinerary
            assert best is not None
            # The walk alone may beat a ride; otherwise the ride found is the option.
            assert best.arrives_s <= option.arrives_s + 1e-6
            if best.rides:
                assert best.arrives_s == pytest.approx(option.arrives_s, abs=1e-6)
        leaves = [o.departs_s for o in options]
        arrives = [o.arrives_s for o in options]
        assert leaves == sorted(leaves) and arrives == sorted(arrives)
        assert len(set(arrives)) == len(arrives)


# ----- small feeds written by the tests ---------------------------------------------------------


def _check_small(
    router: TransitRouter,
    date: dt.date,
    queries: list[tuple[tuple[float, float], tuple[float, float], float]],
    same_stop_s: int = 60,
) -> list[float]:
    checker = Checker(router, CSA(router.feed_path, "t", same_stop_s), date)  # type: ignore[attr-defined]
    arrivals = []
    for origin, destination, t0 in queries:
        ours, theirs = checker.both(origin, destination, t0, budget_min=120)
        assert ours == pytest.approx(theirs, abs=1e-6), (origin, destination, t0)
        arrivals.append(ours)
    return arrivals


A, B, C, D = (0, 0), (400, 0), (800, 0), (1200, 0)
STOPS = [stop_row("A", *A), stop_row("B", *B), stop_row("C", *C), stop_row("D", *D), stop_row("E", 1600, 400)]
JUNE_3 = dt.date(2025, 6, 3)


def test_overtaking_trips(small_router: SmallRouter) -> None:
    # The slow trip leaves A first; the express leaves later and overtakes it before D.
    trips = [("slow", "L1", "S"), ("express", "L1", "S")]
    times = [
        ("slow", "A", 1, "08:00:00", "08:00:00"), ("slow", "B", 2, "08:10:00", "08:10:00"),
        ("slow", "C", 3, "08:20:00", "08:20:00"), ("slow", "D", 4, "08:40:00", "08:40:00"),
        ("express", "A", 1, "08:05:00", "08:05:00"), ("express", "B", 2, "08:08:00", "08:08:00"),
        ("express", "C", 3, "08:11:00", "08:11:00"), ("express", "D", 4, "08:14:00", "08:14:00"),
    ]  # fmt: skip
    router = small_router(basic_files(STOPS, trips, times))
    assert router.timetable.summary["patterns"] == 2  # split: no pattern has a trip overtaking another
    start = to_lat_lon(0, 0)
    arrivals = _check_small(
        router,
        JUNE_3,
        [(start, to_lat_lon(1200, 0), 7 * 3600 + 3550), (start, to_lat_lon(800, 0), 8 * 3600 + 60)],
    )
    assert arrivals[0] == pytest.approx(8 * 3600 + 14 * 60)


def test_service_only_on_calendar_dates(small_router: SmallRouter) -> None:
    trips = [("t", "L1", "S")]
    times = [("t", "A", 1, "08:00:00", "08:00:00"), ("t", "D", 2, "08:05:00", "08:05:00")]
    router = small_router(basic_files(STOPS, trips, times, dates=("20250603",)))
    o, d = to_lat_lon(0, 0), to_lat_lon(1200, 0)
    on = router.depart_at(o, d, dt.datetime(2025, 6, 3, 7, 59))
    assert on.itinerary is not None and on.itinerary.rides == 1
    assert on.itinerary.arrives_s == pytest.approx(8 * 3600 + 300)
    _check_small(router, JUNE_3, [(o, d, 7 * 3600 + 3540)])


def test_trip_past_midnight_reached_on_the_previous_service_day(small_router: SmallRouter) -> None:
    trips = [("late", "L1", "S")]
    times = [("late", "A", 1, "24:30:00", "24:30:00"), ("late", "E", 2, "24:35:00", "24:35:00")]
    files = basic_files(STOPS, trips, times)
    # The service runs on 2 and 4 June: the feed covers 3 June, when nothing leaves.
    files["calendar_dates.txt"] = (
        ["service_id", "date", "exception_type"],
        [["S", "20250602", 1], ["S", "20250604", 1]],
    )
    router = small_router(files)
    o, d = to_lat_lon(0, 0), to_lat_lon(1600, 400)
    # 00:20 on 3 June: the trip of the service day 2 June leaves at its 24:30 (walking takes 25 minutes).
    journey = router.depart_at(o, d, dt.datetime(2025, 6, 3, 0, 20), max_minutes=120)
    assert not journey.service_day.fallback
    ride = journey.itinerary.legs[1]
    assert (ride.departs_s, ride.arrives_s) == (30 * 60, 35 * 60)
    assert ride.service_date == dt.date(2025, 6, 2)
    # On the clock of its own service day the same trip leaves at 24:30.
    june_2 = router.timetable.service_day(dt.date(2025, 6, 2))
    snapped = router.walk.snap_many([o]), router.walk.snap_many([d])
    evening = router.depart_at_seconds(*snapped, june_2, 24 * 3600 + 15 * 60)
    assert evening.itinerary.legs[1].departs_s == 24 * 3600 + 30 * 60
    # And on 3 June nothing runs at 24:30 (the service does not run that day).
    assert router.depart_at(o, d, dt.datetime(2025, 6, 3, 23, 50), max_minutes=120).itinerary.rides == 0
    _check_small(router, JUNE_3, [(o, d, 20 * 60), (o, d, 35 * 60), (o, d, 23 * 3600 + 50 * 60)])
    _check_small(router, dt.date(2025, 6, 2), [(o, d, 23 * 3600 + 50 * 60), (o, d, 24 * 3600 + 15 * 60)])


def test_frequencies_are_expanded(small_router: SmallRouter) -> None:
    trips = [("f", "L1", "S")]
    times = [("f", "A", 1, "00:00:00", "00:00:00"), ("f", "E", 2, "00:04:00", "00:04:00")]
    files = basic_files(STOPS, trips, times)
    files["frequencies.txt"] = (
        ["trip_id", "start_time", "end_time", "headway_secs", "exact_times"],
        [["f", "07:00:00", "08:00:00", 600, 1]],
    )
    router = small_router(files)
    assert router.timetable.summary["trips"] == 6
    o, d = to_lat_lon(0, 0), to_lat_lon(1600, 400)
    journey = router.depart_at(o, d, dt.datetime(2025, 6, 3, 7, 31))
    assert journey.itinerary.legs[1].departs_s == 7 * 3600 + 40 * 60
    _check_small(
        router, JUNE_3, [(o, d, 7 * 3600 + 31 * 60), (o, d, 6 * 3600 + 59 * 60), (o, d, 7 * 3600 + 51 * 60)]
    )


TRANSFER_TRIPS = [("one", "L1", "S"), ("two", "L2", "S"), ("two_later", "L2", "S")]
TRANSFER_TIMES = [
    ("one", "A", 1, "08:00:00", "08:00:00"), ("one", "B", 2, "08:03:00", "08:03:00"),
    ("two", "C", 1, "08:08:00", "08:08:00"), ("two", "E", 2, "08:12:00", "08:12:00"),
    ("two_later", "C", 1, "08:20:00", "08:20:00"), ("two_later", "E", 2, "08:24:00", "08:24:00"),
]  # fmt: skip


def test_a_transfer_that_needs_a_walk(small_router: SmallRouter) -> None:
    router = small_router(basic_files(STOPS, TRANSFER_TRIPS, TRANSFER_TIMES))
    o, d = to_lat_lon(0, 0), to_lat_lon(1600, 400)
    journey = router.depart_at(o, d, dt.datetime(2025, 6, 3, 7, 59))
    kinds = [(leg.kind, getattr(leg, "purpose", None)) for leg in journey.itinerary.legs]
    assert kinds == [
        ("walk", "access"),
        ("ride", None),
        ("walk", "transfer"),
        ("ride", None),
        ("walk", "egress"),
    ]
    transfer = journey.itinerary.legs[2]
    assert transfer.seconds == math.ceil(400 / (4.8 / 3.6))  # B to C along the street, rounded up
    assert journey.itinerary.legs[3].departs_s == 8 * 3600 + 8 * 60
    _check_small(router, JUNE_3, [(o, d, 7 * 3600 + 59 * 60), (o, d, 8 * 3600 + 60)])


def test_no_transfer_allowed_means_one_ride(small_router: SmallRouter) -> None:
    router = small_router(basic_files(STOPS, TRANSFER_TRIPS, TRANSFER_TIMES))
    o, d = to_lat_lon(0, 0), to_lat_lon(1600, 400)
    direct = router.depart_at(o, d, dt.datetime(2025, 6, 3, 7, 59), max_transfers=0)
    assert direct.itinerary is not None and direct.itinerary.rides <= 1


def test_transfers_txt_minimum_times_and_forbidden_changes(small_router: SmallRouter) -> None:
    # Walking from A to C takes 10 minutes: only the change at C catches "out" or "out_later".
    trips = [("in", "L1", "S"), ("out", "L2", "S"), ("out_later", "L2", "S")]
    times = [
        ("in", "A", 1, "08:00:00", "08:00:00"), ("in", "C", 2, "08:02:00", "08:02:00"),
        ("out", "C", 1, "08:03:00", "08:03:00"), ("out", "E", 2, "08:05:00", "08:05:00"),
        ("out_later", "C", 1, "08:08:00", "08:08:00"), ("out_later", "E", 2, "08:10:00", "08:10:00"),
    ]  # fmt: skip
    o, d = to_lat_lon(0, 0), to_lat_lon(1600, 400)
    leave = dt.datetime(2025, 6, 3, 7, 59)
    files = basic_files(STOPS, trips, times)
    header = ["from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time"]
    default = small_router(files, TransitSettings(max_transfer_walk_s=0), feed_id="plain")
    rides = [leg for leg in default.depart_at(o, d, leave).itinerary.legs if leg.kind == "ride"]
    assert [(r.trip_id, r.departs_s) for r in rides] == [
        ("plain:in", 8 * 3600),
        ("plain:out", 8 * 3600 + 180),
    ]
    files["transfers.txt"] = (header, [["C", "C", 2, 300]])
    slow = small_router(files, TransitSettings(max_transfer_walk_s=0), feed_id="slow")
    rides = [leg for leg in slow.depart_at(o, d, leave).itinerary.legs if leg.kind == "ride"]
    assert [r.trip_id for r in rides] == ["slow:in", "slow:out_later"]
    _check_small(slow, JUNE_3, [(o, d, 7 * 3600 + 59 * 60)])
    files["transfers.txt"] = (header, [["C", "C", 3, ""]])
    forbidden = small_router(files, TransitSettings(max_transfer_walk_s=0), feed_id="forbidden")
    journey = forbidden.depart_at(o, d, leave)
    assert journey.itinerary.rides == 1  # rides to C, then walks on: it may not change there
    assert journey.itinerary.arrives_s > 8 * 3600 + 600
    _check_small(forbidden, JUNE_3, [(o, d, 7 * 3600 + 59 * 60)])
