"""Who may do what with memberships, agreements and vouchers: one table of roles and actions."""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from vicinato.lib.permissions import table_allows
from vicinato.register.models import Membership, Organisation

from .models import (
    Affiliation,
    Agreement,
    AgreementBooking,
    Community,
    VoucherApplication,
    VoucherProgramme,
)


class Role(StrEnum):
    ORG_ADMIN = "org_admin"  # administrator of the organisation (the register's membership)
    ORG_STAFF = "org_staff"
    HOST_ADMIN = "host_admin"  # administrator of the agreement's host
    HOST_STAFF = "host_staff"
    GUEST_ADMIN = (
        "guest_admin"  # administrator of a guest (for a booking: of the booker's guest organisation)
    )
    GUEST_STAFF = "guest_staff"
    BOOKER = "booker"  # an active employee or member of a guest organisation
    FUNDER_ADMIN = "funder_admin"  # administrator of a voucher programme's funder
    FUNDER_STAFF = "funder_staff"
    REVIEWER = "reviewer"  # named reviewer of a voucher programme
    APPLICANT = "applicant"  # the person a voucher application is for
    COMMUNITY_ADMIN = "community_admin"  # administrator of the organisation that runs a community
    COMMUNITY_STAFF = "community_staff"


class Action(StrEnum):
    # on an organisation
    VIEW_ORGANISATION = "view_organisation"  # its members, agreements offered and received
    MANAGE_MEMBERS = "manage_members"  # approve and end memberships, invitations, e-mail domains
    OFFER_AGREEMENT = "offer_agreement"  # draft an agreement as its host
    VIEW_VOUCHER_REPORT = "view_voucher_report"  # subsidised bookings at the organisation's places
    FUND_PROGRAMME = "fund_programme"  # create a voucher programme as its funder
    FORM_COMMUNITY = "form_community"  # create a community that the organisation runs
    # on an agreement (or a booking under it)
    VIEW_AGREEMENT = "view_agreement"
    EDIT_AGREEMENT = "edit_agreement"  # its terms and its state
    VIEW_USAGE = "view_usage"
    SEE_BOOKER_NAMES = "see_booker_names"
    SEE_EVERY_GUESTS_BOOKINGS = "see_every_guests_bookings"  # a guest's operators see their own guest's only
    # on a voucher programme (or an application to it)
    EDIT_PROGRAMME = "edit_programme"  # its terms: budget, coverage, eligibility, documents, reviewers
    REVIEW_VOUCHERS = "review_vouchers"
    VIEW_PROGRAMME_REPORT = "view_programme_report"
    VIEW_VOUCHER_APPLICATION = "view_voucher_application"
    EDIT_VOUCHER_APPLICATION = "edit_voucher_application"  # documents, resubmission, withdrawal
    # on a community
    EDIT_COMMUNITY = "edit_community"  # its name, description and member organisations


ROLE_ACTIONS: dict[Role, set[Action]] = {
    Role.ORG_ADMIN: {
        Action.VIEW_ORGANISATION,
        Action.MANAGE_MEMBERS,
        Action.OFFER_AGREEMENT,
        Action.VIEW_VOUCHER_REPORT,
        Action.FUND_PROGRAMME,
        Action.FORM_COMMUNITY,
    },
    Role.ORG_STAFF: {Action.VIEW_ORGANISATION, Action.VIEW_VOUCHER_REPORT},
    Role.HOST_ADMIN: {
        Action.VIEW_AGREEMENT,
        Action.EDIT_AGREEMENT,
        Action.VIEW_USAGE,
        Action.SEE_BOOKER_NAMES,
        Action.SEE_EVERY_GUESTS_BOOKINGS,
    },
    Role.HOST_STAFF: {
        Action.VIEW_AGREEMENT,
        Action.VIEW_USAGE,
        Action.SEE_BOOKER_NAMES,
        Action.SEE_EVERY_GUESTS_BOOKINGS,
    },
    # A guest's operators see their own organisation's usage, and the names of their own people only.
    Role.GUEST_ADMIN: {Action.VIEW_AGREEMENT, Action.VIEW_USAGE, Action.SEE_BOOKER_NAMES},
    Role.GUEST_STAFF: {Action.VIEW_AGREEMENT, Action.VIEW_USAGE, Action.SEE_BOOKER_NAMES},
    Role.BOOKER: {Action.VIEW_AGREEMENT},
    Role.FUNDER_ADMIN: {
        Action.EDIT_PROGRAMME,
        Action.REVIEW_VOUCHERS,
        Action.VIEW_PROGRAMME_REPORT,
        Action.VIEW_VOUCHER_APPLICATION,
    },
    Role.FUNDER_STAFF: {
        Action.REVIEW_VOUCHERS,
        Action.VIEW_PROGRAMME_REPORT,
        Action.VIEW_VOUCHER_APPLICATION,
    },
    Role.REVIEWER: {Action.REVIEW_VOUCHERS, Action.VIEW_PROGRAMME_REPORT, Action.VIEW_VOUCHER_APPLICATION},
    Role.APPLICANT: {Action.VIEW_VOUCHER_APPLICATION, Action.EDIT_VOUCHER_APPLICATION},
    Role.COMMUNITY_ADMIN: {Action.EDIT_COMMUNITY},
    Role.COMMUNITY_STAFF: set(),
}

