"""Signing in with SPID and CIE in the OpenID Federation, end to end against the local provider
(oidc_provider.py), which is here also the trust anchor: the site resolves the provider's trust chain (its Entity
Configuration, the anchor's Subordinate Statement about it, checked with the anchor's keys from the settings and
the anchor's metadata policy), uses the metadata that results, and reads userinfo encrypted to its own
encryption key. A chain or a userinfo that does not hold ends on the sign-in page with a message, and nothing is
linked (issue 18, "SPID and CIE")."""

from __future__ import annotations

import datetime as dt
import json
import threading
from wsgiref.simple_server import make_server

import pytest
import requests
import time_machine
from django.core.cache import cache
from django.urls import reverse
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet, RSAKey

from vicinato.lib.federation import TrustChainError, unverified_claims
from vicinato.register.models import DigitalIdentity
from vicinato.web.site import federation, identity

from .oidc_provider import Provider, _Quiet
from .test_identity import CALLBACK, MARIO, signed_in_as, through_provider

pytestmark = pytest.mark.django_db

UNTRUSTED = "could not be verified in the SPID/CIE federation"
UNTRUSTED_IT = "Non è stato possibile verificare il gestore dell&#x27;identità nella federazione SPID/CIE"
UNVERIFIED = "The identity provider&#x27;s answer could not be verified."
UNVERIFIED_IT = "Non è stato possibile verificare la risposta del gestore dell&#x27;identità."


def _key_file(path) -> str:
    key = RSAKey.generate_key(2048)
    path.write_text(json.dumps(key.as_dict(private=True)))
    return str(path)


@pytest.fixture
def provider(settings, tmp_path, client):
    """The local provider and trust anchor, and the site in the federation with it."""
    identity._key.cache_clear()
    cache.clear()
    settings.IDENTITY_KEY_FILE = _key_file(tmp_path / "identity-key.json")
    settings.IDENTITY_FEDERATION_KEY_FILE = _key_file(tmp_path / "federation-key.json")
    settings.IDENTITY_ENCRYPTION_KEY_FILE = _key_file(tmp_path / "encryption-key.json")
    settings.IDENTITY_CLIENT_ID = "http://testserver/"
    settings.IDENTITY_CONTACTS = ["spid@vicinato.example"]
    # The local provider answers on plain http (the tests run with DEBUG off, where only https is fetched).
    settings.IDENTITY_FEDERATION_ALLOW_HTTP = True
    client_key = RSAKey.import_key(identity.site_key().as_dict(private=False))
    with Provider(settings.IDENTITY_CLIENT_ID, client_key, CALLBACK) as running:
        running.person = dict(MARIO)
        running.federation = True
        settings.IDENTITY_PROVIDERS = {
            "spid-test": {"kind": "spid", "name": "Test ID", "issuer": running.issuer},
            "cie": {"kind": "cie", "name": "CIE", "issuer": running.issuer},
        }
        settings.IDENTITY_TRUST_ANCHOR = running.anchor
        anchor_public = KeySet([RSAKey.import_key(running.anchor_key.as_dict(private=False))])
        settings.IDENTITY_TRUST_ANCHOR_JWKS = json.dumps(anchor_public.as_dict(private=False))
        # the provider encrypts userinfo to the key the site publishes in its Entity Configuration
        published = client.get("/.well-known/openid-federation").content.decode()
        relying_party = jwt.decode(published, federation.federation_key()).claims["metadata"]
        running.client_jwks = relying_party["openid_relying_party"]["jwks"]
        yield running
    identity._key.cache_clear()
    cache.clear()


def test_the_site_publishes_its_entity_configuration(client, provider, settings):
    answer = client.get("/.well-known/openid-federation")

    assert answer.status_code == 200 and answer["Content-Type"] == "application/entity-statement+jwt"
    token = answer.content.decode()
    own_keys = KeySet.import_key_set(unverified_claims(token)["jwks"])
    decoded = jwt.decode(token, own_keys, algorithms=["RS256"])  # self-signed: verifiable with its own jwks
    claims = decoded.claims
    assert decoded.header["typ"] == "entity-statement+jwt"
    assert claims["iss"] == claims["sub"] == "http://testserver/"
    assert claims["exp"] - claims["iat"] == 86400
    assert claims["authority_hints"] == [provider.anchor]
    assert all("d" not in key for key in claims["jwks"]["keys"])
    relying_party = claims["metadata"]["openid_relying_party"]
    assert relying_party["client_id"] == "http://testserver/"
    assert relying_party["redirect_uris"] == [CALLBACK]
    assert relying_party["client_registration_types"] == ["automatic"]
    assert relying_party["token_endpoint_auth_method"] == "private_key_jwt"
    assert (
        relying_party["response_types"] == ["code"] and "authorization_code" in relying_party["grant_types"]
    )
    assert relying_party["id_token_signed_response_alg"] == "RS256"
    assert relying_party["userinfo_encrypted_response_alg"] == "RSA-OAEP-256"
    assert relying_party["userinfo_encrypted_response_enc"] == "A256CBC-HS512"
    assert relying_party["contacts"] == ["spid@vicinato.example"] and relying_party["client_name"]
    keys = relying_party["jwks"]["keys"]
    assert sorted(key["use"] for key in keys) == ["enc", "sig"]
    assert len({key["kid"] for key in keys}) == 2 and all("d" not in key for key in keys)
    assert {key["kid"] for key in keys}.isdisjoint(key["kid"] for key in claims["jwks"]["keys"])
    # another key under the same kid does not verify it
    impostor = RSAKey.import_key(
        RSAKey.generate_key(2048).as_dict(private=False), {"kid": decoded.header["kid"]}
    )
    with pytest.raises(BadSignatureError):
        jwt.decode(token, KeySet([impostor]), algorithms=["RS256"])

    settings.IDENTITY_TRUST_ANCHOR = ""  # outside the federation, nothing to publish
    assert client.get("/.well-known/openid-federation").status_code == 404


