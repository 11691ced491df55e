"""Signing in with SPID or CIE: this site is an OpenID Connect relying party, following the SPID/CIE OIDC
profile's essentials, with Authlib (the client) and joserfc (JOSE):

- authorization code flow with PKCE (S256), `state` and `nonce` kept in the session and checked on return;
- a signed request object (RS256, this site's key) carrying every parameter, and `acr_values` (SPID level 2 by
  default); the client authenticates at the token endpoint with `private_key_jwt`;
- the ID token's signature checked against the provider's JWKS, with its issuer, audience, expiry and nonce;
- the fiscal code, names and e-mail from userinfo, whose `sub` must be the ID token's: in the federation a JWE
  encrypted to this site's encryption key wrapping a JWT signed by the provider;
- providers are trusted through the OpenID Federation (federation.py): their metadata and keys come from a trust
  chain up to the configured trust anchor, and this site publishes its Entity Configuration. Without a trust
  anchor (a test provider), their `/.well-known/openid-configuration` and userinfo as JSON or a signed JWT.

Whatever goes wrong ends on the sign-in (or account) page with a message, never an error page."""

from __future__ import annotations

import logging
import secrets

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core import checks
from django.core.cache import cache as shared_cache
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

from vicinato.lib.federation import TrustChainError, open_userinfo
from vicinato.register import identities
from vicinato.register.identities import IdentityRefused

from . import federation
from .federation import ProviderError
from .federation import key_from_file as _key
from .forms import SignInForm
from .providers import by_kind, configured
from .views import _next_page, home_for

logger = logging.getLogger(__name__)
SESSION_FLOW = "identity_flow"
TIMEOUT = federation.TIMEOUT
ALGORITHMS = ["RS256"]
LEVELS = [f"https://www.spid.gov.it/SpidL{n}" for n in (1, 2, 3)]
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri")
CLAIMS = ("given_name", "family_name", "email", identities.FISCAL_CODE_CLAIM)


def site_key() -> RSAKey:
    return _key(settings.IDENTITY_KEY_FILE)


