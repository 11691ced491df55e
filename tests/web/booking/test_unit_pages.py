"""Named desks on the pages, without JavaScript: the person picks a desk or any free one; the pages show the
desk held; the place's administrators add, rename and deactivate desks; prices per slot and per day."""

from __future__ import annotations

import re

import pytest

from tests.booking.conftest import at, make_resource
from tests.web.booking.conftest import book_on_calendar, calendar_url, in_page_units
from tests.web.pages import text
from vicinato.booking import services
from vicinato.booking.models import Reservation, Resource
from vicinato.booking.services import units

pytestmark = pytest.mark.django_db


@pytest.fixture
def desks(listed, admin) -> Resource:
    resource = make_resource(listed, price_cents_per_slot=150, price_cents_per_day=900)
    units.add_units(resource, admin, [("A1", ""), ("A2", ""), ("Finestra 3", "Window 3")])
    resource.refresh_from_db()
    return resource


@pytest.fixture
def ada(user_factory):
    return user_factory("ada")


def units_url(resource) -> str:
    return f"/en/gestione/luoghi/{resource.place.public_id}/risorse/{resource.pk}/unita/"


def test_the_person_picks_a_desk_or_any_free_one(client, desks, day, ada, user_factory):
    page = client.get(calendar_url(desks, day)).content.decode()
    assert "3 named units: choose one below, or take any free one." in text(
        client.get(calendar_url(desks, day))
    )
    assert "Price: € 1.50 per slot of 30 min. At most € 9.00 per day." in page
    client.force_login(ada)
    form = client.get(calendar_url(desks, day)).content.decode()
    assert '<label for="id_unit" class="form-label active">Desk</label>' in form
    assert '<option value="" selected>Any free desk</option>' in form
    a2 = desks.units.get(name_it="A2")
    response = book_on_calendar(client, desks, day, unit=str(a2.pk))
    reservation = Reservation.objects.get(person=ada)
    assert response["Location"].endswith(f"/prenotazioni/{reservation.pk}/") and reservation.unit == a2
    detail = text(client.get(response["Location"]))
    assert "Desk A2" in detail
    # Any free desk: the first free one in order.
    book_on_calendar(client, desks, day, start="11:00")
    assert Reservation.objects.get(person=ada, start=at("11:00", day)).unit.name_it == "A1"
    assert "Desk A2" in text(client.get("/en/prenotazioni/")) and "Desk A1" in text(
        client.get("/en/prenotazioni/")
    )
    # A desk someone else holds: the refusal names it and another to choose.
    client.force_login(user_factory("bruno"))
    refused = book_on_calendar(client, desks, day, unit=str(a2.pk))
    assert refused.status_code == 200
    assert "Desk A2 is taken at that time; choose desk A1 or any free desk." in text(refused)
    several = book_on_calendar(client, desks, day, units="2")
    assert "Desks are booked one at a time" in text(several)


def test_the_slots_name_the_free_desks_with_links_that_choose_them(client, desks, day, ada):
    services.reserve(ada, desks, at("09:00", day), at("10:00", day))  # A1
    page = client.get(calendar_url(desks, day)).content.decode()
    a2 = desks.units.get(name_it="A2")
    assert f"inizio=09:00&amp;postazione={a2.pk}#prenota" in page
    assert f"inizio=09:00&amp;postazione={desks.units.get(name_it='A1').pk}#" not in page
    client.force_login(ada)
    chosen = client.get(calendar_url(desks, day) + f"&inizio=09:00&postazione={a2.pk}").content.decode()
    assert f'<option value="{a2.pk}" selected>A2</option>' in chosen


def test_the_day_plan_and_check_in_show_the_desk(client, desks, day, ada, people):
    reservation = services.reserve(ada, desks, at("09:00", day), at("10:00", day))
    client.force_login(people["org_staff"])
    plan = text(client.get(f"/en/gestione/luoghi/{desks.place.public_id}/piano/?giorno={day}"))
    assert "ada · Desk A1" in plan and "2 free (A2, Window 3)" in plan
    services.transition(reservation, "check_in", people["org_staff"], now=at("09:00", day))
    checked = client.get(
        f"/en/gestione/luoghi/{desks.place.public_id}/check-in/?prenotazione={reservation.pk}"
    )
    assert "Desk A1" in text(checked)


def test_administrators_add_rename_and_deactivate_desks(client, listed, admin, people, ada, day):
    resource = make_resource(listed)
    client.force_login(people["org_staff"])
    assert client.get(units_url(resource)).status_code == 403
    client.force_login(admin)
    page = client.get(units_url(resource))
    assert "Now 2 identical units." in text(page)
    added = client.post(units_url(resource), {"action": "add", "names": "A1\nFinestra | Window\n\n"})
    assert added.status_code == 302
    resource.refresh_from_db()
    assert (resource.capacity, resource.has_named_units) == (2, True)
    a1, window = resource.units.order_by("order")
    assert (window.name_it, window.name_en) == ("Finestra", "Window")
    duplicate = client.post(units_url(resource), {"action": "add", "names": "a1"})
    assert "Another unit of this resource is called a1; choose another name." in text(duplicate)
    services.reserve(ada, resource, at("09:00", day), at("10:00", day), unit=a1.pk)

    def update(unit, **changes):
        data = {"name_it": unit.name_it, "name_en": unit.name_en, "order": unit.order, **changes}
        fields = {f"unit-{unit.pk}-{k}": v for k, v in data.items() if v is not None}
        return client.post(units_url(resource), {"action": "update", "unit": unit.pk, **fields})

    refused = update(a1)  # "taking bookings" unticked
    assert refused.status_code == 200
    assert "1 booking ahead holds A1" in text(
        refused
    ) and "Move its bookings ahead to other free units" in text(refused)
    a1.refresh_from_db()
    assert a1.is_active
    assert update(a1, move_bookings="on").status_code == 302
    assert Reservation.objects.get(person=ada).unit == window
    resource.refresh_from_db()
    assert resource.capacity == 1
    renamed = update(window, name_it="Finestra 1", is_active="on", order=5)
    assert renamed.status_code == 302 and resource.units.get(pk=window.pk).name_it == "Finestra 1"


def test_the_rules_page_keeps_the_capacity_of_named_desks_and_sets_the_price_per_day(client, desks, admin):
    client.force_login(admin)
    url = f"/en/gestione/luoghi/{desks.place.public_id}/risorse/{desks.pk}/"
    page = client.get(url).content.decode()
    assert re.search(r'name="capacity"[^>]*disabled', page)
    assert "add or deactivate units to change it" in page
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "organisations"}
    response = client.post(url, in_page_units({**data, "capacity": 9, "price_cents_per_day": 1000}))
    assert response.status_code == 302
    desks.refresh_from_db()
    assert (desks.capacity, desks.price_cents_per_day) == (3, 1000)
    resources = text(client.get(f"/en/gestione/luoghi/{desks.place.public_id}/risorse/"))
    assert "At most € 10.00 per day." in resources
