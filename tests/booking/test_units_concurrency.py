"""Fifty people take the last free named desk at the same instant, half choosing it and half any free desk:
exactly one gets it, and no desk is ever held twice (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.utils import translation

from vicinato.booking import units
from vicinato.booking.models import Reservation
from vicinato.booking.services import BookingError, reserve
from vicinato.register.models import Membership

from .conftest import NOW, at
from .test_concurrency import THREADS, _room


@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_fifty_gets_the_last_named_desk(file_database):
    resource = _room()
    User = get_user_model()
    admin = User.objects.create_user("deskadmin")
    Membership.objects.create(organisation=resource.place.operator, user=admin, role=Membership.Role.ADMIN)
    a1, a2, a3 = units.add_units(resource, admin, [("A1", ""), ("A2", ""), ("A3", "")], now=NOW)
    for n, desk in enumerate((a1, a2)):
        reserve(
            User.objects.create_user(f"holder{n}"), resource, at("09:00"), at("11:00"), unit=desk.pk, now=NOW
        )
    racers = [User.objects.create_user(f"racer{i}") for i in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def race(n, person):
        file_database()
        translation.activate("en")
        try:
            barrier.wait()
            try:
                reserve(person, resource, at("10:00"), at("12:00"), unit=a3.pk if n % 2 else None, now=NOW)
                outcome = "booked"
            except BookingError as error:
                full = str(error).startswith(("No desk is free", "Desk A3 is taken"))
                outcome = "full" if full else repr(error)
            except Exception as error:  # noqa: BLE001 - any other failure is reported below
                outcome = repr(error)
            with lock:
                outcomes.append(outcome)
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=race, args=(n, person)) for n, person in enumerate(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(outcomes) == ["booked"] + ["full"] * (THREADS - 1)
    assert list(
        Reservation.objects.filter(resource=resource, start=at("10:00")).values_list("unit", flat=True)
    ) == [a3.pk]
