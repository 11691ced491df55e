"""Driving: access and one-way rules, barriers, turn restrictions, speeds and congestion, trip metres."""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from routing_osm import OsmWriter, to_lat_lon
from turn_reference import add_points, line_graph, place_map, points_on_segments, turn_maps

from vicinato.routing import (
    MODES,
    NETWORK_MODES,
    ModeGraph,
    Network,
    PointTooFarError,
    RoutingSettings,
    UnknownModeError,
)
from vicinato.routing.car import blocks_cars, car_speeds_kmh, parse_maxspeed
from vicinato.routing.projection import haversine_m
from vicinato.routing.restrictions import TurnRestrictions

S = RoutingSettings()
FREE = RoutingSettings(car_congestion_factor=1.0)
RUSH = S.car_congestion_factor
RESIDENTIAL = 25 * RUSH / 3.6  # m/s: OSRM's class speed in the rush hour


def car_turn(angle: float, u_turn: bool, s: RoutingSettings = S) -> float:
    """OSRM's car turn function (car.lua), written out again to check ours against, slowed down by
    the congestion factor like every cost of a car trip."""
    share, bias = abs(angle) / 180, s.car_turn_bias
    steep = 13 / bias * share - 6.5 * bias if angle >= 0 else 13 * bias * share - 6.5 / bias
    cost = s.car_turn_penalty_s / (1 + math.exp(-steep))
    if angle < 0 and not u_turn:
        cost += s.car_oncoming_turn_penalty_s / (1 + math.exp(-(13 * share - 3.25)))
    return (cost + (s.car_u_turn_penalty_s if u_turn else 0.0)) / s.car_congestion_factor


