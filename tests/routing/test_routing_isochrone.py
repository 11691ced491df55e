"""Isochrones drawn from a search's times (isochrone.SearchTimes) are those drawn before, bit for bit."""

from __future__ import annotations

from pathlib import Path

import isochrone_reference as reference
import numpy as np
import pytest
import shapely

from vicinato.routing import Network
from vicinato.routing.isochrone import SearchTimes, reachable_pieces

MILAN = Path(__file__).resolve().parents[2] / "data" / "milano" / "milan_italy_small.osm.pbf"


@pytest.fixture(scope="module")
def milan(tmp_path_factory: pytest.TempPathFactory) -> Network:
    return Network.load_or_build(MILAN, tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize(("mode", "budgets"), [("walk", (120, 600)), ("bike", (60, 300)), ("car", (90, 300))])
def test_isochrones_are_unchanged(milan: Network, mode: str, budgets: tuple[int, int]) -> None:
    graph = milan.graph(mode)
    rng = np.random.default_rng(len(mode))
    points = [(45.4642 + rng.uniform(-0.02, 0.02), 9.19 + rng.uniform(-0.03, 0.03)) for _ in range(8)]
    # Points on junctions: with turn costs they leave in every direction at once.
    for node in rng.choice(graph.node_count, 4, replace=False).tolist():
        points.append((float(graph.node_lat[node]), float(graph.node_lon[node])))
    drawn = 0
    for i, (lat, lon) in enumerate(points):
        time_s = budgets[i % 2]
        origin = graph.snap_many([(lat, lon)])
        times = SearchTimes(graph.state_times_from(origin, time_s)[0], origin, graph.snap_cost(origin))
        pieces = reachable_pieces(graph, times, time_s)
        assert np.array_equal(pieces, reference.reachable_pieces(graph, lat, lon, time_s))
        drawn += len(pieces) > 10
        for options in ({}, {"buffer_m": 20.0, "simplify_m": 0.0, "fill_holes_m2": 0.0}):
            iso = graph.isochrone(lat, lon, time_s, **options)
            geometry, area_m2 = reference.isochrone(graph, lat, lon, time_s, **options)
            assert shapely.to_wkb(iso.geometry) == shapely.to_wkb(geometry)
            assert iso.area_m2 == area_m2
    assert drawn >= 10


def test_backward_isochrones_need_a_graph_without_turn_costs(milan: Network) -> None:
    bike = milan.graph("bike")
    origin = bike.snap_many([(45.4642, 9.19)])
    times = SearchTimes(bike.state_times_to(origin, 300)[0], origin, bike.snap_cost(origin), towards=True)
    with pytest.raises(ValueError, match="without turn costs"):
        reachable_pieces(bike, times, 300)
