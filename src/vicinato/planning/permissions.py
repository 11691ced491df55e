"""Who may do what in planning: one table of roles and actions, checked by the services.

City staff are the people who run (as administrators or staff) an organisation of the kind "public body";
community managers run any organisation. Surveys, needs and proposals belong to an organisation, and its
people manage them; the city's staff review the proposals and run and save scenarios.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from vicinato.register.models import Membership, Organisation

from .models import Proposal, Survey


class Role(StrEnum):
    CITY = "city"  # staff of a public body
    MANAGER = "manager"  # staff of any organisation (community managers among them)
    ORG_MEMBER = "org_member"  # staff of the organisation the thing belongs to


class Action(StrEnum):
    PLAN = "plan"  # run, save and delete scenarios
    VIEW_SCENARIOS = "view_scenarios"
    REVIEW_PROPOSAL = "review_proposal"
    VIEW_NEEDS = "view_needs"
    MANAGE_SURVEY = "manage_survey"  # write, open, close; read the free-text answers
    REPORT_NEED = "report_need"
    PROPOSE_SITE = "propose_site"  # propose, resubmit, withdraw


ROLE_ACTIONS: dict[Role, set[Action]] = {
    Role.CITY: {Action.PLAN, Action.VIEW_SCENARIOS, Action.REVIEW_PROPOSAL, Action.VIEW_NEEDS},
    Role.MANAGER: {Action.VIEW_SCENARIOS, Action.VIEW_NEEDS},
    Role.ORG_MEMBER: {Action.MANAGE_SURVEY, Action.REPORT_NEED, Action.PROPOSE_SITE},
}


def roles(user, obj: Organisation | Survey | Proposal | None = None) -> set[Role]:
    memberships = Membership.objects.filter(user=user)
    found: set[Role] = set()
    if memberships.exists():
        found.add(Role.MANAGER)
    if memberships.filter(organisation__kind=Organisation.Kind.PUBLIC_BODY).exists():
        found.add(Role.CITY)
    organisation_id = obj.pk if isinstance(obj, Organisation) else getattr(obj, "organisation_id", None)
    if organisation_id is not None and memberships.filter(organisation_id=organisation_id).exists():
        found.add(Role.ORG_MEMBER)
    return found


def can(user, action: Action, obj: Organisation | Survey | Proposal | None = None) -> bool:
    """The one decision on planning's permissions; `obj` is what the action is about, if anything."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(action in ROLE_ACTIONS[role] for role in roles(user, obj))


def require(user, action: Action, obj: Organisation | Survey | Proposal | None = None) -> None:
    if not can(user, action, obj):
        raise PermissionDenied(
            _(
                "You are not allowed to do this; ask an administrator of your organisation or the city for access."
            )
        )


def organisations(user):
    """The organisations on whose behalf `user` may act (write surveys, report needs, propose sites)."""
    if user.is_superuser:
        return Organisation.objects.all()
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(memberships__user=user).distinct()
