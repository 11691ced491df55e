"""This site in the SPID/CIE OpenID Federation: its keys, its Entity Configuration at
`/.well-known/openid-federation`, and each provider's metadata from a trust chain up to the configured trust
anchor (vicinato.lib.federation), kept in the shared cache until the chain's earliest expiry but at most
IDENTITY_TRUST_CHAIN_CACHE_SECONDS, under a key naming the anchor and its configured keys (a new key takes effect
at once). The addresses a chain leads to are fetched over https only (plain http only where
IDENTITY_FEDERATION_ALLOW_HTTP, for the tests), without redirects and at most MAX_ANSWER bytes each.

Federation is on when IDENTITY_TRUST_ANCHOR is set (the mode for SPID and CIE); without it the site reads each
provider's `/.well-known/openid-configuration`, for a test provider outside the federation."""

from __future__ import annotations

import hashlib
import json
import logging
from functools import cache
from pathlib import Path

import requests
from django.conf import settings
from django.core import checks
from django.core.cache import cache as shared_cache
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

from vicinato.lib import federation
from vicinato.lib.federation import TrustChainError

from .providers import configured

logger = logging.getLogger(__name__)
TIMEOUT = 10  # seconds for each request to a provider or a federation authority
LIFETIME = 86400  # seconds this site's Entity Configuration holds
USERINFO_ALG, USERINFO_ENC = "RSA-OAEP-256", "A256CBC-HS512"
MAX_ANSWER = 64 * 1024  # bytes of a federation document, at most


class ProviderError(Exception):
    """The provider could not be reached or answered something this site does not accept."""


@cache
def key_from_file(path: str) -> RSAKey:
    """A private RSA key from a JWK (JSON) or PEM file, read once."""
    data = Path(path).read_text()
    key = RSAKey.import_key(json.loads(data) if data.lstrip().startswith("{") else data)
    key.ensure_kid()
    return key


def federated() -> bool:
    return bool(settings.IDENTITY_TRUST_ANCHOR)


def signing_key() -> RSAKey:
    return key_from_file(settings.IDENTITY_KEY_FILE)


def encryption_key() -> RSAKey:
    return key_from_file(settings.IDENTITY_ENCRYPTION_KEY_FILE)


def federation_key() -> RSAKey:
    return key_from_file(settings.IDENTITY_FEDERATION_KEY_FILE)


def anchor_keys() -> KeySet:
    """The trust anchor's public keys, from the settings (JSON, or a file holding it), never from the network."""
    value = settings.IDENTITY_TRUST_ANCHOR_JWKS.strip()
    document = json.loads(value if value.startswith("{") else Path(value).read_text())
    return KeySet.import_key_set(document)


def relying_party_jwks() -> dict:
    """This site's keys for the providers: one that signs its requests, one userinfo is encrypted to."""
    keys = [signing_key().as_dict(private=False, use="sig", alg="RS256")]
    if settings.IDENTITY_ENCRYPTION_KEY_FILE:
        keys.append(encryption_key().as_dict(private=False, use="enc", alg=USERINFO_ALG))
    return {"keys": keys}


def entity_configuration(request):
    """This site's Entity Configuration: who it is, whom it answers to, and its relying party's metadata,
    signed with its federation key (503 when a key file cannot be read, logged)."""
    if not configured() or not federated() or not settings.IDENTITY_FEDERATION_KEY_FILE:
        raise Http404
    try:
        return _entity_configuration(request)
    except (OSError, ValueError, JoseError) as error:
        logger.error("this site's federation keys cannot be read: %s", error)
        return HttpResponse("this site's keys are not available", status=503, content_type="text/plain")


def _entity_configuration(request):
    entity, now = settings.IDENTITY_CLIENT_ID, int(timezone.now().timestamp())
    contacts = list(settings.IDENTITY_CONTACTS)
    claims = {
        "iss": entity,
        "sub": entity,
        "iat": now,
        "exp": now + LIFETIME,
        "jwks": {"keys": [federation_key().as_dict(private=False, use="sig", alg="RS256")]},
        "authority_hints": list(settings.IDENTITY_AUTHORITY_HINTS) or [settings.IDENTITY_TRUST_ANCHOR],
        "metadata": {
            "openid_relying_party": {
                "client_id": entity,
                "client_name": settings.IDENTITY_CLIENT_NAME,
                "redirect_uris": [request.build_absolute_uri(reverse("identity_callback"))],
                "jwks": relying_party_jwks(),
                "response_types": ["code"],
                "grant_types": ["authorization_code"],
                "client_registration_types": ["automatic"],
                "token_endpoint_auth_method": "private_key_jwt",
                "id_token_signed_response_alg": "RS256",
                "userinfo_signed_response_alg": "RS256",
                "userinfo_encrypted_response_alg": USERINFO_ALG,
                "userinfo_encrypted_response_enc": USERINFO_ENC,
                "contacts": contacts,
            },
            "federation_entity": {
                "organization_name": settings.IDENTITY_CLIENT_NAME,
                "homepage_uri": settings.SITE_URL,
                "contacts": contacts,
            },
        },
    }
    token = federation.sign_statement(claims, federation_key())
    return HttpResponse(token, content_type="application/entity-statement+jwt")


