"""Fifty people move their bookings into the last free unit at the same instant: exactly one gets it (SQLite and
PostgreSQL)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from vicinato.booking.models import Reservation
from vicinato.booking.services import reschedule, reserve

from .conftest import NOW, at
from .test_concurrency import THREADS, _room, race


@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_fifty_moves_into_the_last_unit(file_database):
    resource = _room()  # 3 units
    User = get_user_model()
    for n in range(2):
        reserve(User.objects.create_user(f"holder{n}"), resource, at("09:00"), at("11:00"), now=NOW)
    # Each racer's own booking, later the same day (made directly: only the target period matters here).
    bookings = Reservation.objects.bulk_create(
        Reservation(
            resource=resource,
            person=User.objects.create_user(f"racer{i}"),
            start=at("15:00"),
            end=at("16:00"),
            state=Reservation.State.CONFIRMED,
        )
        for i in range(THREADS)
    )
    bookings = list(Reservation.objects.filter(start=at("15:00")).select_related("person"))
    outcomes = race(
        file_database,
        [lambda b=b: reschedule(b, at("10:00"), at("12:00"), b.person, now=NOW) for b in bookings],
        full=lambda error: "No unit of this resource is free" in str(error),
    )
    assert outcomes == ["full"] * (THREADS - 1) + ["won"]
    assert Reservation.objects.filter(resource=resource, start=at("10:00")).count() == 1
    assert Reservation.objects.filter(resource=resource, start=at("15:00")).count() == THREADS - 1
