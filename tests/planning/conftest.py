"""Planning fixtures: the test city (two neighbourhoods around the Duomo), metro stations in it, city staff, a
community manager and an open survey in two languages."""

from __future__ import annotations

import pytest

from vicinato.geo.models import Stop
from vicinato.planning import surveys
from vicinato.planning.models import Survey
from vicinato.register.models import Membership, Organisation

STATIONS = [
    ("duomo", "Duomo", 45.4642, 9.1900),
    ("cordusio", "Cordusio", 45.4655, 9.1866),
    ("sanbabila", "San Babila", 45.4662, 9.1977),
    ("missori", "Missori", 45.4606, 9.1890),
    ("palestro", "Palestro", 45.4715, 9.2024),
    ("porta-venezia", "Porta Venezia", 45.4745, 9.2050),
]


@pytest.fixture
def stations(city):
    return [
        Stop.objects.create(
            municipality=city, kind=Stop.Kind.METRO, code=code, name=name, lines="M1", lat=lat, lon=lon
        )
        for code, name, lat, lon in STATIONS
    ]


@pytest.fixture
def city_hall(db) -> Organisation:
    return Organisation.objects.create(kind=Organisation.Kind.PUBLIC_BODY, legal_name="Comune di Milano")


@pytest.fixture
def cooperative(db) -> Organisation:
    return Organisation.objects.create(
        kind=Organisation.Kind.COOPERATIVE, legal_name="Cooperativa Sei l'Altro"
    )


@pytest.fixture
def planner(user_factory, city_hall):
    user = user_factory("planner")
    Membership.objects.create(organisation=city_hall, user=user, role=Membership.Role.STAFF)
    return user


@pytest.fixture
def manager(user_factory, cooperative):
    user = user_factory("manager")
    Membership.objects.create(organisation=cooperative, user=user, role=Membership.Role.STAFF)
    return user


@pytest.fixture
def outsider(user_factory):
    return user_factory("outsider")


@pytest.fixture
def yes_no_survey(manager, cooperative) -> Survey:
    """An open survey by the cooperative, in Italian and English, of one yes/no question."""
    made = surveys.create_survey(
        manager,
        cooperative,
        "Vicino a casa",
        title_en="Near home",
        questions=[
            {
                "kind": "choice",
                "text": "Lavoreresti vicino a casa?",
                "text_en": "Would you work near home?",
                "options": ["sì", "no"],
                "options_en": ["yes", "no"],
            }
        ],
    )
    return surveys.set_state(manager, made, Survey.State.OPEN)
