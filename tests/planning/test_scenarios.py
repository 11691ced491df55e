"""Scenarios: the optimiser on the city's street network, through the planning app (small instances)."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from vicinato.planning import scenarios
from vicinato.planning.models import Proposal, Scenario


def params(**changes):
    data = {"k": 2, "mode": "walk", "minutes": 5, "objective": "covering", "sources": ["metro"]}
    data.update(changes)
    return scenarios.check_params(data)


def test_the_optimum_equals_brute_force_on_the_city(stations):
    chosen = params()
    built = scenarios.instance(chosen)
    result = scenarios.run(chosen)
    assert result["solver"]["optimal"] and result["solver"]["gap"] == 0
    cover = built.problem.covered_by(300).toarray()
    best = max(
        float(built.problem.weights[cover[:, list(pair)].any(axis=1)].sum())
        for pair in itertools.combinations(range(len(built.candidates)), 2)
    )
    assert result["objective"] == pytest.approx(best)
    assert len(result["sites"]) == 2 and {s["source"] for s in result["sites"]} == {"metro"}
    assert {g["name"] for g in result["groups"]} == {"Area 10", "Area 20"}
    assert sum(s["marginal"] for s in result["sites"]) == pytest.approx(
        result["covered_after"] - result["covered_before"]
    )


def test_the_preview_comes_at_once_and_names_each_site(stations):
    result = scenarios.preview(params())
    assert result["solver"]["method"] and result["solver"]["optimal"] is False
    assert all(s["name"] for s in result["sites"])
    assert "rank 1" in scenarios.site_reason(result["sites"][0], result["model"])


def test_p_median_and_equity(stations):
    median = scenarios.run(params(objective="median", k=3))
    assert median["model"] == "p_median" and median["solver"]["optimal"]
    assert median["mean_time_after_s"] <= median["mean_time_before_s"]
    fair = scenarios.run(params(equity="max_min", k=1))
    assert fair["equity"]["mode"] == "max_min"


def test_saved_scenarios_compare_and_export(stations, planner):
    one = scenarios.save(planner, "Two stations", params())
    two = scenarios.save(planner, "Four stations", params(k=4))
    assert Scenario.objects.count() == 2 and one.result["sites"]
    rows = scenarios.compare([one, two])
    assert [r["name"] for r in rows] == ["Area 10", "Area 20"]
    features = scenarios.geojson(two)["features"]
    assert len(features) == 4 and features[0]["properties"]["why"]
    table = scenarios.csv_rows(one)
    assert table[0][0] == "section" and [r[0] for r in table].count("site") == 2


def test_accepted_proposals_are_candidates(stations, planner, cooperative):
    Proposal.objects.create(
        organisation=cooperative,
        title="Empty shop",
        address="Via Torino 20",
        lat=45.462,
        lon=9.186,
        desks=8,
        state=Proposal.State.ACCEPTED,
    )
    Proposal.objects.create(
        organisation=cooperative, title="Not yet", address="Via Larga 1", lat=45.461, lon=9.192, desks=8
    )
    found = scenarios.candidates(["proposals"])
    assert [c.name for c in found] == ["Empty shop"]
    result = scenarios.run(params(k=1, sources=["proposals"]))
    assert result["sites"][0]["name"] == "Empty shop" and result["sites"][0]["desks"] == 8


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"k": 0}, "k"),
        ({"mode": "teleport"}, "mode"),
        ({"mode": "transit"}, "mode"),
        ({"minutes": 0}, "minutes"),
        ({"objective": "cheapest"}, "objective"),
        ({"layers": {"residents": 0}}, "layers"),
        ({"layers": {"nobody": 1}}, "layers"),
        ({"sources": []}, "sources"),
        ({"equity": "min_share"}, "min_share"),
        ({"equity": "max_min", "objective": "median"}, "equity"),
    ],
)
def test_bad_parameters_name_their_field(changes, field):
    with pytest.raises(ValidationError) as refused:
        params(**changes)
    assert field in refused.value.message_dict


def test_more_sites_than_candidates_is_refused(stations):
    with pytest.raises(ValidationError) as refused:
        scenarios.preview(params(k=7))
    assert "only 6 candidate sites" in refused.value.message_dict["k"][0]


def test_no_demand_is_refused(stations):
    with pytest.raises(ValidationError) as refused:
        scenarios.preview(params(layers={"needs": 1}))
    assert "no demand" in refused.value.message_dict["layers"][0]


def test_an_unreachable_share_is_refused(stations):
    with pytest.raises(ValidationError) as refused:
        scenarios.run(params(k=1, equity="min_share", min_share=4))
    assert "min_share" in refused.value.message_dict


def test_only_the_city_saves_scenarios(stations, manager, outsider):
    for user in (manager, outsider):
        with pytest.raises(PermissionDenied):
            scenarios.save(user, "Mine", params())
    assert not Scenario.objects.exists()


def test_places_not_listed_are_candidates_and_listed_ones_cover(place, register):
    from tests.conftest import list_place

    assert [c.id for c in scenarios.candidates(["places"])] == [f"place:{place.public_id}"]
    list_place(place, register)
    assert scenarios.candidates(["places"]) == []


def test_no_candidates_of_the_kinds_chosen(stations):
    with pytest.raises(ValidationError) as refused:
        scenarios.preview(params(sources=["proposals"]))
    assert "no candidate sites" in refused.value.message_dict["sources"][0]


def test_points_given_by_hand_are_candidates_beside_the_kinds_chosen(stations):
    text = "45.4642, 9.1900, Ex cinema Duomo, 30\n\n45.4745,9.2050"
    chosen = params(sources=[], points=text, k=1)
    assert chosen.points == [
        {"name": "Ex cinema Duomo", "lat": 45.4642, "lon": 9.19, "desks": 30},
        {"name": "Point 2", "lat": 45.4745, "lon": 9.205, "desks": None},
    ]
    result = scenarios.run(chosen)
    assert [s["source"] for s in result["sites"]] == ["points"] and result["solver"]["optimal"]
    # The API gives them as a list; with metro stations they are 8 candidates.
    listed = params(points=[{"lat": 45.47, "lon": 9.19}, {"lat": 45.46, "lon": 9.2, "name": "Biblioteca"}])
    assert [c.id for c in scenarios.candidates(listed.sources, listed.points)][:2] == ["point:1", "point:2"]
    assert len(scenarios.candidates(listed.sources, listed.points)) == len(stations) + 2


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("45.46; 9.19", "Point 1 is not valid"),
        ("45.46, 9.19\n91, 9.19", "Point 2 is not valid"),
        ("45.46, 9.19, Sala, -3", "Point 1 is not valid"),
        ([{"lat": "north", "lon": 9.19}], "Point 1 is not valid"),
        ("\n".join(["45.46, 9.19"] * 201), "at most 200 points"),
    ],
)
def test_bad_points_are_refused_with_their_line(points, message):
    with pytest.raises(ValidationError) as refused:
        params(points=points)
    assert message in refused.value.message_dict["points"][0]


def test_desks_against_demand_limit_what_each_site_serves(stations):
    free = scenarios.run(params(k=1))
    # Two desks of 10 people each at every station: a site serves at most 20 of its demand.
    tight = scenarios.run(params(k=1, per_desk=10, default_desks=2))
    assert tight["solver"]["status"] and tight["objective"] <= 20 + 1e-6 < free["objective"]
    [site] = tight["sites"]
    assert site["capacity"] == pytest.approx(20) and site["served"] <= 20 + 1e-6
    assert "of the 20 they can" in scenarios.site_reason(site, tight["model"])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"per_desk": 0}, "per_desk"),
        ({"per_desk": "many"}, "per_desk"),
        ({"per_desk": 40, "objective": "median"}, "per_desk"),
        ({"default_desks": 0}, "default_desks"),
    ],
)
def test_bad_desk_options_name_their_field(changes, field):
    with pytest.raises(ValidationError) as refused:
        params(**changes)
    assert field in refused.value.message_dict
