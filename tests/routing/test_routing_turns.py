"""Turn and traffic-signal costs: exact penalties on written maps, routes that avoid turns, semantics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from routing_osm import OsmWriter, to_lat_lon

from vicinato.routing import ModeGraph, Network, RoutingSettings
from vicinato.routing.reach import ReachIndex

BIKE = 15 / 3.6
WALK = 4.8 / 3.6
S = RoutingSettings()
RIGHT = S.bike_turn_penalty_s / S.bike_turn_bias
LEFT = S.bike_turn_penalty_s * S.bike_turn_bias
NO_TURNS = RoutingSettings(bike_turn_penalty_s=0, bike_u_turn_penalty_s=0)


def _junction(graph: ModeGraph, x: float, y: float) -> int:
    """The graph node (junction) at x metres east and y metres north of the test origin."""
    lat, lon = to_lat_lon(x, y)
    return int(np.argmin(np.hypot(graph.node_lat - lat, graph.node_lon - lon)))


def _crossing() -> tuple[dict[int, tuple[float, float]], list]:
    """Two two-way streets crossing at right angles at (0, 0), 200 m arms."""
    nodes = {1: (-200, 0), 2: (0, 0), 3: (200, 0), 4: (0, 200), 5: (0, -200)}
    ways = [([1, 2, 3], {"highway": "residential"}), ([4, 2, 5], {"highway": "residential"})]
    return nodes, ways


def test_turns_at_a_crossing_cost_exactly_the_penalty(osm_file: OsmWriter) -> None:
    graph = Network.build(osm_file(*_crossing())).graph("bike")
    west = to_lat_lon(-100, 0)
    assert graph.travel_time(west, to_lat_lon(100, 0)) == pytest.approx(200 / BIKE, abs=1e-2)
    # Riding east, south is on the right and north on the left.
    assert graph.travel_time(west, to_lat_lon(0, -100)) == pytest.approx(200 / BIKE + RIGHT, abs=1e-2)
    assert graph.travel_time(west, to_lat_lon(0, 100)) == pytest.approx(200 / BIKE + LEFT, abs=1e-2)
    # The same trips backwards, and in a table both ways (reverse and forward searches agree).
    assert graph.travel_time(to_lat_lon(0, -100), west) == pytest.approx(200 / BIKE + LEFT, abs=1e-2)
    points = [west, to_lat_lon(100, 0), to_lat_lon(0, -100), to_lat_lon(0, 100)]
    table = graph.table(points, points, 3600)
    assert np.allclose(table, np.vstack([graph.table([p], points, 3600) for p in points]), atol=1e-9)
    assert table[0, 2] == pytest.approx(200 / BIKE + RIGHT, abs=1e-2)


def test_turn_penalty_and_bias_are_settings(osm_file: OsmWriter) -> None:
    settings = RoutingSettings(bike_turn_penalty_s=10, bike_turn_bias=2)
    graph = Network.build(osm_file(*_crossing()), settings).graph("bike")
    west = to_lat_lon(-100, 0)
    assert graph.travel_time(west, to_lat_lon(0, -100)) == pytest.approx(200 / BIKE + 5, abs=1e-2)
    assert graph.travel_time(west, to_lat_lon(0, 100)) == pytest.approx(200 / BIKE + 20, abs=1e-2)
    # Without turn costs the bike graph is the junction graph again, and turns are free.
    flat = Network.build(osm_file(*_crossing(), name="flat.osm.pbf"), NO_TURNS).graph("bike")
    assert not flat.turn_costs and flat.state_count == flat.node_count
    assert flat.travel_time(west, to_lat_lon(0, 100)) == pytest.approx(200 / BIKE, abs=1e-2)
    # Walking has no turn costs.
    walk = Network.build(osm_file(*_crossing(), name="walk.osm.pbf")).graph("walk")
    assert walk.travel_time(west, to_lat_lon(0, 100)) == pytest.approx(200 / WALK, abs=1e-2)
    with pytest.raises(ValueError, match="bike_turn_bias must be a positive number"):
        RoutingSettings(bike_turn_bias=0)
    with pytest.raises(ValueError, match="bike_u_turn_penalty_s must be a number of seconds"):
        RoutingSettings(bike_u_turn_penalty_s=-1)


def test_u_turns_only_where_osrm_allows_them(osm_file: OsmWriter) -> None:
    # A street 1-2-3 with a dead end at 1 and a side street 2-4: U-turns only at the dead ends.
    nodes = {1: (-200, 0), 2: (0, 0), 3: (200, 0), 4: (0, 200)}
    ways = [([1, 2, 3], {"highway": "residential"}), ([2, 4], {"highway": "residential"})]
    graph = Network.build(osm_file(nodes, ways)).graph("bike")
    u_turn = graph.turn_to == (graph.turn_from ^ 1)
    where = graph.arc_head[graph.turn_from[u_turn]]
    degree = np.diff(graph._out_ptr)
    assert set(degree[where].tolist()) == {1}
    assert u_turn.sum() == 3  # one per dead end (1, 3, 4), none at the crossing
    expected = (180 / 90) ** 2 * S.bike_turn_penalty_s / S.bike_turn_bias + S.bike_u_turn_penalty_s
    assert np.allclose(graph.turn_cost[u_turn], expected)
    # One-way streets and dead ends: the way round pays only the turn at the crossing; bends
    # between crossings (at 3, 4 and 5) cost nothing.
    nodes = {1: (0, 0), 2: (100, 0), 3: (300, 0), 4: (100, 200), 5: (300, 200)}
    ways = [
        ([1, 2], {"highway": "residential"}),  # dead end at 1
        ([2, 3], {"highway": "residential", "oneway": "-1"}),  # only from 3 to 2
        ([2, 4, 5, 3], {"highway": "residential"}),
    ]
    graph = Network.build(osm_file(nodes, ways, name="dead-end.osm.pbf")).graph("bike")
    origin, place = to_lat_lon(200, 0), to_lat_lon(100, 100)  # on the one-way; on the side street
    # Riding west to 2, the side street is a right turn.
    assert graph.travel_time(origin, place) == pytest.approx(200 / BIKE + RIGHT, abs=1e-2)
    # From the dead-end street to the one-way: left at 2, then round by 4, 5 and 3.
    assert graph.travel_time(to_lat_lon(50, 0), to_lat_lon(250, 0)) == pytest.approx(
        (50 + 200 + 200 + 200 + 50) / BIKE + LEFT, abs=1e-2
    )


def test_a_route_avoiding_turns_wins_when_it_is_faster(osm_file: OsmWriter) -> None:
    # From a street on the west of a block to the north-east: 340 m either straight north and one
    # right turn at 3, or right, left and right again through the street across the block.
    nodes = {1: (0, 0), 2: (0, 100), 3: (0, 240), 4: (100, 100), 5: (100, 240), 6: (-100, 100)}
    nodes.update({7: (100, 0), 8: (200, 240), 9: (0, 340)})
    ways = [
        ([1, 2, 3, 9], {"highway": "residential"}),
        ([6, 2, 4, 7], {"highway": "residential"}),
        ([3, 5, 8], {"highway": "residential"}),
        ([4, 5], {"highway": "residential"}),
    ]
    path = osm_file(nodes, ways)
    origin, place = to_lat_lon(0, 50), to_lat_lon(150, 240)
    flat = Network.build(path, NO_TURNS).graph("bike")
    assert flat.travel_time(origin, place) == pytest.approx(340 / BIKE, abs=1e-2)
    graph = Network.build(path).graph("bike")
    assert graph.travel_time(origin, place) == pytest.approx(340 / BIKE + RIGHT, abs=1e-2)
    # Closing the top street between 3 and 5 forces the way across the block: right at 2, left at
    # 4 (the bend at 5 is no longer a crossing and costs nothing).
    blocked = [([1, 2, 3], {"highway": "residential"}), *ways[1:], ([3, 9], {"highway": "residential"})]
    ways_through = [(refs, tags) for refs, tags in blocked if refs != [3, 5, 8]] + [
        ([5, 8], {"highway": "residential"}),
        ([3, 5], {"highway": "residential", "bicycle": "no", "foot": "no"}),
    ]
    through = Network.build(osm_file(nodes, ways_through, name="through.osm.pbf")).graph("bike")
    assert through.travel_time(origin, place) == pytest.approx(340 / BIKE + RIGHT + LEFT, abs=1e-2)


def test_traffic_signals(osm_file: OsmWriter) -> None:
    # A straight street with a signal between crossings (node 2), and a crossing with a signal (4).
    nodes = {1: (0, 0), 2: (100, 0), 3: (200, 0), 4: (300, 0), 5: (400, 0), 6: (300, 100), 7: (300, -100)}
    ways = [([1, 2, 3, 4, 5], {"highway": "residential"}), ([6, 4, 7], {"highway": "residential"})]
    signals = {2: {"highway": "traffic_signals"}, 4: {"highway": "traffic_signals"}}
    network = Network.build(osm_file(nodes, ways, node_tags=signals))
    bike, walk = network.graph("bike"), network.graph("walk")
    assert network.report.modes["bike"].traffic_signals == 2
    mid, at_crossing = S.bike_mid_street_signal_penalty_s, S.bike_traffic_signal_penalty_s
    a, b, c = to_lat_lon(50, 0), to_lat_lon(150, 0), to_lat_lon(350, 0)
    assert bike.travel_time(a, b) == pytest.approx(100 / BIKE + mid, abs=1e-2)
    assert bike.travel_time(b, a) == pytest.approx(100 / BIKE + mid, abs=1e-2)
    assert bike.travel_time(b, c) == pytest.approx(200 / BIKE + at_crossing, abs=1e-2)
    assert bike.travel_time(a, c) == pytest.approx(300 / BIKE + mid + at_crossing, abs=1e-2)
    assert walk.travel_time(a, c) == pytest.approx(300 / WALK + 2 * S.walk_traffic_signal_penalty_s, abs=1e-2)
    # A point between the signal and the next node does not pay it unless it passes it.
    assert bike.travel_time(to_lat_lon(110, 0), to_lat_lon(190, 0)) == pytest.approx(80 / BIKE, abs=1e-2)
    assert bike.travel_time(to_lat_lon(90, 0), to_lat_lon(110, 0)) == pytest.approx(20 / BIKE + mid, abs=1e-2)
    # Turning at the signalled crossing pays the signal and the turn.
    assert bike.travel_time(b, to_lat_lon(300, -50)) == pytest.approx(
        200 / BIKE + at_crossing + RIGHT, abs=1e-2
    )
    # The penalties are settings.
    free = Network.build(
        network.report.source,
        RoutingSettings(
            bike_mid_street_signal_penalty_s=0,
            bike_traffic_signal_penalty_s=0,
            walk_traffic_signal_penalty_s=0,
        ),
    )
    assert free.graph("bike").travel_time(a, c) == pytest.approx(300 / BIKE, abs=1e-2)
    assert free.graph("walk").travel_time(a, c) == pytest.approx(300 / WALK, abs=1e-2)


def test_signal_for_one_direction(osm_file: OsmWriter) -> None:
    nodes = {1: (0, 0), 2: (100, 0), 3: (200, 0)}
    ways = [([1, 2, 3], {"highway": "residential"})]
    signals = {2: {"highway": "traffic_signals", "traffic_signals:direction": "forward"}}
    network = Network.build(osm_file(nodes, ways, node_tags=signals))
    a, b = to_lat_lon(50, 0), to_lat_lon(150, 0)
    mid = S.bike_mid_street_signal_penalty_s
    assert network.graph("bike").travel_time(a, b) == pytest.approx(100 / BIKE + mid, abs=1e-2)
    assert network.graph("bike").travel_time(b, a) == pytest.approx(100 / BIKE, abs=1e-2)
    # Walking ignores the direction, as OSRM's foot profile does.
    assert network.graph("walk").travel_time(b, a) == pytest.approx(100 / WALK + 2, abs=1e-2)


def test_points_at_a_junction_turn_freely(osm_file: OsmWriter) -> None:
    graph = Network.build(osm_file(*_crossing())).graph("bike")
    centre = to_lat_lon(0, 0)
    for far in (to_lat_lon(150, 0), to_lat_lon(0, 150), to_lat_lon(-150, 0), to_lat_lon(0, -150)):
        assert graph.travel_time(centre, far) == pytest.approx(150 / BIKE, abs=1e-2)
        assert graph.travel_time(far, centre) == pytest.approx(150 / BIKE, abs=1e-2)


def test_junction_times_and_coverage_with_turn_costs(osm_file: OsmWriter) -> None:
    network = Network.build(osm_file(*_crossing()))
    graph = network.graph("bike")
    origin = to_lat_lon(-100, 0)
    times = graph.times_from(*origin, cutoff_s=3600)
    # Arriving at a junction needs no turn; the state times carry the turn at the next junction.
    assert times.node_times[_junction(graph, 0, 0)] == pytest.approx(100 / BIKE, abs=1e-2)
    assert times.node_times[_junction(graph, 0, 200)] == pytest.approx(300 / BIKE + LEFT, abs=1e-2)
    assert len(times.reachable_nodes(100 / BIKE + 1e-3)) == 2  # the crossing and the west end
    # Reverse: from every junction to a place, starting there without a turn.
    place = graph.snap_many([to_lat_lon(0, 100)])
    to_place = graph.node_times_to(place, 3600)[0]
    expected = {(0, 0): 100, (0, 200): 100, (0, -200): 300, (-200, 0): 300 + LEFT * BIKE}
    expected[(200, 0)] = 300 + RIGHT * BIKE
    for (x, y), metres in expected.items():
        assert to_place[_junction(graph, x, y)] * BIKE == pytest.approx(metres, abs=1e-2), (x, y)
    index = ReachIndex.build(graph, [("p", *to_lat_lon(0, 100))], max_time_s=1800)
    assert index.covered_nodes(100 / BIKE + 1e-3).sum() == 2  # the crossing and the north end
    assert index.covered_nodes(300 / BIKE + 1e-3).sum() == 3
    assert index.covered_nodes(300 / BIKE + LEFT + 1e-3).sum() == graph.node_count
    found = index.reachable(*origin, within_s=1800)
    assert [r.place_id for r in found] == ["p"]
    assert found[0].seconds == pytest.approx(200 / BIKE + LEFT, abs=1e-2)
    # The isochrone reaches less far after a turn than straight on.
    area = graph.isochrone(*origin, (150 + 100) / BIKE, buffer_m=1, simplify_m=0, fill_holes_m2=0)
    assert area.area_m2 > 0
    assert not math.isnan(area.area_m2)
