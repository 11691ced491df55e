"""/opendata/impact.csv: monthly aggregates by NIL of the home, small cells suppressed, listed in the DCAT
catalog with its licence and a description in both languages; formula-like text escaped."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from vicinato.geo.models import Area
from vicinato.impact.reports.opendata import FIELDS
from vicinato.lib.spreadsheet import csv_text, safe_cell

from .report_rows import impacts, nil, people

MARCH, APRIL = date(2030, 3, 4), date(2030, 4, 8)


def rows(client) -> list[dict]:
    response = client.get("/opendata/impact.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_monthly_cells_by_nil_with_small_ones_suppressed(client, place):
    impacts(place, people(5), MARCH, nil("10"), bookings_each=2)
    impacts(place, people(7), MARCH, nil("20"))
    impacts(place, people(4), APRIL, nil("10"))
    impacts(place, people(8), APRIL, nil("20"))
    found = rows(client)
    assert list(found[0]) == FIELDS
    march = [r for r in found if r["month"] == "2030-03"]
    assert [(r["level"], r["nil_code"], r["municipio"], r["people"], r["trips"]) for r in march] == [
        ("nil", "10", "1", "5", "10"),
        ("nil", "20", "2", "7", "7"),
        ("total", "", "", "12", "17"),
    ]
    assert march[0]["co2_kg"] == "35.0" and march[0]["suppressed"] == "false"
    assert march[0]["municipality"] == "Milano" and march[0]["nil_name"] == "Area 10"
    april = [r for r in found if r["month"] == "2030-04"]
    # Four people in NIL 10: suppressed; NIL 20 too, or it would give them away as total minus NIL 20.
    assert [(r["nil_code"], r["suppressed"], r["trips"], r["people"]) for r in april] == [
        ("10", "true", "", ""),
        ("20", "true", "", ""),
        ("", "false", "12", "12"),
    ]


def test_a_month_of_four_people_is_suppressed_whole(client, place):
    impacts(place, people(4), MARCH, nil("10"), bookings_each=3)
    assert all(r["suppressed"] == "true" and r["trips"] == "" for r in rows(client))


def test_no_bookings_gives_the_header_only(client, db):
    assert client.get("/opendata/impact.csv").content.decode().strip() == ",".join(FIELDS)


def test_names_that_look_like_formulas_are_escaped(client, place):
    Area.objects.filter(code="10", level="neighbourhood").update(name="=cmd|' /C calc'!A0")
    impacts(place, people(5), MARCH, nil("10"))
    (cell,) = [r for r in rows(client) if r["level"] == "nil"]
    assert cell["nil_name"] == "'=cmd|' /C calc'!A0"


@pytest.mark.parametrize("text", ["=1+1", "+39", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_start_is_escaped(text):
    assert safe_cell(text) == "'" + text
    assert csv_text(["a"], [[text]]).splitlines()[1].startswith(("'", "\"'"))


def test_numbers_and_plain_text_are_kept():
    assert safe_cell(-2.5) == -2.5 and safe_cell("Area 10") == "Area 10" and safe_cell("") == ""


def test_listed_in_the_dcat_catalog(client, db):
    catalog = client.get("/opendata/catalog.json").json()
    (dataset,) = [d for d in catalog["dcat:dataset"] if d["dct:identifier"] == "vicinato:impact"]
    assert {t["@language"] for t in dataset["dct:title"]} == {"it", "en"}
    assert {d["@language"] for d in dataset["dct:description"]} == {"it", "en"}
    assert all("5" in d["@value"] for d in dataset["dct:description"])  # says the suppression
    (distribution,) = dataset["dcat:distribution"]
    assert distribution["dcat:downloadURL"]["@id"].endswith("/opendata/impact.csv")
    assert distribution["dcat:mediaType"] == "text/csv"
    assert distribution["dct:license"]["@id"] == "https://creativecommons.org/licenses/by/4.0/"
    assert dataset["dct:license"]["@id"] == "https://creativecommons.org/licenses/by/4.0/"


def test_the_open_data_page_links_it(client, db):
    assert "/opendata/impact.csv" in client.get("/en/opendata/").content.decode()
