"""Signing in with SPID in real Chromium on a 320 px phone, against the local OpenID Connect provider of the
tests (tests/web/site/oidc_provider.py) on its own socket: the sign-in page's SPID list (two providers, no
script) and CIE button fit the screen and are axe clean; choosing a provider goes there and back, and the person
lands signed in with an account matched to the fiscal code; the account page then says so (issue 18, SPID/CIE)."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from joserfc.jwk import RSAKey
from playwright.sync_api import expect

from vicinato.register.models import DigitalIdentity
from vicinato.web.site import identity

from ..web.site.oidc_provider import FISCAL_CODE, Provider
from .conftest import page_width

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 320, "height": 700}, "is_mobile": True, "has_touch": True}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_signing_in_with_spid_on_a_phone(browsing, live_server, settings, tmp_path, prefix):
    site_key = RSAKey.generate_key(2048)
    key_file = tmp_path / "identity-key.json"
    key_file.write_text(json.dumps(site_key.as_dict(private=True)))
    identity._key.cache_clear()
    cache.clear()
    client_id = live_server.url
    with Provider(
        client_id, RSAKey.import_key(site_key.as_dict(private=False)), f"{live_server.url}/oidc/callback/"
    ) as provider:
        provider.person = {
            "sub": "browser-1",
            FISCAL_CODE: "TINIT-RSSMRA85T10A562S",
            "given_name": "Maria Grazia",
            "family_name": "Santambrogio-Lombardini",
            "email": "mg.santambrogio@example.org",
        }
        settings.IDENTITY_KEY_FILE = str(key_file)
        settings.IDENTITY_CLIENT_ID = client_id
        settings.IDENTITY_PROVIDERS = {
            "spid-primo": {
                "kind": "spid",
                "name": "Primo gestore di identità digitale",
                "issuer": provider.issuer,
            },
            "spid-secondo": {"kind": "spid", "name": "Secondo gestore", "issuer": provider.issuer},
            "cie": {"kind": "cie", "name": "CIE", "issuer": provider.issuer},
        }
        b = browsing(f"identity{prefix.replace('/', '-') or '-it'}", **PHONE)
        page = b.page
        page.goto(f"{prefix}/accedi/")
        page.locator("#spid-providers summary").click()
        expect(page.locator("#spid-spid-primo")).to_be_visible()
        assert page_width(page) <= 320
        b.shot("sign-in")
        b.audit("sign-in")

        page.locator("#spid-spid-primo").click()
        page.wait_for_url(f"{live_server.url}{prefix}/prenotazioni/")
        assert DigitalIdentity.objects.get().user.last_name == "Santambrogio-Lombardini"

        page.goto(f"{prefix}/account/")
        expect(page.locator("#identity-linked")).to_contain_text("RSSMRA85T10A562S")
        assert page_width(page) <= 320
        b.shot("account")
        b.audit("account")
    identity._key.cache_clear()
