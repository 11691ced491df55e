"""The activities' API: services, free slots, appointments, the agenda and registrations, with the API's error
contract (422 per field with codes, 409 for the state or the capacity, 404 for what the caller may not see)."""

from __future__ import annotations

import pytest

from tests.activities.conftest import NOW, TUESDAY, at, make_event
from tests.api.bearer import bearer
from vicinato.activities.models import Registration
from vicinato.activities.services import appointments, events

pytestmark = pytest.mark.django_db
BASE = "/api/v1/activities"


def test_services_and_their_free_slots(client, service, advisor, place, clock):
    [found] = client.get(f"{BASE}/services").json()
    assert (found["kind"], found["places"][0]["id"], found["modes"]) == (
        "pension",
        place.public_id,
        ["in_person", "phone"],
    )
    slots = client.get(
        f"{BASE}/services/{service.pk}/slots", {"since": TUESDAY.isoformat(), "days": 1}
    ).json()
    assert [s["start"] for s in slots][:2] == ["2030-03-05T09:00:00+01:00", "2030-03-05T09:30:00+01:00"]
    assert slots[0]["advisor_name"] == "Paola Rossi"
    bad = client.get(f"{BASE}/services/{service.pk}/slots", {"days": 90})
    assert bad.status_code == 422 and "days" in bad.json()["errors"]
    assert client.get(f"{BASE}/services/999").status_code == 404


def test_booking_an_appointment_and_its_refusals(
    client, service, advisor, place, person, other_person, clock
):
    payload = {
        "advisor": advisor.pk,
        "place": place.public_id,
        "start": "2030-03-05T09:30:00+01:00",
        "reason": "Riscatto",
    }
    assert (
        client.post(
            f"{BASE}/services/{service.pk}/appointments", payload, content_type="application/json"
        ).status_code
        == 401
    )
    response = client.post(
        f"{BASE}/services/{service.pk}/appointments",
        payload,
        content_type="application/json",
        **bearer(person),
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["state"], body["reason"], body["end"]) == ("booked", "Riscatto", "2030-03-05T10:00:00+01:00")
    taken = client.post(
        f"{BASE}/services/{service.pk}/appointments",
        payload,
        content_type="application/json",
        **bearer(other_person),
    )
    assert (
        taken.status_code == 409
        and taken.json()["detail"] == "This time has just been taken; choose another free time."
    )
    wrong = client.post(
        f"{BASE}/services/{service.pk}/appointments",
        {**payload, "start": "2030-03-05T09:10:00+01:00", "mode": "phone"},
        content_type="application/json",
        **bearer(other_person),
    )
    assert wrong.status_code == 422
    assert wrong.json()["codes"] == {"phone": ["phone"]}
    other = client.get(f"{BASE}/appointments/{body['id']}", **bearer(other_person))
    assert other.status_code == 404


def test_cancel_reschedule_and_mark_through_the_api(client, service, advisor, place, person, time_machine):
    time_machine.move_to(NOW)
    appointment = appointments.book(person, service, advisor.pk, place.pk, at("09:30"), now=NOW)
    token = bearer(person)
    moved = client.post(
        f"{BASE}/appointments/{appointment.pk}/reschedule",
        {"start": "2030-03-05T11:00:00+01:00"},
        content_type="application/json",
        **token,
    )
    assert moved.status_code == 200 and moved.json()["start"] == "2030-03-05T11:00:00+01:00"
    mark = client.post(
        f"{BASE}/appointments/{appointment.pk}/mark",
        {"outcome": "done"},
        content_type="application/json",
        **token,
    )
    assert mark.status_code == 403
    time_machine.move_to(at("11:05"))
    advisor_token = bearer(advisor.user)
    body = client.post(
        f"{BASE}/appointments/{appointment.pk}/mark",
        {"outcome": "done"},
        content_type="application/json",
        **advisor_token,
    ).json()
    assert body["state"] == "done" and body["reason"] == ""


def test_the_agenda_and_an_event(client, course, place_admin, organisation, place, clock):
    make_event(place_admin, organisation, place, title_it="Bozza")
    listed = client.get(f"{BASE}/events").json()
    assert [e["id"] for e in listed] == [course.public_id]
    assert client.get(f"{BASE}/events", {"kind": "talk"}).json() == []
    assert client.get(f"{BASE}/events", {"from": "2030-03-12"}).json()[0]["id"] == course.public_id
    assert client.get(f"{BASE}/events", {"from": "2030-03-13"}).json() == []  # its last session is over
    assert client.get(f"{BASE}/events", {"to": "2030-03-04"}).json() == []
    detail = client.get(f"{BASE}/events/{course.public_id}").json()
    assert (
        len(detail["sessions"]) == 2
        and detail["places_left"] == 2
        and detail["sessions"][0]["room"] == "Training room"
    )
    bad = client.get(f"{BASE}/events", {"from": "yesterday"})
    assert bad.status_code == 422 and "from" in bad.json()["errors"]


def test_registering_then_the_waiting_list_and_the_refusals(
    client, course, person, other_person, user_factory, place_admin, organisation, place, clock
):
    url = f"{BASE}/events/{course.public_id}/registrations"
    first = client.post(url, {}, content_type="application/json", **bearer(person))
    assert first.status_code == 201 and first.json()["state"] == "confirmed"
    again = client.post(url, {}, content_type="application/json", **bearer(person))
    assert again.status_code == 409 and "already registered" in again.json()["detail"]
    client.post(url, {}, content_type="application/json", **bearer(other_person))
    third = client.post(url, {}, content_type="application/json", **bearer(user_factory("third"))).json()
    assert (third["state"], third["position"]) == ("waiting", 1)
    draft = make_event(place_admin, organisation, place, title_it="Bozza")
    hidden = client.post(
        f"{BASE}/events/{draft.public_id}/registrations",
        {},
        content_type="application/json",
        **bearer(person),
    )
    assert hidden.status_code == 404
    assert (
        client.post(
            f"{BASE}/events/nope/registrations", {}, content_type="application/json", **bearer(person)
        ).status_code
        == 404
    )
    [question] = events.set_questions(
        place_admin, course, [{"label_it": "Livello", "kind": "yes_no", "required": True}]
    )
    missing = client.post(
        url, {"answers": {}}, content_type="application/json", **bearer(user_factory("fourth"))
    )
    assert missing.status_code == 422 and f"answers.{question.pk}" in missing.json()["errors"]


def test_cancelling_promotes_and_the_offer_is_confirmed(
    client, course, person, other_person, user_factory, clock
):
    url = f"{BASE}/events/{course.public_id}/registrations"
    mine = client.post(url, {}, content_type="application/json", **bearer(person)).json()
    client.post(url, {}, content_type="application/json", **bearer(other_person))
    waiting_user = user_factory("third")
    waiting_token = bearer(waiting_user)
    waiting = client.post(url, {}, content_type="application/json", **waiting_token).json()
    cancelled = client.post(
        f"{BASE}/registrations/{mine['id']}/cancel", {}, content_type="application/json", **bearer(person)
    )
    assert cancelled.json()["state"] == "cancelled"
    offered = Registration.objects.get(pk=waiting["id"])
    assert offered.state == "offered"
    confirmed = client.post(f"{BASE}/registrations/{waiting['id']}/confirm", **waiting_token).json()
    assert confirmed["state"] == "confirmed"
    assert client.post(f"{BASE}/registrations/{waiting['id']}/confirm", **bearer(person)).status_code == 404
