"""Fixtures for the routing tests (plain pytest: no Django needed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from routing_osm import OsmWriter, WayRow, write_osm


@pytest.fixture
def osm_file(tmp_path: Path) -> OsmWriter:
    """A function writing a test map to tmp_path/<name> and returning its path."""

    def make(
        nodes: Mapping[int, tuple[float, float]],
        ways: Sequence[WayRow],
        name: str = "map.osm.pbf",
        node_tags: Mapping[int, Mapping[str, str]] | None = None,
    ) -> Path:
        return write_osm(tmp_path / name, nodes, ways, node_tags)

    return make