# ----- rules on tags ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kmh"),
    [
        ("50", 50),
        ("50 km/h", 50),
        ("50kmh", 50),
        ("30 mph", 30 * 1.609344),
        ("10 knots", 18.52),
        ("IT:urban", 50),
        ("it:rural", 90),
        ("IT:trunk", 110),
        ("IT:motorway", 130),
        ("IT:zone30", 30),
        ("IT:zone:30", 30),
        ("walk", 7),
        ("30; 70", 30),
        ("none", None),
        ("signals", None),
        ("variable", None),
        ("0", None),
        ("fast", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_maxspeed(value: str | None, kmh: float | None) -> None:
    assert parse_maxspeed(value) == (pytest.approx(kmh) if kmh is not None else None)


def test_speeds_come_from_the_limit_or_the_class_and_congestion_slows_them() -> None:
    assert car_speeds_kmh({"highway": "residential"}, S) == pytest.approx((25 * RUSH, 25 * RUSH))
    assert car_speeds_kmh({"highway": "residential"}, FREE) == (25, 25)
    assert car_speeds_kmh({"highway": "primary", "maxspeed": "50"}, S) == pytest.approx(
        (40 * RUSH, 40 * RUSH)
    )
    assert car_speeds_kmh({"highway": "primary", "maxspeed": "IT:urban"}, FREE) == pytest.approx((40, 40))
    assert car_speeds_kmh({"highway": "trunk", "maxspeed": "90"}, FREE) == pytest.approx((72, 72))
    assert car_speeds_kmh({"highway": "motorway", "maxspeed": "130"}, S) == pytest.approx((104 * RUSH, 0))
    assert car_speeds_kmh({"highway": "motorway_link"}, FREE) == (45, 45)
    # A limit per direction, a surface cap, and a limit above the class speed (OSRM's rule).
    tags = {"highway": "secondary", "maxspeed": "50", "maxspeed:forward": "30"}
    assert car_speeds_kmh(tags, FREE) == pytest.approx((24, 40))
    assert car_speeds_kmh({"highway": "primary", "maxspeed": "50", "surface": "cobblestone"}, FREE) == (
        30,
        30,
    )
    assert car_speeds_kmh({"highway": "residential", "maxspeed": "50"}, FREE) == pytest.approx((40, 40))


@pytest.mark.parametrize(
    ("tags", "open_"),
    [
        ({"access": "private"}, False),
        ({"access": "no"}, False),
        ({"motor_vehicle": "no"}, False),
        ({"vehicle": "no"}, False),
        ({"motorcar": "private", "access": "yes"}, False),
        ({"access": "customers"}, False),
        ({"access": "delivery"}, False),
        ({"access": "no", "psv": "yes"}, False),
        ({"access": "no", "motor_vehicle": "yes"}, True),
        ({"access": "destination"}, True),
        ({"access": "no;destination"}, True),
        ({"access": "permissive"}, True),
        ({"highway": "footway"}, False),
        ({"highway": "footway", "motor_vehicle": "yes"}, True),
        ({"highway": "track"}, False),
        ({"highway": "track", "access": "yes"}, False),
        ({"highway": "track", "motorcar": "designated"}, True),
        ({"highway": "steps"}, False),
        ({"highway": "service", "service": "emergency_access"}, False),
        ({"highway": "service", "service": "parking_aisle"}, True),
        ({"area": "yes"}, False),
        ({"construction": "yes"}, False),
        ({"construction": "minor"}, True),
        ({"oneway": "reversible"}, False),
        ({"impassable": "yes"}, False),
        ({"status": "impassable"}, False),
    ],
)
def test_access_tags(tags: dict[str, str], open_: bool, osm_file: OsmWriter) -> None:
    way = {"highway": "residential", **tags}
    assert (car_speeds_kmh(way, S) != (0, 0)) is open_
    # On a map: the way is a shortcut, 600 m from one point to the other instead of 1,200.
    car = Network.build(osm_file(*_shortcut(way))).graph("car")
    metres = car.trip(to_lat_lon(-100, 0), to_lat_lon(500, 0)).metres
    assert metres == pytest.approx(600 if open_ else 1200, abs=1)


def _shortcut(
    tags: dict[str, str], node_tags: dict[int, dict[str, str]] | None = None
) -> tuple[dict[int, tuple[float, float]], list, str, dict[int, dict[str, str]]]:
    """Streets in from the west and the east, joined by a 400 m way with `tags` (node 2 is in its
    middle) or by a 1,000 m detour to the north."""
    nodes = {10: (-200, 0), 1: (0, 0), 2: (200, 0), 3: (400, 0), 11: (600, 0), 4: (0, 300), 5: (400, 300)}
    street = {"highway": "residential"}
    ways = [([10, 1], street), ([1, 2, 3], tags), ([3, 11], street), ([1, 4, 5, 3], street)]
    return nodes, ways, "map.osm.pbf", node_tags or {}


@pytest.mark.parametrize(
    ("tags", "blocks"),
    [
        ({"barrier": "bollard"}, True),
        ({"barrier": "block"}, True),
        ({"barrier": "kerb"}, True),
        ({"barrier": "kerb", "kerb": "lowered"}, False),
        ({"barrier": "gate"}, False),
        ({"barrier": "lift_gate"}, False),
        ({"barrier": "toll_booth"}, False),
        ({"barrier": "bollard", "bollard": "rising"}, False),
        ({"barrier": "bollard", "motor_vehicle": "yes"}, False),
        ({"barrier": "gate", "access": "private"}, True),
        ({"highway": "traffic_signals"}, False),
    ],
)
def test_barriers(tags: dict[str, str], blocks: bool, osm_file: OsmWriter) -> None:
    assert blocks_cars(tags) is blocks
    network = Network.build(osm_file(*_shortcut({"highway": "residential"}, {2: tags})))
    west, east = to_lat_lon(-100, 0), to_lat_lon(500, 0)
    assert network.graph("car").trip(west, east).metres == pytest.approx(1200 if blocks else 600, abs=1)
    # People on foot pass barriers.
    assert network.graph("walk").trip(west, east).metres == pytest.approx(600, abs=1)


# ----- one-way streets ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "forward", "backward"),
    [
        ({}, True, True),
        ({"oneway": "yes"}, True, False),
        ({"oneway": "1"}, True, False),
        ({"oneway": "true"}, True, False),
        ({"oneway": "-1"}, False, True),
        ({"oneway": "no"}, True, True),
        ({"oneway": "alternating"}, True, True),
        ({"junction": "roundabout"}, True, False),
        ({"junction": "circular"}, True, False),
        ({"junction": "roundabout", "oneway": "no"}, True, True),
        ({"highway": "motorway"}, True, False),
        ({"highway": "motorway_link"}, True, True),
        ({"oneway": "yes", "oneway:motorcar": "no"}, True, True),
        ({"oneway:motor_vehicle": "yes"}, True, False),
        ({"oneway:vehicle": "-1"}, False, True),
    ],
)
def test_one_way_streets(tags: dict[str, str], forward: bool, backward: bool, osm_file: OsmWriter) -> None:
    # A 400 m way 1-2 along the x axis, and a two-way loop 2-3-4-1 back round a block (1,000 m).
    nodes = {1: (0, 0), 2: (400, 0), 3: (400, 300), 4: (0, 300)}
    ways = [([1, 2], {"highway": "residential", **tags}), ([2, 3, 4, 1], {"highway": "residential"})]
    car = Network.build(osm_file(nodes, ways)).graph("car")
    a, b = to_lat_lon(100, 0), to_lat_lon(300, 0)
    assert car.trip(a, b).metres == pytest.approx(200 if forward else 1200, abs=1)
    assert car.trip(b, a).metres == pytest.approx(200 if backward else 1200, abs=1)


# ----- turn restrictions --------------------------------------------------------------------------


def _crossing(relations: list | None = None) -> tuple:
    """Four 300 m arms, ways 1 (west), 2 (east), 3 (north), 4 (south), meeting at node 2 (0, 0)."""
    nodes = {1: (-300, 0), 2: (0, 0), 3: (300, 0), 4: (0, 300), 5: (0, -300)}
    street = {"highway": "residential"}
    ways = [([1, 2], street), ([2, 3], street), ([2, 4], street), ([2, 5], street)]
    return nodes, ways, "map.osm.pbf", None, relations or []


def _restriction(from_way: int, to_way: int, tags: dict[str, str], via: tuple[str, int] = ("n", 2)) -> tuple:
    members = [("w", from_way, "from"), (via[0], via[1], "via"), ("w", to_way, "to")]
    return members, {"type": "restriction", **tags}


WEST, NORTH, SOUTH, EAST = to_lat_lon(-100, 0), to_lat_lon(0, 100), to_lat_lon(0, -100), to_lat_lon(100, 0)


def test_no_left_turn(osm_file: OsmWriter) -> None:
    free = Network.build(osm_file(*_crossing())).graph("car")
    assert free.trip(WEST, NORTH).metres == pytest.approx(200, abs=1)
    assert free.trip(WEST, NORTH).seconds == pytest.approx(200 / RESIDENTIAL + car_turn(-90, False), abs=1e-2)
    network = Network.build(osm_file(*_crossing([_restriction(1, 3, {"restriction": "no_left_turn"})])))
    car = network.graph("car")
    # Instead: turn right, turn round at the end of the south arm, and go straight on north (or
    # straight on east, round, and right: the same).
    trip = car.trip(WEST, NORTH)
    assert trip.metres == pytest.approx(800, abs=1)
    expected = 800 / RESIDENTIAL + car_turn(90, False) + car_turn(180, True) + car_turn(0, False)
    assert trip.seconds == pytest.approx(expected, abs=1e-2)
    # Other turns from the west, and the same turn from elsewhere, are untouched.
    assert car.trip(WEST, SOUTH).metres == pytest.approx(200, abs=1)
    assert car.trip(EAST, NORTH).metres == pytest.approx(200, abs=1)
    assert network.report.turn_restrictions["applied"] == 1
    assert network.report.modes["car"].forbidden_turns == 1
    # Restrictions are for vehicles on the road: a bike still turns left.
    assert network.graph("bike").trip(WEST, NORTH).metres == pytest.approx(200, abs=1)


def test_only_straight_on(osm_file: OsmWriter) -> None:
    relation = _restriction(1, 2, {"restriction": "only_straight_on"})
    network = Network.build(osm_file(*_crossing([relation])))
    car = network.graph("car")
    assert car.trip(WEST, EAST).metres == pytest.approx(200, abs=1)
    # Right and left are forbidden from the west: straight on, turn round at the end, come back.
    for target, turn in ((SOUTH, -90), (NORTH, 90)):
        trip = car.trip(WEST, target)
        assert trip.metres == pytest.approx(800, abs=1)
        expected = 800 / RESIDENTIAL + car_turn(0, False) + car_turn(180, True) + car_turn(turn, False)
        assert trip.seconds == pytest.approx(expected, abs=1e-2)
    assert network.report.modes["car"].forbidden_turns == 2
    # From the other arms every turn is allowed.
    assert car.trip(SOUTH, WEST).metres == pytest.approx(200, abs=1)


@pytest.mark.parametrize(
    ("tags", "applies"),
    [
        ({"restriction": "no_left_turn", "except": "motorcar"}, False),
        ({"restriction": "no_left_turn", "except": "psv;bicycle"}, True),
        ({"restriction:hgv": "no_left_turn"}, False),
        ({"restriction:motorcar": "no_left_turn"}, True),
        ({"restriction": "only_left_turn", "restriction:motor_vehicle": "no_left_turn"}, True),
        ({"restriction:conditional": "no_left_turn @ (Mo-Fr 07:00-09:00)"}, False),
    ],
)
def test_which_restrictions_apply_to_cars(tags: dict[str, str], applies: bool, osm_file: OsmWriter) -> None:
    car = Network.build(osm_file(*_crossing([_restriction(1, 3, tags)]))).graph("car")
    assert car.trip(WEST, NORTH).metres == pytest.approx(800 if applies else 200, abs=1)


def test_restrictions_via_a_way_are_counted_and_ignored(osm_file: OsmWriter) -> None:
    relation = _restriction(1, 3, {"restriction": "no_u_turn"}, via=("w", 2))
    network = Network.build(osm_file(*_crossing([relation])))
    assert network.report.turn_restrictions == {
        "read": 1,
        "not_for_cars": 0,
        "via_way": 1,
        "unresolved": 0,
        "applied": 0,
    }
    assert network.graph("car").trip(WEST, NORTH).metres == pytest.approx(200, abs=1)


def test_restriction_via_a_node_inside_a_street_makes_it_a_junction(osm_file: OsmWriter) -> None:
    # A straight street through node 2, which touches nothing else: no_straight_on there closes it.
    nodes = {1: (-300, 0), 2: (0, 0), 3: (300, 0), 4: (-300, 300), 5: (300, 300)}
    street = {"highway": "residential"}
    ways = [([1, 2], street), ([2, 3], street), ([1, 4, 5, 3], street)]
    relation = _restriction(1, 2, {"restriction": "no_straight_on"})
    car = Network.build(osm_file(nodes, ways, relations=[relation])).graph("car")
    # Round the block instead: west to node 1, north, east, south, and west to the point.
    assert car.trip(WEST, EAST).metres == pytest.approx(200 + 300 + 600 + 300 + 200, abs=1)
    assert car.trip(EAST, WEST).metres == pytest.approx(200, abs=1)


# ----- speeds, congestion, signals, distances -----------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "free_kmh"),
    [
        ({"highway": "residential"}, 25),
        ({"highway": "primary", "maxspeed": "50"}, 40),
        ({"highway": "primary", "maxspeed": "70"}, 56),
        ({"highway": "trunk", "maxspeed": "90"}, 72),
        ({"highway": "motorway", "maxspeed": "130"}, 104),
        ({"highway": "motorway_link"}, 45),
    ],
)
def test_congestion_factor_slows_every_road(
    tags: dict[str, str], free_kmh: float, osm_file: OsmWriter
) -> None:
    # The way both ways (a one-way motorway gets its other carriageway), and a footway for walking.
    path = osm_file(
        {1: (0, 0), 2: (1000, 0)}, [([1, 2], tags), ([2, 1], tags), ([1, 2], {"highway": "footway"})]
    )
    a, b = to_lat_lon(100, 0), to_lat_lon(900, 0)
    for network_settings, kmh in ((S, free_kmh * RUSH), (FREE, free_kmh)):
        trip = Network.build(path, network_settings).graph("car").trip(a, b)
        assert trip.metres == pytest.approx(800, abs=1)
        # Metres are summed from lengths stored as float32, seconds from the float64 ones.
        assert trip.seconds == pytest.approx(trip.metres / (kmh / 3.6), rel=1e-6)


