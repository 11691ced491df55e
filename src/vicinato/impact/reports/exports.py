"""The CSV of an employer's report: one row per cell of each table and one per table's total, small cells
suppressed (empty figures, `suppressed` true), text cells safe from spreadsheet formulas."""

from __future__ import annotations

from vicinato.lib.spreadsheet import csv_text

from .aggregates import METRICS, Cell, Report

HEADER = ["table", "group", "people", *METRICS, "suppressed"]


def _row(dimension: str, cell: Cell) -> list:
    figures = cell.figures()
    return [
        dimension,
        cell.label,
        "" if figures["people"] is None else figures["people"],
        *["" if figures[m] is None else figures[m] for m in METRICS],
        "true" if cell.suppressed else "false",
    ]


def report_csv(report: Report) -> str:
    rows = []
    for dimension, found in report.tables.items():
        rows.extend(_row(dimension, cell) for cell in found.rows)
        rows.append(_row(dimension, found.total))
    return csv_text(HEADER, rows)
