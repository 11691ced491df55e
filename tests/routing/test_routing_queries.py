"""Snapping, cutoffs, tables (reverse vs forward searches) and same-street trips on small written maps."""

from __future__ import annotations

import math

import numpy as np
import pytest
from routing_osm import OsmWriter, to_lat_lon

from vicinato.routing import ModeGraph, Network, PointTooFarError, RoutingSettings, UnknownModeError

WALK = 4.8 / 3.6
BIKE = 15 / 3.6


@pytest.fixture
def line(osm_file: OsmWriter) -> Network:
    """A straight 1 km street with a side street at 400 m (so the street is two chains)."""
    nodes = {i: (i * 100.0, 0.0) for i in range(11)}
    nodes[20] = (400.0, 200.0)
    ways = [(list(range(11)), {"highway": "residential"}), ([4, 20], {"highway": "residential"})]
    return Network.build(osm_file(nodes, ways))


def test_cutoff_boundary_is_inclusive(line: Network) -> None:
    graph = line.graph("walk")
    origin = to_lat_lon(0, 0)
    place = to_lat_lon(700, 0)
    exact = 700 / WALK
    assert graph.travel_time(origin, place) == pytest.approx(exact, rel=1e-6)
    assert graph.table([origin], [place], cutoff_s=exact)[0, 0] == pytest.approx(exact, rel=1e-6)
    assert graph.table([origin], [place], cutoff_s=exact - 0.5)[0, 0] == math.inf
    # The same on the reverse-search path (more origins than places) and on the forward one.
    many = [origin] * 3
    assert np.allclose(graph.table(many, [place], cutoff_s=exact)[:, 0], exact)
    assert np.all(graph.table(many, [place], cutoff_s=exact - 0.5) == math.inf)
    assert np.allclose(graph.table([origin], [place] * 3, cutoff_s=exact)[0], exact)
    times = graph.times_from(*origin, cutoff_s=exact)
    assert times.to([place])[0] == pytest.approx(exact)
    assert times.to([to_lat_lon(701, 0)])[0] == math.inf


def test_snap_distance_is_walked(line: Network) -> None:
    for mode in ("walk", "bike"):
        graph = line.graph(mode)
        speed = WALK if mode == "walk" else BIKE
        snap = graph.snap(*to_lat_lon(250, 40))
        assert snap.distance_m == pytest.approx(40, abs=0.01)
        assert snap.snapped_lat == pytest.approx(to_lat_lon(250, 0)[0], abs=1e-7)
        # Snapping is onto the street itself, not the nearest node: 50 m from both nodes.
        expected = 40 / WALK + 350 / speed + 30 / WALK
        assert graph.travel_time(to_lat_lon(250, 40), to_lat_lon(600, -30)) == pytest.approx(
            expected, rel=1e-4
        )


def test_too_far_point_is_refused_with_a_clear_message(line: Network) -> None:
    graph = line.graph("walk")
    with pytest.raises(PointTooFarError) as caught:
        graph.snap(*to_lat_lon(500, 2300))
    message = str(caught.value)
    assert "2.1 km from the nearest street" in message
    assert "choose a point inside the city" in message
    assert caught.value.distance_m == pytest.approx(2100, rel=2e-3)
    with pytest.raises(PointTooFarError, match="600 m from the nearest street"):
        graph.table([to_lat_lon(0, -600)], [to_lat_lon(0, 0)], 3600)
    # Non-strict tables give inf for such points instead of raising.
    table = graph.table([to_lat_lon(0, -600), to_lat_lon(0, 0)], [to_lat_lon(100, 0)], 3600, strict=False)
    assert table[0, 0] == math.inf and math.isfinite(table[1, 0])
    # The limit is a setting.
    lenient = Network.build(line.report.source, RoutingSettings(max_snap_m=3000)).graph("walk")
    assert math.isfinite(lenient.travel_time(to_lat_lon(500, 2300), to_lat_lon(0, 0)))


def test_same_street_trips_do_not_detour_through_junctions(line: Network) -> None:
    graph = line.graph("walk")
    a, b = to_lat_lon(120, 0), to_lat_lon(180, 0)
    assert graph.travel_time(a, b) == pytest.approx(60 / WALK, rel=1e-6)
    assert graph.travel_time(b, a) == pytest.approx(60 / WALK, rel=1e-6)
    assert graph.travel_time(a, a) == pytest.approx(0, abs=1e-9)


def test_same_street_one_way_for_bikes(osm_file: OsmWriter) -> None:
    nodes = {1: (0, 0), 2: (100, 0), 3: (200, 0), 4: (300, 0), 5: (300, 100), 6: (0, 100)}
    ways = [
        ([1, 2, 3, 4], {"highway": "residential", "oneway": "yes"}),
        ([4, 5, 6, 1], {"highway": "residential"}),
    ]
    graph = Network.build(osm_file(nodes, ways)).graph("bike")
    a, b = to_lat_lon(50, 0), to_lat_lon(250, 0)
    assert graph.travel_time(a, b) == pytest.approx(200 / BIKE, rel=1e-4)
    # Backwards the cyclist rides to the end of the one-way street and round the loop.
    assert graph.travel_time(b, a) == pytest.approx((50 + 500 + 50) / BIKE, rel=1e-4)


def test_reverse_table_equals_forward_table_on_directed_graph(osm_file: OsmWriter) -> None:
    rng = np.random.default_rng(7)
    nodes = {}
    for i in range(6):
        for j in range(6):
            nodes[i * 6 + j + 1] = (i * 120.0, j * 90.0)
    ways = []
    for i in range(6):
        row = [i * 6 + j + 1 for j in range(6)]
        col = [j * 6 + i + 1 for j in range(6)]
        ways.append((row, {"highway": "residential", "oneway": "yes" if i % 2 else "-1"}))
        ways.append((col, {"highway": "tertiary", "oneway": "yes" if i % 3 else "no"}))
    graph = Network.build(osm_file(nodes, ways)).graph("bike")
    points = [to_lat_lon(x, y) for x, y in rng.uniform([0, 0], [600, 450], size=(25, 2))]
    places = points[:7]
    reverse = graph.table(points, places, cutoff_s=200)  # 7 reverse searches
    forward = np.vstack([graph.table([p], places, cutoff_s=200) for p in points])  # forward searches
    assert np.isfinite(reverse).sum() > 20
    assert np.array_equal(np.isfinite(reverse), np.isfinite(forward))
    assert np.allclose(reverse[np.isfinite(reverse)], forward[np.isfinite(forward)], rtol=1e-9)
    # And one-way streets make it directed: some trips differ from their return trips.
    back = graph.table(places, places, cutoff_s=1e6)
    assert not np.allclose(back, back.T)


def test_table_shapes_and_modes(line: Network) -> None:
    graph = line.graph("walk")
    assert graph.table([], [to_lat_lon(0, 0)], 60).shape == (0, 1)
    assert graph.table(np.array([[*to_lat_lon(0, 0)]]), [], 60).shape == (1, 0)
    assert graph.table([to_lat_lon(0, 0)], [to_lat_lon(1, 0)], 60, dtype=np.float32).dtype == np.float32
    with pytest.raises(UnknownModeError, match="'walk', 'bike', 'car'"):
        line.graph("plane")
    with pytest.raises(ValueError, match="lat, lon"):
        graph.table([(1.0, 2.0, 3.0)], [to_lat_lon(0, 0)], 60)
    assert isinstance(graph, ModeGraph)
    assert graph.sizes()["nodes"] == graph.node_count == 4  # the ends, the side street's end and the crossing