Subject = Organisation | Agreement | AgreementBooking | VoucherProgramme | VoucherApplication | Community


def guest_organisations(agreement: Agreement) -> QuerySet[Organisation]:
    """The agreement's guests: those named and every organisation of its communities."""
    return Organisation.objects.filter(
        Q(agreements_received=agreement) | Q(communities__agreements=agreement)
    ).distinct()


def _operator_roles(user, organisations, admin: Role, staff: Role) -> set[Role]:
    # A pending organisation (not yet approved by a site administrator) gives its people no role here.
    roles = set(
        Membership.objects.filter(
            user=user, organisation__in=organisations, organisation__approved_at__isnull=False
        ).values_list("role", flat=True)
    )
    return {r for r, db in ((admin, Membership.Role.ADMIN), (staff, Membership.Role.STAFF)) if db in roles}


def roles(user, obj: Subject) -> set[Role]:
    if isinstance(obj, Organisation):
        return _operator_roles(user, [obj], Role.ORG_ADMIN, Role.ORG_STAFF)
    if isinstance(obj, Community):
        if obj.owner_id is None:
            return set()  # made in Django admin: only the site's administrators change it
        return _operator_roles(user, [obj.owner_id], Role.COMMUNITY_ADMIN, Role.COMMUNITY_STAFF)
    if isinstance(obj, AgreementBooking):
        return _operator_roles(user, [obj.agreement.host_id], Role.HOST_ADMIN, Role.HOST_STAFF) | (
            _operator_roles(user, [obj.guest_id], Role.GUEST_ADMIN, Role.GUEST_STAFF)
        )
    if isinstance(obj, Agreement):
        found = _operator_roles(user, [obj.host_id], Role.HOST_ADMIN, Role.HOST_STAFF)
        if obj.state == Agreement.State.DRAFT:
            return found  # a draft is the host's until it is activated
        guests = guest_organisations(obj)
        found |= _operator_roles(user, guests, Role.GUEST_ADMIN, Role.GUEST_STAFF)
        if Affiliation.objects.filter(
            person=user, state=Affiliation.State.ACTIVE, organisation__in=guests
        ).exists():
            found.add(Role.BOOKER)
        return found
    programme = obj.programme if isinstance(obj, VoucherApplication) else obj
    found = _operator_roles(user, [programme.funder_id], Role.FUNDER_ADMIN, Role.FUNDER_STAFF)
    if programme.reviewers.filter(pk=user.pk).exists():
        found.add(Role.REVIEWER)
    if isinstance(obj, VoucherApplication) and obj.person_id == user.pk:
        found.add(Role.APPLICANT)
    return found


def can(user, action: Action, obj: Subject) -> bool:
    """The one decision on these permissions; `obj` is what the action is about."""
    return table_allows(user, action, ROLE_ACTIONS, lambda: roles(user, obj))


def require(user, action: Action, obj: Subject) -> None:
    if not can(user, action, obj):
        raise PermissionDenied(
            _(
                "You are not allowed to do this; ask an administrator of the organisation concerned for access."
            )
        )


def admin_emails(organisation: Organisation) -> list[str]:
    """Where to tell an organisation something: its administrators' addresses."""
    return list(
        organisation.memberships.filter(role=Membership.Role.ADMIN).values_list("user__email", flat=True)
    )


def operated_organisations(user) -> QuerySet[Organisation]:
    """Organisations the user runs (administrator or staff)."""
    if user.is_superuser:
        return Organisation.objects.all()
    return Organisation.objects.filter(memberships__user=user).distinct()


def needs_second_factor(user) -> bool:
    """Who signs in with a second factor (a code of an authenticator app, settings.STAFF_SECOND_FACTOR): the
    site's administrators, the reviewers of registers and voucher programmes, and the people of organisations
    that fund programmes. One query."""
    if not user.is_authenticated:
        return False
    return (
        get_user_model()
        .objects.filter(pk=user.pk)
        .filter(
            Q(is_superuser=True)
            | Q(is_staff=True)
            | Q(reviewed_registers__isnull=False)
            | Q(reviewed_programmes__isnull=False)
            | Q(memberships__organisation__voucher_programmes__isnull=False)
        )
        .exists()
    )