def check_configuration(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`vicinato check`: SPID/CIE providers need this site's key, a private RSA key, https issuers and, with
    DEBUG=0 (or a trust anchor set), the federation's settings."""
    problems: list[checks.CheckMessage] = []
    if not settings.IDENTITY_PROVIDERS:
        return problems
    if not settings.IDENTITY_KEY_FILE:
        return [
            checks.Warning(
                "IDENTITY_PROVIDERS is set but IDENTITY_KEY_FILE is not: no SPID/CIE buttons.",
                id="vicinato.W101",
            )
        ]
    try:
        key = site_key()
        modulus_bits = len(key.as_dict(private=False)["n"]) * 6  # base64url: 6 bits a character
        if not key.is_private or modulus_bits < 2040:
            problems.append(
                checks.Error(
                    "IDENTITY_KEY_FILE must hold a private RSA key of 2048 bits or more.", id="vicinato.E101"
                )
            )
    except (OSError, ValueError, JoseError) as error:
        problems.append(
            checks.Error(f"IDENTITY_KEY_FILE cannot be read as an RSA key: {error}", id="vicinato.E102")
        )
    if not settings.DEBUG:
        for provider in settings.IDENTITY_PROVIDERS.values():
            if not provider["issuer"].startswith("https://"):
                problems.append(
                    checks.Warning(
                        f"The identity provider {provider['name']} is not on https.", id="vicinato.W102"
                    )
                )
    federation.check_federation(problems)
    return problems


def jwks(request):
    """This site's public keys: the one providers check its request objects and client assertions with, and the
    one they encrypt userinfo to (also in its Entity Configuration)."""
    if not configured():
        raise Http404
    try:
        return JsonResponse(federation.relying_party_jwks())
    except (OSError, ValueError, JoseError) as error:
        logger.error("this site's keys cannot be read: %s", error)
        return JsonResponse({"error": "this site's keys are not available"}, status=503)


def _get_json(url: str, **kwargs) -> dict:
    try:
        answer = requests.get(url, timeout=TIMEOUT, **kwargs)
        answer.raise_for_status()
        data = answer.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderError(str(error)) from error
    if not isinstance(data, dict):
        raise ProviderError(f"{url} did not answer a JSON object")
    return data


def _metadata(issuer: str) -> dict:
    """The provider's metadata: from its trust chain in the federation, else its OpenID configuration kept an
    hour in the shared cache."""
    if federation.federated():
        metadata = federation.provider_metadata(issuer)
        if not all(isinstance(metadata.get(name), str) for name in ENDPOINTS[:3]):
            raise TrustChainError("the provider's federation metadata lacks an endpoint")
        return metadata
    cache_key = f"oidc-metadata:{issuer}"
    metadata = shared_cache.get(cache_key)
    if metadata is None:
        metadata = _get_json(f"{issuer}/.well-known/openid-configuration")
        if str(metadata.get("issuer", "")).rstrip("/") != issuer:
            raise ProviderError("issuer mismatch in the provider's configuration")
        if not all(isinstance(metadata.get(name), str) for name in ENDPOINTS):
            raise ProviderError("the provider's configuration lacks an endpoint")
        shared_cache.set(cache_key, metadata, 3600)
    return metadata


def _redirect_uri(request) -> str:
    return request.build_absolute_uri(reverse("identity_callback"))


def _provider(key: str) -> dict:
    provider = settings.IDENTITY_PROVIDERS.get(key)
    if provider is None or not configured():
        raise Http404
    return provider


def _refused(request, message: str, status: int = 400):
    """Back to where the flow started (sign-in or account page) with the reason."""
    if request.user.is_authenticated:
        messages.error(request, message)
        return redirect("web:account")
    context = {"form": SignInForm(request), "next": "", "identity_error": message, "identities": by_kind()}
    return render(request, "web/login.html", context, status=status)


def _start(request, key: str, linking: bool):
    provider = _provider(key)
    try:
        metadata = _metadata(provider["issuer"])
    except ProviderError:
        return _refused(
            request, _("The identity provider cannot be reached now; please try again later."), 502
        )
    except TrustChainError as error:
        return _untrusted(request, provider, error)
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    client_id, redirect_uri = settings.IDENTITY_CLIENT_ID, _redirect_uri(request)
    now = int(timezone.now().timestamp())
    parameters = {
        "client_id": client_id,
        "response_type": "code",
        "scope": "openid",
        "redirect_uri": redirect_uri,
        "state": state,
        "nonce": nonce,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
        "acr_values": settings.IDENTITY_LEVEL,
        "prompt": "consent login",
        "claims": {"userinfo": dict.fromkeys(CLAIMS)},
    }
    request_object = jwt.encode(
        {"alg": "RS256", "kid": site_key().kid},
        {**parameters, "iss": client_id, "aud": [provider["issuer"]], "iat": now, "exp": now + 300},
        site_key(),
        algorithms=ALGORITHMS,
    )
    session = OAuth2Session(
        client_id, scope="openid", redirect_uri=redirect_uri, code_challenge_method="S256"
    )
    url, _state = session.create_authorization_url(
        metadata["authorization_endpoint"],
        state=state,
        code_verifier=verifier,
        nonce=nonce,
        acr_values=settings.IDENTITY_LEVEL,
        prompt="consent login",
        request=request_object,
    )
    request.session[SESSION_FLOW] = {
        "provider": key,
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "next": _next_page(request),
        "link_to": request.user.pk if linking else None,
        "language": translation.get_language(),
    }
    return redirect(url)


def start(request, key: str):
    """The SPID or CIE button: off to the provider to sign in."""
    return _start(request, key, linking=False)


@login_required
def start_link(request, key: str):
    """The account page's "Link SPID/CIE": off to the provider, then the identity is linked to this account."""
    return _start(request, key, linking=True)


def _untrusted(request, provider: dict, error: Exception):
    logger.warning("SPID/CIE provider %s refused by the federation: %s", provider["issuer"], error)
    return _refused(
        request,
        _(
            "The identity provider could not be verified in the SPID/CIE federation, so this site does not "
            "trust it now. Please try again later or choose another provider."
        ),
        502,
    )


def _provider_keys(metadata: dict) -> KeySet:
    """The provider's signing keys (not those it lists for encryption): in its federation metadata, else at its
    jwks_uri."""
    try:
        document = (
            metadata["jwks"] if isinstance(metadata.get("jwks"), dict) else _get_json(metadata["jwks_uri"])
        )
        signing = [key for key in document["keys"] if isinstance(key, dict) and key.get("use") != "enc"]
        return KeySet.import_key_set({"keys": signing})
    except (JoseError, KeyError, ValueError, TypeError) as error:
        raise ProviderError(f"the provider's keys cannot be read: {error}") from error


def _id_token(token: dict, metadata: dict, issuer: str, nonce: str) -> dict:
    """The ID token's claims, once its signature, issuer, audience, expiry and nonce are right."""
    keys = _provider_keys(metadata)
    try:
        claims = jwt.decode(token["id_token"], keys, algorithms=ALGORITHMS).claims
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": settings.IDENTITY_CLIENT_ID},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
            leeway=60,
        ).validate(claims)
    except (JoseError, KeyError, ValueError, TypeError) as error:
        raise ProviderError(f"ID token refused: {error}") from error
    return claims


def _encryption_key() -> RSAKey:
    try:
        return federation.encryption_key()
    except (OSError, ValueError, JoseError) as error:
        logger.error("IDENTITY_ENCRYPTION_KEY_FILE cannot be read: %s", error)
        raise ProviderError(f"this site's encryption key cannot be read: {error}") from error


