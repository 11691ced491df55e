"""Booking fixtures: a desk room at the test place, a fixed 'now', times on the wall clock of Milan."""

from __future__ import annotations

import copy
import signal
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.db.utils import load_backend

from vicinato.booking.models import Reservation, Resource
from vicinato.booking.services import units
from vicinato.register.models import Membership

ROME = ZoneInfo("Europe/Rome")
# Monday 4 March 2030, 07:00: the place (Monday to Friday, 08:30-19:00) opens later today.
NOW = datetime(2030, 3, 4, 7, 0, tzinfo=ROME)
TUESDAY = date(2030, 3, 5)


def at(hhmm: str, day: date = TUESDAY) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=ROME)


# Desks by the hour (€ 2, at most € 12 a day) that offer a monthly pass of € 180, bookable 60 days ahead.
MONTHLY_PASS_DESKS = {
    "slot_minutes": 60,
    "max_minutes": 600,
    "max_days_ahead": 60,
    "price_cents_per_slot": 200,
    "price_cents_per_day": 1200,
    "price_cents_per_month": 18000,
}


def make_resource(place, **rules) -> Resource:
    values = {
        "kind": Resource.Kind.DESK,
        "name_it": "Sala scrivanie",
        "name_en": "Desk room",
        "capacity": 2,
        "slot_minutes": 30,
        "min_minutes": 60,
        "max_minutes": 240,
        "max_days_ahead": 14,
        **rules,
    }
    return Resource.objects.create(place=place, **values)


@pytest.fixture
def resource(place) -> Resource:
    return make_resource(place)


@pytest.fixture
def single(place) -> Resource:
    """A meeting room: one unit."""
    return make_resource(
        place, kind=Resource.Kind.MEETING_ROOM, name_it="Sala riunioni", name_en="Meeting room", capacity=1
    )


@pytest.fixture
def person(user_factory):
    return user_factory("ada")


@pytest.fixture
def other_person(user_factory):
    return user_factory("bruno")


@pytest.fixture
def staff(member_factory, organisation):
    return member_factory("operator", organisation, Membership.Role.STAFF)


@pytest.fixture
def outsider(member_factory, other_organisation):
    return member_factory("outsider", other_organisation, Membership.Role.ADMIN)


def assert_cancelled(reservations, actor, note: str) -> None:
    """Each reservation cancelled, its last event the cancellation by `actor` with `note`."""
    for reservation in reservations:
        reservation.refresh_from_db()
        event = reservation.events.last()
        assert (reservation.state, event.action, event.actor, event.note) == (
            Reservation.State.CANCELLED,
            "cancel",
            actor,
            note,
        )


def later(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)


@pytest.fixture
def file_database(tmp_path):
    """Point this thread's default connection at a fresh SQLite file, migrated; yields `connect()`, which
    worker threads call to use the same file. Elsewhere (PostgreSQL) the test database is used as it is.

    SQLite's in-memory test database cannot take concurrent writers, and pytest-django sets up the
    test database once per session (an override of `django_db_modify_db_settings` here would apply only
    when a booking test happens to run first), so the file is swapped in for this test alone."""
    from django.core.management import call_command

    original = connections["default"]
    if original.vendor != "sqlite" or not original.is_in_memory_db():
        yield lambda: None
        return
    settings_dict = copy.deepcopy(original.settings_dict)
    settings_dict["NAME"] = str(tmp_path / "concurrency.sqlite3")
    backend = load_backend(settings_dict["ENGINE"])

    def connect():
        connections["default"] = backend.DatabaseWrapper(settings_dict, "default")

    connect()
    call_command("migrate", verbosity=0)
    try:
        yield connect
    finally:
        connections["default"].close()
        connections["default"] = original


@pytest.fixture
def run_worker(settings, monkeypatch):
    """`run_worker()` runs the task worker (`vicinato db_worker`) until the queue is empty, as production does;
    the tasks go to the database queue (whatever TASKS_BACKEND says), and only the worker sends them."""
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # Between tasks the worker closes connections left in a transaction: here that is the test's own, kept
    # open so that it rolls back (Django's test client leaves them open for the same reason).
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    signals = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]

    def run() -> None:
        handlers = [signal.getsignal(s) for s in signals]  # the worker takes them over to stop cleanly
        try:
            call_command("db_worker", batch=True, interval=0, startup_delay=False, reload=False, verbosity=0)
        finally:
            for number, handler in zip(signals, handlers, strict=True):
                signal.signal(number, handler)

    return run


@pytest.fixture
def admin(member_factory, organisation):
    """An administrator of the organisation that runs the place."""
    return member_factory("placeadmin", organisation, Membership.Role.ADMIN)


@pytest.fixture
def named(resource, admin) -> Resource:
    """The desk room with three named desks, in the order A1, A2, Window 3."""
    units.add_units(resource, admin, [("A1", ""), ("A2", ""), ("Finestra 3", "Window 3")], now=NOW)
    resource.refresh_from_db()
    return resource


def desk(resource, name):
    return resource.units.get(name_it=name)
