"""Many people book at the same instant, on different resources so that the resources' locks do not line them
up: an agreement's quota of the day, a voucher programme's budget and a person's yearly cap still hold exactly
(SQLite and PostgreSQL, like the booking engine's race)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.utils import translation

from vicinato.agreements.models import AgreementBooking, LedgerEntry
from vicinato.booking.models import Reservation, Resource
from vicinato.booking.services import reserve
from vicinato.register.models import Organisation, Place

from ..conftest import place_of_its_own
from .conftest import NOW, TUESDAY, affiliate, at, beneficiary, make_agreement, make_programme, make_resource

THREADS = 20


def _rooms(count: int, **rules) -> list[Resource]:
    place = place_of_its_own(
        "milano-agreements-race",
        TUESDAY.weekday(),
        Organisation.Kind.COMPANY,
        "Host",
        kind=Place.Kind.COMPANY_SPACE,
        name_it="Sede",
        address="Via Tortona 1",
        lat=45.45,
        lon=9.16,
    )
    return [make_resource(place, name_it=f"Sala {n}", capacity=THREADS, **rules) for n in range(count)]


def _race(jobs: list) -> list[str]:
    """Run each (person, resource) booking in its own thread, all released at once; gives the outcomes."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(connect, person, resource):
        connect()
        translation.activate("en")
        try:
            barrier.wait()
            try:
                reserve(person, resource, at("10:00"), at("12:00"), now=NOW)
                outcome = "booked"
            except Exception as error:  # noqa: BLE001 - every refusal is compared below
                outcome = " ".join(getattr(error, "messages", [str(error)]))
            with lock:
                outcomes.append(outcome)
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_an_agreements_quota_holds_under_concurrent_bookings(file_database):
    rooms = _rooms(5, who_may_book=Resource.WhoMayBook.AGREEMENT)
    company = Organisation.objects.create(kind=Organisation.Kind.COMPANY, legal_name="Guest")
    agreement = make_agreement(rooms[0].place.operator, [company], rooms, desks_per_day=3)
    people = [get_user_model().objects.create_user(f"racer{i}") for i in range(THREADS)]
    for person in people:
        affiliate(person, company)

    outcomes = _race([(file_database, person, rooms[i % len(rooms)]) for i, person in enumerate(people)])

    full = "All 3 desks a day of the agreement “Smart Working Community” are taken on March 5, 2030; choose another day."
    assert Counter(outcomes) == {"booked": 3, full: THREADS - 3}
    assert AgreementBooking.objects.filter(agreement=agreement, day=TUESDAY).count() == 3
    assert Reservation.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_programmes_budget_holds_under_concurrent_bookings(file_database):
    rooms = _rooms(5, price_cents_per_slot=500)  # 2 hours: 20.00 EUR, half of it 10.00
    funder = Organisation.objects.create(kind=Organisation.Kind.PUBLIC_BODY, legal_name="Comune")
    programme = make_programme(funder, budget=Decimal("45.00"))
    programme.places.add(rooms[0].place)
    people = [get_user_model().objects.create_user(f"coworker{i}") for i in range(THREADS)]
    for person in people:
        beneficiary(programme, person)

    outcomes = _race([(file_database, person, rooms[i % len(rooms)]) for i, person in enumerate(people)])

    assert outcomes == ["booked"] * THREADS  # a spent budget never stops a booking
    amounts = sorted(LedgerEntry.objects.values_list("amount", flat=True), reverse=True)
    assert amounts == [Decimal("10.00")] * 4 + [Decimal("5.00")] + [Decimal("0.00")] * (THREADS - 5)
    assert sum(amounts) == programme.budget


@pytest.mark.django_db(transaction=True)
def test_a_persons_yearly_cap_holds_under_concurrent_bookings(file_database):
    rooms = _rooms(THREADS, price_cents_per_slot=500)
    funder = Organisation.objects.create(kind=Organisation.Kind.PUBLIC_BODY, legal_name="Comune")
    programme = make_programme(funder, cap_per_person_year=Decimal("25.00"))
    programme.places.add(rooms[0].place)
    person = get_user_model().objects.create_user("busy")
    beneficiary(programme, person)

    outcomes = _race([(file_database, person, room) for room in rooms])

    assert outcomes == ["booked"] * THREADS
    amounts = sorted(LedgerEntry.objects.filter(year=date(2030, 1, 1).year).values_list("amount", flat=True))
    assert amounts[-3:] == [Decimal("5.00"), Decimal("10.00"), Decimal("10.00")]
    assert sum(amounts) == programme.cap_per_person_year
