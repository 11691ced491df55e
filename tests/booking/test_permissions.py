"""The booking permission table, role by action."""

from __future__ import annotations

import pytest

from vicinato.booking.permissions import Action, can
from vicinato.booking.services import reserve
from vicinato.register.models import Membership

from .conftest import NOW, at

pytestmark = pytest.mark.django_db

A = Action
STAFF = {
    A.VIEW_RESERVATION,
    A.CANCEL_RESERVATION,
    A.RESCHEDULE_RESERVATION,
    A.DECIDE_RESERVATION,
    A.CHECK_IN,
    A.VIEW_PLACE_BOOKINGS,
    A.BLOCK_RESOURCE,
}
EXPECTED = {
    "owner": {A.VIEW_RESERVATION, A.CANCEL_RESERVATION, A.RESCHEDULE_RESERVATION},
    "stranger": set(),
    "other_operator": set(),
    "place_staff": STAFF,
    "place_admin": STAFF | {A.MANAGE_RESOURCES},
    "site_admin": set(A) - {A.ACCEPT_OFFER},
}


@pytest.mark.parametrize("role", EXPECTED)
def test_permission_matrix_on_a_reservation(
    role, person, other_person, staff, outsider, organisation, resource, user_factory
):
    reservation = reserve(person, resource, at("09:00"), at("10:00"), now=NOW)
    admin = user_factory("placeadmin")
    Membership.objects.create(organisation=organisation, user=admin, role=Membership.Role.ADMIN)
    users = {
        "owner": person,
        "stranger": other_person,
        "other_operator": outsider,
        "place_staff": staff,
        "place_admin": admin,
        "site_admin": user_factory("root", is_superuser=True),
    }
    allowed = {action for action in A if action != A.ACCEPT_OFFER and can(users[role], action, reservation)}
    assert allowed == EXPECTED[role]


def test_anonymous_may_do_nothing(resource):
    from django.contrib.auth.models import AnonymousUser

    assert not any(can(AnonymousUser(), action, resource) for action in A)
