"""Events: sessions inside the place's hours, each holding its room through the booking engine; series with
the dates that cannot be added reported; capacity never below the people registered; publishing, cancelling."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from vicinato.activities.models import Event
from vicinato.activities.services import events, registrations
from vicinato.activities.services.common import ActivityError
from vicinato.booking import services as booking
from vicinato.booking.models import Block

from .conftest import NOW, TUESDAY, at, make_event, room_taken_next_tuesday


def test_a_session_outside_the_place_hours_is_refused_with_the_hours(place_admin, organisation, place, room):
    event = make_event(place_admin, organisation, place)
    with pytest.raises(ValidationError) as error:
        events.add_session(place_admin, event, at("18:00"), at("20:00"), room, now=NOW)
    assert error.value.message_dict["start"] == [
        "Duomo Cowork is open on 2030-03-05 08:30–19:00; choose a time within its opening hours."
    ]
    with pytest.raises(ValidationError, match="closed on 2030-03-09"):
        events.add_session(
            place_admin, event, at("10:00", date(2030, 3, 9)), at("12:00", date(2030, 3, 9)), room, now=NOW
        )


def test_a_session_holds_its_room_so_no_desk_booking_collides(course, room, person):
    session = course.sessions.first()
    assert session.block.resource == room and session.block.reason == "Course: Budget management"
    assert session.block.reason_it == "Corso: Gestire il bilancio familiare"  # each in its language
    with pytest.raises(ValidationError, match="This resource is closed from"):
        booking.reserve(person, room, at("15:00"), at("16:00"), now=NOW)
    free = {slot.start: slot.free for slot in booking.availability(room, TUESDAY, now=NOW)}
    assert [free[at(t)] for t in ("13:30", "14:00", "15:30", "16:00")] == [1, 0, 0, 1]
    booking.reserve(person, room, at("16:00"), at("17:00"), now=NOW)  # after the session: free


def test_a_room_already_booked_refuses_the_session(place_admin, organisation, place, room, person):
    booking.reserve(person, room, at("10:00"), at("11:00"), now=NOW)
    event = make_event(place_admin, organisation, place)
    with pytest.raises(ActivityError, match="Training room has 1 booking from"):
        events.add_session(place_admin, event, at("09:00"), at("12:00"), room, now=NOW)
    assert not Block.objects.exists()  # the block was undone with the refusal
    other = make_event(place_admin, organisation, place, title_it="Altro")
    events.add_session(place_admin, other, at("12:00"), at("13:00"), room, now=NOW)
    with pytest.raises(ActivityError, match="already taken from"):
        events.add_session(place_admin, event, at("12:30"), at("14:00"), room, now=NOW)


def test_only_the_place_staff_hold_its_room(union_admin, other_organisation, place, room):
    event = make_event(union_admin, other_organisation, place, kind=Event.Kind.ASSEMBLY)
    with pytest.raises(ValidationError) as error:
        events.add_session(union_admin, event, at("10:00"), at("11:00"), room, now=NOW)
    assert error.value.message_dict["room"] == [
        "Only the staff of Cowork Test S.r.l. can hold Training room for an event; ask them to add this session."
    ]


def test_an_online_event_needs_its_link_and_holds_no_room(place_admin, organisation, room):
    with pytest.raises(ValidationError, match="Give the link to join online"):
        events.create_event(place_admin, organisation, kind="talk", title_it="Webinar")
    event = events.create_event(
        place_admin, organisation, kind="talk", title_it="Webinar", online_url="https://meet.example/x"
    )
    with pytest.raises(ValidationError, match="holds no room"):
        events.add_session(place_admin, event, at("10:00"), at("11:00"), room, now=NOW)
    events.add_session(place_admin, event, at("20:00"), at("21:00"), now=NOW)  # online: no opening hours


def test_a_series_adds_every_weekday_and_reports_the_dates_it_cannot(
    place_admin, organisation, place, room, person
):
    room_taken_next_tuesday(person, room)
    event = make_event(place_admin, organisation, place)
    result = events.add_series(
        place_admin, event, [1, 3], time(10), time(12), TUESDAY, TUESDAY + timedelta(days=13), room, now=NOW
    )
    assert [s.start.date() for s in result.sessions] == [TUESDAY + timedelta(days=d) for d in (0, 2, 9)]
    assert [d for d, _reason in result.conflicts] == [TUESDAY + timedelta(days=7)]
    assert "Training room has 1 booking" in result.conflicts[0][1]
    event.refresh_from_db()
    assert (event.starts_at, event.ends_at) == (at("10:00"), at("12:00", TUESDAY + timedelta(days=9)))
    with pytest.raises(ValidationError) as error:
        events.add_series(
            place_admin, event, [], time(12), time(10), TUESDAY, TUESDAY - timedelta(days=1), room, now=NOW
        )
    assert set(error.value.message_dict) == {"weekdays", "until_date", "end_time"}


def test_capacity_never_below_the_people_registered(course, place_admin, person, other_person, user_factory):
    registrations.register(person, course, now=NOW)
    registrations.register(other_person, course, now=NOW)
    waiting = registrations.register(user_factory("third"), course, now=NOW)
    assert waiting.state == "waiting"
    with pytest.raises(ValidationError) as error:
        events.set_capacity(place_admin, course, 1, now=NOW)
    assert error.value.message_dict["capacity"] == [
        "2 people are registered; choose at least 2 places, or cancel registrations first."
    ]
    events.set_capacity(place_admin, course, 3, now=NOW)
    waiting.refresh_from_db()
    assert waiting.state == "offered"  # the new place went to the waiting list


def test_cancelling_a_session_gives_the_room_back(course, place_admin, room, person):
    session = course.sessions.first()
    events.cancel_session(place_admin, session, now=NOW)
    assert not Block.objects.filter(resource=room, start=at("14:00")).exists()
    booking.reserve(person, room, at("14:00"), at("15:00"), now=NOW)
    course.refresh_from_db()
    assert course.starts_at == at("14:00", TUESDAY + timedelta(days=7))


def test_a_session_whose_block_the_place_lifted_has_no_room(course, place_admin):
    session = course.sessions.first()
    booking.lift_block(session.block, place_admin, NOW)
    session.refresh_from_db()
    assert session.room_released


def test_publishing_needs_a_session_and_cancelling_needs_a_reason(
    place_admin, organisation, place, course, person
):
    draft = make_event(place_admin, organisation, place)
    with pytest.raises(ValidationError, match="Add at least one session"):
        events.publish(place_admin, draft)
    registration = registrations.register(person, course, now=NOW)
    with pytest.raises(ValidationError, match="Write the reason"):
        events.cancel_event(place_admin, course, "", now=NOW)
    events.cancel_event(place_admin, course, "Docente malato", now=NOW)
    registration.refresh_from_db()
    assert registration.state == "cancelled"
    assert not Block.objects.exists()


def test_only_the_organiser_manages_an_event(course, person):
    with pytest.raises(PermissionDenied):
        events.update_event(person, course, title_it="Nuovo")
    with pytest.raises(PermissionDenied):
        events.create_event(
            person, course.organiser, kind="talk", title_it="X", online_url="https://x.example"
        )
