"""A person's reservations in the API, past and upcoming, in pages; and the history of one reservation."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from tests.booking.conftest import ROME, at
from vicinato.booking import services
from vicinato.booking.models import Reservation

from .test_api import URL, booking, client_for

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def last_week():
    """A weekday of last week (the test place opens Monday to Friday)."""
    candidate = timezone.localdate() - timedelta(days=7)
    while candidate.weekday() > 4:
        candidate -= timedelta(days=1)
    return candidate


@pytest.fixture
def bookings(listed, resource, person, other_person, day, last_week):
    """`person`: two bookings last week and two on `day`; `other_person`: one on `day`."""
    earlier = datetime.combine(last_week, time(7), tzinfo=ROME)
    past = services.reserve(person, resource, at("09:00", last_week), at("10:00", last_week), now=earlier)
    services.reserve(person, resource, at("11:00", last_week), at("12:00", last_week), now=earlier)
    first = services.reserve(person, resource, at("11:00", day), at("12:00", day))
    second = services.reserve(person, resource, at("14:00", day), at("15:00", day))
    services.reserve(other_person, resource, at("09:00", day), at("10:00", day))
    return past, first, second


def ids(answer) -> list[int]:
    return [r["id"] for r in answer.json()]


def test_my_reservations_past_and_upcoming(person, bookings):
    past, first, second = bookings
    later_past = Reservation.objects.get(person=person, start=past.start + timedelta(hours=2))
    client = client_for(person)
    everything = client.get(f"{URL}/reservations")
    # As before: every one of them, by start, as a list.
    assert everything.status_code == 200
    assert ids(everything) == [past.pk, later_past.pk, first.pk, second.pk]
    assert everything["X-Total-Count"] == "4"
    assert ids(client.get(f"{URL}/reservations", {"when": "upcoming"})) == [first.pk, second.pk]
    assert ids(client.get(f"{URL}/reservations", {"when": "past"})) == [later_past.pk, past.pk]
    services.cancel(second, person)
    assert ids(client.get(f"{URL}/reservations", {"when": "upcoming", "state": "confirmed"})) == [first.pk]


def test_my_reservations_in_pages(person, bookings):
    past, first, second = bookings
    client = client_for(person)
    page = client.get(f"{URL}/reservations", {"limit": 2, "offset": 1})
    assert ids(page)[1] == first.pk and page["X-Total-Count"] == "4"
    page = client.get(f"{URL}/reservations", {"limit": 2, "offset": 3})
    assert ids(page) == [second.pk] and page["X-Total-Count"] == "4"
    beyond = client.get(f"{URL}/reservations", {"offset": 5})
    assert beyond.json() == [] and beyond["X-Total-Count"] == "4"
    assert client.get(f"{URL}/reservations", {"offset": 3})["X-Total-Count"] == "4"
    earliest_last = client.get(f"{URL}/reservations", {"when": "past", "limit": 1, "offset": 1})
    assert ids(earliest_last) == [past.pk]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"when": "tomorrow"}, "enum"),
        ({"limit": 0}, "greater_than_equal"),
        ({"limit": 1001}, "less_than_equal"),
        ({"offset": -1}, "greater_than_equal"),
        ({"offset": 10**30}, "less_than_equal"),
        ({"state": "lost"}, "enum"),
    ],
)
def test_bad_filters_are_422_with_the_field_and_its_code(person, bookings, query, code):
    answer = client_for(person).get(f"{URL}/reservations", query)
    [field] = query
    assert answer.status_code == 422
    assert answer.json()["errors"][field] and answer.json()["codes"] == {field: [code]}


def test_the_history_says_who_did_what_when_and_why(listed, resource, person, staff, day):
    reservation = client_for(person).post(f"{URL}/reservations", booking(resource, day), content_type=JSON)
    pk = reservation.json()["id"]
    client_for(staff).post(f"{URL}/reservations/{pk}/cancel", {"reason": "Flooded"}, content_type=JSON)
    seen_by_person = client_for(person).get(f"{URL}/reservations/{pk}/events")
    assert seen_by_person.status_code == 200
    assert [
        (e["action"], e["from_state"], e["to_state"], e["state_label"], e["by"], e["actor"], e["note"])
        for e in seen_by_person.json()
    ] == [
        ("create", None, "confirmed", "Confirmed", "person", None, ""),
        ("cancel", "confirmed", "cancelled", "Cancelled", "place", None, "Flooded"),
    ]
    # The place's staff see who acted, as they see the person's name in the day plan.
    seen_by_staff = client_for(staff).get(f"{URL}/reservations/{pk}/events").json()
    assert [e["actor"] for e in seen_by_staff] == ["ada", "operator"]
    assert seen_by_staff[0]["at"] <= seen_by_staff[1]["at"]


def test_changes_made_by_the_platform_are_the_systems(listed, resource, person, day):
    reservation = services.reserve(person, resource, at("09:00", day), at("10:00", day))
    services.release_no_shows(now=at("09:30", day))
    events = client_for(person).get(f"{URL}/reservations/{reservation.pk}/events").json()
    assert [(e["action"], e["by"], e["to_state"]) for e in events] == [
        ("create", "person", "confirmed"),
        ("no_show", "system", "no_show"),
    ]


def test_other_peoples_history_is_not_found(client, listed, resource, person, other_person, outsider, day):
    reservation = services.reserve(person, resource, at("09:00", day), at("10:00", day))
    for who in (other_person, outsider):
        answer = client_for(who).get(f"{URL}/reservations/{reservation.pk}/events")
        assert answer.status_code == 404 and "ada" not in answer.content.decode()
    assert client.get(f"{URL}/reservations/{reservation.pk}/events").status_code == 401
    for pk in ("99999999999999999999", "0", "-3"):
        assert client_for(person).get(f"{URL}/reservations/{pk}/events").status_code == 404
    assert client_for(person).get(f"{URL}/reservations/abc/events").status_code == 422


def test_the_reservations_are_the_persons_own(other_person, bookings):
    assert len(client_for(other_person).get(f"{URL}/reservations").json()) == 1
    assert Reservation.objects.count() == 5
