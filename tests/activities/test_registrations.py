"""Registrations: places until full, then the waiting list; the deadline; questions; promotion with a time to
confirm; cancellations; attendance and the certificate of attendance."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from vicinato.activities.certificates import certificate_pdf
from vicinato.activities.models import Attendance, Question
from vicinato.activities.services import events, registrations
from vicinato.activities.services.common import ActivityError

from .conftest import LEVEL, NOW, at


def test_places_then_the_waiting_list_in_order(course, person, other_person, user_factory):
    first = registrations.register(person, course, now=NOW)
    second = registrations.register(other_person, course.public_id, now=NOW)
    third = registrations.register(user_factory("c"), course, now=NOW)
    fourth = registrations.register(user_factory("d"), course, now=NOW)
    assert [r.state for r in (first, second, third, fourth)] == [
        "confirmed",
        "confirmed",
        "waiting",
        "waiting",
    ]
    assert (third.position, fourth.position) == (1, 2)
    with pytest.raises(ActivityError, match="already registered"):
        registrations.register(person, course, now=NOW)


def test_registration_closes_at_the_deadline_or_the_first_session(course, person, place_admin):
    with pytest.raises(ActivityError, match="Registration closed at"):
        registrations.register(person, course, now=at("14:00"))
    events.update_event(place_admin, course, registration_deadline=NOW + timedelta(hours=1))
    with pytest.raises(ActivityError, match="Registration closed at"):
        registrations.register(person, course, now=NOW + timedelta(hours=1))
    registrations.register(person, course, now=NOW)


def test_drafts_and_events_without_registration_refuse(place_admin, organisation, place, person, course):
    events.update_event(place_admin, course, registration=False)
    with pytest.raises(ActivityError, match="needs no registration"):
        registrations.register(person, course, now=NOW)
    from .conftest import make_event

    draft = make_event(place_admin, organisation, place)
    with pytest.raises(ActivityError, match="not published yet"):
        registrations.register(person, draft, now=NOW)


def test_questions_are_answered_as_asked(course, place_admin, person):
    level, diet = events.set_questions(
        place_admin,
        course,
        [
            LEVEL,
            {"label_it": "Note", "kind": "text"},
        ],
    )
    with pytest.raises(ValidationError) as error:
        registrations.register(person, course, {str(level.pk): "C2"}, now=NOW)
    assert error.value.message_dict == {f"answers.{level.pk}": ["Choose one of: A1, A2."]}
    with pytest.raises(ValidationError, match="Answer this question: Level"):
        registrations.register(person, course, {}, now=NOW)
    registration = registrations.register(person, course, {str(level.pk): "A2", str(diet.pk): " "}, now=NOW)
    assert registration.answers == {str(level.pk): "A2"}
    with pytest.raises(ValidationError, match="at least two choices"):
        events.set_questions(
            place_admin, course, [{"label_it": "X", "kind": Question.Kind.CHOICE, "choices": ["a"]}]
        )


def test_a_cancelled_place_is_offered_to_the_first_waiting_who_confirms(
    course, person, other_person, user_factory
):
    first = registrations.register(person, course, now=NOW)
    registrations.register(other_person, course, now=NOW)
    waiting = registrations.register(user_factory("c"), course, now=NOW)
    registrations.cancel(first, person, now=NOW)
    waiting.refresh_from_db()
    assert waiting.state == "offered"
    assert waiting.offer_expires_at == NOW + timedelta(hours=course.offer_hours)
    # The offer holds the place: a newcomer waits.
    assert registrations.register(user_factory("e"), course, now=NOW).state == "waiting"
    confirmed = registrations.confirm(waiting, waiting.person, now=NOW + timedelta(hours=2))
    assert (confirmed.state, confirmed.position) == ("confirmed", None)
    assert [c.action for c in confirmed.changes.all()] == ["offer", "confirm"]


def test_an_offer_not_confirmed_in_time_goes_to_the_next(course, person, other_person, user_factory):
    first = registrations.register(person, course, now=NOW)
    registrations.register(other_person, course, now=NOW)
    late = registrations.register(user_factory("c"), course, now=NOW)
    next_ = registrations.register(user_factory("d"), course, now=NOW)
    registrations.cancel(first, person, now=NOW)
    late.refresh_from_db()
    expires = late.offer_expires_at
    with pytest.raises(ActivityError, match="This offer expired"):
        registrations.confirm(late, late.person, now=expires)
    assert registrations.expire_offers(now=expires) == 1
    late.refresh_from_db()
    next_.refresh_from_db()
    assert (late.state, next_.state) == ("expired", "offered")


def test_the_organiser_cancels_with_a_reason(course, person, place_admin):
    registration = registrations.register(person, course, now=NOW)
    with pytest.raises(ValidationError, match="Write the reason"):
        registrations.cancel(registration, place_admin, now=NOW)
    assert registrations.cancel(registration, place_admin, "Doppia iscrizione", now=NOW).state == "cancelled"
    with pytest.raises(ActivityError, match="'cancel' is not possible for a registration"):
        registrations.cancel(registration, person, now=NOW)


def test_attendance_and_the_certificate(course, person, other_person, place_admin):
    mine = registrations.register(person, course, now=NOW)
    theirs = registrations.register(other_person, course, now=NOW)
    first, second = course.sessions.all()
    with pytest.raises(ActivityError, match="mark attendance once it has begun"):
        registrations.mark_attendance(place_admin, first, {mine.pk}, now=NOW)
    registrations.mark_attendance(place_admin, first, {mine.pk, theirs.pk}, now=at("14:05"))
    registrations.mark_attendance(place_admin, second, {mine.pk}, now=second.start)
    assert Attendance.objects.filter(registration=theirs, present=False).count() == 1
    during = registrations.certificate_status(mine, now=second.start)
    assert not during.eligible and "once the course has ended" in during.reason
    after = second.end + timedelta(minutes=1)
    status = registrations.certificate_status(mine, now=after)
    assert (status.eligible, status.attended, status.sessions) == (True, 2, 2)
    refused = registrations.certificate_status(theirs, now=after)
    assert not refused.eligible
    assert refused.reason == "A certificate needs attendance at 75% of the sessions; you attended 1 of 2."
    pdf = certificate_pdf(mine, status, "it")
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    with pytest.raises(ValidationError, match="Mark only people registered"):
        registrations.mark_attendance(place_admin, first, {9999}, now=at("14:05"))
