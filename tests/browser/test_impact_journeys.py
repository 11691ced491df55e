"""Impact in the browser: a demo commuter's profile page (consent, form, this month's savings), the calculator
on a place's page answered without JavaScript, in both languages, audited with axe."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import sign_in


def test_commuter_profile_and_calculator(browsing, demo):
    b = browsing("impact")
    page = b.page
    sign_in(page, "pendolare01")
    page.goto("/en/impatto/profilo/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your commute")
    expect(page.get_by_role("heading", name="What Vicinato keeps, and why")).to_be_visible()
    expect(page.get_by_role("button", name="Withdraw consent and delete my profile")).to_be_visible()
    b.shot("profile")
    b.audit("impact-profile")
    # Saving without ticking consent is refused next to the box.
    page.get_by_role("button", name="Save with my consent").click()
    expect(page.get_by_text(re.compile("Tick the box to agree"))).to_be_visible()
    b.audit("impact-profile-errors")
    page.goto("/en/prenotazioni/")
    expect(page.get_by_text(re.compile(r"This month: "))).to_be_visible()

    page.goto("/en/registro/")
    page.locator("main a[href*='/luoghi/']").first.click()
    section = page.locator("#impact-here")
    section.get_by_label("Where you live").fill("Via Padova")
    section.get_by_label("Your usual workplace").fill("Corso Magenta")
    section.get_by_label("How you usually go to work").select_option("car_driver")
    section.get_by_role("button", name="Compute", exact=True).click()
    expect(page.locator("#impact-result")).to_contain_text("instead of at your office")
    b.shot("calculator")
    b.audit("impact-calculator")
    page.goto(page.url.replace("/en/", "/", 1).split("#")[0])
    expect(page.get_by_role("heading", name="Quanto risparmieresti lavorando qui")).to_be_visible()
    b.audit("impact-calculator-it")