def test_congestion_slows_turns_and_signals_too(osm_file: OsmWriter) -> None:
    # Every cost of a car trip is divided by the factor: the trip takes 1 / factor as long, by the
    # same route.
    source = osm_file(*_crossing()[:2], node_tags={2: {"highway": "traffic_signals"}})
    rush = Network.build(source, S).graph("car").trip(WEST, NORTH)
    free = Network.build(source, FREE).graph("car").trip(WEST, NORTH)
    assert rush.seconds == pytest.approx(free.seconds / RUSH, rel=1e-9)
    assert rush.metres == free.metres
    signal = FREE.car_traffic_signal_penalty_s
    assert free.seconds == pytest.approx(200 / (25 / 3.6) + car_turn(-90, False, FREE) + signal, abs=1e-2)
    for value in (0, 1.5, math.nan):
        with pytest.raises(ValueError, match="car_congestion_factor must be a share above 0 and at most 1"):
            RoutingSettings(car_congestion_factor=value)


def test_traffic_signals_cost_cars_in_their_direction(osm_file: OsmWriter) -> None:
    nodes = {1: (0, 0), 2: (500, 0), 3: (1000, 0)}
    ways = [([1, 2, 3], {"highway": "residential"})]
    plain = Network.build(osm_file(nodes, ways)).graph("car")
    both = Network.build(osm_file(nodes, ways, node_tags={2: {"highway": "traffic_signals"}})).graph("car")
    tags = {2: {"highway": "traffic_signals", "traffic_signals:direction": "forward"}}
    forward = Network.build(osm_file(nodes, ways, node_tags=tags)).graph("car")
    a, b = to_lat_lon(100, 0), to_lat_lon(900, 0)
    base = plain.trip(a, b).seconds
    signal = S.car_traffic_signal_penalty_s / RUSH  # 2 s in free flow
    assert both.trip(a, b).seconds == pytest.approx(base + signal, abs=1e-6)
    assert both.trip(b, a).seconds == pytest.approx(base + signal, abs=1e-6)
    assert forward.trip(a, b).seconds == pytest.approx(base + signal, abs=1e-6)
    assert forward.trip(b, a).seconds == pytest.approx(base, abs=1e-6)


