"""Who may do what in planning: the table, role by action."""

from __future__ import annotations

import pytest

from vicinato.planning.models import Survey
from vicinato.planning.permissions import Action, can

A = Action
# (person, action, on the cooperative's survey?) -> allowed
MATRIX = {
    "planner": {A.PLAN, A.VIEW_SCENARIOS, A.REVIEW_PROPOSAL, A.VIEW_NEEDS},
    "manager": {A.VIEW_SCENARIOS, A.VIEW_NEEDS, A.MANAGE_SURVEY, A.REPORT_NEED, A.PROPOSE_SITE},
    "outsider": set(),
}


@pytest.mark.parametrize("person", list(MATRIX))
@pytest.mark.parametrize("action", list(Action))
def test_the_table(request, cooperative, person, action):
    user = request.getfixturevalue(person)
    survey = Survey.objects.create(organisation=cooperative, title_it="S")
    assert can(user, action, survey) == (action in MATRIX[person])


def test_nobody_signed_out_and_everything_for_the_site_admin(user_factory, cooperative):
    from django.contrib.auth.models import AnonymousUser

    root = user_factory("root", is_superuser=True)
    assert all(can(root, action, cooperative) for action in Action)
    assert not any(can(AnonymousUser(), action, cooperative) for action in Action)
