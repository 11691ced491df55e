"""Which ways each mode may use, in which direction and how fast: tag rules and built graphs."""

from __future__ import annotations

import math

import pytest
from routing_osm import OsmWriter, to_lat_lon

from vicinato.routing import Network, RoutingSettings
from vicinato.routing.osm import bike_speeds_kmh, walk_speed_kmh

S = RoutingSettings()
WALK = 4.8 / 3.6
BIKE = 15 / 3.6


@pytest.mark.parametrize(
    ("tags", "walk"),
    [
        ({"highway": "footway"}, 4.8),
        ({"highway": "pedestrian"}, 4.8),
        ({"highway": "steps"}, 4.8),
        ({"highway": "residential"}, 4.8),
        ({"highway": "primary", "oneway": "yes"}, 4.8),
        ({"highway": "motorway"}, 0),
        ({"highway": "motorway_link", "foot": "yes"}, 0),
        ({"highway": "residential", "foot": "no"}, 0),
        ({"highway": "service", "access": "private"}, 0),
        ({"highway": "service", "access": "no", "foot": "yes"}, 4.8),
        ({"highway": "service", "access": "private", "foot": "designated"}, 4.8),
        ({"highway": "cycleway"}, 0),
        ({"highway": "cycleway", "foot": "designated"}, 4.8),
        ({"highway": "trunk", "motorroad": "yes"}, 0),
        ({"highway": "construction"}, 0),
        ({"building": "yes"}, 0),
    ],
)
def test_walk_rules(tags: dict[str, str], walk: float) -> None:
    assert walk_speed_kmh(tags, S) == walk


@pytest.mark.parametrize(
    ("tags", "speeds"),
    [
        ({"highway": "residential"}, (15, 15)),
        ({"highway": "residential", "oneway": "yes"}, (15, 0)),
        ({"highway": "residential", "oneway": "1"}, (15, 0)),
        ({"highway": "residential", "oneway": "true"}, (15, 0)),
        ({"highway": "residential", "oneway": "-1"}, (0, 15)),
        ({"highway": "residential", "junction": "roundabout"}, (15, 0)),
        ({"highway": "residential", "oneway": "yes", "oneway:bicycle": "no"}, (15, 15)),
        ({"highway": "residential", "oneway": "yes", "cycleway": "opposite"}, (15, 15)),
        ({"highway": "residential", "oneway": "yes", "cycleway": "opposite_lane"}, (15, 15)),
        ({"highway": "residential", "oneway": "yes", "cycleway:left": "opposite_track"}, (15, 15)),
        ({"highway": "residential", "oneway": "yes", "cycleway:right": "opposite_lane"}, (15, 15)),
        ({"highway": "residential", "oneway": "yes", "cycleway:both": "opposite"}, (15, 15)),
        ({"highway": "residential", "oneway": "-1", "oneway:bicycle": "no"}, (15, 15)),
        ({"highway": "residential", "oneway:bicycle": "yes"}, (15, 0)),
        ({"highway": "footway"}, (4.8, 4.8)),
        ({"highway": "pedestrian"}, (4.8, 4.8)),
        ({"highway": "path"}, (4.8, 4.8)),
        ({"highway": "steps"}, (4.8, 4.8)),
        ({"highway": "footway", "bicycle": "yes"}, (15, 15)),
        ({"highway": "path", "bicycle": "designated"}, (15, 15)),
        ({"highway": "pedestrian", "bicycle": "permissive"}, (15, 15)),
        ({"highway": "footway", "bicycle": "no"}, (0, 0)),
        ({"highway": "residential", "bicycle": "no"}, (0, 0)),
        ({"highway": "footway", "foot": "no"}, (0, 0)),
        ({"highway": "cycleway"}, (15, 15)),
        ({"highway": "cycleway", "oneway": "yes"}, (15, 0)),
        ({"highway": "motorway"}, (0, 0)),
        ({"highway": "motorway_link", "bicycle": "yes"}, (0, 0)),
        ({"highway": "residential", "bicycle": "dismount"}, (4.8, 4.8)),
        ({"highway": "service", "access": "private"}, (0, 0)),
        ({"highway": "service", "access": "no", "bicycle": "yes"}, (15, 15)),
        ({"highway": "pedestrian", "access": "no", "foot": "yes"}, (4.8, 4.8)),
    ],
)
def test_bike_rules(tags: dict[str, str], speeds: tuple[float, float]) -> None:
    assert bike_speeds_kmh(tags, S) == speeds


def test_bike_settings_change_speeds() -> None:
    osrm = RoutingSettings.osrm_like()
    assert bike_speeds_kmh({"highway": "residential", "surface": "cobblestone"}, osrm) == (7, 7)
    assert bike_speeds_kmh({"highway": "steps"}, osrm) == (2, 2)
    # OSRM lets cyclists walk their bike against one-way streets; ours does not by default.
    assert bike_speeds_kmh({"highway": "residential", "oneway": "yes"}, osrm) == (15, 4)
    assert bike_speeds_kmh({"highway": "residential", "junction": "roundabout"}, osrm) == (15, 0)
    with pytest.raises(ValueError, match="positive speed"):
        RoutingSettings(walk_speed_kmh=0)


def _ring(street_tags: dict[str, str]) -> tuple[dict[int, tuple[float, float]], list]:
    """A 100 m street 1→2 under test, plus a 300 m two-way detour 2→3→4→1 (all residential)."""
    nodes = {1: (0, 0), 2: (100, 0), 3: (100, 100), 4: (0, 100)}
    ways = [([1, 2], street_tags), ([2, 3, 4, 1], {"highway": "residential"})]
    return nodes, ways


A = to_lat_lon(0, 0)
B = to_lat_lon(100, 0)


