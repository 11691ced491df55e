"""The API of named units: listing, adding, renaming and deactivating them (the place's administrators);
booking one, or any free one; the price per day; refusals as 4xx with a message per field."""

from __future__ import annotations

import pytest
from django.test import Client

from vicinato.booking.models import Reservation
from vicinato.booking.services import units

from .test_api import URL, booking, client_for

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def named(listed, resource, admin):
    units.add_units(resource, admin, [("A1", ""), ("A2", ""), ("Finestra", "Window")])
    resource.refresh_from_db()
    return resource


def test_units_are_listed_and_slots_name_the_free_ones(client, named, listed, person, day):
    listed_units = client.get(f"{URL}/resources/{named.pk}/units").json()
    assert [(u["name"], u["order"]) for u in listed_units] == [("A1", 1), ("A2", 2), ("Window", 3)]
    a1, a2, window = (u["id"] for u in listed_units)
    client_for(person).post(f"{URL}/reservations", booking(named, day), content_type=JSON)
    slots = client.get(f"{URL}/resources/{named.pk}/availability", {"day": day}).json()
    nine = next(s for s in slots if s["start"].startswith(f"{day}T09:00"))
    assert (nine["free"], nine["units"]) == (2, [a2, window])
    resource_out = client.get(f"{URL}/places/{listed.public_id}/resources").json()[0]
    assert (resource_out["has_named_units"], resource_out["capacity"]) == (True, 3)


def test_book_a_chosen_unit_or_any_free_one(named, person, other_person, day):
    a2 = named.units.get(name_it="A2")
    chosen = client_for(person).post(
        f"{URL}/reservations", booking(named, day, unit=a2.pk), content_type=JSON
    )
    assert chosen.status_code == 201
    assert (chosen.json()["unit"], chosen.json()["unit_name"]) == (a2.pk, "A2")
    taken = client_for(other_person).post(
        f"{URL}/reservations", booking(named, day, unit=a2.pk), content_type=JSON
    )
    assert taken.status_code == 409
    assert taken.json()["detail"] == "Desk A2 is taken at that time; choose desk A1 or any free desk."
    anyone = client_for(other_person).post(f"{URL}/reservations", booking(named, day), content_type=JSON)
    assert anyone.json()["unit_name"] == "A1"


def test_bad_units_are_refused_per_field(named, resource, person, day, place):
    api = client_for(person)
    several = api.post(f"{URL}/reservations", booking(named, day, units=2), content_type=JSON)
    assert several.status_code == 422
    assert several.json()["errors"] == {
        "units": ["Desks are booked one at a time: book 1, choosing a desk or any free desk."]
    }
    unknown = api.post(f"{URL}/reservations", booking(named, day, unit=999999), content_type=JSON)
    assert unknown.status_code == 422 and list(unknown.json()["errors"]) == ["unit"]


def test_only_administrators_add_and_change_units(named, admin, people, person):
    url = f"{URL}/resources/{named.pk}/units"
    for who in (people["org_staff"], people["other_admin"], person):
        assert client_for(who).post(url, {"name_it": "A9"}, content_type=JSON).status_code == 403
    added = client_for(admin).post(url, {"name_it": "A9", "name_en": "A9"}, content_type=JSON)
    assert added.status_code == 201 and added.json()["order"] == 4
    named.refresh_from_db()
    assert named.capacity == 4
    again = client_for(admin).post(url, {"name_it": "a9"}, content_type=JSON)
    assert again.status_code == 422
    assert again.json()["errors"] == {
        "name_it": ["Another unit of this resource is called a9; choose another name."]
    }
    unit_url = f"{URL}/units/{added.json()['id']}"
    assert (
        client_for(people["org_staff"]).patch(unit_url, {"name_it": "Z"}, content_type=JSON).status_code
        == 403
    )
    renamed = client_for(admin).patch(unit_url, {"name_it": "Z", "order": 0}, content_type=JSON)
    assert renamed.status_code == 200 and (renamed.json()["name"], renamed.json()["order"]) == ("A9", 0)
    everything = client_for(people["org_staff"]).get(f"{url}/all")
    assert [u["name_it"] for u in everything.json()][0] == "Z"


def test_deactivating_a_unit_with_bookings_asks_to_move_them(named, admin, person, day):
    a1 = named.units.get(name_it="A1")
    client_for(person).post(f"{URL}/reservations", booking(named, day, unit=a1.pk), content_type=JSON)
    url = f"{URL}/units/{a1.pk}"
    refused = client_for(admin).patch(url, {"is_active": False}, content_type=JSON)
    assert refused.status_code == 422
    [message] = refused.json()["errors"]["is_active"]
    assert message.startswith("1 booking ahead holds A1")
    moved = client_for(admin).patch(url, {"is_active": False, "move_bookings": True}, content_type=JSON)
    assert moved.status_code == 200 and moved.json()["is_active"] is False
    [reservation] = Reservation.objects.filter(pk__in=moved.json()["moved"])
    assert reservation.unit.name_it == "A2"


def test_capacity_of_named_units_and_the_price_per_day_by_api(named, admin, person, day):
    url = f"{URL}/resources/{named.pk}"
    refused = client_for(admin).patch(url, {"capacity": 9}, content_type=JSON)
    assert refused.status_code == 422 and list(refused.json()["errors"]) == ["capacity"]
    priced = client_for(admin).patch(
        url, {"price_cents_per_slot": 100, "price_cents_per_day": 250, "max_minutes": 240}, content_type=JSON
    )
    assert priced.status_code == 200 and priced.json()["price_cents_per_day"] == 250
    answer = client_for(person).post(
        f"{URL}/reservations", booking(named, day, end="12:00"), content_type=JSON
    )
    assert answer.json()["price_cents"] == 250  # 6 slots of 30 minutes at € 1, capped at € 2.50
