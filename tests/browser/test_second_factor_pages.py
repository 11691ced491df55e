"""Setting up the second factor on a 320 px phone: the QR code and its key fit the screen, axe clean, and the
code typed from the key lets the person in (issue 18, finding 6)."""

from __future__ import annotations

import base64

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from .conftest import page_width, submit_login

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 320, "height": 700}, "is_mobile": True, "has_touch": True}


@pytest.mark.django_db(transaction=True)
def test_a_site_administrator_sets_up_the_app_on_a_phone(browsing, settings, user_factory):
    settings.STAFF_SECOND_FACTOR = True
    user_factory("amministra", is_superuser=True, is_staff=True)
    b = browsing("second-factor-it", **PHONE)
    page = b.page
    page.goto("/accedi/")
    submit_login(page, "amministra", "pw-12345!")
    expect(page.locator("h1")).to_have_text("Configura la tua app di autenticazione")
    assert page_width(page) <= 320
    b.shot("setup")
    b.audit("setup")
    key = base64.b32decode(page.locator("#second-factor-key").inner_text())
    page.locator("#id_code").fill(f"{totp(key):06d}")
    page.locator("main form button").click()
    expect(page.locator(".alert-success")).to_contain_text("app di autenticazione è configurata")
