"""Who may do what with bookings: one table of roles and actions, checked by the services."""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from vicinato.lib.permissions import table_allows
from vicinato.register.models import Place
from vicinato.register.permissions import Role as RegisterRole
from vicinato.register.permissions import organisation_role

from .models import Block, Reservation, ReservationSeries, Resource, WaitingListEntry


class Role(StrEnum):
    OWNER = "owner"  # the person a reservation or a waiting-list entry is for
    PLACE_STAFF = "place_staff"  # staff of the organisation operating the place
    PLACE_ADMIN = "place_admin"


class Action(StrEnum):
    VIEW_RESERVATION = "view_reservation"
    CANCEL_RESERVATION = "cancel_reservation"
    RESCHEDULE_RESERVATION = "move_reservation"  # change its time or its named unit
    DECIDE_RESERVATION = "decide_reservation"  # confirm or reject a request
    CHECK_IN = "check_in"
    VIEW_PLACE_BOOKINGS = "view_place_bookings"
    BLOCK_RESOURCE = "block_resource"
    MANAGE_RESOURCES = "manage_resources"
    ACCEPT_OFFER = "accept_offer"


_STAFF_ACTIONS = {
    Action.VIEW_RESERVATION,
    Action.CANCEL_RESERVATION,
    Action.RESCHEDULE_RESERVATION,
    Action.DECIDE_RESERVATION,
    Action.CHECK_IN,
    Action.VIEW_PLACE_BOOKINGS,
    Action.BLOCK_RESOURCE,
}
ROLE_ACTIONS: dict[Role, set[Action]] = {
    Role.OWNER: {
        Action.VIEW_RESERVATION,
        Action.CANCEL_RESERVATION,
        Action.RESCHEDULE_RESERVATION,
        Action.ACCEPT_OFFER,
    },
    Role.PLACE_STAFF: _STAFF_ACTIONS,
    Role.PLACE_ADMIN: _STAFF_ACTIONS | {Action.MANAGE_RESOURCES},  # the staff's, and the resources
}

Subject = Place | Resource | Block | Reservation | ReservationSeries | WaitingListEntry


def _place_of(obj: Subject) -> Place:
    if isinstance(obj, Place):
        return obj
    if isinstance(obj, Resource):
        return obj.place
    return obj.resource.place


def roles(user, obj: Subject) -> set[Role]:
    found = set()
    if isinstance(obj, Reservation | ReservationSeries | WaitingListEntry) and obj.person_id == user.pk:
        found.add(Role.OWNER)
    role = organisation_role(user, _place_of(obj).operator)
    if role == RegisterRole.ORG_ADMIN:
        found.add(Role.PLACE_ADMIN)
    elif role == RegisterRole.ORG_STAFF:
        found.add(Role.PLACE_STAFF)
    return found


def can(user, action: Action, obj: Subject) -> bool:
    """The one decision on booking permissions; `obj` is what the action is about."""
    return table_allows(user, action, ROLE_ACTIONS, lambda: roles(user, obj))


def is_operator(user, obj: Subject) -> bool:
    """Whether the user acts for the place (staff, administrator or site administrator)."""
    return can(user, Action.VIEW_PLACE_BOOKINGS, obj)


def require(user, action: Action, obj: Subject) -> None:
    if not can(user, action, obj):
        raise PermissionDenied(
            _(
                "You are not allowed to do this: only the person who booked and the place's staff may; "
                "ask the place for help."
            )
        )
