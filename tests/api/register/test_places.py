"""The register's places through the API: listed ones for everyone, written with the same rules as the pages."""

from tests.conftest import another_place
from vicinato.register.models import Application, Place

from .conftest import post


def test_registers_with_their_requirements(client, register):
    registers = client.get("/api/v1/registers").json()
    assert registers[0]["slug"] == "milano"
    kinds = {r["checked_by"] for r in registers[0]["requirements"]}
    assert kinds == {"machine", "reviewer"}
    assert client.get("/api/v1/registers/milano").json()["slug"] == "milano"
    assert client.get("/api/v1/registers/nowhere").status_code == 404


def test_places_lists_only_listed_and_filters(client, listed, place, register, organisation, city):
    another_place(place, kind="library", name_it="Non listato", address="x", lat=45.46, lon=9.2)
    places = client.get("/api/v1/places").json()
    assert [p["id"] for p in places] == [place.public_id]
    assert places[0]["registers"] == ["milano"] and places[0]["municipio"] == "1"
    assert client.get("/api/v1/places?kind=library").json() == []
    assert len(client.get("/api/v1/places?amenity=printer&amenity=kitchen&district=1").json()) == 1
    assert client.get("/api/v1/places?amenity=showers").json() == []
    assert len(client.get("/api/v1/places?audience=freelancers").json()) == 1
    assert client.get(f"/api/v1/places/{place.public_id}").json()["name"] == "Cowork Duomo"


def test_invalid_filters_answer_422_with_field_messages(client, db):
    response = client.get("/api/v1/places?kind=castle&amenity=teleporter&limit=0")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert "limit" in errors
    response = client.get("/api/v1/places?kind=castle&amenity=teleporter")
    errors = response.json()["errors"]
    assert set(errors) == {"kind", "amenity"}
    assert "castle" in errors["kind"][0]
    # The form's own codes, as on every endpoint that validates with a form.
    assert response.json()["codes"] == {"kind": ["invalid_choice"], "amenity": ["invalid_choice"]}


def test_unknown_place_is_404(client, db):
    response = client.get("/api/v1/places/nowhere-123")
    assert response.status_code == 404 and "nowhere-123" in response.json()["detail"]


def test_create_place_needs_authentication(client, db):
    response = post(client, "/api/v1/places", {"name_it": "X"})
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


def test_create_place_with_hours(client, people, organisation, city):
    payload = {
        "organisation": organisation.pk,
        "kind": "officina",
        "name_it": "Officina Nord",
        "address": "Via A 1",
        "lat": 45.47,
        "lon": 9.2,
        "desks": 14,
        "amenities": ["showers", "bike_repair"],
        "audiences": ["riders"],
        "opening_hours": [{"weekday": 0, "opens": "07:00", "closes": "21:00"}],
    }
    response = post(client, "/api/v1/places", payload, people["org_admin"])
    assert response.status_code == 201, response.content
    place = Place.objects.get(public_id=response.json()["id"])
    assert (place.district.code, place.neighbourhood.code) == ("2", "20")
    assert sorted(place.amenities.values_list("code", flat=True)) == ["bike_repair", "showers"]
    assert place.opening_hours.get().closes.hour == 21


def test_create_place_validation_errors_per_field(client, people, organisation, city):
    payload = {
        "organisation": organisation.pk,
        "kind": "castle",
        "name_it": "",
        "address": "Via A 1",
        "lat": 45.60,
        "lon": 9.30,
        "desks": -1,
        "amenities": ["teleporter"],
        "postcode": "2012",
    }
    response = post(client, "/api/v1/places", payload, people["org_admin"])
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"kind", "name_it", "desks", "amenities", "postcode"} <= set(errors)
    assert not Place.objects.exists()
    payload.update(kind="coworking", name_it="Ok", desks=3, amenities=[], postcode="20121")
    errors = post(client, "/api/v1/places", payload, people["org_admin"]).json()["errors"]
    assert "fall outside every municipality" in errors["lat"][0]


def test_create_place_schema_errors_are_422(client, people, organisation):
    response = post(
        client, "/api/v1/places", {"organisation": organisation.pk, "lat": "north"}, people["org_admin"]
    )
    assert response.status_code == 422 and "lat" in response.json()["errors"]


def test_staff_cannot_create_but_can_update(client, people, organisation, place):
    response = post(
        client, "/api/v1/places", {"organisation": organisation.pk, "name_it": "X"}, people["org_staff"]
    )
    assert response.status_code == 422 and "organisation" in response.json()["errors"]
    response = post(
        client, f"/api/v1/places/{place.public_id}", {"desks": 30}, people["org_staff"], method="patch"
    )
    assert response.status_code == 200
    place.refresh_from_db()
    assert place.desks == 30 and place.name_it == "Cowork Duomo"
    response = post(
        client, f"/api/v1/places/{place.public_id}", {"desks": 1}, people["other_admin"], method="patch"
    )
    assert response.status_code == 403


def test_cached_records_follow_changes(client, listed, place, people):
    assert client.get(f"/api/v1/places/{place.public_id}").json()["desks"] == 20
    response = post(
        client,
        f"/api/v1/places/{place.public_id}",
        {"desks": 33, "opening_hours": [{"weekday": 6, "opens": "10:00", "closes": "12:00"}]},
        people["org_admin"],
        method="patch",
    )
    assert response.status_code == 200
    record = client.get(f"/api/v1/places/{place.public_id}").json()
    assert (record["desks"], record["opening_hours"]) == (33, "Su 10:00-12:00")
    Application.objects.filter(place=place).update(state=Application.State.SUSPENDED)
    assert client.get(f"/api/v1/places/{place.public_id}").status_code == 404
