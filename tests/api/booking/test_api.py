"""The booking API: the same rules as the services, refusals as 4xx with the refusing rule's message."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api.bearer import client_for
from tests.booking.conftest import at
from vicinato.booking.models import Reservation

pytestmark = pytest.mark.django_db
URL = "/api/v1/booking"


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def booking(resource, day, start="09:00", end="10:00", **extra) -> dict:
    return {
        "resource": resource.pk,
        "start": at(start, day).isoformat(),
        "end": at(end, day).isoformat(),
        **extra,
    }


def test_resources_and_availability_of_a_listed_place(client, listed, resource, day):
    answer = client.get(f"{URL}/places/{listed.public_id}/resources")
    assert answer.status_code == 200
    assert [(r["id"], r["name"], r["capacity"], r["kind_label"]) for r in answer.json()] == [
        (resource.pk, "Desk room", 2, "Desk")
    ]
    slots = client.get(f"{URL}/places/{listed.public_id}/availability", {"day": day.isoformat()}).json()
    assert len(slots) == 21 and slots[0]["free"] == 2
    assert (
        client.get(f"{URL}/resources/{resource.pk}/availability", {"day": day, "days": 8}).status_code == 422
    )


def test_unlisted_places_are_not_found_for_the_public(client, place, resource):
    assert client.get(f"{URL}/places/{place.public_id}/resources").status_code == 404


def test_book_with_an_idempotency_key(listed, resource, person, day):
    api_client = client_for(person)
    first = api_client.post(
        f"{URL}/reservations",
        booking(resource, day),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="abc",
    )
    again = api_client.post(
        f"{URL}/reservations",
        booking(resource, day),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="abc",
    )
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert first.json()["state"] == "confirmed" and first.json()["checkin_code"]
    assert Reservation.objects.count() == 1


def test_a_rule_refusal_is_422_with_the_rules_message(listed, resource, person, day):
    answer = client_for(person).post(
        f"{URL}/reservations", booking(resource, day, "08:00", "09:00"), content_type="application/json"
    )
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"start": ["This place opens at 08:30; choose a later start."]}


def test_no_free_unit_is_409(listed, resource, person, other_person, day):
    client_for(person).post(
        f"{URL}/reservations", booking(resource, day, units=2), content_type="application/json"
    )
    answer = client_for(other_person).post(
        f"{URL}/reservations", booking(resource, day), content_type="application/json"
    )
    assert answer.status_code == 409
    assert "No unit of this resource is free" in answer.json()["detail"]


def test_sign_in_is_needed_to_book(client, listed, resource, day):
    assert (
        client.post(
            f"{URL}/reservations", booking(resource, day), content_type="application/json"
        ).status_code
        == 401
    )


def test_people_see_and_cancel_only_their_own(listed, resource, person, other_person, staff, outsider, day):
    mine = client_for(person)
    created = mine.post(f"{URL}/reservations", booking(resource, day), content_type="application/json").json()
    client_for(other_person).post(
        f"{URL}/reservations", booking(resource, day, "11:00", "12:00"), content_type="application/json"
    )
    assert [r["id"] for r in mine.get(f"{URL}/reservations").json()] == [created["id"]]
    stranger = client_for(other_person)
    assert stranger.get(f"{URL}/reservations/{created['id']}").status_code == 404
    assert (
        stranger.post(
            f"{URL}/reservations/{created['id']}/cancel", {}, content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        client_for(outsider)
        .post(f"{URL}/reservations/{created['id']}/cancel", {"reason": "x"}, content_type="application/json")
        .status_code
        == 404
    )
    operator = client_for(staff)
    seen = operator.get(f"{URL}/reservations/{created['id']}").json()
    assert seen["checkin_code"] is None  # the code is the person's to show
    no_reason = operator.post(
        f"{URL}/reservations/{created['id']}/cancel", {}, content_type="application/json"
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["errors"]
    cancelled = operator.post(
        f"{URL}/reservations/{created['id']}/cancel", {"reason": "Flooded"}, content_type="application/json"
    )
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    again = mine.post(f"{URL}/reservations/{created['id']}/cancel", {}, content_type="application/json")
    assert again.status_code == 409


def test_check_in_is_for_the_places_staff(listed, resource, person, staff, day):
    reservation = (
        client_for(person)
        .post(f"{URL}/reservations", booking(resource, day), content_type="application/json")
        .json()
    )
    code = {"code": reservation["checkin_code"]}
    assert (
        client_for(person).post(f"{URL}/check-in", code, content_type="application/json").status_code == 403
    )
    too_early = client_for(staff).post(f"{URL}/check-in", code, content_type="application/json")
    assert too_early.status_code == 409 and "Check-in opens at" in too_early.json()["detail"]
    wrong = client_for(staff).post(f"{URL}/check-in", {"code": "1-AAAAAAAA"}, content_type="application/json")
    assert wrong.status_code == 422


def test_join_the_waiting_list_and_accept_the_offer(listed, single, person, other_person, day):
    client_for(person).post(f"{URL}/reservations", booking(single, day), content_type="application/json")
    waiting = client_for(other_person)
    entry = waiting.post(f"{URL}/waiting-list", booking(single, day), content_type="application/json")
    assert entry.status_code == 201 and entry.json()["position"] == 1
    assert waiting.post(f"{URL}/waiting-list/{entry.json()['id']}/accept").status_code == 409
    mine = Reservation.objects.get(person=person)
    client_for(person).post(f"{URL}/reservations/{mine.pk}/cancel", {}, content_type="application/json")
    accepted = waiting.post(f"{URL}/waiting-list/{entry.json()['id']}/accept")
    assert accepted.status_code == 201 and accepted.json()["state"] == "confirmed"
    assert client_for(person).post(f"{URL}/waiting-list/{entry.json()['id']}/accept").status_code == 403


@pytest.mark.parametrize("code", ["²-ABCDEFGH", "99999999999999999999999-ABCDEFGH", "٣-ABCDEFGH"])
def test_odd_check_in_codes_are_refused_not_a_crash(listed, staff, code):
    response = client_for(staff).post(f"{URL}/check-in", {"code": code}, content_type="application/json")
    assert response.status_code == 422 and "not valid" in str(response.json())


@pytest.mark.parametrize("far", ["9999-12-31", "0001-01-01"])
def test_far_dates_are_a_422_not_a_crash(client, listed, resource, person, far):
    for path in (f"places/{listed.public_id}/availability", f"resources/{resource.pk}/availability"):
        response = client.get(f"{URL}/{path}", {"day": far, "days": 7})
        assert response.status_code in (200, 422), (path, response.status_code)
    start = f"{far}T09:00:00+01:00"
    end = f"{far}T10:00:00+01:00"
    payload = {"resource": resource.pk, "start": start, "end": end}
    response = client_for(person).post(f"{URL}/reservations", payload, content_type="application/json")
    assert response.status_code == 422, response.content
    assert not Reservation.objects.exists()


def test_booking_what_cannot_be_seen_is_not_found_and_leaves_nothing(place, resource, person, day):
    """The resource is read once, locked, by the booking itself: what the person may not see answers 404 as
    a read would, whatever else is wrong with the request, and no booking is left behind."""
    api_client = client_for(person)

    def book(**fields):
        return api_client.post(
            f"{URL}/reservations", {**booking(resource, day), **fields}, content_type="application/json"
        )

    naive = {"start": f"{day}T09:00:00", "end": f"{day}T10:00:00"}
    assert book().status_code == 404  # an unlisted place
    assert book(**naive).status_code == 404  # even with a date that would be refused
    assert book(resource=resource.pk + 1000).status_code == 404
    assert Reservation.objects.count() == 0


def test_booking_a_resource_taking_no_bookings_is_not_found(listed, resource, person, day):
    api_client = client_for(person)
    naive = booking(resource, day, start="09:00") | {"start": f"{day}T09:00:00", "end": f"{day}T10:00:00"}
    refused = api_client.post(f"{URL}/reservations", naive, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["errors"]
    resource.is_active = False
    resource.save()
    answer = api_client.post(f"{URL}/reservations", booking(resource, day), content_type="application/json")
    assert answer.status_code == 404 and Reservation.objects.count() == 0
