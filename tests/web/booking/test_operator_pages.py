"""The pages of a place's operators: resources and rules, the day plan with its decisions, blocks and check-in.
What the operator sees is asserted, and what the engine recorded."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.booking.conftest import assert_cancelled, at, make_resource
from tests.conftest import another_place
from tests.web.booking.conftest import book, in_page_units, page, resource_data
from tests.web.pages import NOT_IDS, text
from vicinato.booking import services
from vicinato.booking.models import Block, Reservation, Resource, WaitingListEntry
from vicinato.register.models import OpeningHours, Place

pytestmark = pytest.mark.django_db
S = Reservation.State
IMMEDIATE = "django_tasks.backends.immediate.ImmediateBackend"


@pytest.fixture
def desks(listed) -> Resource:
    return make_resource(listed)  # "Desk room": 2 units, slots of 30 minutes, 60 to 240 minutes


@pytest.fixture
def room(listed) -> Resource:
    return make_resource(listed, kind="meeting_room", name_it="Sala", name_en="Meeting room", capacity=1)


@pytest.fixture
def other_place(place) -> Place:
    """Another place of the same organisation, open every day 08:00-20:00."""
    other = another_place(place, name_it="Altro", address="Via Roma 1", lat=45.46, lon=9.18, desks=3)
    OpeningHours.objects.bulk_create(
        OpeningHours(place=other, weekday=d, opens=time(8), closes=time(20)) for d in range(7)
    )
    return other


@pytest.fixture
def ada(user_factory):
    return user_factory("ada", first_name="Ada", last_name="Lovelace")


@pytest.fixture
def bruno(user_factory):
    return user_factory("bruno", first_name="Bruno", last_name="Munari")


# --- who may ---------------------------------------------------------------------------------------------------
PAGES = ["piano/", "check-in/", "blocchi/", "risorse/"]


def test_only_the_places_operators_open_the_pages(client, listed, desks, people):
    for tail in PAGES + ["risorse/nuova/"]:
        response = client.get(page(listed, tail))
        assert response.status_code == 302 and "/accedi/" in response["Location"], tail
    for outsider in ("worker", "other_admin", "reviewer"):
        client.force_login(people[outsider])
        for tail in PAGES:
            response = client.get(page(listed, tail))
            assert response.status_code == 403, (outsider, tail)
            assert "You are not allowed to do this" in response.content.decode()
    client.force_login(people["org_staff"])
    for tail in PAGES:
        assert client.get(page(listed, tail)).status_code == 200, tail
    # Resources and rules are the administrators' to change.
    assert client.get(page(listed, "risorse/nuova/")).status_code == 403
    assert client.get(page(listed, f"risorse/{desks.pk}/")).status_code == 403
    assert f"risorse/{desks.pk}/" not in client.get(page(listed, "risorse/")).content.decode()
    client.force_login(people["org_admin"])
    assert client.get(page(listed, "risorse/nuova/")).status_code == 200
    assert client.get(page(listed, "nessuno/")).status_code == 404


def test_the_dashboard_links_each_place_to_its_booking_pages(client, listed, staff):
    client.force_login(staff)
    html = client.get("/en/gestione/").content.decode()
    for tail in PAGES:
        assert f'href="{page(listed, tail)}"' in html


# --- resources and rules ---------------------------------------------------------------------------------------
def test_a_resource_with_invalid_rules_shows_the_errors_next_to_the_fields(client, listed, admin):
    client.force_login(admin)
    url = page(listed, "risorse/nuova/")
    form = client.get(url).content.decode()
    assert "Length of a booking" in form and "Limits per person" in form  # the fieldsets' legends
    assert re.search(r'id="organisations-field"[^>]*hidden', form)  # only with "members"
    response = client.post(url, resource_data(min_minutes="20", max_minutes="15", capacity="0"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_min_minutes-error">Choose a whole number of slots of 15 min, e.g. 15 min.</div>' in html
    assert 'id="id_capacity-error">Ensure this value is greater than or equal to 1.</div>' in html
    assert 'aria-invalid="true"' in html
    members = client.post(url, resource_data(who_may_book="members")).content.decode()
    assert re.search(r'id="organisations-field"(?![^>]*hidden)', members)  # shown, with its error
    assert 'id="id_organisations-error">Choose at least one organisation whose members may book.' in members
    assert not Resource.objects.exists()


def test_an_administrator_adds_and_edits_a_resource(client, listed, admin, other_organisation):
    client.force_login(admin)
    response = client.post(
        page(listed, "risorse/nuova/"),
        resource_data(who_may_book="members", organisations=[str(other_organisation.pk)]),
    )
    assert response.status_code == 302 and response["Location"] == page(listed, "risorse/")
    shower = Resource.objects.get()
    assert (shower.place, shower.kind, shower.slot_minutes, shower.buffer_minutes) == (
        listed,
        "shower",
        15,
        10,
    )
    assert list(shower.organisations.all()) == [other_organisation]
    listing = text(client.get(page(listed, "risorse/")))
    assert "Shower" in listing and "Members of the given organisations" in listing
    edit = page(listed, f"risorse/{shower.pk}/")
    assert 'value="Shower"' in client.get(edit).content.decode()
    client.post(edit, resource_data(name_en="Showers", requires_approval="on"))
    shower.refresh_from_db()
    assert (shower.name_en, shower.requires_approval, shower.who_may_book) == ("Showers", True, "everyone")
    assert list(shower.organisations.all()) == []  # dropped with the "members" rule


def test_capacity_cannot_drop_below_the_bookings_ahead(client, listed, desks, admin, ada, bruno, day):
    book(ada, desks, day)
    book(bruno, desks, day, "09:30", "10:30")
    client.force_login(admin)
    data = resource_data(kind="desk", name_en="Desk room", capacity="1", slot_minutes="30", min_minutes="60")
    response = client.post(
        page(listed, f"risorse/{desks.pk}/"), {**data, **in_page_units({"max_minutes": "240"})}
    )
    assert "Bookings ahead hold 2 units at the same time; keep at least 2" in response.content.decode()
    desks.refresh_from_db()
    assert desks.capacity == 2


# --- the day plan ----------------------------------------------------------------------------------------------
def test_the_day_plan_lists_the_days_bookings_and_free_units(client, listed, desks, staff, ada, bruno, day):
    book(ada, desks, day, "09:00", "10:30")
    following = day + timedelta(days=1 if day.weekday() < 4 else 3)
    book(bruno, desks, following)
    Block.objects.create(
        resource=desks,
        start=at("17:00", day),
        end=at("19:00", day),
        reason_it="Pulizie",
        reason_en="Cleaning",
    )
    client.force_login(staff)
    response = client.get(page(listed, f"piano/?giorno={day.isoformat()}"))
    visible = text(response)
    assert "Ada Lovelace" in visible and "09:00–10:30" in visible and "Confirmed" in visible
    assert "Bruno Munari" not in visible
    assert "Open 08:30–19:00" in visible
    assert "Blocked" in visible and "Cleaning" in visible
    assert "09:00 · 1 free" in visible and "08:30 · 2 free" in visible and "17:00 · full" in visible
    html = response.content.decode()
    assert f'href="?giorno={(day - timedelta(days=1)).isoformat()}"' in html
    assert f'href="?giorno={(day + timedelta(days=1)).isoformat()}"' in html
    # The next day lists Bruno's booking and not Ada's.
    other = text(client.get(page(listed, f"piano/?giorno={following.isoformat()}")))
    assert "Bruno Munari" in other and "Ada Lovelace" not in other
    # A day that is not a date falls back to today (Rome), never an error.
    fallback = client.get(page(listed, "piano/?giorno=domani"))
    assert fallback.status_code == 200 and fallback.context["day"] == timezone.localdate()


def test_the_day_plan_offers_to_reschedule_what_the_engine_allows(
    client, listed, desks, staff, ada, bruno, day
):
    """The "Move…" link of each booking comes from the engine's allowed actions: a booking ahead, not a
    cancelled one."""
    kept = book(ada, desks, day, "09:00", "10:00")
    cancelled = book(bruno, desks, day, "11:00", "12:00")
    services.cancel(cancelled, bruno)
    client.force_login(staff)
    html = client.get(page(listed, f"piano/?giorno={day.isoformat()}")).content.decode()
    assert f'href="/en/prenotazioni/{kept.pk}/modifica/"' in html
    assert f'href="/en/prenotazioni/{cancelled.pk}/modifica/"' not in html
    assert "Bruno Munari" in html  # listed, with its state, without the link


def decide(client, place, reservation, action, reason=None):
    data = {"reservation": reservation.pk, "action": action}
    if reason is not None:
        data["reason"] = reason
    return client.post(
        page(place, f"piano/?giorno={timezone.localdate(reservation.start).isoformat()}"), data
    )


def test_a_reason_with_a_nul_is_refused_before_the_day_plan_reads_it(client, listed, staff, ada, day):
    room = make_resource(listed, name_en="Room on request", capacity=2, requires_approval=True)
    first = book(ada, room, day)
    client.force_login(staff)
    response = decide(client, listed, first, "reject", "closed\x00")  # PostgreSQL stores no NUL: it was a 500
    assert response.status_code == 400 and "holds a NUL character" in response.content.decode()
    first.refresh_from_db()
    assert first.state == S.REQUESTED


def test_confirm_reject_and_cancel_from_the_day_plan(client, listed, staff, ada, bruno, day):
    room = make_resource(listed, name_en="Room on request", capacity=2, requires_approval=True)
    first, second = book(ada, room, day), book(bruno, room, day, "11:00", "12:00")
    client.force_login(staff)
    visible = text(client.get(page(listed, f"piano/?giorno={day.isoformat()}")))
    assert visible.count("Waiting for approval") == 2 and "Confirm" in visible and "Reject…" in visible

    response = decide(client, listed, first, "confirm")
    assert response.status_code == 302 and response["Location"].endswith(f"?giorno={day.isoformat()}")
    first.refresh_from_db()
    assert first.state == S.CONFIRMED and first.events.last().actor == staff
    assert "Booking confirmed" in text(client.get(response["Location"]))

    # Without a reason nothing changes, and the reason's field says why.
    refused = decide(client, listed, second, "reject", reason="  ")
    html = refused.content.decode()
    assert f'id="reason-{second.pk}-error">Write the reason for the person who asked.</div>' in html
    assert re.search(r'<details class="w-100" open>\s*<summary[^>]*>Reject…', html)
    second.refresh_from_db()
    assert second.state == S.REQUESTED
    decide(client, listed, second, "reject", reason="The room is taken by a course")
    second.refresh_from_db()
    event = second.events.last()
    assert (second.state, event.action, event.note) == (S.REJECTED, "reject", "The room is taken by a course")

    refused = decide(client, listed, first, "cancel", reason="")
    assert "Write the reason for the person who booked." in refused.content.decode()
    decide(client, listed, first, "cancel", reason="Water leak")
    first.refresh_from_db()
    assert first.state == S.CANCELLED and first.events.last().note == "Water leak"
    # A move the state does not allow is refused with the engine's message, next to the booking.
    again = decide(client, listed, first, "confirm")
    assert "&#x27;confirm&#x27; is not possible for a reservation" in again.content.decode()


def test_another_places_booking_cannot_be_decided_here(client, listed, other_place, staff, ada, day):
    elsewhere = book(ada, make_resource(other_place), day)
    assert decide(client, listed, elsewhere, "cancel", reason="x").status_code == 302  # anonymous: sign in
    client.force_login(staff)
    assert decide(client, listed, elsewhere, "cancel", reason="x").status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.state == S.CONFIRMED


@pytest.mark.parametrize("value", NOT_IDS)
def test_a_booking_that_is_not_an_id_is_a_404_on_the_day_plan(client, listed, staff, ada, day, value):
    room = make_resource(listed, name_en="Room on request", requires_approval=True)
    asked = book(ada, room, day)
    client.force_login(staff)
    plan = page(listed, f"piano/?giorno={day.isoformat()}")
    assert client.post(plan, {"reservation": value, "action": "confirm"}).status_code == 404
    asked.refresh_from_db()
    assert asked.state == S.REQUESTED


# --- blocks ----------------------------------------------------------------------------------------------------
def test_a_new_block_shows_the_bookings_in_it_and_cancels_them_all(
    client, listed, desks, staff, ada, bruno, day, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE}}
    settings.SITE_URL = "https://vicinato.example.org"
    inside = [book(ada, desks, day, "10:00", "11:00"), book(bruno, desks, day, "11:00", "12:00")]
    outside = book(bruno, desks, day, "15:00", "16:00")
    client.force_login(staff)
    data = {
        "resource": desks.pk,
        "start": f"{day.isoformat()}T09:30",
        "end": f"{day.isoformat()}T12:00",
        "reason_it": "Tinteggiatura",
        "reason_en": "Painting",
    }
    wrong = client.post(page(listed, "blocchi/"), {**data, "end": f"{day.isoformat()}T09:00"})
    assert 'id="id_end-error">The end must come after the start; choose a later end.</div>' in (
        wrong.content.decode()
    )
    response = client.post(page(listed, "blocchi/"), data)
    block = Block.objects.get()
    assert (block.start, block.end, block.created_by) == (at("09:30", day), at("12:00", day), staff)
    assert response["Location"] == page(listed, f"blocchi/{block.pk}/")
    detail = text(client.get(response["Location"]))
    assert "2 bookings fall in the period" in detail
    assert "Ada Lovelace" in detail and "Bruno Munari" in detail and "15:00" not in detail
    assert "Cancel these 2 bookings" in detail

    mail.outbox.clear()
    refused = client.post(response["Location"], {"reason": ""})
    assert (
        'id="id_reason-error">Write the reason for the people who booked.</div>' in refused.content.decode()
    )
    assert Reservation.objects.filter(state=S.CONFIRMED).count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(response["Location"], {"reason": "The room is being painted"})
    assert done.status_code == 302
    assert_cancelled(inside, staff, "The room is being painted")
    outside.refresh_from_db()
    assert outside.state == S.CONFIRMED
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.org", "bruno@example.org"]
    assert all("The room is being painted" in m.body for m in mail.outbox)
    after = text(client.get(done["Location"]))
    assert "2 bookings cancelled" in after and "No booking falls in this period." in after


def test_a_block_with_no_booking_in_it_goes_back_to_the_list(client, listed, desks, staff, day):
    client.force_login(staff)
    start, end = f"{day.isoformat()}T13:00", f"{day.isoformat()}T14:00"
    response = client.post(page(listed, "blocchi/"), {"resource": desks.pk, "start": start, "end": end})
    assert response["Location"] == page(listed, "blocchi/")
    visible = text(client.get(response["Location"]))
    assert "no booking falls in it" in visible and "Desk room" in visible and "Lift the block" in visible


def test_lifting_a_block_offers_the_unit_to_the_waiting_list(client, listed, room, staff, ada, bruno, day):
    book(ada, room, day)
    entry = services.join_waiting_list(bruno, room, at("09:00", day), at("10:00", day))
    block, _affected = services.block_resource(room, at("09:00", day), at("10:00", day), "Leak", staff)
    services.cancel_affected(block, staff, "Leak in the ceiling")
    entry.refresh_from_db()
    assert entry.state == WaitingListEntry.State.WAITING  # blocked: nothing to offer yet
    client.force_login(staff)
    lift = page(listed, f"blocchi/{block.pk}/rimuovi/")
    assert client.get(lift).status_code == 405  # a change is a POST
    response = client.post(lift)
    assert response["Location"] == page(listed, "blocchi/")
    assert "1 person on the waiting list got an offer" in text(client.get(response["Location"]))
    entry.refresh_from_db()
    assert entry.state == WaitingListEntry.State.OFFERED
    assert not Block.objects.exists()


# --- check-in --------------------------------------------------------------------------------------------------
def booking_at(resource, person, start: datetime, state=S.CONFIRMED) -> Reservation:
    """A booking as it stands at `start` (made directly: the check-in, not the booking, is under test)."""
    return Reservation.objects.create(
        resource=resource, person=person, start=start, end=start + timedelta(hours=1), state=state
    )


def check_in(client, place, code):
    return client.post(page(place, "check-in/"), {"code": code})


def test_check_in_by_code_shows_who_what_and_when(client, listed, desks, staff, ada):
    # In UTC: five minutes on Milan's wall clock are not always five minutes (the night the clocks go back).
    soon = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=5)
    reservation = booking_at(desks, ada, soon)
    client.force_login(staff)
    response = check_in(client, listed, f"  {reservation.checkin_code.lower()} ")
    assert response.status_code == 302
    visible = text(client.get(response["Location"]))
    assert "Checked in" in visible and "Ada Lovelace" in visible and "Desk room · 1 unit" in visible
    # The end as the wall clock reads it: the night the clocks go back, 02:35 plus an hour is 02:35 again.
    start, end = timezone.localtime(reservation.start), timezone.localtime(reservation.end)
    assert f"{start:%H:%M}–{end:%H:%M}" in visible
    reservation.refresh_from_db()
    event = reservation.events.last()
    assert (reservation.state, event.action, event.actor) == (S.CHECKED_IN, "check_in", staff)


@pytest.mark.parametrize("value", NOT_IDS)
def test_the_check_in_page_ignores_a_booking_that_is_not_an_id(client, listed, staff, value):
    client.force_login(staff)
    response = client.get(page(listed, "check-in/"), {"prenotazione": value})
    assert response.status_code == 200 and "Checked in" not in text(response)


def error_of(response) -> str:
    match = re.search(r'id="id_code-error">([^<]*)</div>', response.content.decode())
    return match.group(1) if match else ""


def test_check_in_failures_are_said_next_to_the_code(client, listed, other_place, desks, staff, ada):
    now = timezone.now().replace(second=0, microsecond=0)  # UTC: hours added are hours that pass
    client.force_login(staff)
    assert error_of(check_in(client, listed, "")) == "Type the code the person shows you."
    assert error_of(check_in(client, listed, "12-NOTVALID")) == (
        "This check-in code is not valid; check it and type it again."
    )
    early = booking_at(desks, ada, now + timedelta(hours=2))
    opens = timezone.localtime(early.start - timedelta(minutes=15))
    assert error_of(check_in(client, listed, early.checkin_code)) == (
        f"Check-in opens at {opens:%Y-%m-%d %H:%M}, 15 minutes before the start."
    )
    late = booking_at(desks, ada, now - timedelta(hours=2))
    closed = timezone.localtime(late.start + timedelta(minutes=15))
    assert error_of(check_in(client, listed, late.checkin_code)) == (
        f"Check-in closed at {closed:%Y-%m-%d %H:%M}; the booking has been released."
    )
    done = booking_at(desks, ada, now)
    services.check_in(done.checkin_code, staff, now=now)
    assert error_of(check_in(client, listed, done.checkin_code)) == (
        f"This booking was already checked in at {timezone.localtime(now):%Y-%m-%d %H:%M}."
    )
    cancelled = booking_at(desks, ada, now, state=S.CANCELLED)
    assert "“Cancelled”: there is nothing to check in" in error_of(
        check_in(client, listed, cancelled.checkin_code)
    )
    # A code of the organisation's other place is for that place's desk.
    elsewhere = booking_at(make_resource(other_place), ada, now)
    assert error_of(check_in(client, listed, elsewhere.checkin_code)) == (
        "This code is for a booking at another place; check it in there."
    )
    assert Reservation.objects.filter(state=S.CHECKED_IN).count() == 1  # only `done`


def test_the_day_plan_costs_the_same_queries_for_more_bookings(client, listed, desks, room, staff, ada, day):
    client.force_login(staff)
    url = page(listed, f"piano/?giorno={day.isoformat()}")
    book(ada, desks, day)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for start, end in (("11:00", "12:00"), ("13:00", "14:00"), ("15:00", "16:00")):
        book(ada, room, day, start, end)
        book(ada, desks, day, start, end)
    assert queries() == few


def test_the_day_plan_of_a_far_date_shows_today(client, listed, desks, staff):
    client.force_login(staff)
    for far in ("9999-12-31", "0001-01-01", "not-a-date"):
        response = client.get(page(listed, f"piano/?giorno={far}"))
        assert response.status_code == 200 and response.context["day"] == timezone.localdate()


def test_lengths_and_prices_are_asked_in_hours_minutes_and_euros(client, listed, admin):
    """Stored in minutes and cents, typed in days, hours, minutes and euros; shown back the same way."""
    client.force_login(admin)
    typed = {
        **resource_data(),
        "slot_minutes_0": "1",
        "slot_minutes_1": "0",
        "min_minutes_0": "1",
        "min_minutes_1": "",
        "max_minutes_0": "3",
        "max_minutes_1": "0",
        "cancellation_deadline_minutes_0": "1",  # a day
        "cancellation_deadline_minutes_1": "2",
        "cancellation_deadline_minutes_2": "30",
        "price_cents_per_slot": "2.50",
        "price_cents_per_day": "12",
    }
    response = client.post(page(listed, "risorse/nuova/"), typed)
    assert response.status_code == 302, re.findall(r"-error\">([^<]*)", response.content.decode())
    shower = Resource.objects.get()
    assert (shower.slot_minutes, shower.min_minutes, shower.max_minutes) == (60, 60, 180)
    assert shower.cancellation_deadline_minutes == 24 * 60 + 150
    assert (shower.price_cents_per_slot, shower.price_cents_per_day) == (250, 1200)
    form = client.get(page(listed, f"risorse/{shower.pk}/")).content.decode()
    assert re.search(r'name="price_cents_per_slot" value="2.50"', form)
    assert re.search(r'name="max_minutes_0" value="3"', form) and re.search(
        r'name="max_minutes_1" value="0"', form
    )
    assert '<label class="mb-0" for="id_max_minutes_1">minutes</label>' in form
    assert '<label for="id_max_minutes_0" class="form-label active">Longest booking' in form  # not for=""
    refused = client.post(page(listed, f"risorse/{shower.pk}/"), {**typed, "price_cents_per_slot": "2.505"})
    assert 'id="id_price_cents_per_slot-error">Ensure that there are no more than 2 decimal places.' in (
        refused.content.decode()
    )
