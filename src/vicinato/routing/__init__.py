"""Routing engine of Vicinato: walk, bike and car graphs from OpenStreetMap, public transport from GTFS, travel
times, isochrones.

Python (numpy, scipy, shapely, pyosmium; searches compiled with numba); no Django. Start with
Network.load_or_build() (and Timetable.load_or_build() for public transport, in transit/);
README.md beside this file describes the API, the cache and the rules.
"""

from .coverage import coverage_share, node_weights_from_polygons
from .errors import (
    CutoffTooLargeError,
    OSMFileError,
    PointTooFarError,
    RoutingError,
    StaleIndexError,
    UnknownModeError,
)
from .geocode import GeocodeCandidate, StreetIndex
from .graph import MODES, NETWORK_MODES, ModeGraph, TravelTimes, Trip, Trips
from .isochrone import Isochrone
from .layout import ModeReport
from .network import BuildReport, Network, cache_file_name, file_sha256
from .reach import ReachablePlace, ReachIndex
from .settings import RoutingSettings
from .streets import Snap, SnappedPoints
from .transit import GTFSError, GTFSSource, Timetable, TransitReach, TransitRouter, TransitSettings

__all__ = [
    "MODES",
    "NETWORK_MODES",
    "BuildReport",
    "CutoffTooLargeError",
    "GTFSError",
    "GTFSSource",
    "GeocodeCandidate",
    "Isochrone",
    "ModeGraph",
    "ModeReport",
    "Network",
    "OSMFileError",
    "PointTooFarError",
    "ReachIndex",
    "ReachablePlace",
    "RoutingError",
    "RoutingSettings",
    "Snap",
    "SnappedPoints",
    "StaleIndexError",
    "StreetIndex",
    "Timetable",
    "TransitReach",
    "TransitRouter",
    "TransitSettings",
    "TravelTimes",
    "Trip",
    "Trips",
    "UnknownModeError",
    "cache_file_name",
    "coverage_share",
    "file_sha256",
    "node_weights_from_polygons",
]
