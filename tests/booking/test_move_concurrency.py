"""Fifty people move their bookings into the last free unit at the same instant: exactly one gets it (SQLite and
PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.utils import translation

from vicinato.booking.models import Reservation
from vicinato.booking.services import BookingError, move, reserve

from .conftest import NOW, at
from .test_concurrency import THREADS, _room


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
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def race(booking):
        file_database()
        translation.activate("en")
        try:
            barrier.wait()
            try:
                move(booking, at("10:00"), at("12:00"), booking.person, now=NOW)
                outcome = "moved"
            except BookingError as error:
                outcome = "full" if "No unit of this resource is free" in str(error) else repr(error)
            except Exception as error:  # noqa: BLE001 - any other failure is reported below
                outcome = repr(error)
            with lock:
                outcomes.append(outcome)
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=race, args=(booking,)) for booking in bookings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(outcomes) == ["full"] * (THREADS - 1) + ["moved"]
    assert Reservation.objects.filter(resource=resource, start=at("10:00")).count() == 1
    assert Reservation.objects.filter(resource=resource, start=at("15:00")).count() == THREADS - 1
