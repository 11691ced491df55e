"""Public digital identities (SPID, CIE): the fiscal code an identity provider vouches for is matched to one
account. The OpenID Connect exchange itself is the pages' business (web/site/identity.py); here is what it
means for accounts.

- A fiscal code already linked signs its account in.
- A fiscal code not yet linked makes a new account with the name and e-mail the provider gave, as the public
  services that take SPID do (INPS, App IO): the identity is checked by the provider, so there is nothing to
  confirm. If that e-mail already belongs to an account, the new account is refused: whoever owns it signs in
  with the password and links the identity from the account page. An e-mail alone never joins an identity to
  an existing account, or whoever controls a provider's e-mail claim would take that account over.
- A person who is signed in links their identity from the account page; one identity per account, one account
  per fiscal code.
- SPID level 2 and 3 (and CIE, whose levels are the same) are two factors by definition (AgID's rules), so an
  account signed in with them has given its second factor (`has_second_factor`)."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import DigitalIdentity
from .validators import is_valid_codice_fiscale

FISCAL_CODE_CLAIM = "https://attributes.eid.gov.it/fiscal_number"
# The authentication levels that count as two factors: SPID level 2 and 3 (CIE answers with the same values).
STRONG_LEVELS = frozenset({"https://www.spid.gov.it/SpidL2", "https://www.spid.gov.it/SpidL3"})
# The session key that keeps the level of this session's sign-in with a digital identity.
SESSION_LEVEL = "identity_level"


class IdentityRefused(Exception):
    """The identity cannot sign in or be linked, with the reason to show."""


def fiscal_code_from_claim(value) -> str:
    """The fiscal code in the provider's claim ("TINIT-RSSMRA85T10A562S"): prefix dropped, upper case, checked."""
    code = str(value or "").strip().upper()
    code = code.removeprefix("TINIT-")
    if len(code) != 16 or not is_valid_codice_fiscale(code):
        raise IdentityRefused(_("The identity provider did not give a valid fiscal code."))
    return code


def has_second_factor(request) -> bool:
    """Whether this session's person gave a second factor: an authenticator code, or SPID/CIE level 2 or 3."""
    return request.user.is_verified() or request.session.get(SESSION_LEVEL) in STRONG_LEVELS


def _used(identity: DigitalIdentity) -> None:
    identity.last_used_at = timezone.now()
    identity.save(update_fields=["last_used_at"])


def account_for(fiscal_code: str, kind: str, claims: dict):
    """The account that signs in with this fiscal code: the linked one, or a new one made from the claims."""
    identity = DigitalIdentity.objects.select_related("user").filter(fiscal_code=fiscal_code).first()
    if identity is not None:
        if not identity.user.is_active:
            raise IdentityRefused(_("The account linked to this identity is not active."))
        _used(identity)
        return identity.user
    email = str(claims.get("email") or "").strip().lower()
    users = get_user_model().objects
    if email and users.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
        raise IdentityRefused(
            _(
                "An account with the e-mail address of this identity already exists. Sign in with its "
                "password, then link SPID or CIE from your account page."
            )
        )
    try:
        with transaction.atomic():
            user = users.create_user(
                username=email or f"id-{secrets.token_hex(6)}",
                email=email,
                first_name=str(claims.get("given_name") or "")[:150],
                last_name=str(claims.get("family_name") or "")[:150],
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
            DigitalIdentity.objects.create(
                user=user, fiscal_code=fiscal_code, kind=kind, last_used_at=timezone.now()
            )
    except (IntegrityError, ValidationError) as error:  # the same identity, twice at once
        raise IdentityRefused(_("This identity could not be used now; please try again.")) from error
    return user


def link(user, fiscal_code: str, kind: str) -> DigitalIdentity:
    """Link the identity to the signed-in person's account (or confirm the link they already have)."""
    mine = DigitalIdentity.objects.filter(user=user).first()
    if mine is not None and mine.fiscal_code != fiscal_code:
        raise IdentityRefused(_("Your account is already linked to another identity. Unlink it first."))
    if mine is None and DigitalIdentity.objects.filter(fiscal_code=fiscal_code).exists():
        raise IdentityRefused(_("This identity is already linked to another account."))
    if mine is not None:
        _used(mine)
        return mine
    try:
        with transaction.atomic():
            return DigitalIdentity.objects.create(
                user=user, fiscal_code=fiscal_code, kind=kind, last_used_at=timezone.now()
            )
    except IntegrityError as error:
        raise IdentityRefused(_("This identity is already linked to another account.")) from error


def unlink(user) -> bool:
    return DigitalIdentity.objects.filter(user=user).delete()[0] > 0
