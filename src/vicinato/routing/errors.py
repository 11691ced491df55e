"""Exceptions raised by the routing engine, each with a message that tells people what to do."""

from __future__ import annotations


class RoutingError(Exception):
    """Base class for every error the routing engine raises on purpose."""


class OSMFileError(RoutingError):
    """The OpenStreetMap file is missing, unreadable, or has no streets to route on."""


class PointTooFarError(RoutingError):
    """A point is farther from the street network than the allowed snapping distance."""

    def __init__(self, lat: float, lon: float, distance_m: float, max_distance_m: float, mode: str) -> None:
        self.lat = lat
        self.lon = lon
        self.distance_m = distance_m
        self.max_distance_m = max_distance_m
        self.mode = mode
        super().__init__(
            f"This point ({lat:.5f}, {lon:.5f}) is {format_distance(distance_m)} from the nearest street "
            f"in the {mode} map (the limit is {format_distance(max_distance_m)}); "
            "choose a point inside the city."
        )


class UnknownModeError(RoutingError, ValueError):
    """A travel mode other than the ones the network was built for was asked for."""


class StaleIndexError(RoutingError):
    """A saved index was built for another version of the street graph."""


class CutoffTooLargeError(RoutingError, ValueError):
    """A query asks for a longer travel time than an index was built for."""


def format_distance(metres: float) -> str:
    """Say a distance the way people read it: metres below 1 km, kilometres with one decimal above."""
    if metres < 1000:
        return f"{metres:.0f} m"
    return f"{metres / 1000:.1f} km"
