"""/api/v1/impact/reports/...: the city's report (its staff, every cell), an employer's (its administrators,
small cells suppressed), the open aggregates (anyone); refusals with field messages."""

from __future__ import annotations

from datetime import date

import pytest

from tests.impact.report_rows import impacts, nil, people

MARCH, APRIL = date(2030, 3, 4), date(2030, 4, 8)


@pytest.fixture
def scene(place, people, organisation):
    impacts(place, people_(6), MARCH, nil("10"), employer=organisation, bookings_each=2)
    impacts(place, people_(3), MARCH, nil("20"), employer=organisation)
    impacts(place, people_(4), APRIL, nil("20"))
    return people


def people_(count):
    return people(count)


def table(answer, dimension):
    return next(t for t in answer["tables"] if t["dimension"] == dimension)


def test_the_city_report_gives_every_cell_to_the_city_staff(client, city, scene):
    client.force_login(scene["reviewer"])
    response = client.get("/api/v1/impact/reports/city/milano")
    assert response.status_code == 200
    answer = response.json()
    assert answer["suppressed"] is False and answer["min_people"] == 5
    assert answer["total"]["trips"] == 19 and answer["total"]["people"] == 13
    nils = {r["code"]: r for r in table(answer, "nil")["rows"]}
    assert nils["20"]["people"] == 7 and nils["20"]["small"] is False
    assert [d["dimension"] for d in answer["tables"]] == ["month", "municipio", "nil", "hour", "employer"]
    months = table(answer, "month")["rows"]
    assert [(m["code"], m["trips"], m["small"]) for m in months] == [
        ("2030-03", 15, False),
        ("2030-04", 4, True),
    ]
    assert answer["factors"][0]["version"] == "ispra-2021-urban.1"


def test_the_city_report_filters(client, city, scene):
    client.force_login(scene["reviewer"])
    answer = client.get("/api/v1/impact/reports/city/milano?start=2030-04&end=2030-04&municipio=2").json()
    assert answer["total"]["trips"] == 4 and (answer["start"], answer["end"], answer["municipio"]) == (
        "2030-04",
        "2030-04",
        2,
    )


@pytest.mark.parametrize(("role", "status"), [("worker", 403), ("org_admin", 403), ("other_reviewer", 403)])
def test_the_city_report_refuses_others(client, city, scene, role, status):
    client.force_login(scene[role])
    response = client.get("/api/v1/impact/reports/city/milano")
    assert response.status_code == status and "city's staff" in response.json()["detail"]


def test_the_reports_need_signing_in(client, city, organisation, scene):
    assert client.get("/api/v1/impact/reports/city/milano").status_code == 401
    assert client.get(f"/api/v1/impact/reports/employers/{organisation.pk}").status_code == 401


def test_an_unknown_city_is_not_found(client, scene):
    client.force_login(scene["site_admin"])
    assert client.get("/api/v1/impact/reports/city/atlantide").status_code == 404


def test_the_employer_report_suppresses_small_cells(client, organisation, scene):
    client.force_login(scene["org_admin"])
    answer = client.get(f"/api/v1/impact/reports/employers/{organisation.pk}").json()
    assert answer["suppressed"] is True and answer["total"]["trips"] == 15
    nils = {r["code"]: r for r in table(answer, "nil")["rows"]}
    assert nils["20"]["suppressed"] and nils["20"]["trips"] is None and nils["20"]["people"] is None
    assert nils["20"]["small"] is None  # not said which hidden cell is the small one
    assert [t["dimension"] for t in answer["tables"]] == ["month", "municipio", "nil", "hour"]


@pytest.mark.parametrize(("role", "status"), [("org_staff", 403), ("other_admin", 404), ("worker", 404)])
def test_the_employer_report_refuses_others(client, organisation, scene, role, status):
    client.force_login(scene[role])
    assert client.get(f"/api/v1/impact/reports/employers/{organisation.pk}").status_code == status


def test_an_unknown_employer_is_not_found(client, scene):
    client.force_login(scene["site_admin"])
    assert client.get("/api/v1/impact/reports/employers/999999").status_code == 404


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("start=2030-13", "start", "invalid"),
        ("end=March", "end", "invalid"),
        ("start=2030-05&end=2030-03", "end", "invalid"),
        ("municipio=9", "municipio", "invalid_choice"),
        ("municipio=x", "municipio", "invalid_choice"),
    ],
)
def test_bad_filters_are_refused_with_field_messages(client, city, organisation, scene, query, field, code):
    client.force_login(scene["site_admin"])
    for path in ("city/milano", f"employers/{organisation.pk}"):
        response = client.get(f"/api/v1/impact/reports/{path}?{query}")
        assert response.status_code == 422, path
        body = response.json()
        assert list(body["errors"]) == [field] and body["codes"][field] == [code]
        assert body["errors"][field][0].endswith(".")


def test_the_open_aggregates_for_anyone(client, place):
    impacts(place, people(5), MARCH, nil("10"))
    impacts(place, people(4), MARCH, nil("20"))
    impacts(place, people(6), APRIL, nil("20"))
    answer = client.get("/api/v1/impact/reports/open").json()
    assert answer["licence"] == "CC-BY-4.0"
    march = [c for c in answer["cells"] if c["month"] == "2030-03"]
    assert [(c["level"], c["nil_code"], c["trips"], c["suppressed"]) for c in march] == [
        ("nil", "10", None, True),  # five people, but the four would be total minus them
        ("nil", "20", None, True),
        ("total", None, 9, False),
    ]
    only_april = client.get("/api/v1/impact/reports/open?start=2030-04").json()["cells"]
    assert {c["month"] for c in only_april} == {"2030-04"} and only_april[0]["trips"] == 6


def test_the_open_aggregates_refuse_bad_months(client, db):
    response = client.get("/api/v1/impact/reports/open?start=2030-1")
    assert response.status_code == 422 and "start" in response.json()["errors"]


def test_the_endpoints_are_in_the_openapi_document(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/impact/reports/city/{slug}",
        "/api/v1/impact/reports/employers/{pk}",
        "/api/v1/impact/reports/open",
    } <= set(paths)


def test_refusals_in_italian(db):
    from django.test import Client

    response = Client(HTTP_ACCEPT_LANGUAGE="it").get("/api/v1/impact/reports/open?start=2030-05&end=2030-03")
    assert response.status_code == 422
    assert response.json()["errors"]["end"] == ["L'ultimo mese viene prima del primo; scambiali."]
