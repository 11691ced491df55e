"""The nearby search answers the same places and minutes however it is made fast, and stays correct after changes."""

from datetime import time as clock
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import list_place
from vicinato.api.geo import nearby_records
from vicinato.geo import travel
from vicinato.register import opendata
from vicinato.register.models import Application, Place
from vicinato.register.services import set_opening_hours

# Eight places around the Duomo on the real Milan street network, searched from Via Orefici.
SPOTS = [
    (45.4642, 9.1900),
    (45.4627, 9.2083),
    (45.4700, 9.1850),
    (45.4580, 9.1800),
    (45.4720, 9.2000),
    (45.4600, 9.1950),
    (45.4665, 9.1770),
    (45.4560, 9.2050),
]
ORIGIN = {"lat": 45.4655, "lon": 9.1885}
SEARCHES = [("walk", 15), ("bike", 15), ("walk", 30), ("bike", 5)]


def reference(mode: str, minutes: int, kind: str | None = None) -> list[dict]:
    """The answer as the endpoint made it before it was optimised: the open-data record of each reachable listed
    place, its registers, and the minutes from the street network; nearest first, then by id."""
    reached = travel.reachable_places(ORIGIN["lat"], ORIGIN["lon"], mode, minutes)
    answers = [
        {**record, "registers": record["register"], "minutes": reached[record["id"]]}
        for record in opendata.listed_records(reached)
        if kind is None or record["kind"] == kind
    ]
    return sorted(answers, key=lambda a: (a["minutes"], a["id"]))


@pytest.fixture
def spots(register, organisation, city):
    places = []
    for i, (lat, lon) in enumerate(SPOTS):
        place = Place.objects.create(
            operator=organisation,
            kind="officina" if i % 2 else "coworking",
            name_it=f"Luogo {i}",
            address="Via Torino 1",
            lat=lat,
            lon=lon,
            municipality=city,
            desks=12,
            public_id=f"p{i}",
        )
        list_place(place, register)
        places.append(place)
    return places


def nearby(client, mode, minutes, **filters):
    response = client.get("/api/v1/places/nearby", {**ORIGIN, "mode": mode, "minutes": minutes, **filters})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize(("mode", "minutes"), SEARCHES)
def test_nearby_answers_the_same_records_and_minutes(client, spots, mode, minutes):
    expected = reference(mode, minutes)
    assert nearby(client, mode, minutes) == expected
    assert nearby(client, mode, minutes) == expected  # again, from the cached records
    # Non-trivial: places at several distances, each with its whole record.
    if (mode, minutes) == ("bike", 15):
        assert len(expected) >= 5 and len({a["minutes"] for a in expected}) >= 5
    first = expected[0]
    assert first["registers"] == ["milano"] and first["name"].startswith("Luogo")
    assert {"lat", "lon", "kind", "amenities", "opening_hours", "listed_until"} <= set(first)


def test_nearby_with_filters_keeps_the_order_and_only_matching_places(client, spots):
    answer = nearby(client, "bike", 15, kind="officina")
    assert answer == reference("bike", 15, kind="officina") and answer
    assert nearby(client, "bike", 15, kind="library") == []
    # Empty filters (as a form sends them) are no filters.
    assert nearby(client, "bike", 15, kind="", q="") == reference("bike", 15)


def test_nearby_filter_errors_are_per_field(client, spots):
    response = client.get("/api/v1/places/nearby", {**ORIGIN, "kind": "castle"})
    assert response.status_code == 422
    assert "kind" in response.json()["errors"]
    assert response.json()["codes"] == {"kind": ["invalid_choice"]}


def test_nearby_follows_a_renamed_place(client, spots, django_capture_on_commit_callbacks):
    assert nearby(client, "walk", 15)[0]["name"] == "Luogo 0"
    with django_capture_on_commit_callbacks(execute=True):
        spots[0].name_it = "Luogo rinominato"
        spots[0].save()
    assert nearby(client, "walk", 15)[0]["name"] == "Luogo rinominato"


def test_anonymous_nearby_needs_few_queries(client, spots):
    nearby(client, "bike", 15)  # builds the index and fills the caches
    with CaptureQueriesContext(connection) as queries:
        nearby(client, "bike", 15)
    # No session or user lookup for an anonymous API call; only the listed entries of the reached places.
    assert not [
        q for q in queries.captured_queries if "django_session" in q["sql"] or "auth_user" in q["sql"]
    ]
    assert len(queries) <= 1


def test_nearby_drops_a_listing_when_it_expires(client, spots):
    # Expiring in a minute, changed without signals (as time passing does): the cached answer must not outlive it.
    # The clock stands still between the two searches, however long the first one takes, then moves past expiry.
    with time_machine.travel(timezone.now(), tick=False) as clock_:
        Application.objects.filter(place=spots[0]).update(expires_at=timezone.now() + timedelta(minutes=1))
        assert "p0" in [a["id"] for a in nearby(client, "walk", 15)]
        clock_.shift(timedelta(minutes=1, seconds=1))
        assert "p0" not in [a["id"] for a in nearby(client, "walk", 15)]


def test_nearby_shows_new_opening_hours_once_the_records_are_renewed(client, spots, people, monkeypatch):
    def hours():
        return {a["id"]: a["opening_hours"] for a in nearby(client, "walk", 15)}["p0"]

    # Hours change no index of places: the records are renewed after at most MAX_AGE_S (here: every time).
    monkeypatch.setattr(nearby_records, "MAX_AGE_S", 0)
    assert hours() == ""
    set_opening_hours(people["org_admin"], spots[0], [(0, clock(9), clock(13))])
    assert hours() == "Mo 09:00-13:00"