def fetch_text(url: str) -> str:
    """A federation document: no redirects, at most MAX_ANSWER bytes (the URL comes from an unchecked statement)."""
    try:
        with requests.get(url, timeout=TIMEOUT, allow_redirects=False, stream=True) as answer:
            if answer.is_redirect:
                raise TrustChainError(f"{url} answers with a redirect, not followed")
            answer.raise_for_status()
            body = answer.raw.read(MAX_ANSWER + 1, decode_content=True)
    except requests.RequestException as error:
        raise ProviderError(str(error)) from error
    if len(body) > MAX_ANSWER:
        raise TrustChainError(f"{url} answers more than {MAX_ANSWER} bytes")
    return body.decode(answer.encoding or "utf-8", errors="replace")


def _chain_cache_key(issuer: str, keys: KeySet) -> str:
    """Names the anchor and a digest of its configured public keys, so that changing either resolves again."""
    public = json.dumps(keys.as_dict(private=False), sort_keys=True)
    digest = hashlib.sha256(f"{settings.IDENTITY_TRUST_ANCHOR}\n{public}".encode()).hexdigest()[:32]
    return f"oidc-federation:{digest}:{issuer}"


def provider_metadata(issuer: str) -> dict:
    """The provider's `openid_provider` metadata from its trust chain, cached until the chain expires, at most
    IDENTITY_TRUST_CHAIN_CACHE_SECONDS. Raises ProviderError when a party cannot be reached, TrustChainError
    when the chain does not hold."""
    try:
        keys = anchor_keys()
    except (OSError, ValueError, JoseError) as error:
        raise TrustChainError(f"the trust anchor's keys cannot be read: {error}") from error
    cache_key = _chain_cache_key(issuer, keys)
    metadata = shared_cache.get(cache_key)
    if metadata is None:
        now = int(timezone.now().timestamp())
        chain = federation.resolve(
            issuer,
            anchor=settings.IDENTITY_TRUST_ANCHOR,
            anchor_keys=keys,
            fetch=fetch_text,
            now=now,
            allow_http=settings.IDENTITY_FEDERATION_ALLOW_HTTP,
        )
        metadata = chain.metadata
        if str(metadata.get("issuer", "")).rstrip("/") != issuer:
            raise TrustChainError("issuer mismatch in the provider's federation metadata")
        lifetime = min(chain.expires - now, settings.IDENTITY_TRUST_CHAIN_CACHE_SECONDS)
        shared_cache.set(cache_key, metadata, max(1, lifetime))
    return metadata


def check_federation(problems: list[checks.CheckMessage]) -> None:
    """With DEBUG=0, SPID and CIE need the federation: a trust anchor and its keys, and this site's federation
    and encryption keys, each readable."""
    if settings.DEBUG and not federated():
        return
    missing = [
        name
        for name in (
            "IDENTITY_TRUST_ANCHOR",
            "IDENTITY_TRUST_ANCHOR_JWKS",
            "IDENTITY_FEDERATION_KEY_FILE",
            "IDENTITY_ENCRYPTION_KEY_FILE",
        )
        if not getattr(settings, name)
    ]
    if missing:
        problems.append(
            checks.Error(
                f"SPID/CIE providers need the OpenID Federation settings: {', '.join(missing)} missing.",
                id="vicinato.E103",
            )
        )
        return
    try:
        anchor_keys()
        signing_federation = federation_key().thumbprint()
        encrypting = encryption_key().thumbprint()
    except (OSError, ValueError, JoseError) as error:
        problems.append(checks.Error(f"A federation key cannot be read: {error}", id="vicinato.E104"))
        return
    if signing_federation == encrypting:
        problems.append(
            checks.Error(
                "IDENTITY_ENCRYPTION_KEY_FILE must hold another key than IDENTITY_FEDERATION_KEY_FILE.",
                id="vicinato.E106",
            )
        )
    try:
        same = encrypting == signing_key().thumbprint()
    except (OSError, ValueError, JoseError):
        return  # told by vicinato.E102
    if same:
        problems.append(
            checks.Error(
                "IDENTITY_ENCRYPTION_KEY_FILE must hold another key than IDENTITY_KEY_FILE.",
                id="vicinato.E105",
            )
        )
