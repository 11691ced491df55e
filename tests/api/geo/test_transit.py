"""`mode=transit` in the API: nearby places, isochrones and coverage by walking and public transport, with the
timetable's date said in the answer, and the trip itself on request."""

from __future__ import annotations

import pytest

from tests.geo.conftest import CADORNA
from vicinato.geo import transit

TUESDAY_9 = "2027-03-09T09:00:00+01:00"


@pytest.fixture(autouse=True)
def _fresh_indexes():
    transit.drop_indexes()
    yield
    transit.drop_indexes()


def get(client, path, **query):
    return client.get(f"/api/v1/{path}", query, HTTP_ACCEPT_LANGUAGE="en")


def nearby_by_transit_from_cadorna(client, **query):
    """Places within 25 minutes of Cadorna by public transport, arriving by Tuesday 9:00."""
    query = {"mode": "transit", "minutes": 25, "arrive_by": TUESDAY_9, **query}
    return get(client, "places/nearby", lat=CADORNA[0], lon=CADORNA[1], **query)


def test_nearby_by_public_transport_says_which_timetable_date_answered(client, by_the_metro):
    cadorna, loreto = by_the_metro
    walking = get(client, "places/nearby", lat=CADORNA[0], lon=CADORNA[1], mode="walk", minutes=25).json()
    assert loreto.public_id not in {p["id"] for p in walking}
    answer = nearby_by_transit_from_cadorna(client)
    places = {p["id"]: p for p in answer.json()}
    assert answer.status_code == 200 and loreto.public_id in places
    found = places[loreto.public_id]
    assert found["minutes"] < 25 and found["fallback"] is True and found["service_date"].startswith("2014-10")
    assert answer["X-Service-Date"] == found["service_date"] and answer["X-Requested-Date"] == "2027-03-09"
    assert "itinerary" not in found  # only on request: the list stays fast


def test_itineraries_on_request_give_the_trip_leg_by_leg(client, by_the_metro):
    _cadorna, loreto = by_the_metro
    answer = nearby_by_transit_from_cadorna(client, itineraries="true").json()
    trip = next(p for p in answer if p["id"] == loreto.public_id)["itinerary"]
    assert [leg["kind"] for leg in trip["legs"]] == ["walk", "ride", "walk"]
    assert trip["legs"][1]["line"] == "2" and trip["arrives"] <= "09:00"


def test_by_default_one_arrives_by_nine_on_the_next_weekday(client, by_the_metro):
    answer = get(client, "places/nearby", lat=CADORNA[0], lon=CADORNA[1], mode="transit", minutes=15)
    assert answer.status_code == 200 and answer.json()
    assert all(p["service_date"] == answer["X-Service-Date"] for p in answer.json())


def test_a_transit_isochrone_reaches_farther_than_walking(client, by_the_metro):
    query = {"lat": CADORNA[0], "lon": CADORNA[1], "minutes": 20}
    walking = get(client, "isochrone", mode="walk", **query).json()
    by_transit = get(client, "isochrone", mode="transit", depart_at="2027-03-09T08:30", **query).json()
    assert by_transit["properties"]["mode"] == "transit" and by_transit["properties"]["fallback"] is True
    assert by_transit["properties"]["area_km2"] > walking["properties"]["area_km2"] * 1.3


def test_coverage_by_public_transport_gives_each_neighbourhood_and_the_date(client, by_the_metro):
    rows = get(client, "coverage", mode="transit", minutes=15, arrive_by=TUESDAY_9).json()
    assert {r["code"] for r in rows} == {"10", "20"}
    assert all(r["service_date"].startswith("2014-10") for r in rows)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"mode": "boat"}, "mode", "choose walk, bike or transit"),
        (
            {"mode": "transit", "depart_at": "2027-03-09T08:00", "arrive_by": TUESDAY_9},
            "depart_at",
            "not both",
        ),
        ({"mode": "transit", "arrive_by": "1800-01-01T09:00"}, "arrive_by", "between 1900 and 2200"),
        ({"mode": "transit", "arrive_by": "tomorrow"}, "arrive_by", ""),
    ],
)
def test_bad_travel_input_is_a_422_per_field(client, db, query, field, message):
    answer = get(client, "places/nearby", lat=CADORNA[0], lon=CADORNA[1], **query)
    assert answer.status_code == 422
    assert field in answer.json()["errors"] and message in " ".join(answer.json()["errors"][field])
