"""The SPID and CIE identity providers the sign-in page offers (settings.IDENTITY_PROVIDERS)."""

from __future__ import annotations

from django.conf import settings


def configured() -> list[dict]:
    """Each provider with its key, kind (spid, cie) and name; [] when signing in with SPID/CIE is not set up."""
    if not settings.IDENTITY_KEY_FILE:
        return []
    return [{"key": key, **provider} for key, provider in settings.IDENTITY_PROVIDERS.items()]


def by_kind() -> dict[str, list[dict]]:
    """The providers for the sign-in page's buttons: {"spid": [...], "cie": [...]}."""
    kinds: dict[str, list[dict]] = {"spid": [], "cie": []}
    for provider in configured():
        kinds[provider["kind"]].append(provider)
    return kinds
