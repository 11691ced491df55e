"""Fifty people take the last free named desk at the same instant, half choosing it and half any free desk:
exactly one gets it, and no desk is ever held twice (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from vicinato.booking.models import Reservation
from vicinato.booking.services import reserve, units
from vicinato.register.models import Membership

from .conftest import NOW, at
from .test_concurrency import THREADS, _room, race


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
    # Half choose desk A3, half any free desk.
    outcomes = race(
        file_database,
        [
            lambda n=n, person=person: reserve(
                person, resource, at("10:00"), at("12:00"), unit=a3.pk if n % 2 else None, now=NOW
            )
            for n, person in enumerate(racers)
        ],
        full=lambda error: str(error).startswith(("No desk is free", "Desk A3 is taken")),
    )
    assert outcomes == ["full"] * (THREADS - 1) + ["won"]
    assert list(
        Reservation.objects.filter(resource=resource, start=at("10:00")).values_list("unit", flat=True)
    ) == [a3.pk]
