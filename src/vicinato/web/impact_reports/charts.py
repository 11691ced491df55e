"""Charts that need no JavaScript: horizontal bars drawn as inline SVG rectangles, each chart followed by the
table of its data (the chart is hidden from screen readers, which read the table)."""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from vicinato.impact.reports.aggregates import Cell, Table

# (name, label, decimals): every figure of a report, in the order of the tables' columns.
METRICS = [
    ("trips", _("Commutes avoided"), 0),
    ("hours", _("Hours saved"), 1),
    ("km", _("Km saved"), 1),
    ("car_km", _("Car-km avoided"), 1),
    ("co2_kg", _("CO2 avoided (kg)"), 1),
    ("nox_g", _("NOx avoided (g)"), 1),
    ("pm10_g", _("PM10 avoided (g)"), 2),
    ("into_centre", _("Commutes into the centre avoided"), 0),
    ("in_peak", _("Commutes in the morning peak avoided"), 0),
]
LABELS = {name: label for name, label, _d in METRICS}
DECIMALS = {name: decimals for name, _l, decimals in METRICS}
CHART_METRICS = [(name, label) for name, label, _d in METRICS]


def number(value, decimals: int = 0) -> str:
    """A figure in the page's language (1.234,5 in Italian, 1,234.5 in English)."""
    return number_format(round(value, decimals), decimals, use_l10n=True, force_grouping=True)


def chart(found: Table, metric: str, title: str) -> dict:
    """The bars of one table for one metric: length relative to the largest absolute value shown; negative
    values (a trip that cost more than it saved) drawn hatched, with their minus sign."""
    largest = found.largest(metric) or 1.0
    bars = []
    for cell in found.rows:
        value = getattr(cell, metric)
        bars.append(
            {
                "label": cell.label,
                "suppressed": cell.suppressed,
                "negative": value < 0,
                "percent": 0 if cell.suppressed else round(100 * abs(value) / largest, 1),
                "text": "" if cell.suppressed else number(value, DECIMALS[metric]),
            }
        )
    return {"title": title, "metric": LABELS[metric], "bars": bars}


def _values(cell: Cell) -> list[str]:
    if cell.suppressed:
        return []
    return [number(cell.people)] + [number(getattr(cell, name), decimals) for name, _l, decimals in METRICS]


def data_table(found: Table, caption: str, heading: str) -> dict:
    """Every figure of each cell, and the total; a suppressed cell's figures left out (the template says why)."""
    return {
        "caption": caption,
        "heading": heading,
        "columns": [_("People")] + [label for _n, label, _d in METRICS],
        "rows": [
            {"label": c.label, "suppressed": c.suppressed, "small": c.small, "values": _values(c)}
            for c in found.rows
        ],
        "total": {
            "label": found.total.label,
            "suppressed": found.total.suppressed,
            "values": _values(found.total),
        },
        "suppressed": found.suppressed,
    }
