"""The impact reports in a real Chromium: the city's dashboard on a 360 px phone in Italian (bars and tables,
a bad filter said next to its field), the same without JavaScript, and the employer's report and printable
annex on a desktop in English; axe on every page. Screenshots: artifacts/screenshots/impact-*/."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.impact.report_rows import impacts, nil, people

from .conftest import page_width, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "locale": "it-IT"}
PASSWORD = "pw-12345!"  # tests.conftest.user_factory's


@pytest.fixture
def scene(place, people, organisation):
    impacts(place, people_(6), date(2030, 3, 4), nil("10"), employer=organisation, bookings_each=2)
    impacts(place, people_(3), date(2030, 3, 5), nil("20"), employer=organisation, arrival_hour=9)
    impacts(
        place, people_(5), date(2030, 4, 8), nil("20"), arrival_hour=10, in_peak=False, saved_minutes=-20.0
    )
    return people


def people_(count):
    return people(count)


def test_the_city_dashboard_on_a_phone(browsing, scene, city):
    b = browsing("impact-city-phone", **PHONE)
    page = b.page
    sign_in(page, "reviewer", "", PASSWORD, next="/gestione/impatto/milano/")
    expect(page.locator("h1")).to_contain_text("Impatto del lavoro di prossimità")
    expect(page.locator("figure.vicinato-chart")).to_have_count(5)
    expect(page.locator("table.vicinato-impact-table")).to_have_count(5)
    expect(page.locator("#impact-month-caption")).to_contain_text("Per mese")
    # No page wider than the phone: the tables scroll inside their own region.
    assert page_width(page) <= 360
    b.audit("city-dashboard")
    b.shot("city-dashboard")

    page.locator("#id_start").fill("2030-05")
    page.locator("#id_end").fill("2030-03")
    page.locator("main form button[type='submit']").click()
    expect(page.locator("#id_end-error")).to_contain_text("L'ultimo mese viene prima del primo")
    expect(page.locator(".alert-danger")).to_contain_text("Alcuni filtri non sono validi")
    b.audit("city-dashboard-bad-months")
    b.shot("city-dashboard-bad-months")


def test_the_charts_need_no_javascript(browsing, scene, city):
    b = browsing("impact-city-no-js", java_script_enabled=False)
    page = b.page
    sign_in(page, "reviewer", "/en", PASSWORD, next="/en/gestione/impatto/milano/")
    bars = page.locator("#impact-month svg.vicinato-bar rect")
    expect(bars).to_have_count(2)
    widths = [bars.nth(i).get_attribute("width") for i in range(2)]
    assert [float(w) for w in widths] == [100.0, 33.3]  # 15 commutes avoided in March, 5 in April
    b.shot("city-dashboard-no-js")


def test_the_employer_report_and_its_printable_annex(browsing, scene, organisation):
    b = browsing("impact-employer")
    page = b.page
    sign_in(page, "orgadmin", "/en", PASSWORD, next=f"/en/gestione/organizzazioni/{organisation.pk}/impatto/")
    expect(page.locator("h2").first).to_contain_text("your people's commutes")
    nil_rows = page.locator("#impact-nil table tbody tr")
    expect(nil_rows.filter(has_text="suppressed")).to_have_count(
        2
    )  # 3 people, and the 6 that would reveal them
    b.audit("employer-report")
    b.shot("employer-report")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == f"impact-employer-{organisation.pk}.csv"

    page.get_by_role("link", name="Printable PSCL monitoring annex").click()
    expect(page.locator("h1")).to_have_text("Monitoring annex")
    expect(page.locator("#annex-2")).to_contain_text("smart working / coworking di prossimità")
    b.audit("employer-annex")
    page.emulate_media(media="print")
    expect(page.locator("header.it-header-wrapper")).to_be_hidden()
    b.shot("employer-annex-print")
