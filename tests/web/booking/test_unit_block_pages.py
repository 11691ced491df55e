"""Blocking one desk on the operators' pages, without JavaScript: the form's desk choice (grouped by resource,
labelled, in both languages), the list and the day plan naming the desk, the bookings of that desk offered to
move to another free desk or to be cancelled; and leaving a waiting list no longer in line says why."""

from __future__ import annotations

import re

import pytest

from tests.booking.conftest import at, make_resource
from tests.web.booking.conftest import book, page
from tests.web.pages import text
from vicinato.booking import services
from vicinato.booking.models import Block, Reservation, Resource, WaitingListEntry
from vicinato.booking.services import units

pytestmark = pytest.mark.django_db
S = Reservation.State


@pytest.fixture
def ada(user_factory):
    return user_factory("ada", first_name="Ada", last_name="Lovelace")


@pytest.fixture
def desks(listed, people) -> Resource:
    resource = make_resource(listed)
    units.add_units(resource, people["org_admin"], [("A1", ""), ("A2", ""), ("Finestra 3", "Window 3")])
    resource.refresh_from_db()
    return resource


def desk(resource, name):
    return resource.units.get(name_it=name)


def block_form(resource, unit, day, **fields) -> dict:
    """The block form filled in for a unit of a resource, from 9 to 12 on `day`."""
    return {
        "resource": resource.pk,
        "unit": unit.pk,
        "start": f"{day.isoformat()}T09:00",
        "end": f"{day.isoformat()}T12:00",
        **fields,
    }


def test_the_form_offers_the_desks_grouped_by_resource_with_a_label(client, listed, desks, staff):
    client.force_login(staff)
    html = client.get(page(listed, "blocchi/")).content.decode()
    assert '<label for="id_unit" class="form-label active">Only one desk or named unit</label>' in html
    assert 'aria-describedby="id_unit-help' in html or 'id="id_unit-help"' in html
    assert '<optgroup label="Desk room">' in html
    assert re.search(rf'<option value="{desk(desks, "A2").pk}"[^>]*>A2</option>', html)
    assert '<option value="" selected>The whole resource</option>' in html
    italian = client.get(page(listed, "blocchi/").removeprefix("/en"))
    assert italian.status_code == 200 and 'id="id_unit"' in italian.content.decode()


def test_a_place_without_named_units_gets_no_desk_choice(client, listed, staff):
    make_resource(listed)
    client.force_login(staff)
    assert 'id="id_unit"' not in client.get(page(listed, "blocchi/")).content.decode()


def test_block_a_desk_then_move_its_booking_to_a_free_desk(client, listed, desks, staff, ada, day):
    on_a2 = services.reserve(ada, desks, at("10:00", day), at("11:00", day), unit=desk(desks, "A2").pk)
    client.force_login(staff)
    data = block_form(desks, desk(desks, "A2"), day, reason_en="Broken chair")
    response = client.post(page(listed, "blocchi/"), data)
    block = Block.objects.get()
    assert block.unit.name == "A2"
    assert response["Location"] == page(listed, f"blocchi/{block.pk}/")
    detail = text(client.get(response["Location"]))
    assert "Desk A2 is blocked; 1 booking of it falls in the period" in detail
    assert "Block of Desk A2 of Desk room" in detail and "Ada Lovelace" in detail
    assert "Move this booking to another free desk" in detail and "Cancel this booking" in detail
    moved = client.post(response["Location"], {"action": "move"})
    assert moved["Location"] == response["Location"]
    on_a2.refresh_from_db()
    assert on_a2.unit.name == "A1" and on_a2.state == S.CONFIRMED
    after = text(client.get(moved["Location"]))
    assert "1 booking moved to another free unit." in after and "No booking falls in this period." in after

    listed_blocks = text(client.get(page(listed, "blocchi/")))
    assert "Desk room · Desk A2" in listed_blocks
    plan = text(client.get(page(listed, f"piano/?giorno={day.isoformat()}")))
    assert "Blocked Desk A2" in plan


def test_no_move_is_offered_when_no_other_desk_is_free(client, listed, desks, staff, ada, user_factory, day):
    for n, name in enumerate(("A1", "A2", "Finestra 3")):
        who = ada if name == "A2" else user_factory(f"p{n}")
        services.reserve(who, desks, at("10:00", day), at("11:00", day), unit=desk(desks, name).pk)
    block, _affected = services.block_resource(
        desks, at("10:00", day), at("11:00", day), "", staff, desk(desks, "A2")
    )
    client.force_login(staff)
    detail = text(client.get(page(listed, f"blocchi/{block.pk}/")))
    assert "Cancel this booking" in detail and "Move this booking" not in detail
    refused = client.post(page(listed, f"blocchi/{block.pk}/"), {"action": "move"}, follow=True)
    assert "cannot all move" in text(refused)


def test_a_desk_of_another_resource_is_refused_on_the_field(client, listed, desks, staff, people, day):
    other = make_resource(listed, name_it="Altra sala", name_en="Other room")
    units.add_units(other, people["org_admin"], [("B1", "")])
    client.force_login(staff)
    data = block_form(desks, desk(other, "B1"), day)
    html = client.post(page(listed, "blocchi/"), data).content.decode()
    assert 'id="id_unit-error">Choose one of the resource' in html
    assert not Block.objects.exists()
    gone = client.post(page(listed, "blocchi/"), {**data, "unit": "999999"}).content.decode()
    assert 'id="id_unit-error"' in gone and not Block.objects.exists()


def test_only_the_staff_move_bookings_of_a_block(client, listed, desks, staff, ada, people, day):
    block, _affected = services.block_resource(
        desks, at("10:00", day), at("11:00", day), "", staff, desk(desks, "A2")
    )
    client.force_login(people["worker"])
    assert client.post(page(listed, f"blocchi/{block.pk}/"), {"action": "move"}).status_code in (403, 404)


def test_leaving_a_waiting_list_no_longer_in_line_says_why(client, listed, desks, ada, user_factory, day):
    taken = [book(user_factory(f"p{n}"), desks, day, "10:00", "11:00") for n in range(3)]
    entry = services.join_waiting_list(ada, desks, at("10:00", day), at("11:00", day))
    services.cancel(taken[0], taken[0].person)
    entry.refresh_from_db()
    services.accept_offer(entry, ada)
    client.force_login(ada)
    response = client.post(f"/en/prenotazioni/attesa/{entry.pk}/lascia/", follow=True)
    shown = text(response)
    assert "This entry is no longer in line (Accepted); there is nothing to leave." in shown
    assert "You left the waiting list." not in shown
    assert WaitingListEntry.objects.filter(pk=entry.pk, state=WaitingListEntry.State.ACCEPTED).exists()