@pytest.mark.parametrize(
    ("tags", "forward_m", "backward_m"),
    [
        ({"highway": "residential"}, 100, 100),
        ({"highway": "residential", "oneway": "yes"}, 100, 300),
        ({"highway": "residential", "oneway": "-1"}, 300, 100),
        ({"highway": "residential", "oneway": "yes", "oneway:bicycle": "no"}, 100, 100),
        ({"highway": "residential", "oneway": "yes", "cycleway": "opposite_lane"}, 100, 100),
        ({"highway": "residential", "oneway": "yes", "cycleway:left": "opposite"}, 100, 100),
        ({"highway": "residential", "junction": "roundabout"}, 100, 300),
        ({"highway": "residential", "bicycle": "no"}, 300, 300),
        ({"highway": "motorway"}, 300, 300),
    ],
)
def test_bike_directions_on_a_built_graph(
    osm_file: OsmWriter, tags: dict[str, str], forward_m: float, backward_m: float
) -> None:
    graph = Network.build(osm_file(*_ring(tags))).graph("bike")
    assert graph.travel_time(A, B) == pytest.approx(forward_m / BIKE, rel=1e-3)
    assert graph.travel_time(B, A) == pytest.approx(backward_m / BIKE, rel=1e-3)


def test_footway_is_walked_and_bike_is_pushed_unless_allowed(osm_file: OsmWriter) -> None:
    pushed = Network.build(osm_file(*_ring({"highway": "footway"}), name="f.osm.pbf"))
    # Walking: the footway. Cycling: walking the bike along it (100 m at 4.8 km/h = 75 s) beats
    # riding the 300 m detour (72 s)? No: riding wins, so the footway must be checked on its own.
    assert pushed.graph("walk").travel_time(A, B) == pytest.approx(100 / WALK, rel=1e-3)
    assert pushed.graph("bike").travel_time(A, B) == pytest.approx(min(100 / WALK, 300 / BIKE), rel=1e-3)
    nodes = {1: (0, 0), 2: (100, 0), 3: (100, 500), 4: (0, 500)}
    long_detour = [([2, 3, 4, 1], {"highway": "residential"})]
    for tags, expected in [
        ({"highway": "footway"}, 100 / WALK),
        ({"highway": "footway", "bicycle": "yes"}, 100 / BIKE),
        ({"highway": "footway", "bicycle": "designated"}, 100 / BIKE),
        ({"highway": "steps"}, 100 / WALK),
        ({"highway": "footway", "bicycle": "no"}, 1100 / BIKE),
    ]:
        net = Network.build(osm_file(nodes, [([1, 2], tags), *long_detour], name="g.osm.pbf"))
        assert net.graph("bike").travel_time(A, B) == pytest.approx(expected, rel=1e-3), tags
        assert net.graph("bike").travel_time(B, A) == pytest.approx(expected, rel=1e-3), tags


@pytest.mark.parametrize(
    "tags",
    [
        {"highway": "motorway"},
        {"highway": "residential", "foot": "no"},
        {"highway": "service", "access": "private"},
        {"highway": "cycleway"},
    ],
)
def test_walk_excludes_forbidden_shortcut(osm_file: OsmWriter, tags: dict[str, str]) -> None:
    graph = Network.build(osm_file(*_ring(tags))).graph("walk")
    assert graph.travel_time(A, B) == pytest.approx(300 / WALK, rel=1e-3)
    assert graph.travel_time(B, A) == pytest.approx(300 / WALK, rel=1e-3)


def test_walk_ignores_one_way(osm_file: OsmWriter) -> None:
    graph = Network.build(osm_file(*_ring({"highway": "primary", "oneway": "yes"}))).graph("walk")
    assert graph.travel_time(B, A) == pytest.approx(100 / WALK, rel=1e-3)


def test_disconnected_parts_are_dropped_and_reported(osm_file: OsmWriter) -> None:
    nodes = {
        1: (0, 0),
        2: (100, 0),
        3: (200, 0),
        10: (0, 1000),
        11: (100, 1000),
        12: (200, 1000),
        20: (300, 0),
    }
    ways = [
        ([1, 2, 3], {"highway": "residential"}),
        ([10, 11, 12], {"highway": "footway"}),  # an island: dropped for both modes
        ([3, 20], {"highway": "residential", "oneway": "yes"}),  # a one-way dead end: dropped for bikes
    ]
    network = Network.build(osm_file(nodes, ways))
    walk = network.report.modes["walk"]
    bike = network.report.modes["bike"]
    assert (walk.nodes_before, walk.nodes_kept, walk.nodes_dropped) == (7, 4, 3)
    assert (walk.segments_before, walk.segments_kept, walk.segments_dropped) == (5, 3, 2)
    assert walk.components == 2
    assert (bike.nodes_dropped, bike.segments_dropped) == (4, 3)
    assert bike.components == 3  # main street, the island, the dead-end node
    # The island is not in the graph: a point on it snaps to the main street, 1 km away.
    with pytest.raises(Exception, match="km from the nearest street"):
        network.graph("walk").snap(*to_lat_lon(100, 1000))
    report = network.report.to_dict()
    assert report["modes"]["bike"]["nodes_dropped"] == 4  # type: ignore[index]


def test_way_leaving_the_extract_is_split(osm_file: OsmWriter, tmp_path) -> None:
    nodes = {1: (0, 0), 2: (100, 0), 4: (300, 0)}
    # Node 3 is referenced but missing from the file, as at the border of an extract.
    path = osm_file(nodes, [([1, 2, 3, 4], {"highway": "residential"}), ([1, 4], {"highway": "residential"})])
    network = Network.build(path)
    assert network.report.nodes_missing == 1
    assert math.isfinite(network.graph("walk").travel_time(A, B))
