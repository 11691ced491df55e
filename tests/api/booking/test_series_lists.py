"""Series in the API: a person's series and one series with its dates; the series booked at a place."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from tests.booking.conftest import ROME
from vicinato.booking import services

from .test_api import URL, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def weekly(listed, resource, person, day):
    """`person` books `day`'s weekday 09:00-10:00 for two weeks."""
    return services.create_series(
        person, resource, [day.weekday()], time(9), time(10), day, day + timedelta(days=7)
    ).series


@pytest.fixture
def finished(listed, resource, person):
    """A series of one date last week, booked before it."""
    last_week = timezone.localdate() - timedelta(days=7)
    while last_week.weekday() > 4:
        last_week -= timedelta(days=1)
    earlier = datetime.combine(last_week, time(7), tzinfo=ROME)
    return services.create_series(
        person, resource, [last_week.weekday()], time(9), time(10), last_week, last_week, now=earlier
    ).series


def test_my_series_and_the_states_of_their_dates(listed, resource, person, weekly, finished):
    client = client_for(person)
    answer = client.get(f"{URL}/series")
    assert answer.status_code == 200 and answer["X-Total-Count"] == "2"
    assert [s["id"] for s in answer.json()] == [finished.pk, weekly.pk]
    summary = answer.json()[1]
    assert (summary["place"], summary["resource_name"], summary["states"]) == (
        listed.public_id,
        "Desk room",
        {"confirmed": 2},
    )
    assert [s["id"] for s in client.get(f"{URL}/series", {"when": "upcoming"}).json()] == [weekly.pk]
    assert [s["id"] for s in client.get(f"{URL}/series", {"when": "past"}).json()] == [finished.pk]
    assert [s["id"] for s in client.get(f"{URL}/series", {"limit": 1, "offset": 1}).json()] == [weekly.pk]


def test_one_series_with_its_dates(person, weekly):
    first = weekly.reservations.order_by("start").first()
    services.cancel(first, person)
    answer = client_for(person).get(f"{URL}/series/{weekly.pk}")
    assert answer.status_code == 200
    series = answer.json()
    assert series["states"] == {"cancelled": 1, "confirmed": 1}
    assert [r["state"] for r in series["reservations"]] == ["cancelled", "confirmed"]
    assert series["weekdays"] == weekly.weekdays and series["reservations"][1]["checkin_code"]


def test_other_peoples_series_are_not_found(client, person, other_person, outsider, staff, weekly):
    for who in (other_person, outsider):
        assert client_for(who).get(f"{URL}/series/{weekly.pk}").status_code == 404
        assert client_for(who).get(f"{URL}/series").json() == []
    for pk in ("99999999999999999999", "0"):
        assert client_for(person).get(f"{URL}/series/{pk}").status_code == 404
    assert client_for(person).get(f"{URL}/series/x").status_code == 422
    assert client.get(f"{URL}/series").status_code == 401
    # The place's staff see it, without the person's check-in codes.
    seen = client_for(staff).get(f"{URL}/series/{weekly.pk}")
    assert seen.status_code == 200 and {r["checkin_code"] for r in seen.json()["reservations"]} == {None}


def test_the_places_staff_see_its_series(listed, person, outsider, staff, weekly, finished):
    path = f"{URL}/places/{listed.public_id}/series"
    answer = client_for(staff).get(path, {"when": "upcoming"})
    assert answer.status_code == 200
    assert [(s["id"], s["person"], s["states"]) for s in answer.json()] == [
        (weekly.pk, "ada", {"confirmed": 2})
    ]
    assert client_for(staff).get(path)["X-Total-Count"] == "2"
    assert client_for(outsider).get(path).status_code == 403
    assert client_for(person).get(path).status_code == 403


@pytest.mark.parametrize("query", [{"when": "later"}, {"limit": 0}, {"offset": 10**12}])
def test_bad_filters_are_422(listed, person, staff, weekly, query):
    [field] = query
    for who, path in ((person, "series"), (staff, f"places/{listed.public_id}/series")):
        answer = client_for(who).get(f"{URL}/{path}", query)
        assert answer.status_code == 422 and field in answer.json()["codes"]
