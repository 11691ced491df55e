"""Shapes of the impact reports' API: a report's cells and tables, and the open monthly aggregates by NIL."""

from __future__ import annotations

from ninja import Field, Schema


class ReportQuery(Schema):
    start: str | None = Field(None, description="First month, YYYY-MM (included)", examples=["2026-01"])
    end: str | None = Field(None, description="Last month, YYYY-MM (included)", examples=["2026-06"])
    municipio: str | None = Field(None, description="Only homes in this Municipio (its number)")


class MonthsQuery(Schema):
    start: str | None = Field(None, description="First month, YYYY-MM (included)")
    end: str | None = Field(None, description="Last month, YYYY-MM (included)")


# One cell of a report. A comment, not a docstring (it would become the schema's description).
class CellOut(Schema):
    code: str | None = Field(
        description="The group: a month (YYYY-MM), a Municipio, a NIL's code, an hour, an id"
    )
    label: str
    suppressed: bool = Field(description="Left out: fewer than 5 people, or it would reveal such a cell")
    small: bool | None = Field(description="Fewer than 5 people (the city's own report only; null elsewhere)")
    people: int | None
    trips: int | None = Field(description="Commutes (home → work → home) avoided: one per booking")
    hours: float | None = Field(description="Hours saved (signed)")
    km: float | None = Field(description="Km saved, every mode (signed)")
    car_km: float | None = Field(description="Car-km avoided as the driver (signed)")
    co2_kg: float | None
    nox_g: float | None
    pm10_g: float | None
    into_centre: int | None = Field(description="Avoided commutes that entered the centre (Municipio 1)")
    in_peak: int | None = Field(description="Avoided commutes arriving in the morning peak (07:30–09:30)")


class TableOut(Schema):
    dimension: str = Field(description="month, municipio, nil (of the home), hour (of arrival) or employer")
    rows: list[CellOut]
    total: CellOut
    suppressed: int


class FactorsOut(Schema):
    version: str
    source: str
    source_url: str
    year: int | None
    licence: str


class ReportOut(Schema):
    start: str | None
    end: str | None
    municipio: int | None
    suppressed: bool = Field(description="Whether small cells are suppressed in this report")
    min_people: int
    total: CellOut
    tables: list[TableOut]
    factors: list[FactorsOut]


class OpenCellOut(Schema):
    month: str
    level: str = Field(description="nil: one NIL of the home; total: the month's total")
    municipality: str | None
    municipio: str | None
    nil_code: str | None
    nil_name: str | None
    people: int | None
    trips: int | None
    hours: float | None
    km: float | None
    car_km: float | None
    co2_kg: float | None
    nox_g: float | None
    pm10_g: float | None
    into_centre: int | None
    in_peak: int | None
    suppressed: bool


class OpenOut(Schema):
    licence: str
    min_people: int
    cells: list[OpenCellOut]
