"""Blocks of one named unit through the API: staff block a desk, bookings of it are refused with the block's
reason, its bookings move to other free desks; each refusal of input has its own code."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.booking.conftest import at, desk, make_resource
from vicinato.booking import services
from vicinato.booking.models import Block, Resource
from vicinato.booking.services import reserve, units

from .test_api import URL, client_for

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def api_named(listed, resource, admin) -> Resource:
    units.add_units(resource, admin, [("A1", ""), ("A2", ""), ("Finestra 3", "Window 3")])
    resource.refresh_from_db()
    return resource


def test_block_a_desk_by_api(api_named, listed, staff, person, outsider, day):
    a2 = desk(api_named, "A2")
    on_a2 = reserve(person, api_named, at("10:00", day), at("11:00", day), unit=a2.pk)
    period = {
        "resource": api_named.pk,
        "unit": a2.pk,
        "start": at("09:00", day).isoformat(),
        "end": at("12:00", day).isoformat(),
        "reason": "Broken chair",  # the older name of reason_it
    }
    assert client_for(outsider).post(f"{URL}/blocks", period, content_type=JSON).status_code == 403
    answer = client_for(staff).post(f"{URL}/blocks", period, content_type=JSON)
    assert answer.status_code == 201, answer.content
    created = answer.json()
    assert (created["block"]["unit"], created["block"]["unit_name"]) == (a2.pk, "A2")
    assert [r["id"] for r in created["affected"]] == [on_a2.pk]
    listed_blocks = client_for(staff).get(f"{URL}/places/{listed.public_id}/blocks").json()
    assert [(b["unit"], b["unit_name"]) for b in listed_blocks] == [(a2.pk, "A2")]
    plan = client_for(staff).get(f"{URL}/places/{listed.public_id}/day-plan?day={day.isoformat()}").json()
    assert [b["unit_name"] for b in plan["blocks"]] == ["A2"]

    refused = client_for(person).post(
        f"{URL}/reservations",
        {
            "resource": api_named.pk,
            "unit": a2.pk,
            "start": at("11:00", day).isoformat(),
            "end": at("12:00", day).isoformat(),
        },
        content_type=JSON,
    )
    assert refused.status_code == 422 and refused.json()["codes"] == {"unit": ["unit_block"]}
    assert "Broken chair" in refused.json()["errors"]["unit"][0]

    move_url = f"{URL}/blocks/{created['block']['id']}/move-affected"
    assert client_for(person).post(move_url).status_code == 403
    moved = client_for(staff).post(move_url)
    assert moved.status_code == 200 and [(r["id"], r["unit_name"]) for r in moved.json()["moved"]] == [
        (on_a2.pk, "A1")
    ]


def test_blocking_a_unit_that_is_not_the_resources_is_422(api_named, listed, staff, place, admin, day):
    other = make_resource(listed, name_it="Altra sala")
    units.add_units(other, admin, [("B1", "")])
    period = {
        "resource": api_named.pk,
        "start": at("09:00", day).isoformat(),
        "end": at("12:00", day).isoformat(),
    }
    for unit in (desk(other, "B1").pk, 999999):
        answer = client_for(staff).post(f"{URL}/blocks", {**period, "unit": unit}, content_type=JSON)
        assert answer.status_code == 422 and answer.json()["codes"] == {"unit": ["unit"]}
        assert answer.json()["errors"]["unit"] == [
            "Choose one of the resource's named units that take bookings, or none to close the whole resource."
        ]
    wrong_type = client_for(staff).post(f"{URL}/blocks", {**period, "unit": "A2"}, content_type=JSON)
    assert wrong_type.status_code == 422 and "unit" in wrong_type.json()["errors"]
    assert not Block.objects.exists()
    whole = client_for(staff).post(f"{URL}/blocks", period, content_type=JSON).json()
    assert whole["block"]["unit"] is None
    refused_move = client_for(staff).post(f"{URL}/blocks/{whole['block']['id']}/move-affected")
    assert refused_move.status_code == 422


def test_refusals_of_input_have_their_own_codes(listed, resource, person, staff, day):
    booked = reserve(person, resource, at("10:00", day), at("11:00", day))
    no_reason = client_for(staff).post(f"{URL}/reservations/{booked.pk}/cancel", {}, content_type=JSON)
    assert no_reason.status_code == 422 and no_reason.json()["codes"] == {"reason": ["reason_required"]}
    series = {
        "resource": resource.pk,
        "weekdays": [],
        "start_time": "09:00",
        "end_time": "10:00",
        "first_date": day.isoformat(),
        "until_date": (day - timedelta(days=1)).isoformat(),
    }
    bad_series = client_for(person).post(f"{URL}/series", series, content_type=JSON)
    assert bad_series.status_code == 422 and bad_series.json()["codes"] == {
        "weekdays": ["series_weekdays"],
        "until_date": ["series_order"],
    }
    too_long = {**series, "weekdays": [1], "until_date": (day + timedelta(days=400)).isoformat()}
    assert client_for(person).post(f"{URL}/series", too_long, content_type=JSON).json()["codes"] == {
        "until_date": ["series_length"]
    }
    block = {
        "resource": resource.pk,
        "start": at("09:00", day).isoformat(),
        "end": at("12:00", day).isoformat(),
    }
    no_block_reason = client_for(staff).post(
        f"{URL}/blocks", {**block, "cancel_affected": True}, content_type=JSON
    )
    assert no_block_reason.json()["codes"] == {"reason_it": ["reason_required"]}
    wrong_code = client_for(staff).post(f"{URL}/check-in", {"code": "1-AAAAAAAA"}, content_type=JSON)
    assert wrong_code.json()["codes"] == {"code": ["checkin_code"]}


def test_leaving_an_accepted_entry_by_api_is_409_with_its_message(api_named, person, user_factory, day):
    takers = [user_factory(f"taker{n}") for n in range(3)]
    taken = [reserve(taker, api_named, at("10:00", day), at("11:00", day)) for taker in takers]
    entry = services.join_waiting_list(person, api_named, at("10:00", day), at("11:00", day))
    services.cancel(taken[0], takers[0])
    entry.refresh_from_db()
    services.accept_offer(entry, person)
    answer = client_for(person).delete(f"{URL}/waiting-list/{entry.pk}")
    assert answer.status_code == 409
    assert answer.json()["detail"] == "This entry is no longer in line (Accepted); there is nothing to leave."
