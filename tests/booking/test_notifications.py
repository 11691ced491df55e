"""E-mails of the booking engine: enqueued as tasks when a change commits, sent by the worker, in Italian
with English below, times on Rome's wall clock, the confirmation carrying its .ics."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connections, transaction
from django_tasks_db.models import DBTaskResult
from icalendar import Calendar

from vicinato.booking import notifications
from vicinato.booking.models import Reservation
from vicinato.booking.services import (
    cancel,
    join_waiting_list,
    release_no_shows,
    reserve,
    run_scheduled_jobs,
    transition,
)

from ..conftest import place_of_its_own
from .conftest import NOW, TUESDAY, at, make_resource

pytestmark = pytest.mark.django_db
TASK = "vicinato.booking.notifications.send_reservation_mail"
IMMEDIATE = "django_tasks.backends.immediate.ImmediateBackend"


def queued() -> list[tuple[str, list]]:
    """The tasks waiting for the worker: (function, arguments)."""
    return [
        (t.task_path, t.args_kwargs["args"]) for t in DBTaskResult.objects.ready().order_by("enqueued_at")
    ]


def parts(message) -> tuple[str, str]:
    """The Italian and the English part of a mail."""
    italian, english = message.body.split("\n----------\n")
    return italian, english


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "https://vicinato.example.org/"  # the trailing slash is not doubled in links


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs the block as a transaction that commits (the test's own never does)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_a_booking_is_mailed_by_the_worker_after_commit(person, resource, committed, run_worker):
    with committed():
        reservation = reserve(person, resource, at("09:00"), at("11:00"), now=NOW)
    # Queued in the booking's own transaction: see the next test for what the worker sees before the commit.
    assert queued() == [(TASK, [reservation.pk, "confirmed", ""])]
    assert mail.outbox == []  # enqueued, not sent: the worker sends

    run_worker()

    assert queued() == []
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    [message] = mail.outbox
    assert message.to == ["ada@example.org"]
    assert message.subject == "Prenotazione confermata / Booking confirmed"
    italian, english = parts(message)
    # 09:00 in Rome is 08:00 UTC: the times are the wall clock of the place, with the date in each language.
    assert "martedì 5 marzo 2030, 09:00–11:00" in italian
    assert "Tuesday 5 March 2030, 09:00–11:00" in english
    assert f"Codice di check-in: {reservation.checkin_code}" in italian
    assert f"Check-in code: {reservation.checkin_code}" in english
    assert "from 08:45 to 09:15" in english  # the check-in window, 15 minutes either side of the start
    # Place and resource by their name in each language; the address as it is.
    assert all(text in italian for text in ("Cowork Duomo", "Sala scrivanie", "Via Torino 1, Milano"))
    assert all(text in english for text in ("Duomo Cowork", "Desk room", "Via Torino 1, Milano"))
    # The links open the booking's page and its calendar file, each in the language of its part.
    assert f"https://vicinato.example.org/prenotazioni/{reservation.pk}/\n" in italian
    assert f"https://vicinato.example.org/prenotazioni/{reservation.pk}/calendario.ics" in italian
    assert f"https://vicinato.example.org/en/prenotazioni/{reservation.pk}/\n" in english
    assert f"https://vicinato.example.org/en/prenotazioni/{reservation.pk}/calendario.ics" in english


@pytest.mark.django_db(transaction=True)
def test_the_worker_sees_a_booking_mail_only_once_the_booking_commits(file_database, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    resource = _desk_room()
    person = get_user_model().objects.create_user("ada", "ada@example.org")

    def seen_by_the_worker() -> list[tuple[str, list]]:
        found = []

        def look() -> None:  # another connection, as the worker's
            file_database()
            try:
                found.extend(queued())
            finally:
                connections["default"].close()

        worker = threading.Thread(target=look)
        worker.start()
        worker.join(timeout=30)
        return found

    with transaction.atomic():
        reservation = reserve(person, resource, at("09:00"), at("11:00"), now=NOW)
        assert seen_by_the_worker() == []
    assert seen_by_the_worker() == [(TASK, [reservation.pk, "confirmed", ""])]
    with pytest.raises(RuntimeError), transaction.atomic():
        reserve(person, resource, at("11:00"), at("12:00"), now=NOW)
        raise RuntimeError("something after the booking failed")
    assert seen_by_the_worker() == [(TASK, [reservation.pk, "confirmed", ""])]


def _desk_room():
    place = place_of_its_own("milano-mail", TUESDAY.weekday())
    return make_resource(place)


def test_the_confirmation_carries_a_calendar_file(person, resource, committed, run_worker):
    with committed():
        reservation = reserve(person, resource, at("09:00"), at("11:00"), now=NOW)
    run_worker()
    [(filename, content, mimetype)] = mail.outbox[0].attachments
    assert (filename, mimetype) == (f"vicinato-{reservation.pk}.ics", "text/calendar")
    [event] = Calendar.from_ical(content).walk("VEVENT")
    assert event["uid"] == f"reservation-{reservation.pk}@vicinato"
    assert (event.decoded("dtstart"), event.decoded("dtend")) == (at("09:00"), at("11:00"))
    assert str(event["status"]) == "CONFIRMED"


@pytest.mark.parametrize("backend", ["database", "immediate"])
def test_a_rolled_back_booking_sends_nothing(backend, person, resource, committed, run_worker, settings):
    # The database queue would drop a task enqueued in the transaction anyway; the immediate backend
    # (or any queue outside the database) would send at once, so the task must wait for the commit.
    if backend == "immediate":
        settings.TASKS = {"default": {"BACKEND": IMMEDIATE}}
    with committed() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            reserve(person, resource, at("09:00"), at("11:00"), now=NOW)
            raise RuntimeError("something after the booking failed")
    assert callbacks == []
    assert not Reservation.objects.exists()
    assert (queued(), mail.outbox) == ([], [])
    if backend == "database":
        run_worker()
        assert mail.outbox == []


def test_a_request_then_the_decisions_of_the_place(
    person, other_person, resource, staff, committed, run_worker
):
    resource.requires_approval = True
    resource.save()
    with committed():
        first = reserve(person, resource, at("09:00"), at("10:00"), now=NOW)
        second = reserve(other_person, resource, at("09:00"), at("10:00"), now=NOW)
    run_worker()
    assert [m.subject for m in mail.outbox] == [
        "Richiesta di prenotazione ricevuta / Booking request received"
    ] * 2
    assert mail.outbox[0].attachments == []  # nothing to put in a calendar yet

    mail.outbox.clear()
    with committed():
        transition(first, "confirm", staff, now=NOW)
        transition(second, "reject", staff, "The room is being painted.", now=NOW)
    assert [args[1] for _path, args in queued()] == ["approved", "rejected"]
    run_worker()
    approved, rejected = mail.outbox
    assert (approved.to, approved.subject) == (
        ["ada@example.org"],
        "Prenotazione confermata / Booking confirmed",
    )
    assert "The place has confirmed your booking request." in parts(approved)[1]
    assert len(approved.attachments) == 1
    assert (rejected.to, rejected.subject) == (
        ["bruno@example.org"],
        "Richiesta di prenotazione respinta / Booking request rejected",
    )
    italian, english = parts(rejected)
    assert "Nota del luogo: The room is being painted." in italian
    assert "Note from the place: The room is being painted." in english


def test_cancellations_by_the_person_and_by_the_place(
    person, other_person, resource, staff, committed, run_worker
):
    with committed():
        mine = reserve(person, resource, at("09:00"), at("10:00"), now=NOW)
        theirs = reserve(other_person, resource, at("09:00"), at("10:00"), now=NOW)
    run_worker()
    mail.outbox.clear()
    with committed():
        cancel(mine, person, now=NOW)
        cancel(theirs, staff, "A burst pipe: we're closed.", now=NOW)
    run_worker()
    by_person, by_place = mail.outbox
    assert (by_person.to, by_person.subject) == (
        ["ada@example.org"],
        "Prenotazione annullata / Booking cancelled",
    )
    assert "cancelled, as you asked" in parts(by_person)[1]
    assert by_place.to == ["bruno@example.org"]
    assert by_place.subject.endswith("Booking cancelled by the place")
    italian, english = parts(by_place)
    # What people write reaches the mail as they wrote it (a text mail escapes nothing).
    assert "Nota del luogo: A burst pipe: we're closed." in italian
    assert "Note from the place: A burst pipe: we're closed." in english


def test_a_no_show_is_told_when_its_booking_is_released(person, resource, place, committed, run_worker):
    place.name_it = "L'Officina di Via Torino"
    place.save()
    with committed():
        reservation = reserve(person, resource, at("09:00"), at("10:00"), now=NOW)
    run_worker()
    mail.outbox.clear()
    with committed():
        assert release_no_shows(now=at("09:16")) == 1
    assert queued() == [(TASK, [reservation.pk, "no_show", ""])]
    run_worker()
    [message] = mail.outbox
    assert message.subject == (
        "Prenotazione liberata: check-in non effettuato / Booking released: no check-in"
    )
    italian, english = parts(message)
    assert "L'Officina di Via Torino" in italian
    assert "Nobody checked in by 09:15" in english


def test_the_first_in_line_is_mailed_the_offer_with_its_expiry(
    person, single, user_factory, committed, run_worker
):
    with committed():
        booked = reserve(person, single, at("09:00"), at("10:00"), now=NOW)
        first = join_waiting_list(user_factory("c1"), single, at("09:00"), at("10:00"), now=NOW)
        join_waiting_list(user_factory("c2"), single, at("09:00"), at("10:00"), now=NOW)
    run_worker()
    mail.outbox.clear()
    with committed():
        cancel(booked, person, now=NOW)
    assert ("vicinato.booking.notifications.send_offer_mail", [first.pk]) in queued()
    run_worker()
    offers = [m for m in mail.outbox if "A place freed up for you" in m.subject]
    assert [m.to for m in offers] == [["c1@example.org"]]
    [offer] = offers
    assert offer.subject == "Si è liberato un posto per te / A place freed up for you"
    italian, english = parts(offer)
    # The offer is held for the resource's 30 minutes from Monday 07:00 in Rome.
    assert "4 marzo 2030, 07:30" in italian and "martedì 5 marzo 2030, 09:00–10:00" in italian
    assert "Accept the offer by 4 March 2030, 07:30" in english
    assert "Accept it on your bookings page: https://vicinato.example.org/en/prenotazioni/\n" in english


def test_an_offer_gone_before_the_worker_runs_is_not_mailed(
    person, single, other_person, committed, run_worker
):
    with committed():
        booked = reserve(person, single, at("09:00"), at("10:00"), now=NOW)
        entry = join_waiting_list(other_person, single, at("09:00"), at("10:00"), now=NOW)
        cancel(booked, person, now=NOW)
    entry.refresh_from_db()
    entry.state = entry.State.EXPIRED
    entry.save()
    run_worker()
    assert [m.to for m in mail.outbox] == [["ada@example.org"]] * 2  # only her confirmation and cancellation


def test_reminders_go_once_to_confirmed_bookings_starting_soon(
    person, other_person, resource, committed, run_worker, settings
):
    settings.BOOKING_REMINDER_HOURS = 24
    with committed():
        soon = reserve(person, resource, at("09:00"), at("10:00"), now=NOW)
        cancelled = reserve(other_person, resource, at("10:00"), at("11:00"), now=NOW)
        cancel(cancelled, other_person, now=NOW)
        later = reserve(
            person,
            resource,
            at("09:00", TUESDAY + timedelta(days=1)),
            at("10:00", TUESDAY + timedelta(days=1)),
            now=NOW,
        )
    run_worker()
    mail.outbox.clear()
    monday_nine = at("09:00", TUESDAY - timedelta(days=1))

    with committed():
        # 24 hours and a minute ahead: not yet; at 24 hours: once, and never again.
        assert notifications.send_reminders(monday_nine - timedelta(minutes=1)) == 0
        assert run_scheduled_jobs(monday_nine)["reminders"] == 1
        assert notifications.send_reminders(monday_nine + timedelta(hours=1)) == 0
    assert queued() == [(TASK, [soon.pk, "reminder"])]
    soon.refresh_from_db()
    assert soon.reminded_at == monday_nine
    run_worker()
    [message] = mail.outbox
    assert message.to == ["ada@example.org"]
    assert message.subject.endswith("Reminder of your booking")
    italian, english = parts(message)
    assert "martedì 5 marzo 2030, 09:00–10:00" in italian
    assert f"Check-in code: {soon.checkin_code}" in english
    later.refresh_from_db()
    assert later.reminded_at is None


def test_no_reminder_for_a_booking_cancelled_after_it_was_queued(person, resource, committed, run_worker):
    with committed():
        reservation = reserve(person, resource, at("09:00"), at("10:00"), now=NOW)
    run_worker()
    mail.outbox.clear()
    with committed():
        assert notifications.send_reminders(at("08:00")) == 1
        cancel(reservation, person, now=at("08:00"))
    run_worker()
    assert [m.subject for m in mail.outbox] == ["Prenotazione annullata / Booking cancelled"]


def test_no_reminder_for_a_booking_made_within_the_reminder_time(person, resource, committed):
    with committed():
        reservation = reserve(person, resource, at("09:00"), at("10:00"), now=NOW)
    # Booked on Monday at noon for Tuesday 09:00: the confirmation is still fresh.
    Reservation.objects.filter(pk=reservation.pk).update(created_at=at("12:00", TUESDAY - timedelta(days=1)))
    assert notifications.send_reminders(at("13:00", TUESDAY - timedelta(days=1))) == 0


def test_people_without_an_address_get_no_mail(person, resource, committed, run_worker):
    person.email = ""
    person.save()
    with committed():
        reserve(person, resource, at("09:00"), at("10:00"), now=NOW)
    run_worker()
    assert mail.outbox == []
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_the_immediate_backend_sends_at_commit_without_a_worker(person, resource, committed, settings):
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE}}
    with committed():
        reserve(person, resource, at("09:00"), at("10:00"), now=NOW)
        assert mail.outbox == []
    assert [m.subject for m in mail.outbox] == ["Prenotazione confermata / Booking confirmed"]
    assert not DBTaskResult.objects.exists()
