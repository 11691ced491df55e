"""Shared fixtures: a small synthetic city, organisations, places, registers and people in each role."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from vicinato.geo.models import Area, Municipality
from vicinato.geo.services import clear_location_cache
from vicinato.register.models import (
    Amenity,
    Application,
    Membership,
    OpeningHours,
    Organisation,
    Place,
    Register,
    Requirement,
)

# A 2 km square around Milan's Duomo split into two districts, each one neighbourhood.
WEST = {
    "type": "Polygon",
    "coordinates": [[[9.17, 45.455], [9.19, 45.455], [9.19, 45.475], [9.17, 45.475], [9.17, 45.455]]],
}
EAST = {
    "type": "Polygon",
    "coordinates": [[[9.19, 45.455], [9.21, 45.455], [9.21, 45.475], [9.19, 45.475], [9.19, 45.455]]],
}
INSIDE_WEST = (45.465, 9.18)
INSIDE_EAST = (45.465, 9.20)
OUTSIDE = (45.60, 9.30)


@pytest.fixture(autouse=True)
def _fast_and_english(settings, tmp_path):
    """Cheap password hashing, and English as the language of assertions unless a test says otherwise."""
    from django.utils import translation

    from vicinato.geo import travel

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test starts with its own, empty index of reachable places (the street graphs stay cached).
    settings.ROUTING_INDEX_DIR = tmp_path / "routing-index"
    travel._indexes.clear()
    with translation.override("en"):
        yield


def make_area(municipality, level, code, geometry, population=None, parent=None) -> Area:
    area = Area(
        municipality=municipality,
        level=level,
        code=code,
        name=f"Area {code}",
        population=population,
        parent=parent,
    )
    area.set_geometry(geometry)
    area.save()
    return area


@pytest.fixture
def city(db):
    clear_location_cache()
    municipality = Municipality.objects.create(
        name="Milano",
        slug="milano",
        boundary={
            "type": "Polygon",
            "coordinates": [[[9.17, 45.455], [9.21, 45.455], [9.21, 45.475], [9.17, 45.475], [9.17, 45.455]]],
        },
    )
    west = make_area(municipality, Area.Level.DISTRICT, "1", WEST)
    east = make_area(municipality, Area.Level.DISTRICT, "2", EAST)
    make_area(municipality, Area.Level.NEIGHBOURHOOD, "10", WEST, population=1000, parent=west)
    make_area(municipality, Area.Level.NEIGHBOURHOOD, "20", EAST, population=3000, parent=east)
    yield municipality
    clear_location_cache()


@pytest.fixture
def user_factory(db):
    User = get_user_model()

    def make(username: str, **extra):
        return User.objects.create_user(
            username=username, password="pw-12345!", email=f"{username}@example.org", **extra
        )

    return make


@pytest.fixture
def organisation(db) -> Organisation:
    return Organisation.objects.create(
        kind=Organisation.Kind.COWORKING_OPERATOR, legal_name="Cowork Test S.r.l.", partita_iva="12345678903"
    )


@pytest.fixture
def other_organisation(db) -> Organisation:
    return Organisation.objects.create(kind=Organisation.Kind.UNION, legal_name="Altro Sindacato")


@pytest.fixture
def people(user_factory, organisation, other_organisation, register):
    """One user per role; the reviewer reviews `register`, the org users belong to `organisation`."""
    users = {
        "worker": user_factory("worker"),
        "org_staff": user_factory("staff"),
        "org_admin": user_factory("orgadmin"),
        "other_admin": user_factory("otheradmin"),
        "reviewer": user_factory("reviewer"),
        "other_reviewer": user_factory("otherreviewer"),
        "site_admin": user_factory("root", is_superuser=True, is_staff=True),
    }
    Membership.objects.create(organisation=organisation, user=users["org_staff"], role=Membership.Role.STAFF)
    Membership.objects.create(organisation=organisation, user=users["org_admin"], role=Membership.Role.ADMIN)
    Membership.objects.create(
        organisation=other_organisation, user=users["other_admin"], role=Membership.Role.ADMIN
    )
    register.reviewers.add(users["reviewer"])
    other = Register.objects.create(slug="other", name_it="Altro registro", owner="Altro")
    other.reviewers.add(users["other_reviewer"])
    return users


def amenities(*codes: str) -> list[Amenity]:
    return list(Amenity.objects.filter(code__in=codes))


@pytest.fixture
def place(city, organisation) -> Place:
    place = Place.objects.create(
        operator=organisation,
        kind=Place.Kind.COWORKING,
        name_it="Cowork Duomo",
        name_en="Duomo Cowork",
        address="Via Torino 1",
        lat=INSIDE_WEST[0],
        lon=INSIDE_WEST[1],
        municipality=city,
        desks=20,
        district=Area.objects.get(code="1", level="district"),
        neighbourhood=Area.objects.get(code="10", level="neighbourhood"),
        audiences=["freelancers"],
    )
    place.amenities.set(amenities("broadband", "printer", "common_areas", "kitchen"))
    OpeningHours.objects.bulk_create(
        OpeningHours(place=place, weekday=day, opens=time(8, 30), closes=time(19)) for day in range(5)
    )
    return place


@pytest.fixture
def register(city) -> Register:
    register = Register.objects.create(
        slug="milano",
        name_it="Elenco qualificato",
        name_en="Qualified register",
        owner="Comune di Milano",
        municipality=city,
        validity_months=24,
        reminder_days=30,
    )
    K = Requirement.Kind
    Requirement.objects.create(
        register=register,
        kind=K.MIN_DESKS,
        min_desks=11,
        label_it="Più di 10 postazioni",
        label_en="More than 10 desks",
        order=0,
    )
    tech = Requirement.objects.create(
        register=register, kind=K.AMENITIES_ALL, label_it="Tecnologie", label_en="Shared technology", order=1
    )
    tech.amenities.set(amenities("broadband", "printer"))
    food = Requirement.objects.create(
        register=register, kind=K.AMENITIES_ANY, label_it="Ristoro", label_en="Refreshment area", order=2
    )
    food.amenities.set(amenities("kitchen", "canteen"))
    Requirement.objects.create(
        register=register,
        kind=K.PLACE_KINDS,
        place_kinds=["coworking", "officina"],
        label_it="Tipo",
        label_en="Kind",
        order=3,
    )
    Requirement.objects.create(
        register=register, kind=K.IN_MUNICIPALITY, label_it="A Milano", label_en="In Milan", order=4
    )
    Requirement.objects.create(
        register=register, kind=K.REVIEWER_CHECK, label_it="Documenti", label_en="Documents", order=5
    )
    return register


def list_place(place: Place, register: Register, days: int = 300) -> Application:
    """Approve a place in a register directly (the workflow has its own tests)."""
    return Application.objects.create(
        place=place,
        register=register,
        state=Application.State.APPROVED,
        expires_at=timezone.now() + timedelta(days=days),
    )


@pytest.fixture
def listed(place, register) -> Place:
    """The test place, listed in the test register."""
    list_place(place, register)
    return place
