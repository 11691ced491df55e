"""Local equirectangular projection between WGS84 lon/lat and metres around a city centre.

x = R·cos(lat0)·Δlon, y = R·Δlat (radians, R = 6,371,008.8 m). North-south distances are exact
up to the sphere model (≈0.3% vs the ellipsoid); east-west distances are off by the relative change
of cos(lat) from the centre, ≈ tan(lat0)·Δlat: about 0.13% at 8 km north or south of the centre at
Milan's latitude, 0.8% at 50 km. That is well below what matters for snapping (metres) and for
isochrone buffers (tens of metres). Edge lengths do not use this projection: they are haversine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class LocalProjection:
    """Equirectangular projection centred on (lat0, lon0); x east and y north, in metres."""

    lat0: float
    lon0: float

    @property
    def _kx(self) -> float:
        return EARTH_RADIUS_M * math.cos(math.radians(self.lat0)) * math.pi / 180.0

    @property
    def _ky(self) -> float:
        return EARTH_RADIUS_M * math.pi / 180.0

    def to_xy(self, lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        lon_a = np.asarray(lon, dtype=np.float64)
        lat_a = np.asarray(lat, dtype=np.float64)
        return (lon_a - self.lon0) * self._kx, (lat_a - self.lat0) * self._ky

    def to_lonlat(self, x: np.ndarray | float, y: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        x_a = np.asarray(x, dtype=np.float64)
        y_a = np.asarray(y, dtype=np.float64)
        return x_a / self._kx + self.lon0, y_a / self._ky + self.lat0


def haversine_m(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Great-circle distance in metres on a sphere of the mean Earth radius."""
    p1 = np.radians(lat1)
    p2 = np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