def test_metres_are_those_of_the_fastest_route_not_the_shortest(osm_file: OsmWriter) -> None:
    # 1 km of living street straight across (10 km/h), or 1.6 km round it on a primary road.
    nodes = {10: (-100, 0), 1: (0, 0), 2: (1000, 0), 11: (1100, 0), 3: (0, 300), 4: (1000, 300)}
    primary = {"highway": "primary"}
    ways = [
        ([10, 1], primary),
        ([1, 2], {"highway": "living_street"}),
        ([2, 11], primary),
        ([1, 3, 4, 2], primary),
    ]
    network = Network.build(osm_file(nodes, ways))
    car = network.graph("car")
    a, b = to_lat_lon(-50, 0), to_lat_lon(1050, 0)
    trip = car.trip(a, b)
    assert trip.metres == pytest.approx(50 + 300 + 1000 + 300 + 50, abs=1)
    fast = 65 * RUSH / 3.6
    # Left at node 1 (east to north), left at node 2 (south to east); the corners are bends.
    assert trip.seconds == pytest.approx(1700 / fast + 2 * car_turn(-90, False), abs=0.05)
    # Walking, the shortest way is the fastest.
    assert network.graph("walk").trip(a, b).metres == pytest.approx(1100, abs=1)


def test_trip_table_agrees_with_table_and_with_itself(osm_file: OsmWriter, tmp_path: Path) -> None:
    source = osm_file(*_crossing([_restriction(1, 3, {"restriction": "no_left_turn"})]))
    car = Network.load_or_build(source, tmp_path).graph("car")
    points = [WEST, NORTH, SOUTH, EAST, to_lat_lon(-250, 0), to_lat_lon(0, 0)]
    trips = car.trip_table(points, points)
    assert np.array_equal(trips.seconds, car.table(points, points, math.inf))
    assert np.all(np.diag(trips.metres) == 0) and np.all(np.isfinite(trips.metres))
    # One origin (forward searches) or one destination (reverse searches): the same answers.
    for i, p in enumerate(points):
        row = car.trip_table([p], points)
        column = car.trip_table(points, [p])
        assert np.allclose(row.metres[0], trips.metres[i], atol=1e-6)
        assert np.allclose(column.metres[:, 0], trips.metres[:, i], atol=1e-6)
        assert np.allclose(row.seconds[0], trips.seconds[i], atol=1e-9)
    # And from the cache.
    cached = Network.load_or_build(source, tmp_path)
    assert cached.from_cache
    again = cached.graph("car").trip_table(points, points)
    assert np.array_equal(again.seconds, trips.seconds) and np.array_equal(again.metres, trips.metres)
    # A cutoff: trips over it are inf in both tables.
    short = car.trip_table(points, points, cutoff_s=60)
    assert np.array_equal(np.isinf(short.metres), trips.seconds > 60 + 1e-6)


