"""Routing engine of Vicinato: walk and bike graphs from OpenStreetMap, travel times and isochrones.

Pure Python (numpy, scipy, shapely, pyosmium); no Django. Start with Network.load_or_build().
"""

from .errors import (
    CutoffTooLargeError,
    OSMFileError,
    PointTooFarError,
    RoutingError,
    StaleIndexError,
    UnknownModeError,
)
from .graph import MODES, ModeGraph, ModeReport, Snap, SnappedPoints, TravelTimes
from .network import BuildReport, Network, cache_file_name, file_sha256
from .settings import RoutingSettings

__all__ = [
    "MODES",
    "BuildReport",
    "CutoffTooLargeError",
    "ModeGraph",
    "ModeReport",
    "Network",
    "OSMFileError",
    "PointTooFarError",
    "RoutingError",
    "RoutingSettings",
    "Snap",
    "SnappedPoints",
    "StaleIndexError",
    "TravelTimes",
    "UnknownModeError",
    "cache_file_name",
    "file_sha256",
]
