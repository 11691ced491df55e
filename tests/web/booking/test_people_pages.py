"""The pages of the person who books: calendar, booking form, confirmation with QR and .ics, my bookings,
series with conflicts, cancellation, waiting list and calendar feed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from icalendar import Calendar

from tests.booking.conftest import make_resource
from tests.web.booking.conftest import book_on_calendar, calendar_url
from vicinato.booking import services
from vicinato.booking.models import CalendarFeed, Reservation, WaitingListEntry
from vicinato.register.models import Closure

ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
def room(listed):
    return make_resource(
        listed, capacity=1, name_it="Sala riunioni", name_en="Meeting room", kind="meeting_room"
    )


@pytest.fixture
def ada(user_factory):
    return user_factory("ada")


def test_anyone_sees_free_slots_but_signs_in_to_book(client, room, day):
    page = client.get(calendar_url(room, day)).content.decode()
    assert "Meeting room" in page and "08:30–09:00" in page and "18:30–19:00" in page
    assert "1 free" in page and "Sign in to book" in page
    response = book_on_calendar(client, room, day)
    assert response.status_code == 302 and "/accedi/" in response["Location"]
    assert not Reservation.objects.exists()


def test_calendar_offers_only_slots_that_can_still_be_booked(client, listed, day, ada):
    """At 10:40 the 10:30 slot has begun and a 60-minute notice also rules out 11:00 and 11:30."""
    room = make_resource(listed, capacity=1, min_notice_minutes=60)
    client.force_login(ada)
    with mock.patch(
        "django.utils.timezone.now", return_value=datetime.combine(day, time(10, 40), tzinfo=ROME)
    ):
        page = client.get(calendar_url(room, day)).content.decode()
        assert "08:30–09:00" not in page and "10:30–11:00" not in page and "11:30–12:00" not in page
        assert "11:40" not in page and "12:00–12:30" in page
        # What the calendar offers, the engine accepts.
        assert book_on_calendar(client, room, day, start="12:00").status_code == 302
        assert "already begun" in book_on_calendar(client, room, day, start="10:30").content.decode()


def test_calendar_says_why_a_slot_is_not_for_the_person(client, listed, day, ada):
    """At the daily limit, no slot of the day offers "Choose": each says why instead; the next day offers them."""
    desk = make_resource(listed, capacity=4, max_per_day_per_person=1)
    services.reserve(ada, desk, *_period(day, "09:00", 60))
    client.force_login(ada)
    page = client.get(calendar_url(desk, day)).content.decode()
    assert "You can book at most 1 time a day at this place; choose another day." in page
    assert '">Choose </span>' not in page and "Join the waiting list" not in page
    assert '">Choose </span>' in client.get(calendar_url(desk, day + timedelta(days=1))).content.decode()


def test_book_then_see_code_qr_and_ics(client, room, day, ada, user_factory):
    client.force_login(ada)
    response = book_on_calendar(client, room, day, start="09:00", minutes=90)
    reservation = Reservation.objects.get()
    assert response["Location"] == f"/en/prenotazioni/{reservation.pk}/"
    assert reservation.start == datetime.combine(day, time(9), tzinfo=ROME)
    assert reservation.end - reservation.start == timedelta(minutes=90)
    page = client.get(response["Location"]).content.decode()
    assert reservation.checkin_code in page and "<svg" in page and "Confirmed" in page
    ics = client.get(f"/en/prenotazioni/{reservation.pk}/calendario.ics")
    assert ics["Content-Type"].startswith("text/calendar")
    event = Calendar.from_ical(ics.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == reservation.start
    # The slot is now full: the calendar tells Ada hers is there, and offers others the waiting list.
    page = client.get(calendar_url(room, day)).content.decode()
    assert "Full" in page and "You already have a booking of this from 09:00 to 10:30" in page
    assert "Join the waiting list" not in page
    client.force_login(user_factory("bruno"))
    page = client.get(calendar_url(room, day)).content.decode()
    assert "Full" in page and "Join the waiting list" in page


def test_the_same_form_sent_twice_books_once(client, room, day, ada):
    client.force_login(ada)
    first = book_on_calendar(client, room, day, idempotency_key="k-1")
    second = book_on_calendar(client, room, day, idempotency_key="k-1")
    assert first["Location"] == second["Location"]
    assert Reservation.objects.count() == 1


def test_refusals_are_shown_next_to_the_fields(client, room, day, ada, user_factory):
    client.force_login(ada)
    page = book_on_calendar(client, room, day, start="09:00", minutes=600).content.decode()
    assert "Select a valid choice" in page  # longer than the longest booking: not offered
    too_far = day + timedelta(days=room.max_days_ahead + 7)
    while too_far.weekday() > 4:
        too_far += timedelta(days=1)
    response = book_on_calendar(client, room, too_far)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any("days ahead" in message for messages in errors.values() for message in messages)
    # Someone else holds the only unit: a clear sentence, nothing booked.
    services.reserve(user_factory("bruno"), room, *_period(day, "09:00", 60))
    response = book_on_calendar(client, room, day)
    assert "free" in " ".join(response.context["form"].non_field_errors())
    assert Reservation.objects.filter(person=ada).count() == 0


def _period(day: date, start: str, minutes: int) -> tuple[datetime, datetime]:
    begin = datetime.combine(day, time.fromisoformat(start), tzinfo=ROME)
    return begin, begin + timedelta(minutes=minutes)


def test_series_reports_conflicts_and_cancels_from_a_date(client, listed, day, ada):
    desk = make_resource(listed, max_days_ahead=60)
    client.force_login(ada)
    tuesday = day + timedelta(days=(1 - day.weekday()) % 7)
    closed = tuesday + timedelta(days=9)  # the second Thursday
    Closure.objects.create(place=listed, start_date=closed, end_date=closed, reason_it="Lavori")
    response = book_on_calendar(
        client,
        desk,
        tuesday,
        start="10:00",
        minutes=120,
        repeat="on",
        weekdays=["1", "3"],
        until=(tuesday + timedelta(days=27)).isoformat(),
    )
    series_page = client.get(response["Location"]).content.decode()
    assert Reservation.objects.filter(person=ada).count() == 7  # 8 dates, one closed
    assert "Dates not booked" in series_page and "Lavori" in series_page
    assert closed.strftime("%B") in series_page
    series = Reservation.objects.filter(person=ada).first().series
    cut = tuesday + timedelta(days=14)
    # First the dates that would go, nothing cancelled yet; then the confirmation cancels them.
    address = f"/en/prenotazioni/serie/{series.pk}/annulla/"
    asked = client.post(address, {"from_date": cut.isoformat(), "reason": "moving"})
    assert asked.status_code == 200 and "Cancel these dates?" in asked.content.decode()
    ahead = [r.pk for r in series.reservations.all() if r.start.date() >= cut]
    assert [r.pk for r in asked.context["reservations"]] == sorted(
        ahead, key=lambda pk: Reservation.objects.get(pk=pk).start
    )
    assert not series.reservations.filter(state="cancelled").exists()
    assert f'name="from_date" value="{cut.isoformat()}"' in asked.content.decode()
    response = client.post(address, {"from_date": cut.isoformat(), "reason": "moving", "confirm": "yes"})
    assert response.status_code == 302
    states = {r.start.date(): r.state for r in series.reservations.all()}
    assert all(s == "cancelled" for d, s in states.items() if d >= cut)
    assert all(s == "confirmed" for d, s in states.items() if d < cut)
    mine = client.get("/en/prenotazioni/").content.decode()
    assert mine.count("Cancelled") == sum(1 for d in states if d >= cut)


def test_series_needs_weekdays_and_an_end(client, room, day, ada):
    client.force_login(ada)
    response = book_on_calendar(client, room, day, repeat="on")
    form = response.context["form"]
    assert "weekdays" in form.errors and "until" in form.errors
    assert not Reservation.objects.exists()


def test_people_see_and_cancel_only_their_own(client, room, day, ada, user_factory):
    bruno = user_factory("bruno")
    theirs = services.reserve(bruno, room, *_period(day, "11:00", 60))
    client.force_login(ada)
    assert client.get(f"/en/prenotazioni/{theirs.pk}/").status_code == 404
    assert client.post(f"/en/prenotazioni/{theirs.pk}/annulla/").status_code == 404
    assert client.get(f"/en/prenotazioni/{theirs.pk}/calendario.ics").status_code == 404
    assert "11:00" not in client.get("/en/prenotazioni/").content.decode()
    theirs.refresh_from_db()
    assert theirs.state == "confirmed"
    client.force_login(bruno)
    asked = client.post(f"/en/prenotazioni/{theirs.pk}/annulla/", {"reason": "sick"})
    page = asked.content.decode()
    assert asked.status_code == 200 and "Cancel this booking?" in page and 'value="sick"' in page
    theirs.refresh_from_db()
    assert theirs.state == "confirmed"  # asked, not yet cancelled
    response = client.post(f"/en/prenotazioni/{theirs.pk}/annulla/", {"reason": "sick", "confirm": "yes"})
    assert response["Location"] == "/en/prenotazioni/"
    theirs.refresh_from_db()
    assert theirs.state == "cancelled" and theirs.events.last().note == "sick"


def test_waiting_list_offer_is_accepted_from_my_bookings(client, room, day, ada, user_factory):
    bruno = user_factory("bruno")
    held = services.reserve(bruno, room, *_period(day, "14:00", 60))
    client.force_login(ada)
    start = datetime.combine(day, time(14), tzinfo=ROME)
    response = client.post(
        f"/en/prenotazioni/attesa/risorsa/{room.pk}/", {"start": start.isoformat(), "minutes": "60"}
    )
    assert response.status_code == 302
    entry = WaitingListEntry.objects.get(person=ada)
    assert "waiting" in client.get("/en/prenotazioni/").content.decode()
    services.cancel(held, bruno)
    entry.refresh_from_db()
    assert entry.state == "offered"
    assert "Accept the offer" in client.get("/en/prenotazioni/").content.decode()
    response = client.post(f"/en/prenotazioni/attesa/{entry.pk}/accetta/")
    reservation = Reservation.objects.get(person=ada)
    assert response["Location"] == f"/en/prenotazioni/{reservation.pk}/"
    # Someone else's offer cannot be taken.
    client.force_login(bruno)
    assert client.post(f"/en/prenotazioni/attesa/{entry.pk}/accetta/").status_code == 404


def test_a_bad_waiting_list_request_gets_a_message(client, room, day, ada):
    client.force_login(ada)
    response = client.post(f"/en/prenotazioni/attesa/risorsa/{room.pk}/", {"start": "tomorrow"}, follow=True)
    assert "Choose a time from the calendar" in response.content.decode()
    start = datetime.combine(day, time(9), tzinfo=ROME).isoformat()
    response = client.post(f"/en/prenotazioni/attesa/risorsa/{room.pk}/", {"start": start}, follow=True)
    assert "book it instead of waiting" in response.content.decode()
    assert not WaitingListEntry.objects.exists()


def test_calendar_feed_address_can_be_renewed(client, ada):
    client.force_login(ada)
    page = client.get("/en/prenotazioni/").content.decode()
    token = CalendarFeed.objects.get(person=ada).token
    assert token in page
    client.post("/en/prenotazioni/calendario/nuovo-indirizzo/")
    assert CalendarFeed.objects.get(person=ada).token != token
    assert client.get(f"/api/v1/booking/calendar/{token}.ics").status_code == 404


def test_italian_pages(client, room, day, ada):
    page = client.get(calendar_url(room, day).removeprefix("/en")).content.decode()
    assert 'lang="it"' in page and "Sala riunioni" in page
    client.force_login(ada)
    assert 'lang="it"' in client.get("/prenotazioni/").content.decode()


def test_place_page_links_to_booking(client, room):
    page = client.get(f"/en/luoghi/{room.place.public_id}/").content.decode()
    assert f"/en/luoghi/{room.place.public_id}/prenota/" in page and "Meeting room" in page


def test_unlisted_place_has_no_public_calendar(client, place):
    make_resource(place)
    assert client.get(f"/en/luoghi/{place.public_id}/prenota/").status_code == 404


def test_prices_read_in_euros_in_each_language(client, listed, day, ada):
    desk = make_resource(listed, price_cents_per_slot=1250)
    client.force_login(ada)
    assert "Price: € 12.50 per slot of 30 min." in client.get(calendar_url(desk, day)).content.decode()
    assert book_on_calendar(client, desk, day, start="09:00", minutes=60).status_code == 302
    reservation = Reservation.objects.get()
    english = client.get(f"/en/prenotazioni/{reservation.pk}/").content.decode()
    italian = client.get(f"/prenotazioni/{reservation.pk}/").content.decode()
    assert f"€ {reservation.price_cents // 100}.00" in english and "€ 25,00" in italian


@pytest.mark.parametrize("far", ["9999-12-31", "0001-01-01"])
def test_dates_out_of_range_get_a_message_not_an_error(client, room, day, ada, far):
    client.force_login(ada)
    # Asked in the address: the calendar shows today instead.
    response = client.get(calendar_url(room, date.fromisoformat(far)))
    assert response.status_code == 200 and response.context["day"] == timezone.localdate()
    # Sent in the form: the field says which dates it takes.
    response = book_on_calendar(client, room, date.fromisoformat(far))
    assert response.status_code == 200 and "Choose a date between" in str(
        response.context["form"].errors["day"]
    )
    series = book_on_calendar(client, room, day, repeat="on", weekdays=["1"], until=far)
    assert series.status_code == 200 and "until" in series.context["form"].errors
    response = client.post(
        f"/en/prenotazioni/attesa/risorsa/{room.pk}/", {"start": f"{far}T09:00", "minutes": "60"}
    )
    assert response.status_code == 302
    assert not Reservation.objects.exists() and not WaitingListEntry.objects.exists()


def test_the_page_offers_what_the_engine_allows_and_says_until_when_cancelling_was_allowed(
    client, listed, day, ada, people
):
    """Past the cancellation deadline the person may neither cancel nor change the time: the page says until
    when they could; the place's staff still may, without that notice; a cancelled booking offers nothing."""
    strict = make_resource(listed, capacity=2, cancellation_deadline_minutes=60 * 24 * 30)
    booking = services.reserve(ada, strict, *_period(day, "09:00", 60))
    deadline = services.cancellation_deadline(booking)
    client.force_login(ada)
    page = client.get(f"/en/prenotazioni/{booking.pk}/").content.decode()
    assert "This booking could be cancelled until" in page
    assert date_format(timezone.localtime(deadline), "DATETIME_FORMAT") in page
    assert "Cancel the booking" not in page and "Change time" not in page
    client.force_login(people["org_staff"])
    page = client.get(f"/en/prenotazioni/{booking.pk}/").content.decode()
    assert "Cancel the booking" in page and "Change time" in page
    assert "could be cancelled until" not in page
    services.cancel(booking, people["org_staff"], "Closed for works")
    for person in (ada, people["org_staff"]):
        client.force_login(person)
        page = client.get(f"/en/prenotazioni/{booking.pk}/").content.decode()
        assert "could be cancelled until" not in page
        assert "Cancel the booking" not in page and "Change time" not in page


def test_my_bookings_lists_as_upcoming_a_booking_going_on(client, listed, ada):
    """Upcoming as the API says it: by the end, so a booking that has begun and not ended is still ahead."""
    desk = make_resource(listed, capacity=2)
    now = timezone.now()
    going_on = Reservation.objects.create(
        resource=desk,
        person=ada,
        start=now - timedelta(minutes=30),
        end=now + timedelta(minutes=30),
        state=Reservation.State.CHECKED_IN,
    )
    ended = Reservation.objects.create(
        resource=desk,
        person=ada,
        start=now - timedelta(hours=3),
        end=now - timedelta(hours=2),
        state=Reservation.State.COMPLETED,
    )
    client.force_login(ada)
    response = client.get("/en/prenotazioni/")
    assert [r.pk for r in response.context["upcoming"]] == [going_on.pk]
    assert [r.pk for r in response.context["past"]] == [ended.pk]