def _userinfo(session: OAuth2Session, metadata: dict, sub: str) -> dict:
    try:
        answer = session.get(metadata["userinfo_endpoint"], timeout=TIMEOUT)
        answer.raise_for_status()
        if federation.federated():  # encrypted to this site, signed by the provider; nothing else
            decryption = KeySet([_encryption_key()])
            claims = open_userinfo(
                answer.text,
                decryption,
                _provider_keys(metadata),
                issuer=str(metadata.get("issuer", "")),
                client_id=settings.IDENTITY_CLIENT_ID,
            )
        elif answer.headers.get("Content-Type", "").startswith("application/jwt"):
            claims = jwt.decode(answer.text.strip(), _provider_keys(metadata), algorithms=ALGORITHMS).claims
        else:
            claims = answer.json()
    except (requests.RequestException, JoseError, TrustChainError, ValueError, KeyError, TypeError) as error:
        raise ProviderError(f"userinfo refused: {error}") from error
    if not isinstance(claims, dict):
        raise ProviderError("userinfo is not a JSON object")
    if claims.get("sub") != sub:
        raise ProviderError("userinfo is about someone else")
    return claims


def _exchange(request, flow: dict, provider: dict) -> tuple[dict, str]:
    """The claims of the person who signed in at the provider, and the authentication level."""
    metadata = _metadata(provider["issuer"])
    token_endpoint = metadata["token_endpoint"]
    session = OAuth2Session(
        settings.IDENTITY_CLIENT_ID,
        site_key(),
        token_endpoint_auth_method=PrivateKeyJWT(
            token_endpoint, alg="RS256", headers={"kid": site_key().kid}
        ),
        redirect_uri=_redirect_uri(request),
    )
    try:
        token = session.fetch_token(
            token_endpoint,
            code=request.GET.get("code", ""),
            code_verifier=flow["verifier"],
            timeout=TIMEOUT,
        )
    except (AuthlibBaseError, requests.RequestException, ValueError, KeyError) as error:
        raise ProviderError(f"token refused: {error}") from error
    claims = _id_token(token, metadata, provider["issuer"], flow["nonce"])
    level = str(claims.get("acr", ""))
    if _rank(level) < _rank(settings.IDENTITY_LEVEL):
        raise ProviderError(f"signed in at level {level!r}, below the one asked")
    return _userinfo(session, metadata, claims["sub"]), level


def _rank(level: str) -> int:
    """SPID's levels in order (CIE uses the same values); anything else ranks below them."""
    return LEVELS.index(level) if level in LEVELS else -1


def callback(request):
    """Back from the provider: check everything, then sign in (or link) the person its fiscal code names."""
    flow = request.session.pop(SESSION_FLOW, None)
    if flow:  # back in the language the person started in (this address has no language prefix)
        translation.activate(flow["language"])
        request.LANGUAGE_CODE = flow["language"]
    if not flow or not secrets.compare_digest(str(request.GET.get("state", "")), flow["state"]):
        return _refused(request, _("This sign-in has expired or did not start here. Please start again."))
    provider = settings.IDENTITY_PROVIDERS.get(flow["provider"])
    if provider is None:
        return _refused(request, _("This identity provider is no longer offered."))
    if "error" in request.GET or "code" not in request.GET:
        return _refused(request, _("The identity provider did not sign you in (cancelled or refused)."))
    if request.GET.get("iss") and request.GET["iss"].rstrip("/") != provider["issuer"]:
        return _refused(request, _("The answer did not come from the identity provider you chose."))
    try:
        claims, level = _exchange(request, flow, provider)
        fiscal_code = identities.fiscal_code_from_claim(claims.get(identities.FISCAL_CODE_CLAIM))
        if flow["link_to"] is not None:
            if request.user.pk != flow["link_to"]:
                raise IdentityRefused(
                    _("This sign-in has expired or did not start here. Please start again.")
                )
            identities.link(request.user, fiscal_code, provider["kind"])
            request.session[identities.SESSION_LEVEL] = level
            messages.success(request, _("Your identity is linked: you can now sign in with it."))
            return redirect("web:account")
        user = identities.account_for(fiscal_code, provider["kind"], claims)
    except ProviderError as error:
        logger.warning("SPID/CIE answer of %s refused: %s", provider["issuer"], error)
        return _refused(
            request, _("The identity provider's answer could not be verified. Please start again.")
        )
    except TrustChainError as error:
        return _untrusted(request, provider, error)
    except IdentityRefused as refused:
        return _refused(request, str(refused))
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[identities.SESSION_LEVEL] = level
    return redirect(flow["next"] or reverse(home_for(user)))


@login_required
@require_POST
def unlink(request):
    """Stop signing in with SPID/CIE; only for accounts that have a password to sign in with instead."""
    if not request.user.has_usable_password():
        messages.error(request, _("Set a password first: without it you could no longer sign in."))
    elif identities.unlink(request.user):
        messages.success(request, _("Your identity is no longer linked to this account."))
    return redirect("web:account")