def test_trip_pairs_are_the_table_diagonal(osm_file: OsmWriter, monkeypatch: pytest.MonkeyPatch) -> None:
    car = Network.build(osm_file(*_crossing([_restriction(1, 3, {"restriction": "no_left_turn"})]))).graph(
        "car"
    )
    homes = [WEST, NORTH, SOUTH, EAST, to_lat_lon(-250, 0), WEST, to_lat_lon(0, 250)]
    desks = [NORTH, WEST, EAST, to_lat_lon(0, 0), SOUTH, WEST, to_lat_lon(-200, 0)]
    table = car.trip_table(homes, desks)
    for block in (256, 3, 1):  # blocks of pairs, the last one shorter
        monkeypatch.setattr("vicinato.routing.graph.PAIR_BLOCK", block)
        pairs = car.trip_pairs(homes, desks)
        assert np.array_equal(pairs.seconds, np.diagonal(table.seconds))
        assert np.allclose(pairs.metres, np.diagonal(table.metres), atol=1e-6)
    assert pairs.metres[0] == pytest.approx(800, abs=1)  # no left turn
    assert len(car.trip_pairs([], []).seconds) == 0
    with pytest.raises(
        ValueError, match=r"Give as many destinations as origins \(1 destinations for 2 origins\)"
    ):
        car.trip_pairs([WEST, NORTH], [EAST])


