"""What bookings saved, added up by month, Municipio, NIL, arrival hour and employer, from `BookingImpact` only.

Small cells. A cell (a NIL in a month, a Municipio, an hour...) that counts fewer than `MIN_PEOPLE` distinct
people (`subject`s) is suppressed wherever the public or an employer sees it (open data, the public API, an
employer's report and its CSV): its figures are left out, only the fact that it was suppressed is said.

Totals. Each table keeps its true total (the city's figure is what people ask for first), so a suppressed value
could be recovered as "total minus the cells shown" if it were the only one. Hence a second suppression, per
table: when the suppressed cells together count fewer than `MIN_PEOPLE` distinct people, the smallest cell still
shown is suppressed too (it counts at least `MIN_PEOPLE` by itself). Whatever is subtracted from a total then
describes at least `MIN_PEOPLE` people; a total of fewer than `MIN_PEOPLE` people is itself suppressed. Tables
of one report share the same rows, so subtracting across tables only ever gives such groups again. What this
does not prevent: two reports of one employer over overlapping month ranges, or for two choices of Municipio,
differ by rows the other does not hold, and their suppressions are decided apart; the open data therefore
publish only fixed NIL × month cells (a month range picks whole months, never re-adds them), no Municipio filter.

The city's own dashboard (its staff are the data's controller) shows every cell, marking the small ones."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import date
from functools import reduce
from operator import or_
from pathlib import Path

from django.db.models import Count, FloatField, Q, QuerySet, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, TruncMonth
from django.utils.translation import gettext as _

from vicinato.geo.models import Area
from vicinato.register.models import Organisation

MIN_PEOPLE = 5
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
# The km of the avoided car trips that a PSCL counts as car-km: those driven (a passenger's are not a car's).
CAR_MODES = ("car_driver",)
DIMENSIONS = ("month", "municipio", "nil", "hour", "employer")
# The figures of a cell, in the order of tables and CSV columns.
METRICS = ("trips", "hours", "km", "car_km", "co2_kg", "nox_g", "pm10_g", "into_centre", "in_peak")


@dataclass
class Cell:
    """The figures of one group of bookings; `key` is the dimension's value (None: not known, e.g. a home
    outside every NIL)."""

    key: object = None
    label: str = ""
    code: str | None = None  # the key as text: 2030-03, a Municipio's number, a NIL's code, an hour, an id
    people: int = 0
    trips: int = 0  # bookings, each a commute (home → work → home) avoided
    minutes: float = 0.0
    km: float = 0.0
    car_km: float = 0.0
    co2_g: float = 0.0
    nox_g: float = 0.0
    pm10_g: float = 0.0
    into_centre: int = 0
    in_peak: int = 0
    small: bool = False  # fewer than MIN_PEOPLE people
    suppressed: bool = False  # left out of this view

    @property
    def hours(self) -> float:
        return self.minutes / 60

    @property
    def co2_kg(self) -> float:
        return self.co2_g / 1000

    def figures(self) -> dict[str, float | int | None]:
        """The metrics by name, None for each when the cell is suppressed (and its people too)."""
        values = {name: None if self.suppressed else round(getattr(self, name), 3) for name in METRICS}
        values["people"] = None if self.suppressed else self.people
        return values


@dataclass
class Table:
    dimension: str
    rows: list[Cell]
    total: Cell
    suppressed: int = 0  # how many rows are suppressed

    def largest(self, metric: str) -> float:
        """The largest absolute value shown (the length of a chart's full bar)."""
        shown = [abs(getattr(r, metric)) for r in self.rows if not r.suppressed]
        return max(shown, default=0.0)


@dataclass
class Report:
    tables: dict[str, Table]
    total: Cell
    suppressed: bool  # small cells are suppressed in this report
    factors_versions: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.total.trips == 0


# --- grouping in the database ----------------------------------------------------------------------------------
_GROUP = {
    "month": "month",
    "municipio": "municipio",
    "nil": "home_area",
    "hour": "arrival_hour",
    "employer": "employer",
}


def _sums() -> dict:
    car_km = [Coalesce(Cast(KT(f"km_by_mode__{mode}"), FloatField()), 0.0) for mode in CAR_MODES]
    return {
        "people": Count("subject", distinct=True),
        "trips": Count("pk"),
        "minutes": Sum("saved_minutes"),
        "km": Sum("saved_km"),
        "car_km": Sum(reduce(lambda a, b: a + b, car_km)),
        "co2_g": Sum("co2_g"),
        "nox_g": Sum("nox_g"),
        "pm10_g": Sum("pm10_g"),
        "into_centre": Count("pk", filter=Q(into_centre=True)),
        "in_peak": Count("pk", filter=Q(in_peak=True)),
    }


def _cell(values: dict, key=None) -> Cell:
    names = {f.name for f in fields(Cell)}
    cell = Cell(key=key, **{k: v or 0 for k, v in values.items() if k in names and k != "key"})
    cell.small = cell.people < MIN_PEOPLE
    return cell


def _grouped(queryset: QuerySet, dimensions: tuple[str, ...]) -> list[tuple[tuple, Cell]]:
    queryset = queryset.annotate(month=TruncMonth("day")) if "month" in dimensions else queryset
    columns = [_GROUP[d] for d in dimensions]
    found = queryset.order_by().values(*columns).annotate(**_sums()).order_by(*columns)
    return [(tuple(v[c] for c in columns), _cell(v)) for v in found]


def _key_filter(dimensions: tuple[str, ...], key: tuple) -> Q:
    """The rows of one cell."""
    conditions = Q()
    for dimension, value in zip(dimensions, key, strict=True):
        if dimension == "month":
            following = date(value.year + value.month // 12, value.month % 12 + 1, 1)
            conditions &= Q(day__gte=value, day__lt=following)
        elif value is None:
            conditions &= Q(**{f"{_GROUP[dimension]}__isnull": True})
        else:
            conditions &= Q(**{_GROUP[dimension]: value})
    return conditions


def _suppress(queryset: QuerySet, dimensions: tuple[str, ...], cells: list[tuple[tuple, Cell]]) -> int:
    """Suppress the small cells, and the smallest other one when those together count fewer than MIN_PEOPLE
    people (see the module's note). Returns how many were suppressed."""
    small = [(key, cell) for key, cell in cells if cell.small]
    for _key, cell in small:
        cell.suppressed = True
    if small:
        # Their people are few (each cell counts fewer than MIN_PEOPLE): fetch them to count them once each.
        people = set(
            queryset.filter(reduce(or_, (_key_filter(dimensions, key) for key, _cell in small)))
            .values_list("subject", flat=True)
            .distinct()
        )
        if len(people) < MIN_PEOPLE:
            shown = sorted(
                (c for _k, c in cells if not c.suppressed), key=lambda c: (c.people, c.trips, str(c.key))
            )
            if shown:
                shown[0].suppressed = True
    return sum(1 for _k, c in cells if c.suppressed)


def _labels(dimension: str, keys: Iterable) -> dict:
    """{key: (label, code)} of the keys of a dimension."""
    keys = [k for k in keys if k is not None]
    if dimension == "month":
        return {k: (f"{k:%Y-%m}", f"{k:%Y-%m}") for k in keys}
    if dimension == "municipio":
        return {k: (_("Municipio %(code)s") % {"code": k}, str(k)) for k in keys}
    if dimension == "hour":
        return {k: (f"{k:02d}:00–{k:02d}:59", f"{k:02d}") for k in keys}
    if dimension == "nil":
        return {
            pk: (name, code)
            for pk, name, code in Area.objects.filter(pk__in=keys).values_list("pk", "name", "code")
        }
    return {
        pk: (name, str(pk))
        for pk, name in Organisation.objects.filter(pk__in=keys).values_list("pk", "legal_name")
    }


UNKNOWN = {
    "municipio": lambda: _("Outside the Municipi, or not known"),
    "nil": lambda: _("Outside the NILs, or not known"),
    "employer": lambda: _("No employer given"),
}


def _total(queryset: QuerySet) -> Cell:
    total = _cell(queryset.order_by().aggregate(**_sums()))
    total.label = _("Total")
    return total


def table(queryset: QuerySet, dimension: str, suppress: bool, total: Cell | None = None) -> Table:
    """One dimension's cells with the table's total (`total`: the rows' total, when already added up)."""
    dimensions = (dimension,)
    cells = _grouped(queryset, dimensions)
    labels = _labels(dimension, (key[0] for key, _c in cells))
    for (key,), cell in cells:
        cell.key = key
        cell.label, cell.code = labels.get(key) or (UNKNOWN[dimension]() if key is None else str(key), None)
    total = replace(total) if total is not None else _total(queryset)
    suppressed = 0
    if suppress:
        suppressed = _suppress(queryset, dimensions, cells)
        total.suppressed = total.small
    rows = [c for _k, c in cells]
    if dimension in ("nil", "employer"):  # most commutes avoided first, the unknown last
        rows.sort(key=lambda c: (c.key is None, -c.trips, c.label))
    else:  # in order (months, Municipi, hours), the unknown last, whatever the database's order of NULL
        rows.sort(key=lambda c: (c.key is None, c.key or 0))
    return Table(dimension=dimension, rows=rows, total=total, suppressed=suppressed)


def report(queryset: QuerySet, dimensions: Iterable[str], suppress: bool) -> Report:
    total = _total(queryset)
    tables = {d: table(queryset, d, suppress, total) for d in dimensions}
    if suppress:
        total.suppressed = total.small
    versions = sorted(
        v for v in queryset.order_by().values_list("factors_version", flat=True).distinct() if v
    )
    return Report(tables=tables, total=total, suppressed=suppress, factors_versions=versions)


def _code_order(code: str | None) -> tuple:
    """NIL codes in their natural order (2 before 10), the unknown last."""
    if code is None:
        return (2, 0, "")
    return (0, int(code), code) if code.isdigit() else (1, 0, code)


def nil_months(queryset: QuerySet) -> list[tuple[date, list[Cell], Cell]]:
    """The open data: for each month, its cells by NIL (the home's) and the month's total, small cells
    suppressed per month as in every public table."""
    found = _grouped(queryset, ("month", "nil"))
    areas = {
        a["pk"]: a
        for a in Area.objects.filter(pk__in={k[1] for k, _c in found if k[1] is not None}).values(
            "pk", "code", "name", "parent__code", "municipality__name"
        )
    }
    totals = {key[0]: cell for key, cell in _grouped(queryset, ("month",))}
    months: list[tuple[date, list[Cell], Cell]] = []
    for month in sorted(totals):
        cells = [(k[1:], c) for k, c in found if k[0] == month]
        for (area,), cell in cells:
            cell.key = areas.get(area)
            cell.label = cell.key["name"] if cell.key else UNKNOWN["nil"]()
        cells.sort(key=lambda kc: _code_order(kc[1].key["code"] if kc[1].key else None))
        _suppress(queryset.filter(_key_filter(("month",), (month,))), ("nil",), cells)
        total = totals[month]
        total.label = _("Total")
        total.suppressed = total.small
        months.append((month, [c for _k, c in cells], total))
    return months


def factors_sources(versions: Iterable[str]) -> list[dict]:
    """What each emission factors' version is (source, year, licence), read from the app's data files; a
    version no file describes any more is listed with its name only."""
    known = {}
    for path in sorted(DATA_DIR.glob("factors-*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        known[data.get("version")] = data
    return [
        {
            "version": v,
            "source": known.get(v, {}).get("source", ""),
            "source_url": known.get(v, {}).get("source_url", ""),
            "year": known.get(v, {}).get("year"),
            "licence": known.get(v, {}).get("licence", ""),
        }
        for v in versions
    ]
