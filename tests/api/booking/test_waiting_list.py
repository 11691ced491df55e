"""The waiting list in the API: my entries (state, rank in line, offer expiry), one entry, leaving the line,
and the place's lists for its staff."""

from __future__ import annotations

import pytest

from tests.booking.conftest import make_resource
from vicinato.booking.models import Reservation, WaitingListEntry

from .test_api import URL, booking, client_for

pytestmark = pytest.mark.django_db
JSON = "application/json"
W = WaitingListEntry.State


@pytest.fixture
def line(listed, single, person, other_person, user_factory, day):
    """`person` holds the meeting room on `day` 09:00-10:00; `other_person`, then 'carla', wait for it."""
    client_for(person).post(f"{URL}/reservations", booking(single, day), content_type=JSON)
    carla = user_factory("carla", first_name="Carla", last_name="Fracci")
    entries = [
        client_for(who).post(f"{URL}/waiting-list", booking(single, day), content_type=JSON).json()
        for who in (other_person, carla)
    ]
    return [WaitingListEntry.objects.get(pk=e["id"]) for e in entries]


def test_my_entries_say_their_rank_in_line_and_the_offer(listed, single, person, other_person, line):
    first, second = line
    mine = client_for(other_person).get(f"{URL}/waiting-list")
    assert mine.status_code == 200 and mine["X-Total-Count"] == "1"
    [entry] = mine.json()
    assert (entry["id"], entry["state"], entry["line_position"], entry["offer_expires_at"]) == (
        first.pk,
        "waiting",
        1,
        None,
    )
    assert (entry["place"], entry["resource_name"]) == (listed.public_id, "Meeting room")
    second_client = client_for(second.person)
    assert second_client.get(f"{URL}/waiting-list/{second.pk}").json()["line_position"] == 2
    # The unit frees up: the first in line gets the offer, the second moves up.
    held = Reservation.objects.get(person=person)
    client_for(person).post(f"{URL}/reservations/{held.pk}/cancel", {}, content_type=JSON)
    offered = client_for(other_person).get(f"{URL}/waiting-list/{first.pk}").json()
    assert offered["state"] == "offered" and offered["offer_expires_at"] and offered["line_position"] is None
    assert second_client.get(f"{URL}/waiting-list/{second.pk}").json()["line_position"] == 1
    accepted = client_for(other_person).post(f"{URL}/waiting-list/{first.pk}/accept")
    entry = client_for(other_person).get(f"{URL}/waiting-list/{first.pk}").json()
    assert entry["state"] == "accepted" and entry["reservation"] == accepted.json()["id"]


def test_filters_and_pages(listed, single, other_person, line, day):
    client = client_for(other_person)
    assert [e["id"] for e in client.get(f"{URL}/waiting-list", {"when": "upcoming"}).json()] == [line[0].pk]
    assert client.get(f"{URL}/waiting-list", {"when": "past"}).json() == []
    assert client.get(f"{URL}/waiting-list", {"state": "offered"}).json() == []
    empty_page = client.get(f"{URL}/waiting-list", {"limit": 1, "offset": 1})
    assert empty_page.json() == [] and empty_page["X-Total-Count"] == "1"


def test_leaving_the_line_passes_the_offer_on(listed, single, person, other_person, line):
    first, second = line
    held = Reservation.objects.get(person=person)
    client_for(person).post(f"{URL}/reservations/{held.pk}/cancel", {}, content_type=JSON)
    left = client_for(other_person).delete(f"{URL}/waiting-list/{first.pk}")
    assert left.status_code == 204
    assert not WaitingListEntry.objects.filter(pk=first.pk).exists()
    assert WaitingListEntry.objects.get(pk=second.pk).state == W.OFFERED
    assert client_for(other_person).get(f"{URL}/waiting-list/{first.pk}").status_code == 404
    # Accepted: nothing left to leave.
    client_for(second.person).post(f"{URL}/waiting-list/{second.pk}/accept")
    refused = client_for(second.person).delete(f"{URL}/waiting-list/{second.pk}")
    assert refused.status_code == 409 and "no longer in line" in refused.json()["detail"]
    assert WaitingListEntry.objects.filter(pk=second.pk).exists()


