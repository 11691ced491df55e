"""Activities fixtures: a union offering pension advice at the test place (Monday to Friday 08:30-19:00) with
an advisor on Tuesday mornings (09:00-12:00), and a training room the place's operator holds for its courses."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

# The booking's instants (NOW: Monday 4 March 2030, 07:00; the place opens later today), which the activities'
# tests import from here, and the race harness's database.
from tests.booking.conftest import NOW, ROME, TUESDAY, at, file_database, make_resource  # noqa: F401
from vicinato.activities.models import AdviceService, Advisor, Event, Mode
from vicinato.activities.services import availability, events
from vicinato.booking import services as booking
from vicinato.booking.models import Resource
from vicinato.register.models import Membership

# A required question of a registration form, with two choices.
LEVEL = {
    "label_it": "Livello",
    "label_en": "Level",
    "kind": "choice",
    "choices": ["A1", "A2"],
    "required": True,
}


def later(**delta) -> datetime:
    return NOW + timedelta(**delta)


@pytest.fixture
def union_admin(member_factory, other_organisation):
    return member_factory("unionadmin", other_organisation, Membership.Role.ADMIN)


@pytest.fixture
def advisor_user(member_factory, other_organisation):
    return member_factory(
        "advisor", other_organisation, Membership.Role.STAFF, first_name="Paola", last_name="Rossi"
    )


@pytest.fixture
def person(user_factory):
    return user_factory("ada", first_name="Ada", last_name="Lovelace")


@pytest.fixture
def other_person(user_factory):
    return user_factory("bruno")


@pytest.fixture
def service(other_organisation, place) -> AdviceService:
    service = AdviceService.objects.create(
        organisation=other_organisation,
        kind=AdviceService.Kind.PENSION,
        name_it="Consulenza previdenziale",
        name_en="Pension advice",
        modes=[Mode.IN_PERSON, Mode.PHONE],
        minutes=30,
        notice_hours=2,
        days_ahead=14,
        reason_months=6,
    )
    service.places.add(place)
    return service


@pytest.fixture
def advisor(advisor_user, other_organisation, service, place, union_admin) -> Advisor:
    advisor = Advisor.objects.create(
        user=advisor_user, organisation=other_organisation, display_name="Paola Rossi"
    )
    advisor.services.add(service)
    availability.add_weekly(
        union_admin, advisor, place, TUESDAY.weekday(), time(9), time(12), date(2030, 1, 1)
    )
    return advisor


@pytest.fixture
def place_admin(member_factory, organisation):
    return member_factory("placeadmin", organisation, Membership.Role.ADMIN)


@pytest.fixture
def room(place) -> Resource:
    return make_resource(
        place,
        kind=Resource.Kind.TRAINING_ROOM,
        name_it="Aula",
        name_en="Training room",
        capacity=1,
        max_minutes=480,
        max_days_ahead=60,
    )


def make_event(actor, organisation, place, capacity=2, **values) -> Event:
    values = {
        "kind": Event.Kind.COURSE,
        "title_it": "Gestire il bilancio familiare",
        "title_en": "Budget management",
        **values,
    }
    return events.create_event(actor, organisation, capacity=capacity, place=place, **values)


def room_taken_next_tuesday(person, room) -> None:
    """The room booked by someone from 10 to 11 next Tuesday: a weekly series cannot take that date."""
    booking.reserve(person, room, at("10:00", next_tuesday()), at("11:00", next_tuesday()), now=NOW)


def next_tuesday() -> date:
    return TUESDAY + timedelta(days=7)


@pytest.fixture
def course(place_admin, organisation, place, room) -> Event:
    """A published course of two Tuesday sessions in the training room, two places."""
    event = make_event(place_admin, organisation, place)
    events.add_session(place_admin, event, at("14:00"), at("16:00"), room, now=NOW)
    events.add_session(
        place_admin,
        event,
        at("14:00", next_tuesday()),
        at("16:00", next_tuesday()),
        room,
        now=NOW,
    )
    return events.publish(place_admin, event)
