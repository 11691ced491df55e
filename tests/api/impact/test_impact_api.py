"""The impact API: the estimate (nothing stored, field messages), one's profile, one's savings and totals."""

from __future__ import annotations

import pytest

from vicinato.impact.models import BookingImpact, CommuteProfile
from vicinato.register.models import Place

from ...conftest import list_place
from ...impact.conftest import CADORNA, CINQUE_GIORNATE, LORETO, OUTSIDE_MAP, make_profile

P = lambda point: {"lat": point[0], "lon": point[1]}  # noqa: E731


def test_the_estimate_for_a_listed_place_stores_nothing(client, near_home, register, city):
    list_place(near_home, register)
    body = {"home": P(CADORNA), "work": P(LORETO), "mode": "car_driver", "place": near_home.public_id}
    response = client.post("/api/v1/impact/estimate", body, content_type="application/json")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["avoided_km"] > answer["trip_km"] > 0 and answer["co2_g"] > 0
    assert answer["factors_version"] and answer["into_centre"] is True
    assert not BookingImpact.objects.exists() and not CommuteProfile.objects.exists()


def test_the_estimate_gives_a_message_per_field(client, city):
    body = {"home": P(OUTSIDE_MAP), "mode": "helicopter", "point": P(CINQUE_GIORNATE)}
    response = client.post("/api/v1/impact/estimate", body, content_type="application/json")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert "outside the map" in errors["home"][0]
    assert errors["work"] == ["Give the point (latitude and longitude)."]
    assert "helicopter" in errors["mode"][0]
    response = client.post(
        "/api/v1/impact/estimate",
        {"home": P(CADORNA), "work": P(LORETO), "mode": "walk", "place": "nowhere"},
        content_type="application/json",
    )
    assert response.status_code == 422 and "place" in response.json()["errors"]
    response = client.post("/api/v1/impact/estimate", {"home": "x"}, content_type="application/json")
    assert response.status_code == 422 and "home.lat" in response.json()["errors"]


def test_one_s_profile_put_get_delete(client, user_factory, city):
    person = user_factory("piera")
    client.force_login(person)
    assert client.get("/api/v1/impact/profile").status_code == 404
    body = {"consent": False, "home": P(CADORNA), "work": P(LORETO), "usual_mode": "bike"}
    response = client.put("/api/v1/impact/profile", body, content_type="application/json")
    assert response.status_code == 422 and "consent" in response.json()["errors"]
    body["consent"] = True
    response = client.put("/api/v1/impact/profile", body, content_type="application/json")
    assert response.status_code == 200, response.content
    profile = response.json()
    assert profile["usual_mode"] == "bike" and profile["home_nil"] == "Area 10"
    assert profile["home"] != P(CADORNA)  # the cell's centre, not the point
    assert client.get("/api/v1/impact/profile").json()["usual_mode"] == "bike"
    response = client.delete("/api/v1/impact/profile")
    assert response.json() == {"withdrawn": True, "results_kept_anonymously": 0}
    assert not CommuteProfile.objects.exists()


def test_totals_and_bookings_need_sign_in_and_start_empty(client, user_factory, city):
    assert client.get("/api/v1/impact/totals").status_code == 401
    person = user_factory("piera")
    make_profile(person)
    client.force_login(person)
    totals = client.get("/api/v1/impact/totals").json()
    assert totals["bookings"] == 0 and totals["co2_g"] == 0
    assert client.get("/api/v1/impact/bookings").json() == []
    assert client.get("/api/v1/impact/bookings/12345").status_code == 404
    response = client.get("/api/v1/impact/totals?since=2030-03-10&until=2030-03-01")
    assert response.status_code == 422


@pytest.mark.parametrize("mode", ["walk"])
def test_an_estimate_by_a_point(client, city, mode):
    body = {
        "home": P(CADORNA),
        "work": P(LORETO),
        "mode": mode,
        "point": P(CINQUE_GIORNATE),
        "office_days": 3,
    }
    answer = client.post("/api/v1/impact/estimate", body, content_type="application/json").json()
    assert answer["week"]["saved_minutes"] == pytest.approx(answer["saved_minutes"] * 3, abs=0.2)


def test_an_unreadable_street_map_is_a_422_on_home_for_the_estimate_and_the_profile(
    client, near_home, register, city, user_factory, map_gone
):
    list_place(near_home, register)
    body = {"home": P(CADORNA), "work": P(LORETO), "mode": "car_driver", "place": near_home.public_id}
    response = client.post("/api/v1/impact/estimate", body, content_type="application/json")
    assert response.status_code == 422
    assert "street map cannot be read" in response.json()["errors"]["home"][0]
    client.force_login(user_factory("piera"))
    body = {"consent": True, "home": P(CADORNA), "work": P(LORETO), "usual_mode": "bike"}
    response = client.put("/api/v1/impact/profile", body, content_type="application/json")
    assert response.status_code == 422
    assert "street map cannot be read" in response.json()["errors"]["home"][0]
    assert not CommuteProfile.objects.exists()


def test_a_listed_place_off_the_map_is_said_on_place(client, near_home, register, city):
    Place.objects.filter(pk=near_home.pk).update(lat=OUTSIDE_MAP[0], lon=OUTSIDE_MAP[1])
    list_place(near_home, register)
    body = {"home": P(CADORNA), "work": P(LORETO), "mode": "walk", "place": near_home.public_id}
    response = client.post("/api/v1/impact/estimate", body, content_type="application/json")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["place"]
    assert "outside the street map" in response.json()["errors"]["place"][0]
