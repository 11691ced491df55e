"""The organiser's pages: create an event, add a series of sessions (errors next to the fields, dates that
cannot be added reported), publish, change the places, mark attendance; and the certificate."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.activities.conftest import NOW, TUESDAY, room_taken_next_tuesday
from tests.web.pages import NOT_IDS
from vicinato.activities.models import Attendance, Event
from vicinato.activities.services import registrations

pytestmark = pytest.mark.django_db


def test_an_organiser_creates_a_course_with_a_series_and_publishes_it(
    client, place_admin, organisation, place, room, person, listed, clock
):
    room_taken_next_tuesday(person, room)
    client.force_login(place_admin)
    response = client.post(
        f"/en/gestione/organizzazioni/{organisation.pk}/eventi/nuovo/",
        {
            "kind": "course",
            "title_it": "Italiano A2",
            "place": place.pk,
            "language": "it",
            "price_cents": 0,
            "is_public": "on",
            "registration": "on",
            "capacity": 10,
            "offer_hours": 24,
            "certificate_percent": 75,
        },
    )
    event = Event.objects.get()
    assert response["Location"] == f"/en/gestione/eventi/{event.public_id}/"
    manage = f"/en/gestione/eventi/{event.public_id}/"
    page = client.post(
        manage,
        {
            "session": "1",
            "day": TUESDAY.isoformat(),
            "start_time": "18:00",
            "end_time": "20:00",
            "room": room.pk,
        },
    )
    assert page.status_code == 422
    assert (
        'id="id_start_time-error"' in page.content.decode()
        and "choose a time within its opening hours" in page.content.decode()
    )
    client.post(
        manage,
        {
            "session": "1",
            "day": TUESDAY.isoformat(),
            "start_time": "10:00",
            "end_time": "12:00",
            "room": room.pk,
            "repeat": "on",
            "weekdays": ["1"],
            "until": (TUESDAY + timedelta(days=14)).isoformat(),
        },
    )
    assert event.sessions.count() == 2
    page = client.get(manage).content.decode()
    assert "not added" in page and "Training room has 1 booking" in page
    client.post(manage, {"action": "publish"})
    event.refresh_from_db()
    assert event.state == "published"
    registrations.register(person, event, now=NOW)
    response = client.post(manage, {"action": "capacity", "capacity": "0"}, follow=True)
    assert "Give from 1 to 100000 places, or leave it empty for no limit." in response.content.decode()
    client.post(manage, {"action": "capacity", "capacity": "30"})
    for wrong in ("trenta", "-1", "1.5", "²", "99999999999999999999"):  # said, never read as "no limit"
        response = client.post(manage, {"action": "capacity", "capacity": wrong}, follow=True)
        assert response.status_code == 200 and "Give " in response.content.decode()
        event.refresh_from_db()
        assert event.capacity == 30, wrong
    client.post(manage, {"action": "capacity", "capacity": ""})
    event.refresh_from_db()
    assert event.capacity is None


def test_capacity_below_the_registered_count_is_refused_with_a_sentence(
    client, course, place_admin, person, other_person, clock
):
    registrations.register(person, course, now=NOW)
    registrations.register(other_person, course, now=NOW)
    client.force_login(place_admin)
    response = client.post(
        f"/en/gestione/eventi/{course.public_id}/", {"action": "capacity", "capacity": "1"}, follow=True
    )
    assert (
        "2 people are registered; choose at least 2 places, or cancel registrations first."
        in response.content.decode()
    )
    course.refresh_from_db()
    assert course.capacity == 2


def test_attendance_and_the_certificate(client, course, place_admin, person, time_machine):
    time_machine.move_to(NOW)
    registration = registrations.register(person, course, now=NOW)
    first, second = course.sessions.all()
    client.force_login(place_admin)
    time_machine.move_to(first.start + timedelta(minutes=5))
    url = f"/en/gestione/eventi/{course.public_id}/sessioni/{first.pk}/presenze/"
    assert "Ada Lovelace" in client.get(url).content.decode()
    client.post(url, {"present": [registration.pk]})
    time_machine.move_to(second.start + timedelta(minutes=5))
    client.post(
        f"/en/gestione/eventi/{course.public_id}/sessioni/{second.pk}/presenze/",
        {"present": [registration.pk]},
    )
    assert Attendance.objects.filter(present=True).count() == 2
    time_machine.move_to(second.end + timedelta(hours=1))
    client.force_login(person)
    assert "Certificate of attendance (PDF)" in client.get("/en/attivita/").content.decode()
    pdf = client.get(f"/en/iscrizioni/{registration.pk}/attestato.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize("value", NOT_IDS)
def test_a_session_that_is_not_an_id_is_a_404_and_none_is_cancelled(
    client, course, place_admin, value, clock
):
    client.force_login(place_admin)
    response = client.post(
        f"/en/gestione/eventi/{course.public_id}/", {"action": "cancel_session", "session_id": value}
    )
    assert response.status_code == 404
    assert course.sessions.count() == 2 and not course.sessions.filter(is_cancelled=True).exists()


@pytest.mark.parametrize("value", NOT_IDS)
def test_attendance_leaves_out_what_is_not_an_id(client, course, place_admin, person, value, time_machine):
    time_machine.move_to(NOW)
    registration = registrations.register(person, course, now=NOW)
    first = course.sessions.first()
    time_machine.move_to(first.start + timedelta(minutes=5))
    client.force_login(place_admin)
    url = f"/en/gestione/eventi/{course.public_id}/sessioni/{first.pk}/presenze/"
    assert client.post(url, {"present": [value, registration.pk]}).status_code == 302
    assert Attendance.objects.get().present


@pytest.mark.parametrize(
    ("after", "goes_to"),
    [
        ("https://evil.example/phish", "/en/attivita/"),
        ("//evil.example/", "/en/attivita/"),
        ("", "/en/attivita/"),
        ("/en/agenda/", "/en/agenda/"),
    ],
)
@pytest.mark.parametrize("action", ["conferma", "annulla"])
def test_a_registration_goes_back_to_a_page_of_this_site_only(
    client, course, person, action, after, goes_to, clock
):
    registration = registrations.register(person, course, now=NOW)
    client.force_login(person)
    response = client.post(f"/en/iscrizioni/{registration.pk}/{action}/", {"next": after})
    assert response.status_code == 302 and response["Location"] == goes_to


def test_others_cannot_manage_an_event(client, course, person, clock):
    client.force_login(person)
    assert client.get(f"/en/gestione/eventi/{course.public_id}/").status_code == 404
