"""Shared fixtures: a small synthetic city, organisations, places, registers and people in each role."""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
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
# On the real Milan street network (travel times): the Duomo, and Piazza Cinque Giornate, about 1.6 km east of
# it, inside the east district of the test city.
DUOMO = (45.4642, 9.1900)
CINQUE_GIORNATE = (45.4627, 9.2083)


def configured_now() -> datetime | None:
    """The instant of VICINATO_TEST_NOW (ISO 8601 with its offset, e.g. 2027-03-28T01:59:30+01:00), if set."""
    value = os.environ.get("VICINATO_TEST_NOW", "").strip()
    if not value:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        raise pytest.UsageError(
            f"VICINATO_TEST_NOW={value!r} is not an instant with its offset; "
            "give one like 2027-03-28T01:59:30+01:00."
        )
    return instant


_traveller = None


def pytest_sessionstart(session):
    """With VICINATO_TEST_NOW, the test session starts at that instant and its clock runs on from there.

    CI runs the suite at awkward instants (a Sunday night, just after midnight, the nights the clocks change,
    New Year's Eve, 29 February: see .ci/run), so that no test depends on when it runs. Every fixture, whatever
    its scope, sees that clock. Browser journeys run at the real time only: Chromium keeps its own clock.
    """
    global _traveller
    instant = configured_now()
    if instant is not None:
        _traveller = time_machine.travel(instant, tick=True)
        _traveller.start()


def pytest_sessionfinish(session, exitstatus):
    if _traveller is not None:
        _traveller.stop()


@pytest.fixture(autouse=True)
def _fast_and_english(settings, tmp_path):
    """Cheap password hashing, and English as the language of assertions unless a test says otherwise."""
    from django.core.cache import cache
    from django.utils import translation

    from vicinato.geo import travel
    from vicinato.register import opendata

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test starts with its own, empty index of reachable places (the street graphs stay cached).
    settings.ROUTING_INDEX_DIR = tmp_path / "routing-index"
    # The networks and places are read from this test's database at its first search.
    travel.forget()
    # Records are cached by (place id, last change): a rolled-back test gives its ids out again (SQLite), at
    # the same instants when the clock is set, so a record of the last test could pass for one of this test.
    opendata._records.clear()
    # The rate limits count in the cache: each test starts with none spent.
    cache.clear()
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
        istat_code="015146",
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
def member_factory(user_factory):
    """`member_factory(username, organisation, role, **user_fields)`: a new user on the organisation's staff
    (`Membership.Role.ADMIN` or `STAFF`)."""

    def make(username: str, organisation: Organisation, role: str, **extra):
        user = user_factory(username, **extra)
        Membership.objects.create(organisation=organisation, user=user, role=role)
        return user

    return make


@pytest.fixture
def day() -> date:
    """A weekday at least two days ahead (the test place opens Monday to Friday, 08:30-19:00)."""
    candidate = timezone.localdate() + timedelta(days=2)
    while candidate.weekday() > 4:
        candidate += timedelta(days=1)
    return candidate


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


def another_place(place: Place, **fields) -> Place:
    """Another place of the test place's operator, in its city and at its position: a coworking named Altro
    posto in Via Altra 2, but for `fields`."""
    values = {
        "kind": Place.Kind.COWORKING,
        "name_it": "Altro posto",
        "address": "Via Altra 2",
        "lat": place.lat,
        "lon": place.lon,
        **fields,
    }
    return Place.objects.create(operator=place.operator, municipality=place.municipality, **values)


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


def place_of_its_own(
    slug: str,
    weekday: int,
    organisation_kind: str = Organisation.Kind.COOPERATIVE,
    legal_name: str = "Coop",
    **place,
) -> Place:
    """A place in a municipality and of an organisation of its own, open from 8:30 to 19 on `weekday`: for the
    tests that commit their data (threads, the task worker) and so stand on no fixture. `place`: its fields
    other than a coworking named Snodo in Via Padova."""
    municipality = Municipality.objects.create(name="Milano", slug=slug)
    organisation = Organisation.objects.create(kind=organisation_kind, legal_name=legal_name)
    fields = {
        "kind": Place.Kind.COWORKING,
        "name_it": "Snodo",
        "address": "Via Padova 1",
        "lat": 45.49,
        "lon": 9.22,
    }
    made = Place.objects.create(operator=organisation, municipality=municipality, **{**fields, **place})
    OpeningHours.objects.create(place=made, weekday=weekday, opens=time(8, 30), closes=time(19))
    return made


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


def listed_with_officina(
    place: Place, register: Register, at: tuple[float, float], **officina
) -> tuple[Place, Place]:
    """The test place moved to `at` and an officina of its operator in its city (`officina`: its name, address,
    position and desks), both listed."""
    Place.objects.filter(pk=place.pk).update(lat=at[0], lon=at[1])
    place.refresh_from_db()
    other = Place.objects.create(
        operator=place.operator, kind="officina", municipality=place.municipality, **officina
    )
    for p in (place, other):
        list_place(p, register)
    return place, other


@pytest.fixture
def listed_pair(place, register) -> tuple[Place, Place]:
    """The test place moved to the Duomo and an officina at Piazza Cinque Giornate, both listed."""
    return listed_with_officina(
        place,
        register,
        DUOMO,
        name_it="Officina Est",
        address="Corso XXII Marzo",
        lat=CINQUE_GIORNATE[0],
        lon=CINQUE_GIORNATE[1],
        desks=15,
    )


@pytest.fixture
def map_gone(settings, tmp_path, monkeypatch):
    """The configured street map's file was moved away after the server started: no graph of it is held yet."""
    from vicinato.geo import networks

    monkeypatch.setattr(networks, "_graphs", {})
    monkeypatch.setattr(networks, "_streets", {})
    settings.ROUTING_OSM_FILE = tmp_path / "moved-away.osm.pbf"
    return settings.ROUTING_OSM_FILE
