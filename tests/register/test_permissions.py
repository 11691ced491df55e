"""The permission matrix: every role against every action, on its own and on others' objects."""

import pytest
from django.contrib.auth.models import AnonymousUser

from vicinato.register.models import Application, Place
from vicinato.register.permissions import Action, can

ROLES = [
    "anonymous",
    "worker",
    "org_staff",
    "org_admin",
    "other_admin",
    "reviewer",
    "other_reviewer",
    "site_admin",
]
# Expected answers for the organisation's own place / its application to the reviewer's register.
MATRIX = {
    Action.VIEW_UNLISTED_PLACE: {"org_staff", "org_admin", "reviewer", "site_admin"},
    Action.CREATE_PLACE: {"org_admin", "site_admin"},
    Action.EDIT_PLACE: {"org_staff", "org_admin", "site_admin"},
    Action.PREPARE_APPLICATION: {"org_staff", "org_admin", "site_admin"},
    Action.SUBMIT_APPLICATION: {"org_admin", "site_admin"},
    Action.VIEW_APPLICATION: {"org_staff", "org_admin", "reviewer", "site_admin"},
    Action.REVIEW_APPLICATION: {"reviewer", "site_admin"},
    Action.MANAGE_ORGANISATION: {"org_admin", "site_admin"},
}


@pytest.fixture
def application(place, register):
    return Application.objects.create(place=place, register=register, state=Application.State.SUBMITTED)


def target_for(action, place, application, organisation):
    if action in (Action.CREATE_PLACE, Action.MANAGE_ORGANISATION):
        return organisation
    if action in (Action.VIEW_UNLISTED_PLACE, Action.EDIT_PLACE, Action.PREPARE_APPLICATION):
        return place
    return application


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(MATRIX))
def test_matrix(role, action, people, place, application, organisation):
    user = AnonymousUser() if role == "anonymous" else people[role]
    assert can(user, action, target_for(action, place, application, organisation)) == (role in MATRIX[action])


def test_inactive_users_can_do_nothing(people, place):
    people["org_admin"].is_active = False
    assert not can(people["org_admin"], Action.EDIT_PLACE, place)


def test_staff_cannot_submit_but_can_prepare(people, place, register):
    from vicinato.register.workflow import start_application, transition

    application = start_application(place, register, people["org_staff"])
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied, match="not allowed"):
        transition(application, "submit", people["org_staff"])


def test_reviewer_of_another_register_cannot_see_unlisted_place(people, place):
    assert not can(people["other_reviewer"], Action.VIEW_UNLISTED_PLACE, place)
    assert isinstance(place, Place)
