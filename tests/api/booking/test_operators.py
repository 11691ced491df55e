"""The operators' booking API: resources and rules, confirm/reject, the day plan, blocks; and series for people.

Every endpoint asks the booking permissions: the place's staff (resources: its administrators) only."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.booking.conftest import ROME, assert_cancelled, at, make_resource
from vicinato.booking import services
from vicinato.booking.models import Block, Reservation, Resource, WaitingListEntry

from .test_api import URL, client_for

pytestmark = pytest.mark.django_db
S = Reservation.State
JSON = "application/json"


@pytest.fixture
def ada(user_factory):
    return user_factory("ada", first_name="Ada", last_name="Lovelace")


@pytest.fixture
def approval(listed):
    return make_resource(
        listed, name_it="Sala su richiesta", name_en="Room on request", requires_approval=True
    )


def next_weekday(day: date) -> date:
    return day + timedelta(days=1 if day.weekday() < 4 else 3)


def book(person, resource, day, start="09:00", end="10:00") -> Reservation:
    return services.reserve(person, resource, at(start, day), at(end, day))


RULES = {
    "kind": "meeting_room",
    "name_it": "Sala Brera",
    "name_en": "Brera room",
    "capacity": 1,
    "slot_minutes": 30,
    "min_minutes": 60,
    "max_minutes": 180,
    "buffer_minutes": 15,
    "max_per_day_per_person": 1,
    "requires_approval": True,
    "price_cents_per_slot": 250,
}


# --- who may ---------------------------------------------------------------------------------------------------
def test_operator_endpoints_are_for_the_places_staff(listed, resource, staff, outsider, person):
    resource_url = f"{URL}/places/{listed.public_id}/resources/all"
    Resource.objects.filter(pk=resource.pk).update(is_active=False)
    answer = client_for(staff).get(resource_url)
    assert answer.status_code == 200
    assert [(r["id"], r["is_active"]) for r in answer.json()] == [(resource.pk, False)]
    assert client_for(outsider).get(resource_url).status_code == 403
    assert client_for(person).get(resource_url).status_code == 403
    assert Client().get(resource_url).status_code == 401
    day_url = f"{URL}/places/{listed.public_id}/day-plan?day=2030-03-05"
    assert client_for(outsider).get(day_url).status_code == 403
    assert Client().get(day_url).status_code == 401
    assert client_for(staff).get(f"{URL}/places/nowhere/day-plan?day=2030-03-05").status_code == 404


# --- resources and rules ---------------------------------------------------------------------------------------
def test_an_administrator_adds_a_resource_with_its_rules(listed, admin, staff, other_organisation):
    url = f"{URL}/places/{listed.public_id}/resources"
    assert client_for(staff).post(url, RULES, content_type=JSON).status_code == 403  # staff: no
    answer = client_for(admin).post(url, RULES, content_type=JSON)
    assert answer.status_code == 201
    created = answer.json()
    assert {k: created[k] for k in RULES} == RULES
    assert created["who_may_book"] == "everyone" and created["max_days_ahead"] == 30  # the model's default
    resource = Resource.objects.get(pk=created["id"])
    assert (resource.place, resource.buffer_minutes, resource.requires_approval) == (listed, 15, True)
    # The public list shows it too, with its rules.
    public = Client(HTTP_ACCEPT_LANGUAGE="en").get(url).json()
    assert [r["name"] for r in public] == ["Brera room"]


def test_invalid_rules_are_refused_per_field(listed, admin):
    url = f"{URL}/places/{listed.public_id}/resources"
    bad = {**RULES, "min_minutes": 60, "max_minutes": 30, "capacity": 0, "who_may_book": "members"}
    answer = client_for(admin).post(url, bad, content_type=JSON)
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert errors["max_minutes"] == ["The longest booking must not be shorter than the shortest."]
    assert errors["capacity"] == ["Ensure this value is greater than or equal to 1."]
    assert errors["organisations"] == ["Choose at least one organisation whose members may book."]
    uneven = client_for(admin).post(url, {**RULES, "min_minutes": 45}, content_type=JSON)
    assert uneven.json()["errors"] == {
        "min_minutes": ["Choose a whole number of slots of 30 min, e.g. 30 min."]
    }
    assert client_for(admin).post(url, {**RULES, "kind": "spaceship"}, content_type=JSON).status_code == 422
    assert not Resource.objects.exists()


def test_update_changes_only_what_is_sent_and_keeps_capacity_for_bookings(
    listed, resource, admin, person, other_person, other_organisation, day
):
    url = f"{URL}/resources/{resource.pk}"
    answer = client_for(admin).patch(
        url,
        {"name_en": "Big room", "who_may_book": "members", "organisations": [other_organisation.pk]},
        content_type=JSON,
    )
    assert answer.status_code == 200
    assert answer.json()["name"] == "Big room" and answer.json()["organisations"] == [other_organisation.pk]
    resource.refresh_from_db()
    assert (resource.capacity, resource.slot_minutes, resource.max_minutes) == (2, 30, 240)  # kept
    # Back to everyone: the organisations are dropped with the rule.
    client_for(admin).patch(url, {"who_may_book": "everyone"}, content_type=JSON)
    assert list(resource.organisations.all()) == []
    # Two bookings hold both units at 09:00: one unit cannot be enough.
    book(person, resource, day)
    book(other_person, resource, day, "09:30", "10:30")
    refused = client_for(admin).patch(url, {"capacity": 1}, content_type=JSON)
    assert refused.status_code == 422
    assert refused.json()["errors"]["capacity"] == [
        "Bookings ahead hold 2 units at the same time; keep at least 2, or cancel bookings first."
    ]
    assert client_for(admin).patch(url, {"capacity": 3}, content_type=JSON).json()["capacity"] == 3


# --- confirm and reject ----------------------------------------------------------------------------------------
def test_staff_confirm_and_reject_requests_with_a_reason(approval, ada, other_person, staff, outsider, day):
    first = book(ada, approval, day)
    second = book(other_person, approval, day, "11:00", "12:00")
    assert (first.state, second.state) == (S.REQUESTED, S.REQUESTED)
    # The person who asked cannot confirm; another place's staff do not even see it.
    assert client_for(ada).post(f"{URL}/reservations/{first.pk}/confirm").status_code == 403
    assert client_for(outsider).post(f"{URL}/reservations/{first.pk}/confirm").status_code == 404
    confirmed = client_for(staff).post(f"{URL}/reservations/{first.pk}/confirm")
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "confirmed"
    assert client_for(staff).post(f"{URL}/reservations/{first.pk}/confirm").status_code == 409  # not again

    reject_url = f"{URL}/reservations/{second.pk}/reject"
    no_reason = client_for(staff).post(reject_url, {}, content_type=JSON)
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"] == {"reason": ["Write the reason for the person who asked."]}
    second.refresh_from_db()
    assert second.state == S.REQUESTED
    rejected = client_for(staff).post(reject_url, {"reason": "Room booked for a course"}, content_type=JSON)
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    event = second.events.last()
    assert (event.action, event.actor, event.note) == ("reject", staff, "Room booked for a course")


# --- the day plan ----------------------------------------------------------------------------------------------
def test_the_day_plan_lists_that_days_bookings_only(listed, resource, ada, other_person, staff, day):
    today = book(ada, resource, day)
    book(other_person, resource, next_weekday(day))
    answer = client_for(staff).get(f"{URL}/places/{listed.public_id}/day-plan", {"day": day.isoformat()})
    assert answer.status_code == 200
    plan = answer.json()
    assert [(r["id"], r["person"], r["resource_name"], r["state"]) for r in plan["reservations"]] == [
        (today.pk, "Ada Lovelace", "Desk room", "confirmed")
    ]
    assert plan["reservations"][0]["checkin_code"] is None  # the code is the person's to show
    free = {datetime.fromisoformat(s["start"]): s["free"] for s in plan["slots"]}
    assert (free[at("09:00", day)], free[at("10:00", day)]) == (1, 2) and plan["blocks"] == []


# --- blocks ----------------------------------------------------------------------------------------------------
def test_a_block_answers_the_bookings_in_it_and_cancels_them_on_request(
    listed, resource, ada, other_person, staff, outsider, day
):
    inside = book(ada, resource, day, "10:00", "11:00")
    also = book(other_person, resource, day, "11:30", "12:30")
    outside = book(other_person, resource, day, "15:00", "16:00")
    period = {
        "resource": resource.pk,
        "start": at("09:30", day).isoformat(),
        "end": at("12:00", day).isoformat(),
    }
    assert client_for(outsider).post(f"{URL}/blocks", period, content_type=JSON).status_code == 403
    refused = client_for(staff).post(f"{URL}/blocks", {**period, "cancel_affected": True}, content_type=JSON)
    assert refused.status_code == 422 and refused.json()["errors"] == {
        "reason_it": ["Write the reason for the people who booked."]
    }
    assert not Block.objects.exists()

    answer = client_for(staff).post(
        f"{URL}/blocks", {**period, "reason_it": "Tinteggiatura", "reason_en": "Painting"}, content_type=JSON
    )
    assert answer.status_code == 201
    created = answer.json()
    assert sorted(r["id"] for r in created["affected"]) == [inside.pk, also.pk]
    assert created["cancelled"] == [] and created["block"]["reason"] == "Painting"  # the request's language
    assert (created["block"]["reason_it"], created["block"]["reason_en"]) == ("Tinteggiatura", "Painting")
    assert Reservation.objects.filter(state=S.CONFIRMED).count() == 3  # nothing cancelled yet
    block_id = created["block"]["id"]
    listed_blocks = client_for(staff).get(f"{URL}/places/{listed.public_id}/blocks").json()
    assert [b["id"] for b in listed_blocks] == [block_id]

    cancel_url = f"{URL}/blocks/{block_id}/cancel-affected"
    assert client_for(staff).post(cancel_url, {"reason": " "}, content_type=JSON).status_code == 422
    done = client_for(staff).post(cancel_url, {"reason": "Painting works"}, content_type=JSON)
    assert done.status_code == 200
    assert sorted(r["id"] for r in done.json()["cancelled"]) == [inside.pk, also.pk]
    assert done.json()["kept"] == []
    assert_cancelled((inside, also), staff, "Painting works")
    outside.refresh_from_db()
    assert outside.state == S.CONFIRMED


def test_create_a_block_and_cancel_at_once(listed, single, ada, staff, day):
    booked = book(ada, single, day)
    period = {
        "resource": single.pk,
        "start": at("08:30", day).isoformat(),
        "end": at("19:00", day).isoformat(),
    }
    answer = client_for(staff).post(
        f"{URL}/blocks",
        {**period, "reason_en": "Closed for a strike", "cancel_affected": True},
        content_type=JSON,
    )
    assert answer.status_code == 201
    assert [r["id"] for r in answer.json()["cancelled"]] == [booked.pk]
    booked.refresh_from_db()
    assert booked.state == S.CANCELLED
    naive = client_for(staff).post(
        f"{URL}/blocks", {**period, "start": f"{day.isoformat()}T09:00:00"}, content_type=JSON
    )
    assert naive.status_code == 422 and "offset" in naive.json()["errors"]["start"][0]


def test_lifting_a_block_offers_the_unit_to_the_waiting_list(listed, single, ada, other_person, staff, day):
    booked = book(ada, single, day)
    entry = services.join_waiting_list(other_person, single, at("09:00", day), at("10:00", day))
    period = {
        "resource": single.pk,
        "start": at("09:00", day).isoformat(),
        "end": at("10:00", day).isoformat(),
    }
    block = (
        client_for(staff)
        .post(f"{URL}/blocks", {**period, "reason": "Leak", "cancel_affected": True}, content_type=JSON)
        .json()
    )
    booked.refresh_from_db()
    entry.refresh_from_db()
    assert booked.state == S.CANCELLED and entry.state == WaitingListEntry.State.WAITING  # blocked: no offer
    assert client_for(ada).delete(f"{URL}/blocks/{block['block']['id']}").status_code == 403
    lifted = client_for(staff).delete(f"{URL}/blocks/{block['block']['id']}")
    assert lifted.status_code == 200 and lifted.json() == {"offers": 1}
    entry.refresh_from_db()
    assert entry.state == WaitingListEntry.State.OFFERED and entry.offer_expires_at
    assert not Block.objects.exists()
    assert client_for(staff).delete(f"{URL}/blocks/{block['block']['id']}").status_code == 404


# --- check-in --------------------------------------------------------------------------------------------------
def test_check_in_twice_says_when_it_was_done(listed, resource, ada, staff):
    # Made directly, as it stands at noon today; the check-in goes through the engine.
    start = datetime.combine(timezone.localdate(), time(12), tzinfo=ROME)
    reservation = Reservation.objects.create(
        resource=resource, person=ada, start=start, end=start + timedelta(hours=1), state=S.CONFIRMED
    )
    services.check_in(reservation.checkin_code, staff, now=start)
    again = client_for(staff).post(f"{URL}/check-in", {"code": reservation.checkin_code}, content_type=JSON)
    assert again.status_code == 409
    assert again.json()["detail"] == f"This booking was already checked in at {start:%Y-%m-%d %H:%M}."


# --- series ----------------------------------------------------------------------------------------------------
def test_a_series_books_each_week_and_reports_the_dates_it_cannot(listed, resource, ada, other_person, day):
    payload = {
        "resource": resource.pk,
        "weekdays": [day.weekday()],
        "start_time": "09:00",
        "end_time": "10:00",
        "first_date": day.isoformat(),
        "until_date": (day + timedelta(days=14)).isoformat(),
    }
    answer = client_for(ada).post(f"{URL}/series", payload, content_type=JSON)
    assert answer.status_code == 201
    series = answer.json()
    assert [r["start"][:10] for r in series["reservations"]] == [
        day.isoformat(),
        (day + timedelta(days=7)).isoformat(),
    ]
    # Bookings open 14 days ahead: the third date is beyond, and said so.
    assert [c["date"] for c in series["conflicts"]] == [(day + timedelta(days=14)).isoformat()]
    assert series["conflicts"][0]["reason"].startswith("Bookings open 14 days ahead")
    bad = client_for(ada).post(f"{URL}/series", {**payload, "weekdays": [9]}, content_type=JSON)
    assert bad.status_code == 422 and "weekdays" in bad.json()["errors"]

    cancel_url = f"{URL}/series/{series['id']}/cancel"
    assert client_for(other_person).post(cancel_url, {}, content_type=JSON).status_code == 404
    later = client_for(ada).post(
        cancel_url, {"from_date": (day + timedelta(days=1)).isoformat()}, content_type=JSON
    )
    assert later.status_code == 200
    assert [r["start"][:10] for r in later.json()["cancelled"]] == [(day + timedelta(days=7)).isoformat()]
    assert Reservation.objects.filter(series_id=series["id"], state=S.CONFIRMED).count() == 1
    rest = client_for(ada).post(cancel_url, {}, content_type=JSON)
    assert len(rest.json()["cancelled"]) == 1
    assert not Reservation.objects.filter(series_id=series["id"], state=S.CONFIRMED).exists()
