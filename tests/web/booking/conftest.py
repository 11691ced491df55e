"""The booking pages' people: the test organisation's staff member and administrator (of `people`); the
operators' page addresses, the person's booking form, and a resource form filled in as a person types it."""

from datetime import date

import pytest

from tests.booking.conftest import at
from vicinato.booking import services
from vicinato.booking.models import Reservation
from vicinato.lib.units import LengthWidget
from vicinato.register.models import Place
from vicinato.web.booking.forms import LENGTHS, PRICES


@pytest.fixture
def staff(people):
    return people["org_staff"]


@pytest.fixture
def admin(people):
    return people["org_admin"]


def in_page_units(data: dict) -> dict:
    """The page asks lengths in parts (days, hours, minutes) and prices in euros: minutes and cents as typed."""
    typed = dict(data)
    for name, (parts, _label) in LENGTHS.items():
        if name in typed:
            values = LengthWidget(parts).decompress(typed.pop(name))
            typed.update({f"{name}_{index}": str(value) for index, value in enumerate(values)})
    for name in PRICES:
        if name in typed:
            typed[name] = f"{int(typed[name]) / 100:.2f}"
    return typed


def page(place: Place, tail: str) -> str:
    """The address of one of a place's operator pages (`piano/`, `blocchi/`, `risorse/`...), in English."""
    return f"/en/gestione/luoghi/{place.public_id}/{tail}"


def book(person, resource, day, start="09:00", end="10:00") -> Reservation:
    """A booking made through the engine, as the operators' pages find it."""
    return services.reserve(person, resource, at(start, day), at(end, day))


def calendar_url(resource, day: date) -> str:
    return f"/en/luoghi/{resource.place.public_id}/prenota/?risorsa={resource.pk}&giorno={day.isoformat()}"


def book_on_calendar(client, resource, day: date, start="09:00", minutes=60, **extra):
    """The booking form of a resource's calendar sent as a person fills it in (one unit unless said)."""
    data = {"day": day.isoformat(), "start": start, "minutes": str(minutes), "units": "1", **extra}
    return client.post(calendar_url(resource, day), data)


def resource_data(**changes) -> dict:
    data = {
        "kind": "shower",
        "name_it": "Doccia",
        "name_en": "Shower",
        "capacity": "2",
        "is_active": "on",
        "slot_minutes": "15",
        "min_minutes": "15",
        "max_minutes": "30",
        "buffer_minutes": "10",
        "min_notice_minutes": "0",
        "max_days_ahead": "7",
        "cancellation_deadline_minutes": "0",
        "checkin_window_minutes": "10",
        "max_per_day_per_person": "1",
        "max_per_week_per_person": "",
        "who_may_book": "everyone",
        "requires_approval": "",
        "offer_minutes": "20",
        "price_cents_per_slot": "0",
    }
    data.update(changes)
    return in_page_units({k: v for k, v in data.items() if v != ""})
