"""Build the walk, bike and car graphs of an OSM extract once, cache them on disk, and load them fast."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .car import split_at_barriers
from .errors import OSMFileError, UnknownModeError
from .files import save_npz
from .graph import NETWORK_MODES, ModeGraph
from .layout import STORED_ARRAYS, ModeReport
from .osm import check_osm_file, read_street_segments, signal_arrivals
from .projection import LocalProjection
from .settings import SPEED_TABLES, RoutingSettings

log = logging.getLogger(__name__)

# Bumped whenever the layout of the cache file changes.
CACHE_FORMAT_VERSION = 4


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's content, read in 1 MiB blocks."""
    check_osm_file(path)
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_file_name(source_sha256: str, settings: RoutingSettings) -> str:
    """routing-v<format>-<first 16 hex of the source hash>-<first 12 hex of the settings hash>.npz"""
    return f"routing-v{CACHE_FORMAT_VERSION}-{source_sha256[:16]}-{settings.graph_key()[:12]}.npz"


@dataclass
class BuildReport:
    """What a build read, kept and dropped, and how long it took."""

    source: str
    source_sha256: str
    settings: dict[str, object]
    ways_read: int
    ways_used: int
    nodes_missing: int
    seconds: float
    modes: dict[str, ModeReport] = field(default_factory=dict)
    # Restriction relations: read, not for cars, via a way (ignored), unresolved, applied.
    turn_restrictions: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "source_sha256": self.source_sha256,
            "settings": self.settings,
            "ways_read": self.ways_read,
            "ways_used": self.ways_used,
            "nodes_missing": self.nodes_missing,
            "seconds": self.seconds,
            "modes": {mode: report.to_dict() for mode, report in self.modes.items()},
            "turn_restrictions": self.turn_restrictions,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> BuildReport:
        modes = {mode: ModeReport(**values) for mode, values in dict(data["modes"]).items()}  # type: ignore[arg-type]
        return cls(
            source=str(data["source"]),
            source_sha256=str(data["source_sha256"]),
            settings=dict(data["settings"]),  # type: ignore[arg-type]
            ways_read=int(data["ways_read"]),  # type: ignore[arg-type]
            ways_used=int(data["ways_used"]),  # type: ignore[arg-type]
            nodes_missing=int(data["nodes_missing"]),  # type: ignore[arg-type]
            seconds=float(data["seconds"]),  # type: ignore[arg-type]
            modes=modes,
            turn_restrictions=dict(data.get("turn_restrictions", {})),  # type: ignore[call-overload]
        )


