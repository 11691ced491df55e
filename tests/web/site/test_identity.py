"""Signing in with SPID and CIE through OpenID Connect, end to end against a local provider (oidc_provider.py)
on a real socket: the site's relying party talks to it over HTTP (discovery, JWKS, token, userinfo), and the
test plays the browser, following the redirects between the two (issue 18, "SPID and CIE").

The flow, as it runs: the sign-in page's button -> /accedi/identita/<key>/ (the site) answers a redirect to the
provider's /authorize with a signed request object -> the provider signs the person in and redirects to
/oidc/callback/?code&state&iss -> the site checks state, exchanges the code at /token (private_key_jwt, PKCE),
checks the ID token against /jwks (signature, issuer, audience, expiry, nonce), reads /userinfo, matches the
fiscal code to an account and signs it in."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse
from joserfc.jwk import RSAKey

from vicinato.register.models import DigitalIdentity
from vicinato.web.site import identity

from .oidc_provider import FISCAL_CODE, Provider

pytestmark = pytest.mark.django_db

CALLBACK = "http://testserver/oidc/callback/"
MARIO = {
    "sub": "spid-user-1",
    FISCAL_CODE: "TINIT-rssmra85t10a562s",
    "given_name": "Mario",
    "family_name": "Rossi",
    "email": "Mario.Rossi@example.org",
}


@pytest.fixture
def provider(settings, tmp_path):
    """The local provider, and the site set up to offer it as a SPID provider (and as CIE)."""
    site_key = RSAKey.generate_key(2048)
    site_key.ensure_kid()
    key_file = tmp_path / "identity-key.json"
    key_file.write_text(json.dumps(site_key.as_dict(private=True)))
    client_id = "http://testserver/"
    identity._key.cache_clear()
    cache.clear()
    with Provider(client_id, RSAKey.import_key(site_key.as_dict(private=False)), CALLBACK) as running:
        running.person = dict(MARIO)
        settings.IDENTITY_KEY_FILE = str(key_file)
        settings.IDENTITY_CLIENT_ID = client_id
        settings.IDENTITY_PROVIDERS = {
            "spid-test": {"kind": "spid", "name": "Test ID", "issuer": running.issuer},
            "cie": {"kind": "cie", "name": "CIE", "issuer": running.issuer},
        }
        yield running
    identity._key.cache_clear()


def through_provider(client, start: str, **extra):
    """The browser's part: start at the site, sign in at the provider, come back to the site."""
    to_provider = client.get(start, **extra)
    assert to_provider.status_code == 302, to_provider.content.decode()[:500]
    at_provider = requests.get(to_provider["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302, at_provider.text
    back = at_provider.headers["Location"]
    assert back.startswith(CALLBACK)
    return client.get(urlsplit(back).path + "?" + urlsplit(back).query, **extra)


def signed_in_as(client):
    return client.get(reverse("web:account")).wsgi_request.user


def test_first_spid_sign_in_makes_an_account_with_the_fiscal_code(client, provider):
    page = client.get(reverse("web:login")).content.decode()
    assert "Sign in with SPID" in page and 'href="/en/accedi/identita/spid-test/"' in page
    assert "Sign in with CIE" in page
    italian = client.get("/accedi/").content.decode()
    assert "Entra con SPID" in italian and 'href="/accedi/identita/spid-test/"' in italian

    done = through_provider(client, reverse("web:identity_start", args=["spid-test"]))

    assert done.status_code == 302 and done["Location"] == reverse("web:my_bookings")
    person = signed_in_as(client)
    assert (person.first_name, person.last_name, person.email) == (
        "Mario",
        "Rossi",
        "mario.rossi@example.org",
    )
    assert not person.has_usable_password()
    linked = DigitalIdentity.objects.get(user=person)
    assert (linked.fiscal_code, linked.kind) == ("RSSMRA85T10A562S", "spid")
    asked = provider.requests[0]  # what the site asked, in its signed request object
    assert asked["acr_values"] == "https://www.spid.gov.it/SpidL2"
    assert FISCAL_CODE in asked["claims"]["userinfo"] and asked["code_challenge_method"] == "S256"

    client.logout()  # the next time, the same account
    through_provider(client, reverse("web:identity_start", args=["spid-test"]))
    assert signed_in_as(client).pk == person.pk
    assert get_user_model().objects.count() == 1


def test_a_linked_fiscal_code_signs_in_its_account_and_counts_as_second_factor(
    client, provider, people, settings
):
    settings.STAFF_SECOND_FACTOR = True
    admin = people["site_admin"]
    DigitalIdentity.objects.create(user=admin, fiscal_code="RSSMRA85T10A562S", kind="spid")

    done = through_provider(client, reverse("web:identity_start", args=["spid-test"]) + "?next=/account/")

    assert done["Location"] == "/account/"
    answer = client.get(reverse("web:account"))
    assert answer.status_code == 200 and answer.wsgi_request.user.pk == admin.pk  # no TOTP asked: SPID L2
    assert client.get("/api/v1/applications").status_code == 200

    client.logout()  # with the password, the code is asked as before
    client.force_login(admin)
    assert reverse("web:second_factor_setup") in client.get(reverse("web:account"))["Location"]


def test_cie_with_a_signed_userinfo(client, provider):
    provider.userinfo_signed = True
    through_provider(client, reverse("web:identity_start", args=["cie"]))
    assert DigitalIdentity.objects.get(fiscal_code="RSSMRA85T10A562S").kind == "cie"


def test_a_signed_in_person_links_spid_from_the_account_page(client, provider, people):
    worker = people["worker"]
    client.force_login(worker)
    page = client.get(reverse("web:account")).content.decode()
    assert "Link SPID" in page

    done = through_provider(client, reverse("web:identity_link", args=["spid-test"]))

    assert done["Location"] == reverse("web:account")
    assert DigitalIdentity.objects.get(user=worker).fiscal_code == "RSSMRA85T10A562S"
    page = client.get(reverse("web:account")).content.decode()
    assert 'id="identity-linked"' in page and "RSSMRA85T10A562S" in page

    client.logout()  # now SPID signs the worker in, not a new account
    through_provider(client, reverse("web:identity_start", args=["spid-test"]))
    assert signed_in_as(client).pk == worker.pk

    client.force_login(people["org_admin"])  # the same identity cannot be linked to a second account
    refused = through_provider(client, reverse("web:identity_link", args=["spid-test"]))
    assert refused["Location"] == reverse("web:account")
    assert (
        "This identity is already linked to another account."
        in client.get(refused["Location"]).content.decode()
    )
    assert not DigitalIdentity.objects.filter(user=people["org_admin"]).exists()

    client.force_login(worker)  # unlinking: the worker has a password to sign in with instead
    client.post(reverse("web:identity_unlink"))
    assert not DigitalIdentity.objects.filter(user=worker).exists()


def test_an_e_mail_of_an_existing_account_never_joins_the_identity_to_it(client, provider, user_factory):
    owner = user_factory("mario")
    owner.email = "Mario.Rossi@example.org"
    owner.save()

    refused = through_provider(client, reverse("web:identity_start", args=["spid-test"]))

    assert refused.status_code == 400
    assert "Sign in with its password, then link SPID or CIE" in refused.content.decode()
    assert not DigitalIdentity.objects.exists() and get_user_model().objects.get().pk == owner.pk
    assert not signed_in_as(client).is_authenticated


def test_a_tampered_state_is_refused(client, provider):
    to_provider = client.get(reverse("web:identity_start", args=["spid-test"]))
    back = requests.get(to_provider["Location"], allow_redirects=False, timeout=10).headers["Location"]
    query = parse_qs(urlsplit(back).query)
    tampered = client.get(
        "/oidc/callback/", {"code": query["code"][0], "state": "forged", "iss": provider.issuer}
    )
    assert tampered.status_code == 400
    assert "did not start here" in tampered.content.decode()
    assert not signed_in_as(client).is_authenticated
    # the real state afterwards is refused too: a flow is tried once
    again = client.get("/oidc/callback/", {"code": query["code"][0], "state": query["state"][0]})
    assert again.status_code == 400 and not DigitalIdentity.objects.exists()


def test_the_message_is_in_the_language_the_person_started_in(client, provider):
    client.get("/accedi/identita/spid-test/")  # the Italian site
    italian = client.get("/oidc/callback/", {"code": "x", "state": "forged"})
    assert italian.status_code == 400
    assert "Questo accesso è scaduto o non è partito da qui." in italian.content.decode()
    client.get("/en/accedi/identita/spid-test/")  # the English site
    english = client.get("/oidc/callback/", {"code": "x", "state": "forged"})
    assert english.status_code == 400 and '<html lang="en">' in english.content.decode()
    assert "This sign-in has expired or did not start here." in english.content.decode()


@pytest.mark.parametrize("tamper", ["nonce", "signature", "level"])
def test_an_id_token_with_a_wrong_nonce_signature_or_level_is_refused(client, provider, tamper):
    if tamper == "nonce":
        provider.id_token_nonce = "not-the-one-asked"
    elif tamper == "level":
        provider.level = "https://www.spid.gov.it/SpidL1"  # level 2 was asked
    else:
        provider.id_token_key = RSAKey.generate_key(2048)  # not in the provider's JWKS
        provider.id_token_key.ensure_kid()

    refused = through_provider(client, reverse("web:identity_start", args=["spid-test"]))

    assert refused.status_code == 400
    assert "answer could not be verified" in refused.content.decode()
    assert not signed_in_as(client).is_authenticated and not DigitalIdentity.objects.exists()


def test_the_person_cancels_at_the_provider(client, provider):
    provider.refuse = True
    refused = through_provider(client, reverse("web:identity_start", args=["spid-test"]))
    assert refused.status_code == 400 and "cancelled or refused" in refused.content.decode()


def test_an_unknown_provider(client, provider, settings):
    assert client.get(reverse("web:identity_start", args=["spid-nobody"])).status_code == 404
    # an answer that claims to come from another issuer than the one chosen
    to_provider = client.get(reverse("web:identity_start", args=["spid-test"]))
    back = requests.get(to_provider["Location"], allow_redirects=False, timeout=10).headers["Location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
    answer = client.get("/oidc/callback/", {**query, "iss": "https://idp.evil.example"})
    assert answer.status_code == 400 and not signed_in_as(client).is_authenticated
    # a provider that cannot be reached: a message, not an error page
    settings.IDENTITY_PROVIDERS = {
        "spid-down": {"kind": "spid", "name": "Down", "issuer": "http://127.0.0.1:9"}
    }
    down = client.get(reverse("web:identity_start", args=["spid-down"]))
    assert down.status_code == 502 and "cannot be reached now" in down.content.decode()


def test_buttons_hidden_and_keys_unpublished_when_not_configured(client, settings):
    settings.IDENTITY_KEY_FILE = ""
    # As words: the page's random CSRF token may hold the letters "CIE" (it did once, failing this test).
    assert not re.search(r"\b(?:SPID|CIE)\b", client.get(reverse("web:login")).content.decode())
    assert client.get("/oidc/jwks.json").status_code == 404
    assert client.get(reverse("web:identity_start", args=["cie"])).status_code == 404


def test_the_site_publishes_only_its_public_key(client, provider):
    keys = client.get("/oidc/jwks.json").json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and "d" not in keys[0] and keys[0]["kid"]


def test_an_account_made_with_spid_can_be_deleted_without_a_password(client, provider):
    through_provider(client, reverse("web:identity_start", args=["spid-test"]))
    person = signed_in_as(client)
    client.post(reverse("web:account_delete"), {"understood": "on"})
    assert not DigitalIdentity.objects.exists()
    person.refresh_from_db()
    assert not person.is_active or person.email != "mario.rossi@example.org"


def test_the_system_check_finds_a_missing_or_public_key_and_a_provider_without_https(settings, tmp_path):
    settings.IDENTITY_PROVIDERS = {"cie": {"kind": "cie", "name": "CIE", "issuer": "http://idserver.example"}}
    settings.DEBUG = False

    def ids(key_file: str) -> set[str]:
        settings.IDENTITY_KEY_FILE = key_file
        identity._key.cache_clear()
        return {problem.id for problem in identity.check_configuration()}

    assert ids("") == {"vicinato.W101"}
    assert ids(str(tmp_path / "missing.json")) == {"vicinato.E102", "vicinato.W102", "vicinato.E103"}
    key = RSAKey.generate_key(2048)
    public = tmp_path / "public.json"
    public.write_text(json.dumps(key.as_dict(private=False)))
    assert ids(str(public)) == {"vicinato.E101", "vicinato.W102", "vicinato.E103"}
    private = tmp_path / "private.pem"
    private.write_bytes(key.as_pem(private=True))
    settings.IDENTITY_PROVIDERS["cie"]["issuer"] = "https://idserver.example"
    assert ids(str(private)) == {"vicinato.E103"}  # with DEBUG=0, SPID and CIE only through the federation
    settings.IDENTITY_TRUST_ANCHOR = "https://trust-anchor.example"
    settings.IDENTITY_TRUST_ANCHOR_JWKS = json.dumps({"keys": [key.as_dict(private=False)]})
    settings.IDENTITY_FEDERATION_KEY_FILE = str(tmp_path / "missing-federation.json")
    settings.IDENTITY_ENCRYPTION_KEY_FILE = str(private)
    assert ids(str(private)) == {"vicinato.E104"}  # a federation key that cannot be read
    federation_key = tmp_path / "federation.json"
    federation_key.write_text(json.dumps(RSAKey.generate_key(2048).as_dict(private=True)))
    settings.IDENTITY_FEDERATION_KEY_FILE = str(federation_key)
    settings.IDENTITY_ENCRYPTION_KEY_FILE = str(federation_key)
    assert ids(str(private)) == {
        "vicinato.E106"
    }  # userinfo encrypted to the key that signs the configuration
    settings.IDENTITY_ENCRYPTION_KEY_FILE = str(private)
    assert ids(str(private)) == {"vicinato.E105"}  # userinfo encrypted to the key that signs: refused
    settings.IDENTITY_ENCRYPTION_KEY_FILE = str(federation_key.with_name("encryption.json"))
    federation_key.with_name("encryption.json").write_text(
        json.dumps(RSAKey.generate_key(2048).as_dict(private=True))
    )
    assert ids(str(private)) == set()
    settings.DEBUG = True  # in development a provider without the federation is fine
    settings.IDENTITY_TRUST_ANCHOR = ""
    assert ids(str(private)) == set()
    identity._key.cache_clear()


def test_site_administrators_see_and_can_unlink_an_identity_in_the_admin(client, people):
    worker = people["worker"]
    DigitalIdentity.objects.create(user=worker, fiscal_code="RSSMRA85T10A562S", kind="spid")
    client.force_login(people["site_admin"])
    page = client.get(f"/admin/auth/user/{worker.pk}/change/")
    assert page.status_code == 200 and "RSSMRA85T10A562S" in page.content.decode()
