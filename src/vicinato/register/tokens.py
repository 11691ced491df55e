"""People's own API tokens: made with a name, a scope and an expiry on their account page, shown once, revoked
there; only their digest is stored (models.ApiToken)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken

LIFETIMES_DAYS = (30, 90, 365)
MAX_TOKENS = 10  # usable tokens per person


def usable(person) -> QuerySet[ApiToken]:
    now = timezone.now()
    return ApiToken.objects.filter(user=person, revoked_at__isnull=True).exclude(expires_at__lte=now)


def make(person, name: str, scope: str, days: int) -> ApiToken:
    """A new token; its `key` is the only time the token can be read."""
    errors = {}
    name = " ".join(name.split())
    if not name:
        errors["name"] = [_("Name the token after what uses it, e.g. “calendar script”.")]
    if scope not in ApiToken.Scope.values:
        errors["scope"] = [_("Choose what the token may do.")]
    if days not in LIFETIMES_DAYS:
        errors["days"] = [_("Choose how long the token is valid.")]
    if usable(person).count() >= MAX_TOKENS:
        errors["name"] = [_("You have %(count)d tokens in use: revoke one first.") % {"count": MAX_TOKENS}]
    if errors:
        raise ValidationError(errors)
    return ApiToken.objects.create(
        user=person, name=name, scope=scope, expires_at=timezone.now() + timedelta(days=days)
    )


def revoke(person, pk: int) -> None:
    """Revoke one of the person's own tokens (someone else's is not found: nothing happens)."""
    ApiToken.objects.filter(user=person, pk=pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
