"""The impact reports' pages: who sees them, what they show (charts with a table under each, small cells
suppressed for employers, marked for the city), the CSV and the printable annex, bad filters, both languages."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from tests.impact.report_rows import impacts, nil, people
from vicinato.register.models import Organisation

MARCH, APRIL = date(2030, 3, 4), date(2030, 4, 8)


@pytest.fixture
def scene(place, people, organisation):
    """Six of the organisation's people at home in NIL 10 in March, three in NIL 20 (too few to show to an
    employer), and four people of no employer in April."""
    impacts(place, people_(6), MARCH, nil("10"), employer=organisation, bookings_each=2)
    impacts(place, people_(3), MARCH, nil("20"), employer=organisation)
    impacts(place, people_(4), APRIL, nil("20"), arrival_hour=10, in_peak=False)
    return people


def people_(count):
    return people(count)


def city_url(city, **query):
    return reverse("web:impact_reports:city", args=[city.slug]) + (
        "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    )


def employer_url(organisation, name="employer"):
    return reverse(f"web:impact_reports:{name}", args=[organisation.pk])


# --- who may see what ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "status"),
    [("reviewer", 200), ("site_admin", 200), ("worker", 403), ("org_admin", 403), ("other_reviewer", 403)],
)
def test_the_city_dashboard_is_for_the_city_staff(client, city, scene, role, status):
    client.force_login(scene[role])
    assert client.get(city_url(city)).status_code == status


def test_the_funders_staff_see_the_city_dashboard(client, city, scene, register, user_factory):
    from tests.agreements.conftest import make_programme

    funder = Organisation.objects.create(kind=Organisation.Kind.PUBLIC_BODY, legal_name="Comune")
    make_programme(funder).registers.add(register)
    desk = user_factory("desk")
    funder.memberships.create(user=desk, role="staff")
    client.force_login(desk)
    assert client.get(city_url(city)).status_code == 200
    assert client.get(reverse("web:impact_reports:city_home")).url == city_url(city)


def test_someone_with_no_city_is_refused_the_dashboards_home(client, scene):
    client.force_login(scene["worker"])
    assert client.get(reverse("web:impact_reports:city_home")).status_code == 403


def test_signing_in_is_needed(client, city, organisation, scene):
    for url in (city_url(city), employer_url(organisation), employer_url(organisation, "employer_csv")):
        assert client.get(url).status_code == 302


@pytest.mark.parametrize(
    ("role", "status"),
    [("org_admin", 200), ("site_admin", 200), ("org_staff", 403), ("other_admin", 403), ("worker", 403)],
)
def test_the_employer_report_is_for_its_administrators(client, organisation, scene, role, status):
    client.force_login(scene[role])
    for name in ("employer", "employer_csv", "employer_print"):
        assert client.get(employer_url(organisation, name)).status_code == status


def test_an_unknown_organisation_or_city_is_not_found(client, scene):
    client.force_login(scene["site_admin"])
    assert client.get(reverse("web:impact_reports:employer", args=[999999])).status_code == 404
    assert client.get(reverse("web:impact_reports:city", args=["atlantide"])).status_code == 404


# --- what they show -------------------------------------------------------------------------------------------------
def test_the_city_sees_every_cell_with_small_ones_marked_and_a_table_under_each_chart(client, city, scene):
    client.force_login(scene["reviewer"])
    page = client.get(city_url(city)).content.decode()
    assert page.count('class="vicinato-chart"') == 5 and page.count("<table") == 5
    assert page.count("vicinato-bar-row") >= 5 and '<svg class="vicinato-bar' in page
    assert "fewer than five people" in page and "suppressed</td>" not in page
    assert "Cowork Test S.r.l." in page  # by employer
    assert "Emission factors:" in page and "ispra-2021-urban.1" in page


def test_the_employer_sees_its_people_only_and_small_cells_suppressed(client, organisation, scene):
    client.force_login(scene["org_admin"])
    response = client.get(employer_url(organisation))
    page = response.content.decode()
    report = response.context["report"]
    assert report.total.trips == 15 and report.total.people == 9  # not April's people of no employer
    nils = {c.label: c for c in report.tables["nil"].rows}
    assert nils["Area 20"].suppressed and nils["Area 10"].suppressed  # 3 people, and what would reveal them
    assert "suppressed" in page and "By employer" not in page


def test_the_csv_has_every_table_suppressed_cells_empty(client, organisation, scene):
    client.force_login(scene["org_admin"])
    response = client.get(employer_url(organisation, "employer_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["table"] for r in rows} == {"month", "municipio", "nil", "hour"}
    month = next(r for r in rows if r["table"] == "month" and r["group"] == "2030-03")
    assert (month["trips"], month["people"], month["suppressed"]) == ("15", "9", "false")
    area = next(r for r in rows if r["group"] == "Area 20")
    assert area["suppressed"] == "true" and area["trips"] == "" and area["people"] == ""
    total = next(r for r in rows if r["table"] == "nil" and r["group"] == "Total")
    assert float(total["co2_kg"]) == pytest.approx(52.5)


def test_the_csv_escapes_formulas_in_names(client, organisation, scene, city):
    from vicinato.geo.models import Area

    Area.objects.filter(code="10", level="neighbourhood").update(name='=HYPERLINK("http://x")')
    client.force_login(scene["org_admin"])
    client.get(employer_url(organisation))
    Area.objects.filter(code="20", level="neighbourhood").update(name="+39 Tab")
    impacts(
        __import__("vicinato.register.models", fromlist=["Place"]).Place.objects.first(),
        people(5),
        APRIL,
        nil("10"),
        employer=organisation,
    )
    text = client.get(employer_url(organisation, "employer_csv")).content.decode()
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


def test_the_printable_annex_has_the_pscl_sections(client, organisation, scene):
    client.force_login(scene["org_admin"])
    page = client.get(
        employer_url(organisation, "employer_print") + "?start=2030-03&end=2030-03"
    ).content.decode()
    for heading in (
        "Organisation and period",
        "Measure: smart working / proximity coworking",
        "Commutes avoided",
        "Car-km avoided",
        "Emissions avoided",
        "Emission factors (source and version):",
        "ispra-2021-urban.1",
        "ISPRA",
        "March 2030",
    ):
        assert heading in page, heading
    assert "css/impact.css" in page


def test_the_annex_in_italian(client, organisation, scene):
    client.force_login(scene["org_admin"])
    with translation.override("it"):
        page = client.get(employer_url(organisation, "employer_print")).content.decode()
    assert "Allegato di monitoraggio" in page and "smart working / coworking di prossimità" in page
    assert "Emissioni evitate" in page and "Km in auto evitati" in page


@pytest.mark.parametrize("language", ["it", "en"])
def test_the_pages_render_in_both_languages(client, city, organisation, scene, language):
    client.force_login(scene["site_admin"])
    with translation.override(language):
        for url in (city_url(city), employer_url(organisation)):
            response = client.get(url)
            assert response.status_code == 200
            assert f'<html lang="{language}"' in response.content.decode()
    with translation.override("it"):
        page = client.get(city_url(city)).content.decode()
    assert "Spostamenti casa-lavoro evitati" in page and "Per mese" in page


def test_italian_numbers_use_a_decimal_comma(client, city, scene):
    client.force_login(scene["reviewer"])
    with translation.override("it"):
        page = client.get(city_url(city, metric="co2_kg")).content.decode()
    assert "66,5" in page  # 19 bookings × 3.5 kg


# --- filters ----------------------------------------------------------------------------------------------------------
def test_filters_by_months_and_municipio(client, city, scene):
    client.force_login(scene["reviewer"])
    report = client.get(city_url(city, start="2030-04", end="2030-04")).context["report"]
    assert report.total.trips == 4
    report = client.get(city_url(city, municipio="1")).context["report"]
    assert report.total.trips == 12


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"start": "2030-13"}, "start", "Write the month as year and month"),
        ({"start": "marzo"}, "start", "Write the month as year and month"),
        ({"start": "2030-05", "end": "2030-03"}, "end", "The last month comes before the first one"),
        ({"municipio": "12"}, "municipio", "There is no Municipio “12” here; choose one of 1, 2."),
        ({"municipio": "uno"}, "municipio", "There is no Municipio"),
        ({"metric": "happiness"}, "metric", "Select a valid choice"),
    ],
)
def test_bad_filters_are_said_on_the_page(client, city, organisation, scene, query, field, message):
    client.force_login(scene["site_admin"])
    for url in (
        city_url(city, **query),
        employer_url(organisation) + "?" + "&".join(f"{k}={v}" for k, v in query.items()),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert field in response.context["filters"].errors
        assert "Some filters are not valid" in response.content.decode()
        assert response.context["report"] is None


def test_bad_filters_on_the_csv_lead_back_to_the_page(client, organisation, scene):
    client.force_login(scene["org_admin"])
    response = client.get(employer_url(organisation, "employer_csv") + "?start=2030-99")
    assert response.status_code == 302 and response.url.endswith("?start=2030-99")


def test_the_manage_page_links_the_reports_one_may_see(client, city, organisation, scene):
    client.force_login(scene["reviewer"])
    page = client.get(reverse("web:dashboard")).content.decode()
    assert city_url(city) in page and employer_url(organisation) not in page
    client.force_login(scene["org_admin"])
    page = client.get(reverse("web:dashboard")).content.decode()
    assert employer_url(organisation) in page and city_url(city) not in page
    client.force_login(scene["org_staff"])
    assert "Impact of proximity work" not in client.get(reverse("web:dashboard")).content.decode()