class Network:
    """The routable graphs of one OSM extract, one per travel mode ("walk", "bike", "car")."""

    def __init__(
        self,
        graphs: dict[str, ModeGraph],
        report: BuildReport,
        settings: RoutingSettings,
        projection: LocalProjection,
        cache_path: Path | None = None,
        from_cache: bool = False,
    ) -> None:
        self.graphs = graphs
        self.report = report
        self.settings = settings
        self.projection = projection
        self.cache_path = cache_path
        self.from_cache = from_cache

    @property
    def source_sha256(self) -> str:
        return self.report.source_sha256

    @property
    def modes(self) -> tuple[str, ...]:
        return tuple(self.graphs)

    def graph(self, mode: str) -> ModeGraph:
        """The graph of one mode; UnknownModeError for anything but the modes built."""
        try:
            return self.graphs[mode]
        except KeyError:
            raise UnknownModeError(
                f"There is no {mode!r} graph; the travel modes are {', '.join(repr(m) for m in self.graphs)}."
            ) from None

    # ----- building and caching --------------------------------------------------------------

    @classmethod
    def build(
        cls,
        pbf_path: str | os.PathLike[str],
        settings: RoutingSettings | None = None,
        *,
        source_sha256: str | None = None,
    ) -> Network:
        """Read the OSM file and build every mode's graph (no cache involved)."""
        settings = settings or RoutingSettings()
        path = Path(pbf_path)
        started = time.perf_counter()
        sha = source_sha256 or file_sha256(path)
        streets = read_street_segments(path, settings)
        projection = LocalProjection(
            float((streets.node_lat.min() + streets.node_lat.max()) / 2),
            float((streets.node_lon.min() + streets.node_lon.max()) / 2),
        )
        length = streets.seg_len_m
        speeds = {
            "walk": (streets.walk_kmh, streets.walk_kmh),
            "bike": (streets.bike_fwd_kmh, streets.bike_bwd_kmh),
            "car": (streets.car_fwd_kmh, streets.car_bwd_kmh),
        }
        graphs: dict[str, ModeGraph] = {}
        reports: dict[str, ModeReport] = {}
        for mode in NETWORK_MODES:
            wf = _seconds(length, speeds[mode][0])
            wb = _seconds(length, speeds[mode][1])
            # As in OSRM, traffic_signals:direction only applies to vehicles.
            signal_fwd, signal_bwd = signal_arrivals(streets, respect_direction=mode != "walk")
            if not (np.isfinite(wf).any() or np.isfinite(wb).any()):
                raise OSMFileError(
                    f"The OpenStreetMap file {path} has no streets usable for {mode}; "
                    "use an extract that covers the city's streets."
                )
            node_lon, node_lat, seg_u, seg_v = (
                streets.node_lon,
                streets.node_lat,
                streets.seg_u,
                streets.seg_v,
            )
            driving = mode == "car"
            if driving:
                node_lon, node_lat, seg_u, seg_v = split_at_barriers(
                    node_lon, node_lat, seg_u, seg_v, streets.car_blocked
                )
            graph, report = ModeGraph.from_segments(
                mode,
                node_lon,
                node_lat,
                seg_u,
                seg_v,
                length,
                wf,
                wb,
                signal_fwd,
                signal_bwd,
                settings=settings,
                projection=projection,
                fingerprint=_fingerprint(sha, settings, mode),
                roundabout=streets.roundabout if driving else None,
                restrictions=streets.restrictions if driving else None,
            )
            graphs[mode] = graph
            reports[mode] = report
        report = BuildReport(
            source=str(path),
            source_sha256=sha,
            settings=json.loads(json.dumps(settings.to_dict())),  # as it will read back from disk
            ways_read=streets.ways_read,
            ways_used=streets.ways_used,
            nodes_missing=streets.nodes_missing,
            seconds=round(time.perf_counter() - started, 3),
            modes=reports,
            turn_restrictions=streets.restriction_counts,
        )
        return cls(graphs, report, settings, projection)

    @classmethod
    def load_or_build(
        cls,
        pbf_path: str | os.PathLike[str],
        cache_dir: str | os.PathLike[str],
        settings: RoutingSettings | None = None,
    ) -> Network:
        """Load the graphs cached for this file's content and these settings, or build and cache them.

        The cache file is cache_dir/routing-v<format>-<sha256 of the file>-<hash of the settings>.npz,
        so a changed extract or changed speeds give a new file; an unchanged one is loaded in well
        under a second. The snapping limit is not part of the key: it is applied at query time.
        """
        settings = settings or RoutingSettings()
        path = Path(pbf_path)
        sha = file_sha256(path)
        cache_dir = Path(cache_dir)
        cache_path = cache_dir / cache_file_name(sha, settings)
        if cache_path.exists():
            try:
                network = cls.load(cache_path, settings)
                network.from_cache = True
                return network
            except Exception as error:  # a damaged or half-written cache is rebuilt, not fatal
                log.warning("Rebuilding the routing cache %s, which could not be read: %s", cache_path, error)
        network = cls.build(path, settings, source_sha256=sha)
        network.save(cache_path)
        return network

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write all graphs to one .npz file, atomically (other processes never see half a file)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload: dict[str, np.ndarray] = {
            "meta": np.array(
                json.dumps(
                    {
                        "format": CACHE_FORMAT_VERSION,
                        "report": self.report.to_dict(),
                        "projection": [self.projection.lat0, self.projection.lon0],
                        "modes": list(self.graphs),
                    }
                )
            ),
        }
        for mode, graph in self.graphs.items():
            for name, array in graph.arrays.items():
                payload[f"{mode}__{name}"] = array
        save_npz(path, payload)
        self.cache_path = path
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str], settings: RoutingSettings | None = None) -> Network:
        """Read graphs written by save(); `settings` may change the query-time fields (snapping)."""
        path = Path(path)
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != CACHE_FORMAT_VERSION:
                raise ValueError(f"cache format {meta.get('format')} is not {CACHE_FORMAT_VERSION}")
            report = BuildReport.from_dict(meta["report"])
            stored = _settings_from_dict(report.settings)
            if settings is None:
                settings = stored
            elif settings.graph_key() != stored.graph_key():
                raise ValueError("the cache was built with other speeds")
            projection = LocalProjection(*meta["projection"])
            graphs = {
                mode: ModeGraph(
                    mode,
                    {name: data[f"{mode}__{name}"] for name in STORED_ARRAYS},
                    projection,
                    settings,
                    fingerprint=_fingerprint(report.source_sha256, settings, mode),
                )
                for mode in meta["modes"]
            }
        return cls(graphs, report, settings, projection, cache_path=path)


def _seconds(length_m: np.ndarray, speed_kmh: np.ndarray) -> np.ndarray:
    """Travel time of each segment, inf where the speed is 0 (closed in that direction)."""
    safe = np.where(speed_kmh > 0, speed_kmh, 1.0)
    return np.where(speed_kmh > 0, length_m / (safe / 3.6), np.inf)


def _fingerprint(source_sha256: str, settings: RoutingSettings, mode: str) -> str:
    """Identifies one mode's graph: the same source, speeds and mode give the same graph."""
    return f"{source_sha256[:16]}-{settings.graph_key()[:12]}-{mode}-v{CACHE_FORMAT_VERSION}"


def _settings_from_dict(data: dict[str, object]) -> RoutingSettings:
    values = dict(data)
    for name in SPEED_TABLES:
        values[name] = tuple((str(k), float(s)) for k, s in values.get(name, ()))  # type: ignore[union-attr]
    return RoutingSettings(**values)  # type: ignore[arg-type]
