"""Site proposals and their review; needs reported by community managers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.conftest import INSIDE_WEST, OUTSIDE
from vicinato.geo.models import Area
from vicinato.planning import demand, proposals
from vicinato.planning.models import Proposal
from vicinato.planning.proposals import ProposalConflict

S = Proposal.State


@pytest.fixture
def proposal(city, manager, cooperative):
    return proposals.propose(
        manager,
        cooperative,
        title="Empty shop",
        address="Via Torino 20",
        lat=INSIDE_WEST[0],
        lon=INSIDE_WEST[1],
        desks=8,
        kind=Proposal.Kind.SHOP,
    )


def test_a_proposal_knows_its_neighbourhood(proposal):
    assert proposal.state == S.SUBMITTED and proposal.neighbourhood.code == "10"


def test_review_transitions(proposal, planner, manager):
    assert proposals.allowed_actions(planner, proposal) == ["accept", "request_changes", "reject"]
    assert proposals.allowed_actions(manager, proposal) == ["withdraw"]
    with pytest.raises(ValidationError) as refused:
        proposals.transition(proposal, "request_changes", planner)
    assert "note" in refused.value.message_dict
    proposal = proposals.transition(proposal, "request_changes", planner, "Give the floor area.")
    assert proposal.state == S.CHANGES_REQUESTED and proposal.decided_at
    with pytest.raises(ProposalConflict):
        proposals.transition(proposal, "accept", planner)
    proposal = proposals.transition(proposal, "resubmit", manager)
    proposal = proposals.transition(proposal, "accept", planner)
    assert proposal.state == S.ACCEPTED
    assert [e.action for e in proposal.events.all()] == ["propose", "request_changes", "resubmit", "accept"]
    assert proposals.transition(proposal, "withdraw", manager).state == S.WITHDRAWN


def test_only_the_city_reviews(proposal, manager, outsider):
    for user in (manager, outsider):
        with pytest.raises(PermissionDenied):
            proposals.transition(proposal, "accept", user)
    with pytest.raises(PermissionDenied):
        proposals.transition(proposal, "withdraw", outsider)


def test_bad_proposals(city, manager, cooperative, outsider):
    fields = {"title": "Shop", "address": "Far", "lat": OUTSIDE[0], "lon": OUTSIDE[1], "desks": 3}
    with pytest.raises(ValidationError) as refused:
        proposals.propose(manager, cooperative, **fields)
    assert "address" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        proposals.propose(manager, cooperative, **{**fields, "desks": 0})
    assert "desks" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        proposals.propose(outsider, cooperative, **fields)


def test_needs_feed_the_needs_layer(city, manager, cooperative, outsider):
    nil = Area.objects.get(level=Area.Level.NEIGHBOURHOOD, code="20")
    today = timezone.localdate()
    proposals.report_need(
        manager,
        cooperative,
        neighbourhood=nil,
        need="Desks for carers",
        estimated_people=40,
        source="Sportello",
        observed_on=today,
    )
    assert demand.needs() == {"20": 40.0}
    with pytest.raises(ValidationError):
        proposals.report_need(
            manager,
            cooperative,
            neighbourhood=nil,
            need="x",
            estimated_people=1,
            source="",
            observed_on=today + timedelta(days=1),
        )
    with pytest.raises(PermissionDenied):
        proposals.report_need(
            outsider,
            cooperative,
            neighbourhood=nil,
            need="x",
            estimated_people=1,
            source="",
            observed_on=date(2026, 1, 1),
        )
