"""CSV writers for every export: a cell that a spreadsheet would run as a formula is written as text.

A cell starting with = + - @, a tab or a carriage return is prefixed with an apostrophe (OWASP's advice on CSV
injection), so that a place named '=HYPERLINK(...)' opens as that text. Numbers are written as they are (a
negative amount stays a number); only text is escaped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Writer:
    def __init__(self, out, **options):
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable) -> Any:
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


class _DictWriter(csv.DictWriter):
    def writerow(self, rowdict: Mapping) -> Any:
        return super().writerow({key: safe_cell(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping]) -> None:
        for row in rowdicts:
            self.writerow(row)


def writer(out, **options) -> _Writer:
    """csv.writer whose cells are escaped."""
    return _Writer(out, **options)


def dict_writer(out, fieldnames, **options) -> _DictWriter:
    """csv.DictWriter whose cells are escaped."""
    return _DictWriter(out, fieldnames=fieldnames, **options)


def csv_text(header: list[str], rows: Iterable[Iterable]) -> str:
    """A whole CSV document as text, every cell escaped."""
    buffer = io.StringIO()
    out = writer(buffer)
    out.writerow(header)
    out.writerows(rows)
    return buffer.getvalue()
