"""Fifty people book the last free unit at the same instant: exactly one gets it (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.utils import translation

from vicinato.booking.models import Reservation
from vicinato.booking.services import reserve
from vicinato.lib.errors import Conflict

from ..conftest import place_of_its_own
from .conftest import NOW, TUESDAY, at, make_resource

THREADS = 50


def race(
    connect: Callable[[], None], attempts: list[Callable[[], object]], full: Callable[[Conflict], bool]
) -> list[str]:
    """Run each attempt in its own thread on its own connection (`connect`: the `file_database` fixture), all
    released at once by a barrier; gives the
    sorted outcomes: "won", "full" (a Conflict that `full` recognises) or what else went wrong."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(attempt):
        connect()
        translation.activate("en")  # threads start in the site's default language; the checks read English
        try:
            barrier.wait()
            try:
                attempt()
                outcome = "won"
            except Conflict as error:
                outcome = "full" if full(error) else repr(error)
            except Exception as error:  # noqa: BLE001 - any other failure is reported in the outcomes
                outcome = repr(error)
            with lock:
                outcomes.append(outcome)
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return sorted(outcomes)


def _room():
    place = place_of_its_own("milano-race", TUESDAY.weekday())
    return make_resource(place, capacity=3)


@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_fifty_gets_the_last_unit(file_database):
    resource = _room()
    User = get_user_model()
    holders = [User.objects.create_user(f"holder{i}") for i in range(2)]
    for holder in holders:
        reserve(holder, resource, at("09:00"), at("11:00"), now=NOW)
    racers = [User.objects.create_user(f"racer{i}") for i in range(THREADS)]
    outcomes = race(
        file_database,
        [
            lambda person=person: reserve(person, resource, at("10:00"), at("12:00"), now=NOW)
            for person in racers
        ],
        full=lambda error: "No unit of this resource is free" in str(error),
    )
    assert outcomes == ["full"] * (THREADS - 1) + ["won"]
    assert Reservation.objects.filter(resource=resource, start=at("10:00")).count() == 1
