"""The account page on a 320 px phone, in both languages: a person's data, a new API token (a long word) and the
deletion form fit the screen, axe clean, reached from the menu (issue 18, findings 6 and 8)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import page_width, sign_in

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 320, "height": 700}, "is_mobile": True, "has_touch": True}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_account_page_fits_a_phone(browsing, prefix, user_factory):
    user_factory("lucia", first_name="Lucia", last_name="Bianchi-Montevecchi")
    b = browsing(f"account{prefix.replace('/', '-') or '-it'}", **PHONE)
    page = b.page
    sign_in(page, "lucia", prefix, password="pw-12345!")
    page.goto(f"{prefix}/account/")
    expect(page.locator("h1")).to_have_text("Il tuo account" if not prefix else "Your account")
    page.locator("#id_name").fill("script del calendario")
    page.locator("#make-token").click()
    expect(page.locator("#new-token code")).to_be_visible()
    width = page_width(page)
    assert width <= 320, width
    expect(page.locator("#delete-account")).to_be_visible()
    b.shot("account")
    b.audit("account")
