"""Impact's fixtures: a commuter living near Cadorna (Municipio 1 of the test city) working at Loreto, and the
test place moved to Piazza Cinque Giornate (Municipio 2), on the real Milan streets and the demo's ATM feed."""

from __future__ import annotations

from datetime import time

import pytest

# The booking tests' clock (Monday 4 March 2030, 07:00 in Milan) and wall-clock times, which impact's tests
# import from here.
from tests.booking.conftest import NOW, ROME, TUESDAY, at  # noqa: F401
from vicinato.booking.models import Resource
from vicinato.impact import services
from vicinato.register.models import Membership, Place

CADORNA = (45.4680, 9.1754)
LORETO = (45.4856, 9.2163)
CINQUE_GIORNATE = (45.4627, 9.2083)
DUOMO = (45.4642, 9.1900)
OUTSIDE_MAP = (45.90, 9.60)


@pytest.fixture
def near_home(place) -> Place:
    Place.objects.filter(pk=place.pk).update(lat=CINQUE_GIORNATE[0], lon=CINQUE_GIORNATE[1])
    place.refresh_from_db()
    return place


@pytest.fixture
def desks(near_home) -> Resource:
    return Resource.objects.create(
        place=near_home,
        kind=Resource.Kind.DESK,
        name_it="Sala scrivanie",
        name_en="Desk room",
        capacity=4,
        slot_minutes=30,
        min_minutes=60,
        max_minutes=600,
        max_days_ahead=14,
    )


@pytest.fixture
def staff(user_factory, organisation):
    user = user_factory("desk")
    Membership.objects.create(organisation=organisation, user=user, role=Membership.Role.STAFF)
    return user


@pytest.fixture
def commuter(user_factory):
    return user_factory("carla")


def make_profile(person, mode="car_driver", home=CADORNA, work=LORETO, **extra):
    return services.save_profile(
        person,
        consent=True,
        home=home,
        work=work,
        usual_mode=mode,
        arrival_time=extra.pop("arrival_time", time(9, 0)),
        now=NOW,
        **extra,
    )