def test_other_peoples_entries_are_not_found(listed, person, other_person, staff, outsider, line):
    first = line[0]
    for who in (person, outsider):
        client = client_for(who)
        assert client.get(f"{URL}/waiting-list/{first.pk}").status_code == 404
        assert client.delete(f"{URL}/waiting-list/{first.pk}").status_code == 404
        assert client.get(f"{URL}/waiting-list").json() == []
    # The place's staff see it, but do not leave the line for the person.
    assert client_for(staff).get(f"{URL}/waiting-list/{first.pk}").status_code == 200
    assert client_for(staff).delete(f"{URL}/waiting-list/{first.pk}").status_code == 403
    assert WaitingListEntry.objects.filter(pk=first.pk, state=W.WAITING).exists()


def test_the_places_staff_see_its_waiting_lists(listed, single, person, staff, outsider, line):
    path = f"{URL}/places/{listed.public_id}/waiting-list"
    answer = client_for(staff).get(path)
    assert answer.status_code == 200 and answer["X-Total-Count"] == "2"
    assert [(e["id"], e["person"], e["line_position"]) for e in answer.json()] == [
        (line[0].pk, "bruno", 1),
        (line[1].pk, "Carla Fracci", 2),
    ]
    other = make_resource(listed)
    assert client_for(staff).get(path, {"resource": other.pk}).json() == []
    assert [e["id"] for e in client_for(staff).get(path, {"resource": single.pk, "limit": 1}).json()] == [
        line[0].pk
    ]
    assert client_for(outsider).get(path).status_code == 403
    assert client_for(person).get(path).status_code == 403
    assert client_for(staff).get(f"{URL}/places/no-such-place/waiting-list").status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"state": "gone"}, "state"),
        ({"when": "soon"}, "when"),
        ({"limit": 0}, "limit"),
        ({"limit": 100000}, "limit"),
        ({"offset": -1}, "offset"),
        ({"resource": "x"}, "resource"),
    ],
)
def test_bad_filters_are_422_per_field(listed, staff, line, query, field):
    for path in ("waiting-list", f"places/{listed.public_id}/waiting-list"):
        if field == "resource" and path == "waiting-list":
            continue
        answer = client_for(staff).get(f"{URL}/{path}", query)
        assert answer.status_code == 422, (path, answer.content)
        assert field in answer.json()["errors"] and field in answer.json()["codes"]


@pytest.mark.parametrize("pk", ["99999999999999999999", "9223372036854775808", "9223372036854775807", "0"])
def test_odd_ids_are_not_found(listed, staff, other_person, line, pk):
    assert client_for(other_person).get(f"{URL}/waiting-list/{pk}").status_code == 404
    assert client_for(other_person).delete(f"{URL}/waiting-list/{pk}").status_code == 404
    answer = client_for(staff).get(f"{URL}/places/{listed.public_id}/waiting-list", {"resource": pk})
    if pk == "0" or int(pk) >= 2**63:
        assert answer.status_code == 422 and "resource" in answer.json()["errors"]
    else:
        assert answer.status_code == 200 and answer.json() == []


def test_huge_offsets_are_a_422(listed, other_person, line):
    answer = client_for(other_person).get(f"{URL}/waiting-list", {"offset": 10**30})
    assert answer.status_code == 422 and answer.json()["codes"] == {"offset": ["less_than_equal"]}


def test_sign_in_is_needed(client, listed, line):
    assert client.get(f"{URL}/waiting-list").status_code == 401
    assert client.get(f"{URL}/waiting-list/{line[0].pk}").status_code == 401
    assert client.delete(f"{URL}/waiting-list/{line[0].pk}").status_code == 401
