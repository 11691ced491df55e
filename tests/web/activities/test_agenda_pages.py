"""The agenda and event pages: filters in the address, schema.org metadata, registration with its questions,
calendars and the events' open data; both languages, readable without JavaScript."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from icalendar import Calendar

from tests.activities.conftest import LEVEL, NOW, at, make_event
from vicinato.activities.models import Event, Registration
from vicinato.activities.services import events, registrations
from vicinato.register.models import Area

pytestmark = pytest.mark.django_db


@pytest.fixture
def online(place_admin, organisation, clock):
    event = events.create_event(
        place_admin,
        organisation,
        kind="talk",
        title_it="Webinar sul fisco",
        online_url="https://meet.example/x",
        language="en",
        price_cents=500,
        audiences=["freelancers"],
    )
    events.add_session(place_admin, event, at("20:00"), at("21:00"), now=NOW)
    return events.publish(place_admin, event)


def test_the_agenda_lists_public_events_and_filters_them(client, course, online, clock):
    page = client.get("/en/agenda/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Budget management" in text and "Webinar sul fisco" in text and "2 events" in text
    assert "Budget management" in client.get("/en/agenda/?kind=course").content.decode()
    assert "Webinar" not in client.get("/en/agenda/?kind=course").content.decode()
    assert "Webinar" not in client.get("/en/agenda/?free=on").content.decode()
    assert "Budget" not in client.get("/en/agenda/?language=en").content.decode()
    assert "Webinar" not in client.get("/en/agenda/?municipio=1").content.decode()
    assert "Budget" in client.get("/en/agenda/?nil=10").content.decode()
    assert "Budget" not in client.get("/en/agenda/?nil=20").content.decode()
    assert "Budget" not in client.get("/en/agenda/?audience=riders").content.decode()
    assert "Webinar" in client.get("/en/agenda/?audience=freelancers").content.decode()
    assert "Agenda: corsi, laboratori e incontri" in client.get("/agenda/").content.decode()


def test_drafts_and_private_events_stay_out_of_the_agenda(
    client, course, place_admin, organisation, place, clock
):
    make_event(place_admin, organisation, place, title_it="Bozza")
    events.update_event(place_admin, course, is_public=False)
    text = client.get("/en/agenda/").content.decode()
    assert "Bozza" not in text and "Budget" not in text
    assert client.get(course.get_absolute_url()).status_code == 200  # by its link
    draft = Event.objects.get(title_it="Bozza")
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_the_event_page_has_schema_org_metadata(client, course, clock):
    text = client.get(course.get_absolute_url()).content.decode()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S).group(1))
    assert data["@type"] == "EducationEvent" and data["name"] == "Budget management"
    assert data["startDate"] == "2030-03-05T14:00:00+01:00" and data["location"]["name"] == "Duomo Cowork"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert (
        data["offers"]["availability"] == "https://schema.org/InStock" and data["isAccessibleForFree"] is True
    )


def test_registering_from_the_page_then_the_waiting_list(
    client, course, person, other_person, user_factory, clock
):
    client.force_login(person)
    response = client.post(course.get_absolute_url(), {})
    assert response.status_code == 302
    assert Registration.objects.get(person=person).state == "confirmed"
    registrations.register(other_person, course, now=NOW)
    third = user_factory("third")
    client.force_login(third)
    page = client.get(course.get_absolute_url()).content.decode()
    assert "0 places left" in page and "Join the waiting list" in page
    client.post(course.get_absolute_url(), {})
    page = client.get(course.get_absolute_url()).content.decode()
    assert "You are on the waiting list (turn 1)." in page


def test_a_required_question_is_answered_next_to_its_field(client, course, person, place_admin, clock):
    [question] = events.set_questions(
        place_admin,
        course,
        [LEVEL],
    )
    client.force_login(person)
    page = client.post(course.get_absolute_url(), {}).content.decode()
    assert f'id="id_answers.{question.pk}-error"' in page and "This field is required." in page
    client.post(course.get_absolute_url(), {f"answers.{question.pk}": "A2"})
    assert Registration.objects.get(person=person).answers == {str(question.pk): "A2"}


def test_calendars_of_an_event_a_place_and_an_organiser(client, course, place, organisation, clock):
    for url in (
        f"/agenda/{course.public_id}/calendario.ics",
        f"/agenda/luogo/{place.public_id}/calendario.ics",
        f"/agenda/organizzatore/{organisation.pk}/calendario.ics",
    ):
        response = client.get(url)
        assert response["Content-Type"].startswith("text/calendar")
        sessions = Calendar.from_ical(response.content).walk("VEVENT")
        assert [str(s["summary"]) for s in sessions] == ["Gestire il bilancio familiare"] * 2, url


def test_open_data_lists_public_events_only(client, course, online, place_admin, clock):
    events.update_event(place_admin, online, is_public=False)
    rows = list(csv.DictReader(io.StringIO(client.get("/opendata/events.csv").content.decode())))
    assert [r["id"] for r in rows] == [course.public_id]
    assert (
        rows[0]["sessions"] == "2"
        and rows[0]["nil"] == Area.objects.get(code="10", level="neighbourhood").name
    )
    data = json.loads(client.get("/opendata/events.json").content)
    assert [d["id"] for d in data] == [course.public_id] and data[0]["free"] is True
    ics = Calendar.from_ical(client.get("/opendata/events.ics").content)
    assert len(ics.walk("VEVENT")) == 2


def test_the_dcat_entry_lists_the_three_distributions():
    from vicinato.activities.opendata import dcat_dataset

    entry = dcat_dataset("https://example.org")
    assert [d["@id"] for d in entry["dcat:distribution"]] == [
        "https://example.org/opendata/events.csv",
        "https://example.org/opendata/events.json",
        "https://example.org/opendata/events.ics",
    ]
