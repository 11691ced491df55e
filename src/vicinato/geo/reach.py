"""What is reachable from a point, by any mode a person may choose: on foot, by bike (the street graphs, travel)
or by walking and public transport (the timetable, transit). Pages and API ask here."""

from __future__ import annotations

from django.utils.translation import gettext as _

from vicinato.routing import MODES

from . import transit, travel
from .transit import TRANSIT, When

SEARCH_MODES = (*MODES, TRANSIT)


def check_mode(mode: str) -> str:
    if mode not in SEARCH_MODES:
        raise travel.TravelError(_("Unknown mode '%(mode)s'; choose walk, bike or transit.") % {"mode": mode})
    if mode == TRANSIT and not transit.available():
        raise travel.TravelError(
            _(
                "Public transport is not available here yet: no timetable has been imported; choose walk or bike."
            )
        )
    return mode


def reachable_places(
    lat: float, lon: float, mode: str, minutes: int, when: When | None = None
) -> dict[str, float]:
    """Listed places reachable within `minutes`, as {public_id: minutes}, nearest first; by public transport
    arriving by (or leaving at) `when`, the next weekday's 09:00 arrival by default."""
    if check_mode(mode) == TRANSIT:
        return transit.reachable_places(lat, lon, minutes, when or When.default())
    return travel.reachable_places(lat, lon, mode, minutes)


def isochrone(lat: float, lon: float, mode: str, minutes: int, when: When | None = None) -> dict:
    """The area reachable from a point within `minutes` by the mode, as a GeoJSON Feature."""
    if check_mode(mode) == TRANSIT:
        return transit.isochrone(lat, lon, minutes, when or When.default())
    return travel.isochrone(lat, lon, mode, minutes)


def coverage(mode: str, minutes: int, when: When | None = None) -> list[travel.NeighbourhoodCoverage]:
    """For each neighbourhood, the share of residents within `minutes` of a listed place by the mode."""
    if check_mode(mode) == TRANSIT:
        when = when or When.default()

        def index_of(source):
            if not transit.available(source):
                return None
            return travel.network(source).graph("walk"), transit.reach(when, source)

        return travel.coverage_of(index_of, minutes, (TRANSIT, when.kind, when.minute))
    return travel.coverage(mode, minutes)
