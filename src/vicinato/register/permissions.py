"""Who may do what in the register: one table of roles and actions, checked by the services."""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from vicinato.lib.permissions import screen

from .models import Application, Membership, Organisation, Place, Register


class Role(StrEnum):
    ANONYMOUS = "anonymous"
    WORKER = "worker"
    ORG_STAFF = "org_staff"
    ORG_ADMIN = "org_admin"
    REVIEWER = "reviewer"
    SITE_ADMIN = "site_admin"


class Action(StrEnum):
    VIEW_UNLISTED_PLACE = "view_unlisted_place"
    CREATE_PLACE = "create_place"
    EDIT_PLACE = "edit_place"
    PREPARE_APPLICATION = "prepare_application"  # create a draft, edit before submission
    SUBMIT_APPLICATION = "submit_application"  # submit, withdraw, renew, reopen: binds the organisation
    VIEW_APPLICATION = "view_application"
    REVIEW_APPLICATION = "review_application"
    MANAGE_ORGANISATION = "manage_organisation"


ORGANISATION_ACTIONS = {
    Role.ORG_STAFF: {
        Action.VIEW_UNLISTED_PLACE,
        Action.EDIT_PLACE,
        Action.PREPARE_APPLICATION,
        Action.VIEW_APPLICATION,
    },
    Role.ORG_ADMIN: {
        Action.VIEW_UNLISTED_PLACE,
        Action.CREATE_PLACE,
        Action.EDIT_PLACE,
        Action.PREPARE_APPLICATION,
        Action.SUBMIT_APPLICATION,
        Action.VIEW_APPLICATION,
        Action.MANAGE_ORGANISATION,
    },
}
# What a pending organisation's people may do before a site administrator approves it: prepare, not act for others
# (no members, no submitted applications; agreements.permissions gives them no role at all).
PENDING_ACTIONS = {
    Action.VIEW_UNLISTED_PLACE,
    Action.CREATE_PLACE,
    Action.EDIT_PLACE,
    Action.PREPARE_APPLICATION,
    Action.VIEW_APPLICATION,
}
REVIEWER_ACTIONS = {Action.VIEW_UNLISTED_PLACE, Action.VIEW_APPLICATION, Action.REVIEW_APPLICATION}


def organisation_role(user, organisation: Organisation) -> Role | None:
    if not user.is_authenticated:
        return None
    role = (
        Membership.objects.filter(user=user, organisation=organisation).values_list("role", flat=True).first()
    )
    return {Membership.Role.ADMIN: Role.ORG_ADMIN, Membership.Role.STAFF: Role.ORG_STAFF}.get(role)


def is_reviewer(user, register: Register) -> bool:
    return user.is_authenticated and register.reviewers.filter(pk=user.pk).exists()


def can(user, action: Action, obj: Organisation | Place | Application | Register) -> bool:
    """The one decision on permissions; `obj` is what the action is about."""
    verdict = screen(user)
    if verdict is not None:
        return verdict
    if isinstance(obj, Register):
        return action in REVIEWER_ACTIONS and is_reviewer(user, obj)
    if isinstance(obj, Application):
        # A draft is the organisation's own until it is submitted: reviewers see it from then on (acting on one,
        # the workflow's refusal says it is not under review).
        if (
            action in REVIEWER_ACTIONS
            and (obj.state != Application.State.DRAFT or action == Action.REVIEW_APPLICATION)
            and is_reviewer(user, obj.register)
        ):
            return True
        obj = obj.place
    if isinstance(obj, Place):
        if action in REVIEWER_ACTIONS and reviewed_applications(user).filter(place=obj).exists():
            return True
        obj = obj.operator
    role = organisation_role(user, obj)
    if role is None or (obj.is_pending and action not in PENDING_ACTIONS):
        return False
    return action in ORGANISATION_ACTIONS[role]


def require(user, action: Action, obj) -> None:
    if not can(user, action, obj):
        raise PermissionDenied(
            _(
                "You are not allowed to do this; ask an administrator of the organisation "
                "or of the register for access."
            )
        )


def managed_organisations(user, action: Action = Action.EDIT_PLACE):
    if user.is_superuser:
        return Organisation.objects.all()
    roles = [r for r, actions in ORGANISATION_ACTIONS.items() if action in actions]
    db_roles = [
        {Role.ORG_ADMIN: Membership.Role.ADMIN, Role.ORG_STAFF: Membership.Role.STAFF}[r] for r in roles
    ]
    found = Organisation.objects.filter(memberships__user=user, memberships__role__in=db_roles)
    if action not in PENDING_ACTIONS:
        found = found.filter(approved_at__isnull=False)
    return found.distinct()


def reviewed_registers(user):
    if user.is_superuser:
        return Register.objects.all()
    return Register.objects.filter(reviewers=user) if user.is_authenticated else Register.objects.none()


def reviewed_applications(user):
    """The applications the person reviews: those of their registers, once submitted (never drafts)."""
    return Application.objects.filter(register__in=reviewed_registers(user)).exclude(
        state=Application.State.DRAFT
    )
