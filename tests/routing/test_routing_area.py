"""Isochrones, population coverage and the street-name index on small written maps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from routing_osm import OsmWriter, to_lat_lon
from shapely.geometry import box, shape

from vicinato.routing import Network
from vicinato.routing.coverage import coverage_share, node_weights_from_polygons
from vicinato.routing.geocode import StreetIndex, normalise, split_query
from vicinato.routing.reach import ReachIndex

WALK = 4.8 / 3.6


@pytest.fixture
def grid(osm_file: OsmWriter) -> Network:
    """A 2 km × 2 km grid of streets every 100 m."""
    nodes, ways = {}, []
    for i in range(21):
        for j in range(21):
            nodes[i * 21 + j + 1] = (i * 100.0, j * 100.0)
    for i in range(21):
        ways.append(
            ([i * 21 + j + 1 for j in range(21)], {"highway": "residential", "name": f"Via Numero {i}"})
        )
        ways.append(
            (
                [j * 21 + i + 1 for j in range(21)],
                {"highway": "residential", "name": f"Viale Trasversale {i}"},
            )
        )
    return Network.build(osm_file(nodes, ways))


def test_isochrone_on_a_grid_is_a_buffered_diamond(grid: Network) -> None:
    graph = grid.graph("walk")
    lat, lon = to_lat_lon(1000, 1000)
    iso = graph.isochrone(lat, lon, 500 / WALK, buffer_m=50, fill_holes_m2=0, simplify_m=0)
    geo = iso.geojson()
    assert geo["type"] in ("Polygon", "MultiPolygon")
    # On a Manhattan grid the reachable streets fill a diamond of radius 500 m (0.5 km²); the 50 m
    # buffer adds up to 0.15 km² along its edges, less where the edge is a staircase of street ends.
    assert 0.5e6 < iso.area_m2 < 0.65e6
    poly = shape(geo)
    assert poly.contains(shapely.Point(*to_lat_lon(1000, 1450)[::-1]))
    assert not poly.contains(shapely.Point(*to_lat_lon(1300, 1300)[::-1]))  # 600 m away on the grid
    assert -1 <= poly.bounds[0] - lon < 0 and 0 < poly.bounds[3] - lat < 0.01
    feature = iso.feature()
    assert feature["properties"]["mode"] == "walk"


def test_isochrone_stops_partway_along_a_street(osm_file: OsmWriter) -> None:
    nodes = {1: (0, 0), 2: (1000, 0)}
    graph = Network.build(osm_file(nodes, [([1, 2], {"highway": "residential"})])).graph("walk")
    iso = graph.isochrone(*to_lat_lon(0, 0), 300 / WALK, buffer_m=20, simplify_m=0)
    # A 300 m piece of street buffered by 20 m: 300·40 + π·20² ≈ 13,257 m².
    assert iso.area_m2 == pytest.approx(300 * 40 + np.pi * 400, rel=0.02)


def test_isochrone_for_bikes_follows_one_way_streets(osm_file: OsmWriter) -> None:
    nodes = {1: (-1000, 0), 2: (0, 0), 3: (1000, 0), 4: (1000, 800), 5: (-1000, 800)}
    ways = [
        ([1, 2, 3], {"highway": "residential", "oneway": "yes"}),
        ([3, 4, 5, 1], {"highway": "residential"}),
    ]
    graph = Network.build(osm_file(nodes, ways)).graph("bike")
    iso = shape(graph.isochrone(*to_lat_lon(0, 0), 60, buffer_m=20, simplify_m=0).geojson())
    assert iso.contains(shapely.Point(*to_lat_lon(200, 0)[::-1]))
    assert not iso.contains(shapely.Point(*to_lat_lon(-200, 0)[::-1]))


def test_population_weights_and_coverage(grid: Network) -> None:
    graph = grid.graph("walk")
    west = box(*to_lat_lon(-50, -50)[::-1], *to_lat_lon(950, 2050)[::-1])
    east = {
        "type": "Polygon",
        "coordinates": [
            [
                list(to_lat_lon(x, y)[::-1])
                for x, y in [(1050, -50), (2050, -50), (2050, 2050), (1050, 2050), (1050, -50)]
            ]
        ],
    }
    tiny = box(*to_lat_lon(4000, 4000)[::-1], *to_lat_lon(4010, 4010)[::-1])
    weights = node_weights_from_polygons(graph, [(west, 1000.0), (east, 3000.0), (tiny, 7.0)])
    assert weights.sum() == pytest.approx(4007.0)
    x_of_node = np.round(
        (graph.node_lon - graph.node_lon.min()) / (graph.node_lon.max() - graph.node_lon.min()) * 20
    )
    assert weights[x_of_node <= 9].sum() == pytest.approx(1000.0)
    # Graph nodes are junctions: the grid's corners touch two streets only and are not nodes.
    east_nodes = x_of_node >= 11
    assert east_nodes.sum() == 10 * 21 - 2
    share = 3000.0 / east_nodes.sum()
    # The tiny polygon far to the north-east has no node: its 7 people go to the nearest one.
    assert weights[east_nodes].sum() == pytest.approx(3007.0)
    assert np.isclose(weights[east_nodes], share).sum() == east_nodes.sum() - 1
    mask = x_of_node <= 9
    assert coverage_share(weights, mask) == pytest.approx(1000 / 4007)
    assert coverage_share(weights, np.flatnonzero(mask)) == pytest.approx(1000 / 4007)
    assert coverage_share(np.zeros(3), np.array([True, False, True])) == 0.0
    index = ReachIndex.build(graph, [("centre", *to_lat_lon(1000, 1000))])
    assert coverage_share(weights, index.covered_nodes(1800)) == pytest.approx(1.0)
    assert 0 < coverage_share(weights, index.covered_nodes(300)) < 0.2


def test_normalise_and_split() -> None:
    assert normalise("V.le Monza") == "viale monza"
    assert normalise("p.za  Duomo") == "piazza duomo"
    assert normalise("C.so Buenos Aires") == "corso buenos aires"
    assert normalise("P.zza Sant'Ambrogio") == "piazza sant ambrogio"
    assert normalise("Via Nicolò Tommaseo") == "via nicolo tommaseo"
    assert normalise("v. Padova") == "via padova"
    assert split_query("Via Padova, 21 - 20127 Milano") == ("via padova", "21")
    assert split_query("via padova 21/b") == ("via padova", "21/b")
    assert split_query("viale monza") == ("viale monza", None)


def test_street_index(osm_file: OsmWriter, tmp_path: Path) -> None:
    nodes = {
        1: (0, 0),
        2: (200, 0),
        3: (400, 0),
        4: (0, 300),
        5: (200, 300),
        6: (5000, 0),
        7: (5200, 0),
        10: (100, 10),
        11: (300, 12),
    }
    ways = [
        ([1, 2, 3], {"highway": "residential", "name": "Via Padova"}),
        ([4, 5], {"highway": "primary", "name": "Viale Monza"}),
        ([6, 7], {"highway": "residential", "name": "Via Padova"}),  # same name, another town
        ([1, 4], {"highway": "footway"}),
    ]
    node_tags = {
        10: {"addr:street": "Via Padova", "addr:housenumber": "21"},
        11: {"addr:street": "Via Padova", "addr:housenumber": "41"},
    }
    path = osm_file(nodes, ways, node_tags=node_tags)
    index = StreetIndex.load_or_build(path, tmp_path / "cache")
    assert list((tmp_path / "cache").glob("streets-*.json.gz"))
    exact = index.search("via padova 21")[0]
    assert (exact.kind, exact.label, exact.score) == ("address", "Via Padova 21", 1.0)
    assert (exact.lat, exact.lon) == pytest.approx(to_lat_lon(100, 10), abs=1e-6)
    near = index.search("Via Padova 25")[0]
    assert near.kind == "near_address" and near.label == "Via Padova 21" and near.score < 1
    streets = index.search("v. padova")
    assert [c.kind for c in streets] == ["street", "street"]
    monza = index.search("V.le Monza")[0]
    assert monza.label == "Viale Monza" and monza.score == 1.0
    assert index.search("monza")[0].label == "Viale Monza"
    assert index.search("viale monzza")[0].label == "Viale Monza"
    assert index.search("piazza inesistente") == []
    cached = StreetIndex.load_or_build(path, tmp_path / "cache")
    assert cached.search("via padova 21") == index.search("via padova 21")
