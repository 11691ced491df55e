"""A draft application is its organisation's own: reviewers see it only once it is submitted, on the pages,
in the API and through its place (issue 18, finding 11)."""

import pytest
from django.urls import reverse

from tests.api.bearer import bearer
from vicinato.register.models import Application
from vicinato.register.permissions import Action, can

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(place, register):
    return Application.objects.create(place=place, register=register, state=Application.State.DRAFT)


def test_a_reviewer_does_not_see_a_draft_nor_its_unlisted_place(people, draft, place):
    reviewer = people["reviewer"]
    assert not can(reviewer, Action.VIEW_APPLICATION, draft)
    assert not can(reviewer, Action.VIEW_UNLISTED_PLACE, place)
    draft.state = Application.State.SUBMITTED
    draft.save()
    assert can(reviewer, Action.VIEW_APPLICATION, draft)
    assert can(reviewer, Action.VIEW_UNLISTED_PLACE, place)


def test_the_review_queue_and_the_api_leave_drafts_out(client, people, draft):
    reviewer = people["reviewer"]
    client.force_login(reviewer)
    page = client.get(reverse("web:review_queue"), {"state": "draft"}).content.decode()
    assert place_name(draft) not in page
    listed = client.get("/api/v1/applications", **bearer(reviewer)).json()
    assert listed == []
    assert client.get(f"/api/v1/applications/{draft.pk}", **bearer(reviewer)).status_code in (403, 404)


def place_name(application) -> str:
    return application.place.name
