"""Public transport on the pages: "near you" with the trip to each place, coverage side by side with walking
and cycling, "from your street by public transport" on a place's page, and what the credits say of the feed."""

from __future__ import annotations

import pytest

from tests.geo.conftest import CADORNA
from tests.web.pages import text
from vicinato.geo import transit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_indexes():
    transit.drop_indexes()
    yield
    transit.drop_indexes()


def test_near_you_by_public_transport_shows_the_trip_and_the_timetable_date(client, by_the_metro):
    _cadorna, loreto = by_the_metro
    query = {
        "lat": CADORNA[0],
        "lon": CADORNA[1],
        "mode": "transit",
        "minutes": 25,
        "day": "2027-03-09",
        "at": "09:00",
    }
    page = text(client.get("/en/vicino-a-te/", query))
    assert "By public transport, arriving by 09:00 on Tuesday 9 March 2027." in page
    assert "the times are those of Tuesday 28 October 2014, the same weekday" in page
    assert loreto.name_it in page and "Walk 3 min to CADORNA F.N." in page
    assert "metro 2 towards cologno nord: CADORNA F.N. at 08:45, LORETO M2 at 08:57" in page
    italian = text(client.get("/vicino-a-te/", query))
    assert "Con i mezzi pubblici" in italian or "mezzi pubblici" in italian


def test_leaving_at_a_time_is_said_too(client, by_the_metro):
    query = {"lat": CADORNA[0], "lon": CADORNA[1], "mode": "transit", "minutes": 20, "timing": "depart_at",
             "day": "2027-03-09", "at": "08:30"}  # fmt: skip
    assert "leaving at 08:30 on Tuesday 9 March 2027" in text(client.get("/en/vicino-a-te/", query))


def test_a_bad_day_is_said_next_to_the_field(client, by_the_metro):
    query = {"lat": CADORNA[0], "lon": CADORNA[1], "mode": "transit", "minutes": 20, "day": "1800-01-01"}
    page = client.get("/en/vicino-a-te/", query).content.decode()
    assert "Choose a date between 1900 and 2200." in page


def test_coverage_shows_every_mode_side_by_side(client, by_the_metro):
    page = client.get("/en/copertura/", {"mode": "transit", "minutes": 15, "at": "09:00"})
    body = text(page)
    assert page.status_code == 200 and "By public transport, arriving by 09:00" in body
    assert "On foot" in body and "By bike" in body
    walking = client.get("/en/copertura/", {"mode": "walk", "minutes": 15})
    assert "By public transport" in text(walking)  # the other modes' columns


def test_the_place_page_gives_the_trip_from_your_street(client, by_the_metro):
    _cadorna, loreto = by_the_metro
    url = f"/en/luoghi/{loreto.public_id}/"
    assert "From your street by public transport" in text(client.get(url))
    answer = text(client.post(url, {"da": "Piazzale Luigi Cadorna"}))
    assert "From Piazzale Luigi Cadorna" in answer and "metro 2 towards cologno nord" in answer
    assert "No street of the map matches" in text(client.post(url, {"da": "Via Che Non Esiste"}))


def test_the_credits_say_what_the_demo_feed_covers(client, db):
    page = text(client.get("/en/crediti/"))
    assert "metro M2, 5 tram and 9 bus lines" in page
    assert "valid from 19 October 2014 to 1 November 2014" in page and "1 metro" in page
