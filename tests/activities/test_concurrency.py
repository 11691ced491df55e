"""Fifty people at the same instant for the last place of a course, or the last slot of an advisor: exactly one
gets it (SQLite and PostgreSQL; on PostgreSQL these fail when the event's or the advisor's lock is removed)."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.contrib.auth import get_user_model

from tests.booking.test_concurrency import race
from vicinato.activities.models import AdviceService, Advisor, Appointment, Event, Registration
from vicinato.activities.services import appointments, availability, events, registrations
from vicinato.booking.models import Resource
from vicinato.register.models import Membership, Place

from ..conftest import place_of_its_own
from .conftest import NOW, TUESDAY, at

THREADS = 50


def _place_and_admin():
    place = place_of_its_own("milano-race", TUESDAY.weekday(), kind=Place.Kind.OFFICINA, name_it="Officina")
    organisation = place.operator
    admin = get_user_model().objects.create_user("admin")
    Membership.objects.create(organisation=organisation, user=admin, role=Membership.Role.ADMIN)
    return organisation, place, admin


@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_fifty_gets_the_last_place_of_a_course(file_database):
    organisation, place, admin = _place_and_admin()
    room = Resource.objects.create(
        place=place, kind=Resource.Kind.TRAINING_ROOM, name_it="Aula", slot_minutes=30
    )
    event = events.create_event(
        admin, organisation, capacity=3, kind=Event.Kind.COURSE, title_it="Italiano", place=place
    )
    events.add_session(admin, event, at("10:00"), at("12:00"), room, now=NOW)
    events.publish(admin, event)
    User = get_user_model()
    for n in range(2):
        registrations.register(User.objects.create_user(f"early{n}"), event, now=NOW)
    racers = [User.objects.create_user(f"racer{n}") for n in range(THREADS)]
    outcomes = race(
        file_database,
        [lambda person=person: registrations.register(person, event.public_id, now=NOW) for person in racers],
        full=lambda error: False,
    )
    assert outcomes == ["won"] * THREADS  # everyone is answered: a place or a turn
    assert Registration.objects.filter(event=event, state="confirmed").count() == 3
    waiting = Registration.objects.filter(event=event, state="waiting").order_by("position")
    assert list(waiting.values_list("position", flat=True)) == list(range(1, THREADS))


@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_fifty_gets_the_last_slot_of_an_advisor(file_database):
    organisation, place, admin = _place_and_admin()
    service = AdviceService.objects.create(
        organisation=organisation, kind="pension", name_it="Pensioni", modes=["in_person"], minutes=30
    )
    service.places.add(place)
    advisor = Advisor.objects.create(user=admin, organisation=organisation, display_name="Paola")
    advisor.services.add(service)
    availability.add_weekly(admin, advisor, place, TUESDAY.weekday(), time(9), time(10), date(2030, 1, 1))
    User = get_user_model()
    appointments.book(User.objects.create_user("early"), service, advisor.pk, place.pk, at("09:00"), now=NOW)
    racers = [User.objects.create_user(f"racer{n}") for n in range(THREADS)]
    outcomes = race(
        file_database,
        [
            lambda person=person: appointments.book(
                person, service, advisor.pk, place.pk, at("09:30"), now=NOW
            )
            for person in racers
        ],
        full=lambda error: "This time has just been taken" in str(error),
    )
    assert outcomes == ["full"] * (THREADS - 1) + ["won"]
    assert Appointment.objects.filter(advisor=advisor, start=at("09:30"), state="booked").count() == 1
