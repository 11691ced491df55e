"""What the register keeps about a person: their roles in organisations, registers they review and their API
tokens (see vicinato.lib.personal_data)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from vicinato.lib.personal_data import Holder

from .models import ApiToken, DigitalIdentity, Membership, Organisation


def _roles(person) -> list[dict]:
    memberships = Membership.objects.filter(user=person).select_related("organisation")
    return [
        {"organisation": m.organisation.legal_name, "role": m.get_role_display()} for m in memberships
    ] + [{"reviews_register": str(register)} for register in person.reviewed_registers.all()]


def _last_admin_of(person) -> list[str]:
    alone = (
        Organisation.objects.filter(memberships__user=person, memberships__role=Membership.Role.ADMIN)
        .annotate(admins=Count("memberships", filter=Q(memberships__role=Membership.Role.ADMIN)))
        .filter(admins=1)
    )
    return [
        _("You are the only administrator of %(organisation)s: make someone else its administrator first.")
        % {"organisation": organisation.legal_name}
        for organisation in alone
    ]


def _leave(person) -> None:
    Membership.objects.filter(user=person).delete()
    person.reviewed_registers.clear()


def _tokens(person) -> list[dict]:
    return [
        {"name": t.name, "scope": t.get_scope_display(), "created_at": t.created_at, "until": t.expires_at}
        for t in ApiToken.objects.filter(user=person)
    ]


ROLES = Holder(
    "organisations", lambda: _("Roles in organisations"), _roles, still_open=_last_admin_of, forget=_leave
)
TOKENS = Holder(
    "api_tokens",
    lambda: _("API tokens"),
    _tokens,
    forget=lambda person: ApiToken.objects.filter(user=person).delete(),
)


def _identity(person) -> list[dict]:
    return [
        {
            "identity": i.get_kind_display(),
            "fiscal_code": i.fiscal_code,
            "linked_at": i.linked_at,
            "last_used_at": i.last_used_at,
        }
        for i in DigitalIdentity.objects.filter(user=person)
    ]


IDENTITY = Holder(
    "digital_identity",
    lambda: _("Digital identity (SPID, CIE)"),
    _identity,
    forget=lambda person: DigitalIdentity.objects.filter(user=person).delete(),
)
