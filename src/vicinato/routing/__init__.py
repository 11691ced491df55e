"""Routing engine of Vicinato: walk and bike graphs from OpenStreetMap, travel times and isochrones.

Python (numpy, scipy, shapely, pyosmium; searches compiled with numba); no Django. Start with
Network.load_or_build(); README.md beside this file describes the API, the cache and the rules.
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
from .graph import MODES, ModeGraph, ModeReport, Snap, SnappedPoints, TravelTimes
from .isochrone import Isochrone
from .network import BuildReport, Network, cache_file_name, file_sha256
from .reach import ReachablePlace, ReachIndex
from .settings import RoutingSettings

__all__ = [
    "MODES",
    "BuildReport",
    "CutoffTooLargeError",
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
    "TravelTimes",
    "UnknownModeError",
    "cache_file_name",
    "coverage_share",
    "file_sha256",
    "node_weights_from_polygons",
]
