"""Itineraries: exact legs (stops, times, lines) on a small feed, JSON, and the service date used."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from routing_osm import to_lat_lon
from transit_world import SmallRouter, basic_files, stop_row

from vicinato.routing.transit import RideLeg, TransitRouter, WalkLeg

WALK = 4.8 / 3.6
STOPS = [
    stop_row("A", 0, 0, "Piazza A"),
    stop_row("B", 400, 0, "Via B"),
    stop_row("C", 800, 0, "Largo C"),
    stop_row("E", 1600, 400, "Stazione E"),
]
TRIPS = [("bus1", "L1", "S", "Largo C"), ("tram1", "L2", "S", "Stazione E")]
TIMES = [
    ("bus1", "A", 1, "08:00:00", "08:00:00"), ("bus1", "B", 2, "08:02:00", "08:02:30"), ("bus1", "C", 3, "08:05:00", "08:05:00"),
    ("tram1", "C", 1, "08:06:00", "08:06:00"), ("tram1", "E", 2, "08:12:00", "08:12:00"),
]  # fmt: skip
# 10 m north of the street at A, and 20 m north of it at E (on the vertical street there). Walking
# from the origin to C takes 10 minutes, too long to catch the tram there without the bus.
ORIGIN = to_lat_lon(0, 10)
DESTINATION = to_lat_lon(1600, 380)


@pytest.fixture
def router(small_router: SmallRouter) -> TransitRouter:
    return small_router(
        basic_files(STOPS, TRIPS, TIMES, dates=("20250602", "20250603", "20250609")), feed_id="atm"
    )


def test_depart_at_legs(router: TransitRouter) -> None:
    journey = router.depart_at(ORIGIN, DESTINATION, dt.datetime(2025, 6, 3, 7, 58))
    legs = journey.itinerary.legs
    assert [type(leg) for leg in legs] == [WalkLeg, RideLeg, RideLeg, WalkLeg]
    access, bus, tram, egress = legs
    assert (access.purpose, access.to_stop_id, access.to_name) == ("access", "atm:A", "Piazza A")
    assert access.seconds == pytest.approx(10 / WALK, abs=0.01)
    assert access.arrives_s == 8 * 3600  # leaves as late as still catches the bus
    assert (bus.line, bus.mode, bus.headsign, bus.route_id) == ("1", "bus", "Largo C", "atm:L1")
    assert (bus.from_stop_id, bus.to_stop_id, bus.departs_s, bus.arrives_s, bus.stops) == (
        "atm:A",
        "atm:C",
        28800,
        29100,
        2,
    )
    assert (tram.line, tram.mode, tram.from_name, tram.to_name) == ("2", "tram", "Largo C", "Stazione E")
    assert (tram.departs_s, tram.arrives_s, tram.trip_id) == (8 * 3600 + 360, 8 * 3600 + 720, "atm:tram1")
    assert (egress.purpose, egress.from_stop_id, egress.to_name) == ("egress", "atm:E", "destination")
    assert egress.seconds == pytest.approx(20 / WALK, abs=0.01)
    assert journey.itinerary.transfers == 1
    assert (
        journey.itinerary.describe()[1]
        == "bus 1 towards Largo C from Piazza A to Largo C, departs 08:00, arrives 08:05"
    )


def test_arrive_by_legs(router: TransitRouter) -> None:
    journey = router.arrive_by(ORIGIN, DESTINATION, dt.datetime(2025, 6, 3, 8, 17))
    legs = journey.itinerary.legs
    assert [getattr(leg, "trip_id", None) for leg in legs] == [None, "atm:bus1", "atm:tram1", None]
    assert journey.itinerary.departs_s == pytest.approx(8 * 3600 - 10 / WALK, abs=0.01)
    assert journey.itinerary.arrives_s == pytest.approx(8 * 3600 + 720 + 20 / WALK, abs=0.01)
    # Arriving by 08:12 is too early for the tram: the best is to walk all the way (25 minutes).
    walk = router.arrive_by(ORIGIN, DESTINATION, dt.datetime(2025, 6, 3, 8, 12))
    assert [leg.purpose for leg in walk.itinerary.legs] == ["direct"]


def test_itinerary_serialises_to_json(router: TransitRouter) -> None:
    journey = router.depart_at(ORIGIN, DESTINATION, dt.datetime(2025, 6, 3, 7, 58))
    data = json.loads(json.dumps(journey.to_dict()))
    assert data["service_date"] == "2025-06-03" and data["fallback"] is False
    itinerary = data["itinerary"]
    assert itinerary["departs"] == "08:00" and itinerary["arrives"] == "08:12"
    assert itinerary["rides"] == 2 and itinerary["transfers"] == 1
    assert [leg["kind"] for leg in itinerary["legs"]] == ["walk", "ride", "ride", "walk"]
    ride = itinerary["legs"][1]
    assert (ride["line"], ride["departs"], ride["departs_at"], ride["service_date"]) == (
        "1",
        "08:00",
        "2025-06-03T08:00:00",
        "2025-06-03",
    )


def test_a_date_outside_the_feed_uses_the_same_weekday_and_says_so(router: TransitRouter) -> None:
    # The feed runs on Mon 2, Tue 3 and Mon 9 June 2025.
    tuesday = router.timetable.service_day(dt.date(2026, 3, 3))
    assert tuesday.date == dt.date(2025, 6, 3) and tuesday.fallback
    assert (
        tuesday.to_dict()["service_date"] == "2025-06-03"
        and tuesday.to_dict()["requested_date"] == "2026-03-03"
    )
    # Two Mondays: the nearest to the date asked for (both have as many trips).
    assert router.timetable.service_day(dt.date(2025, 5, 26)).date == dt.date(2025, 6, 2)
    assert router.timetable.service_day(dt.date(2025, 7, 14)).date == dt.date(2025, 6, 9)
    # Inside the period a date is itself, even with no service that day.
    inside = router.timetable.service_day(dt.date(2025, 6, 5))
    assert inside.date == dt.date(2025, 6, 5) and not inside.fallback
    # Queries carry the date used.
    journey = router.depart_at(ORIGIN, DESTINATION, dt.datetime(2026, 3, 3, 7, 58))
    assert journey.service_day.date == dt.date(2025, 6, 3) and journey.service_day.fallback
    assert journey.itinerary.rides == 2
    assert journey.to_dict()["itinerary"]["legs"][1]["departs_at"] == "2025-06-03T08:00:00"


def test_fallback_prefers_the_busiest_such_weekday(milan: TransitRouter) -> None:
    # The demo feed has two Saturdays: 25 October and 1 November 2014 (All Saints', holiday service).
    saturday = milan.timetable.service_day(dt.date(2025, 11, 1))
    assert saturday.date == dt.date(2014, 10, 25)
    assert saturday.fallback and saturday.date.weekday() == 5
    tuesday = milan.timetable.service_day(dt.date(2030, 1, 1))
    assert tuesday.date.weekday() == 1 and dt.date(2014, 10, 19) <= tuesday.date <= dt.date(2014, 11, 1)


def test_aware_times_are_read_in_the_feed_time_zone(router: TransitRouter) -> None:
    utc = dt.datetime(2025, 6, 3, 5, 58, tzinfo=dt.UTC)  # 07:58 in Rome (summer time)
    day, seconds = router.clock_of(utc)
    assert day.date == dt.date(2025, 6, 3) and seconds == 7 * 3600 + 58 * 60


def test_nothing_within_the_time_allowed(router: TransitRouter) -> None:
    journey = router.depart_at(ORIGIN, DESTINATION, dt.datetime(2025, 6, 3, 7, 58), max_minutes=5)
    assert journey.itinerary is None and journey.to_dict()["itinerary"] is None
    assert math.isfinite(
        router.depart_at(ORIGIN, DESTINATION, dt.datetime(2025, 6, 3, 7, 58)).itinerary.seconds
    )


def test_warm_up_runs_every_kind_of_query(router: TransitRouter) -> None:
    assert router.warm_up() >= 0
