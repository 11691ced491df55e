"""The Content-Security-Policy breaks neither the API's docs nor a page with a map, and no main page uses an inline
style or script it refuses (issue 18, finding 7): the fixture `browsing` fails a test on any policy violation
reported by Chromium (its console messages, and each `securitypolicyviolation` event)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import sign_in, sign_out, wait_for_map

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_the_api_docs_work_under_the_policy(browsing):
    b = browsing("csp-api-docs")
    page = b.page
    answer = page.goto("/api/v1/docs", timeout=60_000)  # a large bundle, on a busy machine
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    expect(page.locator(".opblock").first).to_be_visible()  # Swagger UI rendered the operations
    b.shot("api-docs", full_page=False)  # the whole page (160 operations) is too tall to capture in time


@pytest.mark.django_db(transaction=True)
def test_the_register_map_page_works_under_the_policy(browsing):
    b = browsing("csp-register")
    page = b.page
    answer = page.goto("/registro/")
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    b.shot("register")


# The main pages, as each of their people sees them: any inline style or script the policy refuses is reported by
# Chromium (console and `securitypolicyviolation`, see conftest.Browsing) and fails the test.
DUOMO = {"lat": "45.4642", "lon": "9.1900"}


@pytest.mark.django_db(transaction=True)
def test_the_main_pages_break_no_rule_of_the_policy(browsing, demo):
    from vicinato.planning.models import Scenario
    from vicinato.register.models import Place

    b = browsing("csp-main-pages")
    page = b.page
    visited: list[str] = []

    def visit(path: str, ready: str = "main h1") -> None:
        answer = page.goto(path, timeout=60_000)  # a busy machine: the first search builds its index
        assert answer.status == 200, path
        assert "'unsafe-inline'" not in answer.headers["content-security-policy"]
        expect(page.locator(ready).first).to_be_visible()
        page.wait_for_load_state("load")
        visited.append(path)

    visit("/")
    visit("/en/")
    visit(f"/vicino-a-te/?lat={DUOMO['lat']}&lon={DUOMO['lon']}&mode=walk&minutes=15")
    expect(page.locator("main ol > li.card").first).to_be_visible()
    wait_for_map(page, vector_layers=2)
    place = page.locator("main ol > li.card a").first.get_attribute("href")
    visit(place)
    wait_for_map(page)
    visit("/registro/")
    wait_for_map(page)
    visit("/copertura/")
    wait_for_map(page)
    visit("/agenda/")
    visit("/api/v1/docs", ready=".opblock")
    page.locator(".opblock-summary").first.click()  # an operation opened: Swagger UI draws its details
    expect(page.locator(".opblock-body").first).to_be_visible()

    sign_in(page, "lavoratrice")
    bookable = Place.objects.filter(resources__isnull=False).distinct().first()
    visit(f"/luoghi/{bookable.public_id}/prenota/")
    visit("/prenotazioni/")
    visit("/account/")
    sign_out(page)

    sign_in(page, "operatore")
    visit("/gestione/")
    organisation = page.locator("main a[href^='/gestione/organizzazioni/']").first.get_attribute("href")
    visit(organisation)
    own = Place.objects.filter(operator__memberships__user__username="operatore").first()
    visit(f"/gestione/luoghi/{own.public_id}/modifica/")
    wait_for_map(page, vector_layers=0)
    visit(f"/gestione/luoghi/{own.public_id}/orari/")
    sign_out(page)

    sign_in(page, "admin", next="/pianificazione/")
    visit("/pianificazione/")
    visit(f"/pianificazione/scenari/{Scenario.objects.order_by('pk').first().pk}/")
    expect(
        page.locator(".vicinato-bar").first
    ).to_be_visible()  # the neighbourhoods' bars, without inline style
    visit("/gestione/impatto/")
    visit("/revisione/")
    b.shot("last-page")
    assert b.errors == [], b.errors
    assert len(visited) >= 18
