"""The graph cache (rebuilt when the source or the speeds change, reused otherwise) and file errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from routing_osm import OsmWriter, to_lat_lon, write_osm

from vicinato.routing import Network, OSMFileError, RoutingSettings, cache_file_name, file_sha256

NODES = {1: (0, 0), 2: (100, 0), 3: (200, 0)}
WAYS = [([1, 2, 3], {"highway": "residential"})]


def test_cache_is_reused_when_nothing_changes(osm_file: OsmWriter, tmp_path: Path) -> None:
    source = osm_file(NODES, WAYS)
    cache = tmp_path / "cache"
    first = Network.load_or_build(source, cache)
    assert not first.from_cache
    assert first.cache_path == cache / cache_file_name(file_sha256(source), RoutingSettings())
    stamp = first.cache_path.stat().st_mtime_ns
    second = Network.load_or_build(source, cache)
    assert second.from_cache
    assert second.cache_path.stat().st_mtime_ns == stamp
    a, b = to_lat_lon(0, 0), to_lat_lon(200, 0)
    assert second.graph("walk").travel_time(a, b) == first.graph("walk").travel_time(a, b)
    assert second.report.to_dict() == first.report.to_dict()
    # Touching the file without changing it keeps the cache: the key is the content hash.
    os.utime(source)
    assert Network.load_or_build(source, cache).from_cache


def test_cache_is_rebuilt_when_the_source_changes(osm_file: OsmWriter, tmp_path: Path) -> None:
    source = osm_file(NODES, WAYS)
    cache = tmp_path / "cache"
    Network.load_or_build(source, cache)
    write_osm(source, {**NODES, 3: (300, 0)}, WAYS)
    rebuilt = Network.load_or_build(source, cache)
    assert not rebuilt.from_cache
    assert rebuilt.graph("walk").travel_time(to_lat_lon(0, 0), to_lat_lon(300, 0)) == pytest.approx(
        300 / (4.8 / 3.6), rel=1e-3
    )
    assert len(list(cache.glob("routing-*.npz"))) == 2


def test_cache_is_rebuilt_when_speeds_change_but_not_for_snapping_limits(
    osm_file: OsmWriter, tmp_path: Path
) -> None:
    source = osm_file(NODES, WAYS)
    cache = tmp_path / "cache"
    Network.load_or_build(source, cache)
    faster = Network.load_or_build(source, cache, RoutingSettings(walk_speed_kmh=6))
    assert not faster.from_cache
    assert faster.graph("walk").travel_time(to_lat_lon(0, 0), to_lat_lon(200, 0)) == pytest.approx(
        120, rel=1e-3
    )
    lenient = Network.load_or_build(source, cache, RoutingSettings(max_snap_m=2000))
    assert lenient.from_cache
    assert lenient.settings.max_snap_m == 2000
    assert lenient.graph("walk").settings.max_snap_m == 2000


def test_damaged_cache_is_rebuilt(osm_file: OsmWriter, tmp_path: Path) -> None:
    source = osm_file(NODES, WAYS)
    cache = tmp_path / "cache"
    network = Network.load_or_build(source, cache)
    assert network.cache_path is not None
    network.cache_path.write_bytes(b"not a cache")
    again = Network.load_or_build(source, cache)
    assert not again.from_cache
    assert Network.load_or_build(source, cache).from_cache


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(OSMFileError, match="does not exist; check the path"):
        Network.load_or_build(tmp_path / "nowhere.osm.pbf", tmp_path)


def test_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "random.osm.pbf"
    path.write_bytes(os.urandom(4096))
    with pytest.raises(OSMFileError, match="Could not read .* as an OpenStreetMap file"):
        Network.load_or_build(path, tmp_path)


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "zero.osm.pbf"
    path.write_bytes(b"")
    with pytest.raises(OSMFileError, match="is empty"):
        Network.build(path)


def test_file_without_streets(osm_file: OsmWriter, tmp_path: Path) -> None:
    path = osm_file(NODES, [([1, 2, 3, 1], {"building": "yes"}), ([1, 2], {"highway": "proposed"})])
    with pytest.raises(OSMFileError, match="contains no streets that people may walk, cycle or drive on"):
        Network.load_or_build(path, tmp_path / "cache")


def test_file_with_only_a_motorway(osm_file: OsmWriter, tmp_path: Path) -> None:
    # Cars could drive it, but nobody may walk there: the walk graph cannot be built.
    path = osm_file(NODES, [([1, 2, 3, 1], {"building": "yes"}), ([1, 2], {"highway": "motorway"})])
    with pytest.raises(OSMFileError, match="has no streets usable for walk"):
        Network.load_or_build(path, tmp_path / "cache")


def test_file_with_no_objects_at_all(osm_file: OsmWriter, tmp_path: Path) -> None:
    path = osm_file({}, [])
    assert path.stat().st_size > 0  # a valid file: a header and no data
    with pytest.raises(OSMFileError, match="contains no streets"):
        Network.build(path)


def test_xml_files_work_too(osm_file: OsmWriter) -> None:
    network = Network.build(osm_file(NODES, WAYS, name="map.osm"))
    assert network.graph("bike").travel_time(to_lat_lon(0, 0), to_lat_lon(200, 0)) == pytest.approx(
        48, rel=1e-3
    )


def test_a_second_load_reads_the_cache(osm_file: OsmWriter, tmp_path: Path) -> None:
    """Read, not rebuilt (its speed is benchmarks/routing.py's to measure, not a timed test's)."""
    source = osm_file(NODES, WAYS)
    assert not Network.load_or_build(source, tmp_path).from_cache
    assert Network.load_or_build(source, tmp_path).from_cache
