"""Rescheduling a booking from its page (another time or desk, no JavaScript needed): the person's form with
errors next to the fields, the desk choice of named units, and the place's staff reaching it from the day plan."""

from __future__ import annotations

import re

import pytest

from tests.booking.conftest import at, make_resource
from tests.web.pages import text
from vicinato.booking import services
from vicinato.booking.models import Reservation
from vicinato.booking.services import units
from vicinato.register.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(user_factory):
    return user_factory("ada")


@pytest.fixture
def desks(listed):
    return make_resource(listed)


def test_the_person_changes_the_time_with_a_plain_form(client, desks, ada, day):
    booking = services.reserve(ada, desks, at("09:00", day), at("10:00", day))
    client.force_login(ada)
    detail = client.get(f"/en/prenotazioni/{booking.pk}/").content.decode()
    assert f'href="/en/prenotazioni/{booking.pk}/modifica/"' in detail and "Change time" in detail
    form = client.get(f"/en/prenotazioni/{booking.pk}/modifica/")
    page = form.content.decode()
    # Each field has its label; the current time is filled in.
    for field, label in (
        ("day", "Day"),
        ("start", "From"),
        ("end", "Until"),
        ("reason", "Reason (optional)"),
    ):
        assert f'<label for="id_{field}" class="form-label active">{label}' in page
    assert f'value="{day.isoformat()}"' in page and 'value="09:00"' in page
    answer = client.post(
        f"/en/prenotazioni/{booking.pk}/modifica/", {"day": day.isoformat(), "start": "11:00", "end": "12:30"}
    )
    assert answer.status_code == 302 and answer["Location"] == f"/en/prenotazioni/{booking.pk}/"
    booking.refresh_from_db()
    assert (booking.start, booking.end) == (at("11:00", day), at("12:30", day))
    shown = text(client.get(f"/en/prenotazioni/{booking.pk}/"))
    assert "Booking changed" in shown and "11:00–12:30" in shown and "Time changed" in shown


def test_refusals_are_shown_next_to_the_fields(client, desks, ada, day, user_factory):
    booking = services.reserve(ada, desks, at("09:00", day), at("10:00", day))
    client.force_login(ada)
    url = f"/en/prenotazioni/{booking.pk}/modifica/"
    early = client.post(url, {"day": day.isoformat(), "start": "08:00", "end": "09:00"})
    assert early.status_code == 200
    page = early.content.decode()
    assert re.search(r'id="id_start-error">This place opens at 08:30; choose a later start.', page)
    short = client.post(url, {"day": day.isoformat(), "start": "09:00", "end": "09:30"})
    assert "at least 1 hour" in " ".join(short.context["form"].errors["end"])
    missing = client.post(url, {"day": "", "start": "9", "end": ""})
    assert set(missing.context["form"].errors) == {"day", "start", "end"}
    for n in range(2):
        services.reserve(user_factory(f"other{n}"), desks, at("14:00", day), at("15:00", day))
    full = client.post(url, {"day": day.isoformat(), "start": "14:00", "end": "15:00"})
    assert "No unit of this resource is free" in " ".join(full.context["form"].non_field_errors())
    assert 'role="alert"' in full.content.decode()
    booking.refresh_from_db()
    assert booking.start == at("09:00", day)


def test_the_desk_choice_of_named_units(client, desks, ada, day, organisation, user_factory):
    admin = user_factory("deskadmin")
    Membership.objects.create(organisation=organisation, user=admin, role=Membership.Role.ADMIN)
    a1, a2 = units.add_units(desks, admin, [("A1", ""), ("A2", "")])
    booking = services.reserve(ada, desks, at("09:00", day), at("10:00", day), unit=a1.pk)
    client.force_login(ada)
    url = f"/en/prenotazioni/{booking.pk}/modifica/"
    page = client.get(url).content.decode()
    assert '<label for="id_unit" class="form-label active">Desk' in page and "Keep A1 if free" in page
    client.post(url, {"day": day.isoformat(), "start": "09:00", "end": "10:00", "unit": str(a2.pk)})
    booking.refresh_from_db()
    assert booking.unit == a2


def test_others_cannot_open_the_form_and_staff_reach_it_from_the_day_plan(
    client, desks, ada, day, user_factory, people
):
    booking = services.reserve(ada, desks, at("09:00", day), at("10:00", day))
    client.force_login(user_factory("bruno"))
    assert client.get(f"/en/prenotazioni/{booking.pk}/modifica/").status_code == 404
    staff = people["org_staff"]
    client.force_login(staff)
    plan = client.get(f"/en/gestione/luoghi/{desks.place.public_id}/piano/?giorno={day.isoformat()}")
    assert f'href="/en/prenotazioni/{booking.pk}/modifica/"' in plan.content.decode()
    answer = client.post(
        f"/en/prenotazioni/{booking.pk}/modifica/",
        {"day": day.isoformat(), "start": "15:00", "end": "16:00", "reason": "Works in the room"},
    )
    assert answer.status_code == 302
    assert Reservation.objects.get(pk=booking.pk).start == at("15:00", day)


def test_the_italian_form(client, desks, ada, day):
    booking = services.reserve(ada, desks, at("09:00", day), at("10:00", day))
    client.force_login(ada)
    page = client.get(f"/prenotazioni/{booking.pk}/modifica/").content.decode()
    assert 'lang="it"' in page and 'action="/prenotazioni/' in page
