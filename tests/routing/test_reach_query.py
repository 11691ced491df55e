"""ReachIndex queries: the one-point snap and the per-state rows give what the per-place data and snap_many give."""

from __future__ import annotations

import math

import numpy as np
import pytest
from routing_osm import OsmWriter, to_lat_lon

from vicinato.routing import Network, PointTooFarError
from vicinato.routing.graph import ModeGraph
from vicinato.routing.reach import INDEX_TOLERANCE_S, ReachIndex


@pytest.fixture
def town(osm_file: OsmWriter) -> Network:
    """An irregular town: a jittered 9 x 9 grid with one-way rows, pedestrian columns and diagonals."""
    rng = np.random.default_rng(5)
    nodes, ways = {}, []
    for i in range(9):
        for j in range(9):
            dx, dy = rng.uniform(-25, 25, size=2)
            nodes[i * 9 + j + 1] = (j * 90.0 + dx, i * 90.0 + dy)
    for i in range(9):
        ways.append(
            (
                [i * 9 + j + 1 for j in range(9)],
                {"highway": "residential", "oneway": "yes" if i % 3 == 1 else "no"},
            )
        )
        ways.append(
            ([j * 9 + i + 1 for j in range(9)], {"highway": "pedestrian" if i % 4 == 2 else "tertiary"})
        )
    for start in (1, 3, 19):
        ways.append(([start + k * 10 for k in range(4)], {"highway": "living_street"}))
    return Network.build(osm_file(nodes, ways))


def town_places() -> list[tuple[str, float, float]]:
    rng = np.random.default_rng(8)
    spots = [(f"r{k}", *to_lat_lon(*rng.uniform(-20, 740, size=2))) for k in range(25)]
    # Places on the streets around the junction at (180, 180) (node 21), where some origins stand.
    spots += [("a", *to_lat_lon(180, 200)), ("b", *to_lat_lon(230, 180)), ("c", *to_lat_lon(180, 140))]
    return spots


def origins(graph: ModeGraph) -> list[tuple[float, float]]:
    rng = np.random.default_rng(21)
    points = [to_lat_lon(*rng.uniform(-30, 750, size=2)) for _ in range(60)]
    # Exactly at junctions and shape points (snapped with fraction 0 or 1), and next to a place.
    lat, lon = graph.node_lat, graph.node_lon
    points += [
        (float(lat[n]), float(lon[n])) for n in range(0, graph.node_count, max(1, graph.node_count // 15))
    ]
    points += [to_lat_lon(180, 180), to_lat_lon(180, 205), to_lat_lon(90, 0)]
    return points


def reference(index: ReachIndex, lat: float, lon: float, within_s: float) -> dict[str, float]:
    """Seconds to every place, from each place's own search states and every direct trip (no shortcuts)."""
    graph = index.graph
    origin = graph.snap_many([(lat, lon)])
    heads, costs = graph._heads_out(origin)
    slots = [s for s, p in enumerate(index._place) if p is not None]
    best = np.full(len(slots), np.inf)
    for k, slot in enumerate(slots):
        nodes, times = index._nodes[slot], index._times[slot]
        for head, cost in zip(heads[0], costs[0], strict=True):
            hit = np.flatnonzero(nodes == head)
            if len(hit) and math.isfinite(cost):
                best[k] = min(best[k], cost + float(times[hit[0]]))
    _, di, direct = graph.direct_trips(origin, index._snapped(np.asarray(slots)))
    np.minimum.at(best, di, direct)
    return {
        index._place[s]: float(t)
        for s, t in zip(slots, best, strict=True)
        if t <= within_s + INDEX_TOLERANCE_S
    }


@pytest.mark.parametrize("mode", ["walk", "bike"])
def test_one_point_snap_is_snap_many(town: Network, mode: str) -> None:
    graph = town.graph(mode)
    index = ReachIndex.build(graph, town_places()[:3], max_time_s=600)
    # Also points off the streets and outside the town, where the nearest segment is not the one of the
    # nearest sample along the streets.
    rng = np.random.default_rng(34)
    around = [to_lat_lon(*rng.uniform(-350, 1050, size=2)) for _ in range(600)]
    for lat, lon in origins(graph) + around:
        fast, batch = index._snap_origin(lat, lon), graph.snap_many([(lat, lon)])
        for field in ("lat", "lon", "seg", "frac", "dist_m", "ok"):
            a, b = getattr(fast, field), getattr(batch, field)
            assert a.dtype == b.dtype and a.tolist() == b.tolist(), field
    with pytest.raises(PointTooFarError):
        index._snap_origin(*to_lat_lon(5000, 0))
    with pytest.raises(ValueError, match="finite"):
        index._snap_origin(math.nan, 9.19)


@pytest.mark.parametrize("mode", ["walk", "bike"])
def test_queries_match_the_places_own_search_states(town: Network, mode: str) -> None:
    graph = town.graph(mode)
    index = ReachIndex.build(graph, town_places(), max_time_s=500)
    # Changes after the first query must be seen by the next one (the per-state rows are rebuilt).
    index.reachable(*to_lat_lon(0, 0), within_s=300)
    index.remove("r3")
    index.move("r4", *to_lat_lon(400, 410))
    index.add("new", *to_lat_lon(185, 180))
    checked = 0
    for lat, lon in origins(graph):
        for within in (60.0, 240.0, 500.0):
            expected = reference(index, lat, lon, within)
            found = index.reachable(lat, lon, within_s=within)
            assert {r.place_id: r.seconds for r in found} == expected
            assert [r.seconds for r in found] == sorted(r.seconds for r in found)
            checked += len(found)
        assert index.times_from(lat, lon) == reference(index, lat, lon, index.max_time_s)
    assert checked > 500
    # Some origins reach places with no search at all (along their street, or leaving their junction).
    assert index.reachable(*to_lat_lon(180, 180), within_s=40)


def test_an_empty_index_answers_nothing(town: Network) -> None:
    index = ReachIndex.build(town.graph("bike"), [], max_time_s=600)
    assert index.reachable(*to_lat_lon(100, 100), within_s=600) == []
    index.add("p", *to_lat_lon(100, 110))
    assert [r.place_id for r in index.reachable(*to_lat_lon(100, 100), within_s=600)] == ["p"]
    index.remove("p")
    assert index.times_from(*to_lat_lon(100, 100)) == {}
