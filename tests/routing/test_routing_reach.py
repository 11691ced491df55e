"""ReachIndex: places reachable within a time, incremental updates, persistence."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from routing_osm import OsmWriter, to_lat_lon

from vicinato.routing import CutoffTooLargeError, Network, PointTooFarError, StaleIndexError
from vicinato.routing.reach import ReachIndex

WALK = 4.8 / 3.6


@pytest.fixture
def grid(osm_file: OsmWriter) -> Network:
    nodes, ways = {}, []
    for i in range(8):
        for j in range(8):
            nodes[i * 8 + j + 1] = (i * 100.0, j * 100.0)
    for i in range(8):
        ways.append(
            (
                [i * 8 + j + 1 for j in range(8)],
                {"highway": "residential", "oneway": "yes" if i % 2 else "no"},
            )
        )
        ways.append(
            ([j * 8 + i + 1 for j in range(8)], {"highway": "residential", "oneway": "-1" if i % 3 else "no"})
        )
    return Network.build(osm_file(nodes, ways))


PLACES = [(10, 150.0, 50.0), (11, 620.0, 380.0), (12, 300.0, 700.0), (13, 20.0, 20.0)]


def places() -> list[tuple[int, float, float]]:
    return [(pid, *to_lat_lon(x, y)) for pid, x, y in PLACES]


@pytest.mark.parametrize("mode", ["walk", "bike"])
def test_reach_index_matches_table(grid: Network, mode: str) -> None:
    graph = grid.graph(mode)
    index = ReachIndex.build(graph, places(), max_time_s=600)
    rng = np.random.default_rng(3)
    origins = [to_lat_lon(x, y) for x, y in rng.uniform(0, 700, size=(30, 2))]
    table = graph.table(origins, [(p[1], p[2]) for p in places()], cutoff_s=400)
    for row, origin in zip(table, origins, strict=True):
        found = {r.place_id: r.seconds for r in index.reachable(*origin, within_s=400)}
        expected = {pid: t for (pid, _, _), t in zip(places(), row, strict=True) if math.isfinite(t)}
        assert found.keys() == expected.keys()
        for pid, seconds in expected.items():
            assert found[pid] == pytest.approx(seconds, abs=2e-3)
        times = [r.seconds for r in index.reachable(*origin, within_s=400)]
        assert times == sorted(times)


def test_cutoff_boundary(grid: Network) -> None:
    graph = grid.graph("walk")
    index = ReachIndex.build(graph, [("p", *to_lat_lon(300, 0))], max_time_s=1800)
    exact = 300 / WALK
    assert [r.place_id for r in index.reachable(*to_lat_lon(0, 0), within_s=exact)] == ["p"]
    assert index.reachable(*to_lat_lon(0, 0), within_s=exact - 0.5) == []
    with pytest.raises(CutoffTooLargeError, match="up to 30 minutes"):
        index.reachable(*to_lat_lon(0, 0), within_s=3600)


def test_add_move_remove(grid: Network) -> None:
    graph = grid.graph("bike")
    index = ReachIndex.build(graph, places()[:2], max_time_s=900)
    origin = to_lat_lon(0, 0)
    before = {r.place_id for r in index.reachable(*origin, within_s=60)}
    index.add(99, *to_lat_lon(10, 0))
    assert 99 in index and len(index) == 3
    assert {r.place_id for r in index.reachable(*origin, within_s=60)} == before | {99}
    index.move(99, *to_lat_lon(700, 700))
    assert len(index) == 3
    far = {r.place_id: r.seconds for r in index.reachable(*origin, within_s=900)}
    assert far[99] == pytest.approx(graph.travel_time(origin, to_lat_lon(700, 700)), abs=2e-3)
    assert index.remove(99) and not index.remove(99)
    assert 99 not in {r.place_id for r in index.reachable(*origin, within_s=900)}
    # Removing most places compacts the storage and keeps the rest answering the same.
    keep = index.reachable(*to_lat_lon(150, 60), within_s=900)
    index.remove(11)
    assert [r for r in keep if r.place_id != 11] == index.reachable(*to_lat_lon(150, 60), within_s=900)
    with pytest.raises(PointTooFarError):
        index.add(100, *to_lat_lon(5000, 0))
    index.add_many([(101, *to_lat_lon(5000, 0)), (102, *to_lat_lon(100, 100))], on_far="skip")
    assert 101 in index.skipped and "choose a point inside the city" in index.skipped[101]
    assert 102 in index


def test_save_and_load(grid: Network, tmp_path: Path) -> None:
    graph = grid.graph("walk")
    index = ReachIndex.build(graph, places(), max_time_s=900)
    index.remove(11)
    path = index.save(tmp_path / "walk-index.npz")
    loaded = ReachIndex.load(path, graph)
    assert sorted(loaded.place_ids) == [10, 12, 13]
    origin = to_lat_lon(330, 240)
    assert loaded.reachable(*origin, 900) == index.reachable(*origin, 900)
    assert loaded.times_from(*origin) == index.times_from(*origin)
    loaded.add(11, *to_lat_lon(620, 380))
    assert 11 in {r.place_id for r in loaded.reachable(*origin, 900)}
    string_ids = ReachIndex.build(graph, [("a", *to_lat_lon(0, 0))])
    assert ReachIndex.load(string_ids.save(tmp_path / "s.npz"), graph).place_ids == ["a"]
    with pytest.raises(StaleIndexError, match="rebuild it"):
        ReachIndex.load(path, grid.graph("bike"))


def test_covered_nodes(grid: Network) -> None:
    graph = grid.graph("walk")
    index = ReachIndex.build(graph, [("p", *to_lat_lon(0, 0))])
    covered = index.covered_nodes(150 / WALK)
    # Junctions within 150 m of the corner: (100, 0) and (0, 100); the corner itself touches two
    # streets only, so it is a shape point and not a graph node.
    assert covered.sum() == 2
    assert index.covered_nodes(1800).sum() == graph.node_count
    assert index.covered_nodes(1800, place_ids=[]).sum() == 0