def test_a_good_trust_chain_signs_a_person_in(client, provider):
    provider.policy = {
        "id_token_signing_alg_values_supported": {"subset_of": ["RS256", "RS512"]},
        "userinfo_encryption_alg_values_supported": {"superset_of": ["RSA-OAEP-256"]},
        "client_registration_types_supported": {"one_of": [["automatic"]], "essential": True},
        "op_policy_uri": {"default": "https://provider.example/policy"},
        "organization_name": {"value": "Provider vetted by the anchor"},
    }

    done = through_provider(client, reverse("web:identity_start", args=["spid-test"]))

    assert done.status_code == 302 and done["Location"] == reverse("web:my_bookings")
    person = signed_in_as(client)
    assert (person.first_name, person.last_name) == ("Mario", "Rossi")
    assert DigitalIdentity.objects.get(user=person).fiscal_code == "RSSMRA85T10A562S"
    # the chain, not discovery: the provider's and the anchor's configurations and the fetch endpoint
    assert {"/.well-known/openid-federation", "/ta/.well-known/openid-federation", "/ta/fetch"} <= set(
        provider.visits
    )
    assert "/.well-known/openid-configuration" not in provider.visits and "/jwks" not in provider.visits
    metadata = federation.provider_metadata(provider.issuer)  # the policies applied, from the cache
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    assert metadata["op_policy_uri"] == "https://provider.example/policy"
    assert metadata["organization_name"] == "Provider vetted by the anchor"

    client.logout()  # the next time, the chain comes from the cache
    through_provider(client, reverse("web:identity_start", args=["cie"]))
    assert signed_in_as(client).pk == person.pk and provider.visits.count("/ta/fetch") == 1


def test_the_cached_chain_is_resolved_again_once_it_expires(client, provider):
    provider.statement_lifetime = 600  # the earliest exp of the chain
    through_provider(client, reverse("web:identity_start", args=["spid-test"]))
    assert provider.visits.count("/ta/fetch") == 1
    client.logout()
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=11)):
        through_provider(client, reverse("web:identity_start", args=["spid-test"]))
    assert provider.visits.count("/ta/fetch") == 2 and signed_in_as(client).is_authenticated


def _statement_by_an_unknown_key(provider):
    provider.statement_key = RSAKey.generate_key(2048)
    provider.statement_key.ensure_kid()


def _expired(provider):
    provider.statement_lifetime = -3600


def _outside_subset_of(provider):
    provider.policy = {"id_token_signing_alg_values_supported": {"subset_of": ["ES512"]}}


def _not_one_of(provider):
    provider.metadata = {"token_endpoint_auth_methods_supported": "client_secret_basic"}
    provider.policy = {"token_endpoint_auth_methods_supported": {"one_of": ["private_key_jwt"]}}


def _missing_essential(provider):
    provider.policy = {"op_policy_uri": {"essential": True}}


@pytest.mark.parametrize(
    "breaking", [_statement_by_an_unknown_key, _expired, _outside_subset_of, _not_one_of, _missing_essential]
)
def test_a_chain_that_does_not_hold_is_refused(client, provider, breaking):
    breaking(provider)

    english = client.get("/en/accedi/identita/spid-test/")
    italian = client.get("/accedi/identita/spid-test/")

    assert english.status_code == italian.status_code == 502
    assert UNTRUSTED in english.content.decode()
    assert UNTRUSTED_IT in italian.content.decode()
    assert "/authorize" not in provider.visits  # nobody is sent to an untrusted provider
    assert not signed_in_as(client).is_authenticated and not DigitalIdentity.objects.exists()


def test_a_chain_broken_while_the_person_is_at_the_provider_is_refused_on_return(client, provider, people):
    worker = people["worker"]
    client.force_login(worker)
    to_provider = client.get(reverse("web:identity_link", args=["spid-test"]))
    cache.clear()  # the chain is resolved again on return, and now the anchor no longer vouches
    provider.statement_lifetime = -3600
    at_provider = requests.get(to_provider["Location"], allow_redirects=False, timeout=10)
    back = client.get("/oidc/callback/?" + at_provider.headers["Location"].split("?", 1)[1], follow=True)

    assert back.redirect_chain[-1][0] == reverse("web:account")
    assert UNTRUSTED_IT in back.content.decode()  # the link started on the Italian site
    assert not DigitalIdentity.objects.exists()


