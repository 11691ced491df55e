"""Shapes of the geography's answers: areas, stations, places reachable from a point."""

from __future__ import annotations

from ninja import Field, Schema

from .register import PlaceOut


class AreaOut(Schema):
    code: str
    name: str
    level: str
    population: int | None
    district: str | None


class StationOut(Schema):
    code: str
    name: str
    kind: str
    lines: str
    lat: float
    lon: float


class NearbyOut(PlaceOut):
    minutes: float | None = Field(
        description="Travel time; null where the point's municipality has no street map (see straight_line_km)"
    )
    straight_line_km: float | None = Field(
        None,
        description="Only where the point's municipality has no street map: the distance as the crow flies, "
        "places within the distance the mode covers in the minutes (answer header X-Travel-Times: straight-line)",
    )
    note: str | None = Field(None, description="With straight_line_km: why travel times are not given")
    service_date: str | None = Field(
        None, description="By public transport: the date of the timetable that answered (YYYY-MM-DD)"
    )
    fallback: bool | None = Field(
        None,
        description="By public transport: the timetable does not cover the date asked for; the same "
        "weekday of its period answered",
    )
    itinerary: dict | None = Field(
        None, description="By public transport with itineraries=true: the trip, leg by leg (walk, ride, walk)"
    )
