"""POST /reservations/{id}/reschedule: the person and the place's staff change a booking's time; refusals name
the rule (422 with `codes`), 409 when no unit is free, 404 for bookings one may not see. Its first path,
/reservations/{id}/move, is a deprecated alias that answers the same."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.booking.conftest import NOW, at
from vicinato.booking.models import Reservation
from vicinato.booking.services import reserve, units
from vicinato.register.models import Membership

from .test_api import URL, client_for

pytestmark = pytest.mark.django_db
JSON = "application/json"


def period(start: str, end: str, **extra) -> dict:
    return {"start": at(start).isoformat(), "end": at(end).isoformat(), **extra}


@pytest.fixture
def booking(person, resource) -> Reservation:
    # Booked for Tuesday at the booking tests' 'now'; the API checks against the real clock, far before.
    return reserve(person, resource, at("09:00"), at("10:00"), now=NOW)


@pytest.fixture(autouse=True)
def _now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def test_the_person_reschedules_their_booking(booking, person):
    answer = client_for(person).post(
        f"{URL}/reservations/{booking.pk}/reschedule", period("11:00", "12:00"), content_type=JSON
    )
    assert answer.status_code == 200
    body = answer.json()
    assert (body["id"], body["start"], body["checkin_code"]) == (
        booking.pk,
        at("11:00").isoformat(),
        booking.checkin_code,
    )


def test_a_refusal_names_the_rule_and_the_field(booking, person):
    answer = client_for(person).post(
        f"{URL}/reservations/{booking.pk}/reschedule", period("08:00", "09:00"), content_type=JSON
    )
    assert answer.status_code == 422
    assert answer.json()["codes"] == {"start": ["opening_hours"]}
    assert "opens at 08:30" in answer.json()["errors"]["start"][0]
    same = client_for(person).post(
        f"{URL}/reservations/{booking.pk}/reschedule", period("09:00", "10:00"), content_type=JSON
    )
    assert same.status_code == 422 and same.json()["codes"] == {"start": ["unchanged"]}
    bad = client_for(person).post(
        f"{URL}/reservations/{booking.pk}/reschedule", {"start": "tomorrow"}, content_type=JSON
    )
    assert bad.status_code == 422


def test_no_free_unit_is_409(single, person, other_person):
    mine = reserve(person, single, at("09:00"), at("10:00"), now=NOW)
    reserve(other_person, single, at("11:00"), at("12:00"), now=NOW)
    answer = client_for(person).post(
        f"{URL}/reservations/{mine.pk}/reschedule", period("11:00", "12:00"), content_type=JSON
    )
    assert answer.status_code == 409
    assert "No unit of this resource is free" in answer.json()["detail"]


def test_others_get_404_and_the_staff_of_the_place_may_reschedule(booking, other_person, outsider, staff):
    url = f"{URL}/reservations/{booking.pk}/reschedule"
    assert client_for(other_person).post(url, period("11:00", "12:00"), content_type=JSON).status_code == 404
    assert client_for(outsider).post(url, period("11:00", "12:00"), content_type=JSON).status_code == 404
    answer = client_for(staff).post(url, period("11:00", "12:00", reason="Room works"), content_type=JSON)
    assert answer.status_code == 200 and answer.json()["checkin_code"] is None
    assert booking.events.last().note.endswith("\nRoom works")


def test_a_desk_can_be_chosen(resource, person, organisation, user_factory):
    admin = user_factory("deskadmin")
    Membership.objects.create(organisation=organisation, user=admin, role=Membership.Role.ADMIN)
    a1, a2 = units.add_units(resource, admin, [("A1", ""), ("A2", "")], now=NOW)
    mine = reserve(person, resource, at("09:00"), at("10:00"), now=NOW)
    answer = client_for(person).post(
        f"{URL}/reservations/{mine.pk}/reschedule", period("09:00", "10:00", unit=a2.pk), content_type=JSON
    )
    assert answer.status_code == 200 and answer.json()["unit_name"] == "A2"


# --- the deprecated alias /move ------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["reschedule", "move"])
def test_the_alias_reschedules_as_the_new_path(booking, person, path):
    answer = client_for(person).post(
        f"{URL}/reservations/{booking.pk}/{path}", period("11:00", "12:00"), content_type=JSON
    )
    assert answer.status_code == 200
    booking.refresh_from_db()
    assert answer.json() == {
        "id": booking.pk,
        "resource": booking.resource_id,
        "place": booking.resource.place.public_id,
        "start": at("11:00").isoformat(),
        "end": at("12:00").isoformat(),
        "units": 1,
        "unit": None,
        "unit_name": None,
        "state": booking.state,
        "price_cents": booking.price_cents,
        "series": None,
        "monthly_pass": None,
        "checkin_code": booking.checkin_code,
    }
    assert booking.start == at("11:00")


def test_the_alias_refuses_as_the_new_path(booking, person, other_person):
    refusals = [
        (person, period("08:00", "09:00")),
        (person, {"start": "tomorrow"}),
        (other_person, period("11:00", "12:00")),
    ]
    for who, payload in refusals:
        new, old = (
            client_for(who).post(f"{URL}/reservations/{booking.pk}/{path}", payload, content_type=JSON)
            for path in ("reschedule", "move")
        )
        assert (old.status_code, old.json()) == (new.status_code, new.json())
        assert new.status_code in (404, 422)


def test_the_alias_is_deprecated_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    new = paths["/api/v1/booking/reservations/{pk}/reschedule"]["post"]
    old = paths["/api/v1/booking/reservations/{pk}/move"]["post"]
    assert old["deprecated"] is True and "deprecated" not in new
    assert "use POST /api/v1/booking/reservations/{pk}/reschedule" in old["description"]
    assert new["requestBody"] == old["requestBody"] and new["responses"] == old["responses"]
    assert new["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/RescheduleIn")
    # The old path keeps the operation id it was published with; the new one has its own.
    assert (old["operationId"], new["operationId"]) == (
        "vicinato_booking_api_move_reservation",
        "vicinato_booking_api_reschedule_reservation",
    )
