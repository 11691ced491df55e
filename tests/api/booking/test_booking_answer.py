"""The answer to a booking (written directly, see api.booking.reservations.create_reservation) is the one the API writes for
the same reservation through its schema (ReservationOut): same fields, same order, same values, same type."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.booking.conftest import at
from vicinato.api.booking.common import reservation_out
from vicinato.api.schemas.booking import ReservationDetailOut, ReservationOut
from vicinato.booking.models import Reservation
from vicinato.register.models import ApiToken

pytestmark = pytest.mark.django_db
URL = "/api/v1/booking/reservations"


def test_the_answer_is_the_schemas(listed, resource, person, day):
    token = ApiToken.objects.create(user=person).key
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    booking = {
        "resource": resource.pk,
        "start": at("09:00", day).isoformat(),
        "end": at("10:30", day).isoformat(),
    }
    made = client.post(URL, booking, content_type="application/json")
    assert made.status_code == 201
    read = client.get(f"{URL}/{made.json()['id']}")  # through ReservationOut
    assert made["Content-Type"] == read["Content-Type"]
    assert made.content == read.content
    assert list(made.json()) == list(ReservationDetailOut.model_fields)


def test_the_answer_has_every_field_of_the_schema(listed, resource, person, day, rf):
    """`reservation_out` gives each field of ReservationOut (a field missing there would fail the booking)."""
    reservation = Reservation.objects.create(
        resource=resource,
        person=person,
        start=at("09:00", day),
        end=at("10:00", day),
        created_at=at("08:00", day),
    )
    request = rf.get("/")
    request.user = person
    assert set(ReservationOut.model_fields) <= set(reservation_out(request, reservation))
