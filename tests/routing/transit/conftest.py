"""Fixtures for the transit tests: the Milan demo feed on its street extract, and small feeds on a street grid."""

from __future__ import annotations

from pathlib import Path

import pytest
from transit_world import MILAN_GTFS, MILAN_PBF, SmallRouter, write_feed, write_grid

from vicinato.routing import ModeGraph, Network, RoutingSettings
from vicinato.routing.transit import GTFSSource, Timetable, TransitRouter, TransitSettings


@pytest.fixture(scope="session")
def milan(tmp_path_factory: pytest.TempPathFactory) -> TransitRouter:
    cache = tmp_path_factory.mktemp("milan-cache")
    walk = Network.load_or_build(MILAN_PBF, cache, RoutingSettings()).graph("walk")
    timetable = Timetable.load_or_build([GTFSSource(MILAN_GTFS, "atm")], walk, cache)
    return TransitRouter(timetable, walk)


@pytest.fixture(scope="session")
def grid_walk(tmp_path_factory: pytest.TempPathFactory) -> ModeGraph:
    """The street grid of transit_world (x 0..1600 m, y 0..400 m)."""
    path = write_grid(tmp_path_factory.mktemp("grid") / "grid.osm.pbf")
    return Network.build(path).graph("walk")


@pytest.fixture
def small_router(tmp_path: Path, grid_walk: ModeGraph) -> SmallRouter:
    """A router on a feed written from files (see transit_world.basic_files) on the street grid."""

    def make(files: dict, settings: TransitSettings | None = None, feed_id: str = "t") -> TransitRouter:
        path = write_feed(tmp_path / f"{feed_id}.zip", files)
        timetable = Timetable.build([GTFSSource(path, feed_id)], grid_walk, settings or TransitSettings())
        router = TransitRouter(timetable, grid_walk)
        router.feed_path = path  # type: ignore[attr-defined]
        return router

    return make
