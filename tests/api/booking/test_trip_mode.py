"""Booking through the API takes the way to the place (impact's trip mode), as the booking form does: one of the
modes the city can route, checked before anything is booked; left out, null or empty, the usual mode counts."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.booking.conftest import TUESDAY, at
from vicinato.booking.models import Reservation
from vicinato.impact import trips
from vicinato.impact.models import TripChoice

from ..bearer import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("at_now")]
URL = "/api/v1/booking/reservations"


@pytest.fixture
def api(person) -> Client:
    return client_for(person)


def book(api: Client, resource, **extra):
    body = {
        "resource": resource.pk,
        "start": at("09:00").isoformat(),
        "end": at("10:00").isoformat(),
        **extra,
    }
    return api.post(URL, body, content_type="application/json")


def test_the_chosen_mode_is_kept_for_the_booking(api, listed, resource, city):
    made = book(api, resource, trip_mode="bike")
    assert made.status_code == 201, made.content
    assert TripChoice.objects.get(reservation_id=made.json()["id"]).mode == "bike"


@pytest.mark.parametrize("extra", [{}, {"trip_mode": None}, {"trip_mode": ""}])
def test_without_a_mode_the_usual_one_counts(api, listed, resource, extra):
    made = book(api, resource, **extra)
    assert made.status_code == 201, made.content
    assert not TripChoice.objects.exists()


def test_a_mode_that_is_not_one_is_422_and_books_nothing(api, listed, resource):
    refused = book(api, resource, trip_mode="rocket")
    assert refused.status_code == 422
    [message] = refused.json()["errors"]["trip_mode"]
    assert message.startswith("Unknown mode 'rocket'; choose one of: car_driver, car_passenger,")
    assert not Reservation.objects.exists()


def test_a_mode_the_city_cannot_route_is_422(api, listed, resource, monkeypatch):
    monkeypatch.setattr(trips.transit, "available", lambda: False)
    refused = book(api, resource, trip_mode="transit")
    assert refused.status_code == 422
    assert "cannot be computed in this city" in refused.json()["errors"]["trip_mode"][0]
    assert not Reservation.objects.exists()


def test_a_series_takes_the_mode_for_every_date(api, listed, resource, city):
    series = {
        "resource": resource.pk,
        "weekdays": [TUESDAY.weekday()],
        "start_time": "09:00",
        "end_time": "10:00",
        "first_date": TUESDAY.isoformat(),
        "until_date": "2030-03-12",
        "trip_mode": "walk",
    }
    made = api.post("/api/v1/booking/series", series, content_type="application/json")
    assert made.status_code == 201, made.content
    booked = [r["id"] for r in made.json()["reservations"]]
    assert len(booked) == 2
    assert sorted(TripChoice.objects.values_list("reservation_id", "mode")) == [(pk, "walk") for pk in booked]
    refused = api.post(
        "/api/v1/booking/series", {**series, "trip_mode": "rocket"}, content_type="application/json"
    )
    assert refused.status_code == 422 and "trip_mode" in refused.json()["errors"]


def test_the_openapi_document_declares_the_field(client):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    for name in ("ReservationIn", "SeriesIn"):
        assert "bike" in schemas[name]["properties"]["trip_mode"]["description"]