# ----- errors and modes ---------------------------------------------------------------------------


def test_bad_input_gets_clear_errors(osm_file: OsmWriter) -> None:
    nodes = {1: (0, 0), 2: (400, 0), 3: (400, 1400)}
    ways = [([1, 2], {"highway": "residential"}), ([2, 3], {"highway": "footway"})]
    network = Network.build(osm_file(nodes, ways))
    car = network.graph("car")
    far_away = to_lat_lon(10_000, 0)
    with pytest.raises(PointTooFarError, match=r"9\.6 km from the nearest street in the car map"):
        car.trip(far_away, to_lat_lon(100, 0))
    # 600 m from the road, but on a footway: people walk there, cars cannot reach it.
    end_of_footway = to_lat_lon(400, 1000)
    with pytest.raises(PointTooFarError, match="in the car map"):
        car.trip_table([end_of_footway], [to_lat_lon(100, 0)])
    assert math.isfinite(network.graph("walk").trip(end_of_footway, to_lat_lon(100, 0)).seconds)
    lenient = car.trip_table([far_away, to_lat_lon(300, 0)], [to_lat_lon(100, 0)], strict=False)
    assert np.isinf(lenient.seconds[0, 0]) and np.isinf(lenient.metres[0, 0])
    assert lenient.metres[1, 0] == pytest.approx(200, abs=1)
    with pytest.raises(
        UnknownModeError, match="There is no 'plane' graph; the travel modes are 'walk', 'bike', 'car'"
    ):
        network.graph("plane")
    assert network.modes == NETWORK_MODES == ("walk", "bike", "car")
    # The proximity modes (places within 15 minutes) stay walking and cycling.
    assert MODES == ("walk", "bike")