@pytest.mark.parametrize("form", ["plain", "signed", "wrong_key", "bad_signature"])
def test_a_userinfo_not_encrypted_to_the_site_or_badly_signed_is_refused(client, provider, form):
    provider.userinfo_form = form

    english = through_provider(client, "/en/accedi/identita/spid-test/")
    italian = through_provider(client, "/accedi/identita/spid-test/")

    assert english.status_code == italian.status_code == 400
    assert UNVERIFIED in english.content.decode() and '<html lang="en">' in english.content.decode()
    assert UNVERIFIED_IT in italian.content.decode()
    assert not signed_in_as(client).is_authenticated and not DigitalIdentity.objects.exists()


def test_a_userinfo_about_someone_else_is_refused(client, provider):
    provider.userinfo_sub = "spid-user-2"  # well encrypted and signed, but not about who signed in
    refused = through_provider(client, "/en/accedi/identita/spid-test/")
    assert refused.status_code == 400 and UNVERIFIED in refused.content.decode()
    assert not DigitalIdentity.objects.exists()


def test_the_cached_chain_lasts_at_most_the_setting_however_late_it_expires(client, provider, settings):
    provider.statement_lifetime = 90 * 86400  # months
    settings.IDENTITY_TRUST_CHAIN_CACHE_SECONDS = 600
    through_provider(client, reverse("web:identity_start", args=["spid-test"]))
    client.logout()
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=11)):
        through_provider(client, reverse("web:identity_start", args=["spid-test"]))
    assert provider.visits.count("/ta/fetch") == 2 and signed_in_as(client).is_authenticated


def test_new_anchor_keys_take_effect_at_once(client, provider, settings):
    through_provider(client, reverse("web:identity_start", args=["spid-test"]))
    client.logout()
    rotated = RSAKey.generate_key(
        2048
    )  # the anchor's configured keys change: the cached chain no longer counts
    settings.IDENTITY_TRUST_ANCHOR_JWKS = json.dumps(KeySet([rotated]).as_dict(private=False))

    refused = client.get("/en/accedi/identita/spid-test/")

    assert refused.status_code == 502 and UNTRUSTED in refused.content.decode()
    assert provider.visits.count("/ta/fetch") == 1  # the anchor's configuration no longer verifies


def test_plain_http_is_refused_unless_the_setting_allows_it(client, provider, settings):
    settings.IDENTITY_FEDERATION_ALLOW_HTTP = False  # as with DEBUG=0
    refused = client.get("/en/accedi/identita/spid-test/")
    assert refused.status_code == 502 and UNTRUSTED in refused.content.decode()
    assert provider.visits == []  # not even the provider's configuration is fetched


@pytest.fixture
def odd_server():
    """A server that answers a redirect at /moved and 70 kB at /big."""

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/moved":
            start_response("302 Found", [("Location", "https://elsewhere.example/")])
            return [b""]
        start_response("200 OK", [("Content-Type", "application/entity-statement+jwt")])
        return [b"x" * 70_000]

    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_a_federation_document_is_not_followed_through_redirects_nor_read_beyond_64_kb(odd_server):
    with pytest.raises(TrustChainError, match="answers with a redirect, not followed"):
        federation.fetch_text(f"{odd_server}/moved")
    with pytest.raises(TrustChainError, match="answers more than 65536 bytes"):
        federation.fetch_text(f"{odd_server}/big")


def test_an_unreadable_encryption_key_ends_on_the_page_with_a_message(client, provider, settings, tmp_path):
    to_provider = client.get("/en/accedi/identita/spid-test/")
    at_provider = requests.get(to_provider["Location"], allow_redirects=False, timeout=10)
    settings.IDENTITY_ENCRYPTION_KEY_FILE = str(tmp_path / "gone.json")
    identity._key.cache_clear()

    back = client.get("/oidc/callback/?" + at_provider.headers["Location"].split("?", 1)[1])

    assert back.status_code == 400 and UNVERIFIED in back.content.decode()
    assert not DigitalIdentity.objects.exists()


def test_unreadable_keys_make_the_key_documents_unavailable_not_an_error(
    client, provider, settings, tmp_path
):
    settings.IDENTITY_ENCRYPTION_KEY_FILE = str(tmp_path / "gone.json")
    identity._key.cache_clear()
    assert client.get("/oidc/jwks.json").status_code == 503
    assert client.get("/.well-known/openid-federation").status_code == 503


def test_the_providers_encryption_keys_do_not_check_signatures():
    signing, encrypting = RSAKey.generate_key(2048), RSAKey.generate_key(2048)
    jwks = {
        "keys": [
            {**signing.as_dict(private=False), "use": "sig", "kid": "s"},
            {**encrypting.as_dict(private=False), "use": "enc", "kid": "e"},
        ]
    }
    assert [key.kid for key in identity._provider_keys({"jwks": jwks})] == ["s"]
