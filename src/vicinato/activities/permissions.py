"""Who may do what with advice services, appointments and events: one table of roles and actions, checked by
the services (pages and API ask `can` and never decide themselves)."""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from vicinato.lib.permissions import table_allows
from vicinato.register.models import Membership, Organisation, Place

from .models import AdviceService, Advisor, Appointment, Event, Registration, Session


class Role(StrEnum):
    OWNER = "owner"  # the person an appointment or a registration is for
    ADVISOR = "advisor"  # the advisor of an appointment, or the advisor themself
    ORG_STAFF = "org_staff"  # staff of the organisation offering the service or organising the event
    ORG_ADMIN = "org_admin"
    PLACE_STAFF = "place_staff"  # staff of the organisation operating the place


class Action(StrEnum):
    VIEW_APPOINTMENT = "view_appointment"
    VIEW_REASON = "view_reason"  # the private reason for an appointment
    CANCEL_APPOINTMENT = "cancel_appointment"
    RESCHEDULE_APPOINTMENT = "reschedule_appointment"
    MARK_APPOINTMENT = "mark_appointment"  # done or no-show
    MANAGE_SERVICES = "manage_services"  # services and advisors of an organisation
    MANAGE_AVAILABILITY = "manage_availability"
    VIEW_STATS = "view_stats"
    VIEW_PLACE_SLOTS = "view_place_slots"  # which slots at the place are taken (never by whom or why)
    MANAGE_EVENT = "manage_event"
    VIEW_REGISTRATIONS = "view_registrations"
    MARK_ATTENDANCE = "mark_attendance"
    VIEW_REGISTRATION = "view_registration"
    CANCEL_REGISTRATION = "cancel_registration"
    CONFIRM_REGISTRATION = "confirm_registration"  # take a place offered from the waiting list


A = Action
_ORG_STAFF_ACTIONS = {
    A.VIEW_APPOINTMENT,
    A.CANCEL_APPOINTMENT,
    A.RESCHEDULE_APPOINTMENT,
    A.MANAGE_AVAILABILITY,
    A.VIEW_STATS,
    A.MANAGE_EVENT,
    A.VIEW_REGISTRATIONS,
    A.MARK_ATTENDANCE,
    A.VIEW_REGISTRATION,
    A.CANCEL_REGISTRATION,
}
ROLE_ACTIONS: dict[Role, set[Action]] = {
    Role.OWNER: {
        A.VIEW_APPOINTMENT,
        A.VIEW_REASON,
        A.CANCEL_APPOINTMENT,
        A.RESCHEDULE_APPOINTMENT,
        A.VIEW_REGISTRATION,
        A.CANCEL_REGISTRATION,
        A.CONFIRM_REGISTRATION,
    },
    Role.ADVISOR: {
        A.VIEW_APPOINTMENT,
        A.VIEW_REASON,
        A.CANCEL_APPOINTMENT,
        A.RESCHEDULE_APPOINTMENT,
        A.MARK_APPOINTMENT,
        A.MANAGE_AVAILABILITY,
    },
    Role.ORG_STAFF: _ORG_STAFF_ACTIONS,
    # the staff's, and marking how an appointment went and managing the services
    Role.ORG_ADMIN: _ORG_STAFF_ACTIONS | {A.MARK_APPOINTMENT, A.MANAGE_SERVICES},
    Role.PLACE_STAFF: {A.VIEW_PLACE_SLOTS},
}

Subject = Organisation | Place | AdviceService | Advisor | Appointment | Event | Session | Registration


def _organisation_roles(user, organisation_id: int | None) -> set[Role]:
    if organisation_id is None:
        return set()
    role = (
        Membership.objects.filter(user=user, organisation_id=organisation_id)
        .values_list("role", flat=True)
        .first()
    )
    return {Membership.Role.ADMIN: {Role.ORG_ADMIN}, Membership.Role.STAFF: {Role.ORG_STAFF}}.get(role, set())


def roles(user, obj: Subject) -> set[Role]:
    """The roles `user` holds towards `obj`."""
    found: set[Role] = set()
    organisation_id = None
    if isinstance(obj, Organisation):
        organisation_id = obj.pk
    elif isinstance(obj, Place):
        if _organisation_roles(user, obj.operator_id):
            found.add(Role.PLACE_STAFF)
    elif isinstance(obj, AdviceService):
        organisation_id = obj.organisation_id
    elif isinstance(obj, Advisor):
        organisation_id = obj.organisation_id
        if obj.user_id == user.pk:
            found.add(Role.ADVISOR)
    elif isinstance(obj, Appointment):
        organisation_id = obj.service.organisation_id
        if obj.person_id == user.pk:
            found.add(Role.OWNER)
        if obj.advisor.user_id == user.pk:
            found.add(Role.ADVISOR)
    elif isinstance(obj, Event | Session | Registration):
        event = obj if isinstance(obj, Event) else obj.event
        organisation_id = event.organiser_id
        if isinstance(obj, Registration) and obj.person_id == user.pk:
            found.add(Role.OWNER)
    return found | _organisation_roles(user, organisation_id)


def can(user, action: Action, obj: Subject) -> bool:
    """The one decision on the activities' permissions; `obj` is what the action is about."""
    return table_allows(user, action, ROLE_ACTIONS, lambda: roles(user, obj))


def require(user, action: Action, obj: Subject) -> None:
    if not can(user, action, obj):
        raise PermissionDenied(
            _("You are not allowed to do this; ask the organisation that runs the service or the event.")
        )


def managed_organisations(user, action: Action):
    """The organisations in which `user` holds a role that allows `action` (all for a site administrator)."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    db_roles = [
        db
        for role, db in ((Role.ORG_ADMIN, Membership.Role.ADMIN), (Role.ORG_STAFF, Membership.Role.STAFF))
        if action in ROLE_ACTIONS[role]
    ]
    return Organisation.objects.filter(memberships__user=user, memberships__role__in=db_roles).distinct()
