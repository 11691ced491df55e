"""Helpers for the transit tests: small GTFS feeds written as zip files, and a small street grid for them."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from routing_osm import to_lat_lon, write_osm

from vicinato.routing.transit import TransitRouter

Rows = Sequence[Sequence[object]]
ROOT = Path(__file__).resolve().parents[3]
MILAN_PBF = ROOT / "data" / "milano" / "milan_italy_small.osm.pbf"
MILAN_GTFS = ROOT / "data" / "milano" / "milano_small_gtfs.zip"
# small_router(files, settings=None, feed_id="t"): see conftest.py.
SmallRouter = Callable[..., TransitRouter]

# A street grid: horizontal streets at y = 0 and 400 m, vertical ones every 400 m from x = 0 to 1600,
# with a node every 100 m (so stops snap close to where they stand).
GRID_XS = range(0, 1601, 100)
GRID_YS = range(0, 401, 100)


def write_grid(path: Path) -> Path:
    nodes: dict[int, tuple[float, float]] = {}

    def node(x: int, y: int) -> int:
        key = 100_000 + x * 10 + y // 100
        nodes[key] = (float(x), float(y))
        return key

    ways = []
    for y in (0, 400):
        ways.append(([node(x, y) for x in GRID_XS], {"highway": "residential"}))
    for x in range(0, 1601, 400):
        ways.append(([node(x, y) for y in GRID_YS], {"highway": "residential"}))
    return write_osm(path, nodes, ways)


def stop_row(stop_id: str, x: float, y: float, name: str | None = None, **extra: object) -> list[object]:
    lat, lon = to_lat_lon(x, y)
    return [
        stop_id,
        name or stop_id,
        f"{lat:.7f}",
        f"{lon:.7f}",
        extra.get("location_type", ""),
        extra.get("parent_station", ""),
    ]


STOP_HEADER = ["stop_id", "stop_name", "stop_lat", "stop_lon", "location_type", "parent_station"]


def write_feed(path: Path, files: Mapping[str, tuple[Sequence[str], Rows] | str]) -> Path:
    """A zip with one CSV per entry: (header, rows), or raw text written as is."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            if isinstance(content, str):
                archive.writestr(name, content)
                continue
            header, rows = content
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
            archive.writestr(name, buffer.getvalue())
    return path


def basic_files(
    stops: Rows,
    trips: Rows,
    stop_times: Rows,
    *,
    routes: Rows = (("L1", "1", 3), ("L2", "2", 0), ("L3", "3", 1)),
    dates: Sequence[str] = ("20250602", "20250603", "20250604"),
) -> dict[str, tuple[Sequence[str], Rows]]:
    """A feed whose every service runs on `dates` (calendar_dates only); trips are
    (trip_id, route_id, service_id[, headsign]) and stop_times (trip_id, stop_id, seq, arr, dep[, pickup, dropoff])."""
    services = sorted({t[2] for t in trips})
    return {
        "agency.txt": (
            ["agency_id", "agency_name", "agency_url", "agency_timezone"],
            [["A", "Test", "http://x", "Europe/Rome"]],
        ),
        "stops.txt": (STOP_HEADER, stops),
        "routes.txt": (
            ["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"],
            [[r[0], "A", r[1], f"line {r[1]}", r[2]] for r in routes],
        ),
        "trips.txt": (
            ["route_id", "service_id", "trip_id", "trip_headsign"],
            [[t[1], t[2], t[0], t[3] if len(t) > 3 else ""] for t in trips],
        ),
        "stop_times.txt": (
            [
                "trip_id",
                "arrival_time",
                "departure_time",
                "stop_id",
                "stop_sequence",
                "pickup_type",
                "drop_off_type",
            ],
            [
                [r[0], r[3], r[4], r[1], r[2], r[5] if len(r) > 5 else "", r[6] if len(r) > 6 else ""]
                for r in stop_times
            ],
        ),
        "calendar_dates.txt": (
            ["service_id", "date", "exception_type"],
            [[s, d, 1] for s in services for d in dates],
        ),
    }
