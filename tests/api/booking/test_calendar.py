"""Calendars: a valid RFC 5545 file for each booking and a private feed whose address can be revoked."""

from datetime import datetime

import icalendar
import pytest
from django.test import Client

from .test_api import URL, booking, client_for

pytestmark = pytest.mark.django_db


def book(api_client, resource, day, start="09:00", end="10:00"):
    answer = api_client.post(
        f"{URL}/reservations", booking(resource, day, start, end), content_type="application/json"
    )
    assert answer.status_code == 201, answer.content
    return answer.json()


def test_reservation_ics_parses_with_the_right_times(listed, resource, person, other_person, day):
    api_client = client_for(person)
    reservation = book(api_client, resource, day)
    answer = api_client.get(f"{URL}/reservations/{reservation['id']}/ics")
    assert answer["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(answer.content)
    [event] = calendar.walk("VEVENT")
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    assert event["DTSTART"].dt == datetime.fromisoformat(reservation["start"])
    assert event["DTEND"].dt == datetime.fromisoformat(reservation["end"])
    assert str(event["UID"]) == f"reservation-{reservation['id']}@vicinato"
    assert reservation["checkin_code"] in str(event["DESCRIPTION"])
    assert client_for(other_person).get(f"{URL}/reservations/{reservation['id']}/ics").status_code == 404


def test_private_feed_lists_bookings_and_can_be_revoked(listed, resource, person, day):
    api_client = client_for(person)
    first = book(api_client, resource, day, "09:00", "10:00")
    second = book(api_client, resource, day, "11:00", "12:00")
    api_client.post(
        f"{URL}/reservations/{second['id']}/cancel", {"reason": "x"}, content_type="application/json"
    )
    url = api_client.get(f"{URL}/calendar").json()["url"]
    assert api_client.get(f"{URL}/calendar").json()["url"] == url
    feed = Client().get(url.replace("http://testserver", ""))
    events = icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [f"reservation-{first['id']}@vicinato"]
    new_url = api_client.post(f"{URL}/calendar/renew").json()["url"]
    assert new_url != url
    assert Client().get(url.replace("http://testserver", "")).status_code == 404
    assert Client().get(new_url.replace("http://testserver", "")).status_code == 200