# ----- against networkx ---------------------------------------------------------------------------


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(turn_maps(), st.data())
def test_car_trips_match_networkx_on_the_line_graph(street_map: tuple, data: st.DataObject) -> None:
    """Times and metres of the fastest trips with car turn costs and random turn restrictions."""
    m = place_map(street_map)
    lengths = {
        (min(a, b), max(a, b)): float(x)
        for a, b, x in zip(m.u, m.v, m.length.astype(np.float32), strict=True)
    }
    # Turn restrictions at crossings of the part kept (the largest strongly connected one): a turn
    # forbidden (no_*) or the only one allowed (only_*).
    directed = nx.DiGraph(
        [(a, b) for a, b, f, _ in m.segments if f < math.inf]
        + [(b, a) for a, b, _, r in m.segments if r < math.inf]
    )
    kept_nodes = max(nx.strongly_connected_components(directed), key=len)
    streets = nx.Graph([(a, b) for a, b, *_ in m.segments if a in kept_nodes and b in kept_nodes])
    crossings = sorted(node for node, d in streets.degree if d >= 3)
    vias = data.draw(st.lists(st.sampled_from(crossings), max_size=3, unique=True)) if crossings else []
    rules = []
    for via in vias:
        others = sorted(streets[via])
        rules.append(
            (
                data.draw(st.sampled_from(others)),
                via,
                data.draw(st.sampled_from(others)),
                data.draw(st.booleans()),
            )
        )
    forbidden = {
        (a, via, other)
        for a, via, c, only in rules
        for other in streets[via]
        if ((other != c) if only else (other == c))
    }
    reference, kept, cost, _ = line_graph(m.xy, m.segments, car_turn, forbidden, lengths)
    restrictions = TurnRestrictions(
        np.array([r[0] for r in rules], dtype=np.int64),
        np.array([r[1] for r in rules], dtype=np.int64),
        np.array([r[2] for r in rules], dtype=np.int64),
        np.array([r[3] for r in rules], dtype=bool),
    )
    graph, _ = ModeGraph.from_segments(
        "car",
        m.lat_lon[:, 1],
        m.lat_lon[:, 0],
        m.u,
        m.v,
        m.length,
        m.wf,
        m.wb,
        restrictions=restrictions,
        workers=2,
    )
    points = points_on_segments(graph, m.rng)
    snapped = graph.snap_many(points)
    add_points(reference, graph, snapped, kept, cost, lengths)
    trips = graph.trip_table(points, points)
    snap = graph.snap_cost(snapped)
    for k in range(len(points)):
        times = nx.single_source_dijkstra_path_length(reference, ("from", k), weight="weight")
        for j in range(len(points)):
            expected = times.get(("to", j), math.inf) + snap[k] + snap[j]
            assert math.isfinite(trips.seconds[k, j]) == math.isfinite(expected), (k, j)
            if not math.isfinite(expected):
                assert math.isinf(trips.metres[k, j])
                continue
            # Bearings here come from the metres drawn, the graph's from lon/lat: 0.05 s of slack.
            assert trips.seconds[k, j] == pytest.approx(expected, abs=0.05)
            # The metres of one of the fastest paths (of those within the slack of the fastest).
            fastest = nx.dijkstra_path(reference, ("from", k), ("to", j), weight="weight")
            options = [nx.path_weight(reference, fastest, "length")]
            if abs(trips.metres[k, j] - options[0]) < 0.01:
                continue
            for path in nx.shortest_simple_paths(reference, ("from", k), ("to", j), weight="weight"):
                if nx.path_weight(reference, path, "weight") > expected - snap[k] - snap[j] + 0.1:
                    break
                options.append(nx.path_weight(reference, path, "length"))
            assert any(abs(trips.metres[k, j] - o) < 0.01 for o in options), (
                k,
                j,
                trips.metres[k, j],
                options,
            )


# ----- the real map -------------------------------------------------------------------------------


# `milan`: the Milan extract the product ships (conftest.py).


def test_milan_duomo_to_central_station(milan: Network) -> None:
    car = milan.graph("car")
    duomo, centrale = (45.46420, 9.19010), (45.48560, 9.20470)
    there, back = car.trip(duomo, centrale), car.trip(centrale, duomo)
    straight = haversine_m(duomo[1], duomo[0], centrale[1], centrale[0])  # about 2.6 km
    for trip in (there, back):
        assert 1.1 * straight < trip.metres < 2.0 * straight
        # Rush-hour average speeds in central Milan are about 17 km/h (TomTom Traffic Index 2023).
        assert 8 < trip.metres / trip.seconds * 3.6 < 30
    report = milan.report
    assert report.turn_restrictions["applied"] > 1000 and report.modes["car"].forbidden_turns > 1000
    assert report.modes["car"].junctions > 20_000
