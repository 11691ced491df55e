"""Fixtures for the routing tests (plain pytest: no Django needed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from routing_osm import OsmWriter, RelationRow, WayRow, write_osm

from vicinato.routing import Network

MILAN = Path(__file__).resolve().parents[2] / "data" / "milano" / "milan_italy_small.osm.pbf"


@pytest.fixture
def osm_file(tmp_path: Path) -> OsmWriter:
    """A function writing a test map to tmp_path/<name> and returning its path."""

    def make(
        nodes: Mapping[int, tuple[float, float]],
        ways: Sequence[WayRow],
        name: str = "map.osm.pbf",
        node_tags: Mapping[int, Mapping[str, str]] | None = None,
        relations: Sequence[RelationRow] = (),
    ) -> Path:
        return write_osm(tmp_path / name, nodes, ways, node_tags, relations)

    return make


@pytest.fixture(scope="module")
def milan(tmp_path_factory: pytest.TempPathFactory) -> Network:
    """The street network of the Milan extract the product ships (walk, bike, car), built once per module."""
    if not MILAN.is_file():
        pytest.fail(f"{MILAN} is missing: the product ships it in data/milano/.", pytrace=False)
    return Network.load_or_build(MILAN, tmp_path_factory.mktemp("milan"))
