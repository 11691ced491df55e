"""The demo city's planning loads once on top of the other apps' demo, through the planning app, and is removed."""

from __future__ import annotations

import pytest

from vicinato.demo import planning as demo
from vicinato.planning import surveys
from vicinato.planning.models import CommuterCount, Need, Proposal, Scenario, Survey

pytestmark = pytest.mark.django_db


def test_without_the_other_demos_nothing_loads():
    assert demo.load_demo() == {"surveys": 0, "proposals": 0}
    assert demo.load_scenarios() == 0


def test_the_demo_has_a_survey_answered_in_several_nils_proposals_and_two_scenarios(settings, tmp_path):
    from vicinato.demo.loader import load_demo, remove_demo

    osm = settings.ROUTING_OSM_FILE
    settings.ROUTING_OSM_FILE = tmp_path / "none.osm.pbf"  # the scenarios come below, on the real network
    load_demo()
    assert demo.load_demo() == {"surveys": 0, "proposals": 0}  # once
    survey = Survey.objects.get()
    _questions, rows, total = surveys.results(survey)
    shown = [r.name for r in rows if r.answers is not None]
    hidden = [r.name for r in rows if r.answers is None]
    assert len(shown) == 5 and len(hidden) == 3 and total == 51
    assert (
        Need.objects.count() == 4 and CommuterCount.objects.values("neighbourhood").distinct().count() == 73
    )
    assert sorted(Proposal.objects.values_list("state", flat=True)) == [
        "accepted",
        "accepted",
        "changes_requested",
        "submitted",
    ]
    settings.ROUTING_OSM_FILE = osm
    assert demo.load_scenarios() == 2
    covering, median = Scenario.objects.order_by("pk")
    assert (
        len(covering.result["sites"]) == 10
        and covering.result["covered_after"] > covering.result["covered_before"]
    )
    assert median.result["model"] == "p_median" and median.result["solver"]["status"] in (
        "optimal",
        "time_limit",
    )
    remove_demo()
    assert not Survey.objects.exists() and not Scenario.objects.exists() and not Proposal.objects.exists()
