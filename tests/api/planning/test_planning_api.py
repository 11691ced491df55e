"""The planning API: scenarios, surveys with suppressed results, needs and proposals; refusals per field."""

from __future__ import annotations

import pytest

from tests.api.bearer import bearer
from vicinato.planning.models import Proposal, Scenario

BASE = "/api/v1/planning"
SCENARIO = {
    "k": 2,
    "mode": "walk",
    "minutes": 5,
    "sources": ["metro"],
    "layers": {"residents": 1},
    "time_limit_s": 10,
}


def test_preview_save_read_and_export(client, stations, planner):
    headers = bearer(planner)
    preview = client.post(f"{BASE}/scenarios/preview", SCENARIO, content_type="application/json", **headers)
    assert preview.status_code == 200 and len(preview.json()["sites"]) == 2
    saved = client.post(
        f"{BASE}/scenarios", {**SCENARIO, "name": "Two"}, content_type="application/json", **headers
    )
    assert saved.status_code == 201
    body = saved.json()
    assert body["result"]["solver"]["optimal"] and body["result"]["solver"]["gap"] == 0
    pk = body["id"]
    assert client.get(f"{BASE}/scenarios", **headers).json()[0]["name"] == "Two"
    assert client.get(f"{BASE}/scenarios/{pk}/sites.geojson", **headers).json()["type"] == "FeatureCollection"
    assert client.get(f"{BASE}/scenarios/{pk}/scenario.csv", **headers).content.startswith(b"section,rank")
    assert client.delete(f"{BASE}/scenarios/{pk}", **headers).status_code == 204
    assert not Scenario.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"k": 9}, "k", "only 6 candidate sites"),
        ({"mode": "teleport"}, "mode", "Unknown mode"),
        ({"layers": {"residents": 0}}, "layers", "no demand"),
        ({"layers": {"needs": 1}}, "layers", "no demand"),
        ({"k": "many"}, "k", ""),
        ({"points": [{"lat": 95, "lon": 9.19}]}, "points", "Point 1 is not valid"),
        ({"per_desk": -1}, "per_desk", "one desk serves"),
    ],
)
def test_bad_scenarios_are_422_with_field_messages(client, stations, planner, changes, field, words):
    response = client.post(
        f"{BASE}/scenarios/preview",
        {**SCENARIO, **changes},
        content_type="application/json",
        **bearer(planner),
    )
    assert response.status_code == 422
    assert words in response.json()["errors"][field][0]


def test_who_may_plan(client, stations, manager, outsider):
    assert (
        client.post(f"{BASE}/scenarios/preview", SCENARIO, content_type="application/json").status_code == 401
    )
    for user in (manager, outsider):
        refused = client.post(
            f"{BASE}/scenarios/preview", SCENARIO, content_type="application/json", **bearer(user)
        )
        assert refused.status_code == 403
    assert client.get(f"{BASE}/scenarios", **bearer(manager)).status_code == 200
    assert client.get(f"{BASE}/scenarios", **bearer(outsider)).status_code == 403


