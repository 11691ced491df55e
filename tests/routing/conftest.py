"""Fixtures for the routing tests (plain pytest: no Django needed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from routing_osm import OsmWriter, RelationRow, WayRow, write_osm


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
