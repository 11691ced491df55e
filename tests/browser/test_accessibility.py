"""axe-core (WCAG 2.0/2.1 A and AA) on every page of journeys 1-3, in Italian and in English.

The journeys audit their own pages as they go (Browsing.audit): journeys 1 and 2 in English, journey 3 in
Italian. This test audits the same pages in the other language (plus the home page, the whole register and
the place form with its errors, in both), so that every page is checked in both languages. Each audit is a
subtest that fails listing the serious and critical violations (rule, impact, target selectors), or is xfail
when all of them are known template bugs listed in conftest.KNOWN_TEMPLATE_VIOLATIONS. The full results
(every impact, and what axe could not decide) are in artifacts/screenshots/<journey>/axe-results.json.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import run_axe, sign_in, sign_out, submit_login, upload_document, wait_for_map

pytestmark = pytest.mark.browser

ORGANISATION = "Coworking Ambrosiano S.r.l. (demo)"


def test_axe_finds_what_it_should(browser):
    """A canary: axe, as injected and run here, reports obvious WCAG failures (so "no violations" means it)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(
            '<html lang="it"><head><title>canary</title></head><body><main><h1>Canary</h1><img src="x.png">'
            '<button></button><p style="color:#bbb;background:#fff">grigio chiaro</p></main></body></html>'
        )
        found = {v["id"] for v in run_axe(page)["violations"]}
    finally:
        context.close()
    assert {"image-alt", "button-name", "color-contrast"} <= found, found


@pytest.mark.django_db(transaction=True)
def test_axe_in_the_other_language(browsing, demo):
    italian = browsing("accessibility-it")
    audit_register_journey(italian, "")
    audit_nearby_journey(italian, "")

    english = browsing("accessibility-en")
    page = english.page
    page.goto("/en/")
    _audit(english, "home")
    page.goto("/en/registro/")
    wait_for_map(page)
    _audit(english, "register")
    page.goto("/en/copertura/")
    expect(page.locator("#coverage-table tbody tr")).to_have_count(demo["neighbourhoods"])
    wait_for_map(page)
    _audit(english, "coverage")
    sign_in(page, "operatore", "/en")
    page.locator("section").filter(has_text=ORGANISATION).locator("a[href$='/luoghi/nuovo/']").click()
    page.locator("main button[type='submit']").click()  # empty: the errors next to the fields
    expect(page.locator("[aria-invalid='true']").first).to_be_visible()
    _audit(english, "place-form-errors")


def _audit(b, name: str) -> None:
    b.audit(name)
    b.shot(name, full_page=False)


def _tick(page, name: str, value: str) -> None:
    """Bootstrap Italia draws the box on the label, which takes the click."""
    box = page.locator(f"input[name='{name}'][value='{value}']")
    if not box.is_checked():
        page.locator(f"label[for='{box.get_attribute('id')}']").click()
    expect(box).to_be_checked()


def _action(page, action: str) -> None:
    page.locator(f"main button[name='action'][value='{action}']").click()
    page.wait_for_load_state()


def audit_register_journey(b, prefix: str) -> None:
    """Journey 1's pages (by selectors, not by text, so that it works in either language)."""
    page = b.page
    page.goto(f"{prefix}/")
    _audit(b, "home")
    page.goto(f"{prefix}/accedi/")
    _audit(b, "login")
    submit_login(page, "operatore")
    expect(page.locator("main h2").filter(has_text=ORGANISATION)).to_be_visible()
    _audit(b, "dashboard-operator")
    page.locator("section").filter(has_text=ORGANISATION).locator("a[href$='/luoghi/nuovo/']").click()
    _audit(b, "place-form")
    page.locator("main button[type='submit']").click()  # empty: the errors next to the fields
    expect(page.locator("[aria-invalid='true']").first).to_be_visible()
    _audit(b, "place-form-errors")
    page.locator("#id_kind").select_option("coworking")
    page.locator("#id_name_it").fill("Cowork Accessibile")
    page.locator("#id_name_en").fill("Accessible Cowork")
    page.locator("#id_address").fill("Piazza Leonardo da Vinci 7")
    page.locator("#id_lat").fill("45.4781")
    page.locator("#id_lon").fill("9.2256")
    page.locator("#id_desks").fill("8")
    for amenity in ("broadband", "printer"):
        _tick(page, "amenities", amenity)
    page.locator("main button[type='submit']").click()
    expect(page.locator("main .alert-warning")).to_be_visible()  # not listed yet
    wait_for_map(page)
    _audit(b, "place-unlisted")
    place_path = b.path

    page.goto(f"{prefix}/gestione/")
    row = page.locator("tr").filter(has=page.locator(f"a[href='{place_path}']"))
    row.locator("select").select_option("elenco-coworking-milano")
    row.locator("button").click()
    expect(page.get_by_test_id("state")).to_be_visible()
    _audit(b, "application-draft")
    application_path = b.path
    _action(page, "submit")
    expect(page.locator(".vicinato-messages .alert-warning").first).to_be_visible()
    _audit(b, "application-refused")

    page.goto(place_path.replace("/luoghi/", "/gestione/luoghi/") + "modifica/")
    page.locator("#id_desks").fill("12")
    for amenity in ("common_areas", "kitchen"):
        _tick(page, "amenities", amenity)
    _audit(b, "place-edit-form")
    page.locator("main button[type='submit']").click()
    expect(page.locator(".vicinato-messages .alert-success")).to_be_visible()
    page.goto(application_path)
    upload_document(page)
    _action(page, "submit")
    expect(page.locator(".vicinato-messages .alert-success")).to_be_visible()
    _audit(b, "application-submitted")
    sign_out(page)

    sign_in(page, "revisore", prefix)
    _audit(b, "dashboard-reviewer")
    page.goto(f"{prefix}/revisione/")
    _audit(b, "review-queue")
    page.locator("main table a").filter(has_text="Accessib").click()
    page.wait_for_url(re.compile(r"/revisione/candidature/\d+/$"))
    _audit(b, "review")
    _action(page, "approve")  # too early: the checks are not ticked yet
    expect(page.locator(".vicinato-messages .alert-danger")).to_be_visible()
    while page.locator("main form input[name='ticked'][value='1']").count():
        page.locator("main form:has(input[name='ticked'][value='1']) button").first.click()
        page.wait_for_load_state()
    page.locator("#note").fill("Verificato.")
    _action(page, "approve")
    expect(page.locator(".vicinato-messages .alert-success")).to_be_visible()
    _audit(b, "review-approved")
    sign_out(page)

    page.goto(f"{prefix}/registro/?q=Accessib")
    expect(page.locator("main li.card")).to_have_count(1)
    wait_for_map(page)
    _audit(b, "register-filtered")
    page.locator("main li.card a").click()
    wait_for_map(page)
    _audit(b, "place-listed")


def audit_nearby_journey(b, prefix: str) -> None:
    """Journey 2's pages, on the same phone screen."""
    page = b.page
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{prefix}/vicino-a-te/")
    _audit(b, "nearby-form")
    page.locator("#id_address").fill("Via Padova")
    page.locator("#id_mode").select_option("bike")
    page.locator("#id_minutes").fill("10")
    page.locator("main form button[type='submit']").click()
    expect(page.locator("main ol > li.card").first).to_be_visible()
    wait_for_map(page, vector_layers=2)
    _audit(b, "nearby-results")
    page.locator("main ol > li.card a").first.click()
    wait_for_map(page)
    _audit(b, "place")