def test_answer_and_read_suppressed_results(client, city, yes_no_survey):
    survey = yes_no_survey
    qid = str(survey.questions.get().pk)
    listed = client.get(f"{BASE}/surveys").json()[0]
    assert (listed["title"], listed["title_it"], listed["title_en"]) == (
        "Near home",
        "Vicino a casa",
        "Near home",
    )
    question = listed["questions"][0]
    assert (question["text"], question["text_it"], question["text_en"]) == (
        "Would you work near home?",
        "Lavoreresti vicino a casa?",
        "Would you work near home?",
    )
    assert question["options"] == [
        {"key": "si", "label": "yes", "label_it": "sì", "label_en": "yes"},
        {"key": "no", "label": "no", "label_it": "no", "label_en": "no"},
    ]
    italian = client.get(f"{BASE}/surveys", HTTP_ACCEPT_LANGUAGE="it").json()[0]
    assert italian["title"] == "Vicino a casa" and italian["questions"][0]["options"][0]["label"] == "sì"
    # By key, or by a label in either language (as older clients send): all counted as the same answer.
    for nil, given in (("10", ["si"] * 4), ("20", ["si", "si", "si", "sì", "yes"])):
        for answer in given:
            sent = client.post(
                f"{BASE}/surveys/{survey.pk}/responses",
                {"neighbourhood": nil, "answers": {qid: answer}},
                content_type="application/json",
            )
            assert sent.status_code == 201
    assert {r.answers[qid] for r in survey.responses.all()} == {"si"}
    rows = client.get(f"{BASE}/surveys/{survey.pk}/results").json()["rows"]
    assert rows[0] == {"code": "10", "name": "Area 10", "answers": None, "cells": {}, "means": {}}
    assert rows[1]["answers"] == 5 and rows[1]["cells"][qid] == [5, 0]
    by_street = client.post(
        f"{BASE}/surveys/{survey.pk}/responses",
        {"street": "Via Torino 20", "answers": {qid: "no"}},
        content_type="application/json",
    )
    assert by_street.status_code == 201 and by_street.json()["neighbourhood"] == "10"
    # Now 5 answers in NIL 10: 4 "yes" and 1 "no", both hidden.
    assert client.get(f"{BASE}/surveys/{survey.pk}/results").json()["rows"][0]["cells"][qid] == [None, None]
    bad = client.post(
        f"{BASE}/surveys/{survey.pk}/responses",
        {"neighbourhood": "99", "answers": {qid: "perhaps"}},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "neighbourhood" in bad.json()["errors"]
    bad = client.post(
        f"{BASE}/surveys/{survey.pk}/responses",
        {"neighbourhood": "10", "answers": {qid: "perhaps"}},
        content_type="application/json",
    )
    assert bad.status_code == 422 and f"q{qid}" in bad.json()["errors"]


def test_propose_review_and_needs(client, city, planner, manager, cooperative, outsider):
    proposal = {
        "organisation": cooperative.pk,
        "kind": "shop",
        "title": "Shop",
        "address": "Via Torino 20",
        "lat": 45.465,
        "lon": 9.18,
        "desks": 6,
    }
    made = client.post(f"{BASE}/proposals", proposal, content_type="application/json", **bearer(manager))
    assert made.status_code == 201 and made.json()["neighbourhood"] == "10"
    pk = made.json()["id"]
    assert (
        client.post(
            f"{BASE}/proposals", proposal, content_type="application/json", **bearer(outsider)
        ).status_code
        == 422
    )
    note = client.post(
        f"{BASE}/proposals/{pk}/transitions",
        {"action": "reject"},
        content_type="application/json",
        **bearer(planner),
    )
    assert note.status_code == 422 and "note" in note.json()["errors"]
    assert (
        client.post(
            f"{BASE}/proposals/{pk}/transitions",
            {"action": "accept"},
            content_type="application/json",
            **bearer(manager),
        ).status_code
        == 403
    )
    accepted = client.post(
        f"{BASE}/proposals/{pk}/transitions",
        {"action": "accept"},
        content_type="application/json",
        **bearer(planner),
    )
    assert accepted.json()["state"] == Proposal.State.ACCEPTED
    again = client.post(
        f"{BASE}/proposals/{pk}/transitions",
        {"action": "accept"},
        content_type="application/json",
        **bearer(planner),
    )
    assert again.status_code == 409
    need = {
        "organisation": cooperative.pk,
        "neighbourhood": "20",
        "need": "Desks",
        "estimated_people": 12,
        "observed_on": "2026-01-05",
    }
    assert (
        client.post(f"{BASE}/needs", need, content_type="application/json", **bearer(manager)).status_code
        == 201
    )
    assert client.get(f"{BASE}/needs", **bearer(planner)).json()[0]["estimated_people"] == 12
    assert client.get(f"{BASE}/needs", **bearer(outsider)).status_code == 403
    assert client.get(f"{BASE}/layers").json()[0]["key"] == "residents"


def test_points_given_and_desks_against_demand(client, stations, planner):
    body = {
        **SCENARIO,
        "k": 1,
        "sources": [],
        "points": [{"lat": 45.4642, "lon": 9.19, "name": "Sala", "desks": 3}],
    }
    answer = client.post(
        f"{BASE}/scenarios/preview",
        {**body, "per_desk": 4},
        content_type="application/json",
        **bearer(planner),
    )
    assert answer.status_code == 200
    [site] = answer.json()["sites"]
    assert (site["name"], site["source"], site["capacity"]) == ("Sala", "points", 12)
