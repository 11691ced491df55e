"""`vicinato activities-jobs`: offers expire and pass on, reminders go out once, old reasons are deleted."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from vicinato.activities.models import Appointment
from vicinato.activities.services import appointments, registrations
from vicinato.activities.services.jobs import run_scheduled_jobs

from .conftest import NOW, at


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_the_command_deletes_old_reasons_and_says_what_it_did(service, advisor, place, person):
    appointment = appointments.book(
        person, service, advisor.pk, place.pk, at("09:00"), reason="Debiti", now=NOW
    )
    out = StringIO()
    with time_machine.travel(at("10:00", date(2030, 9, 6)), tick=False):
        call_command("activities-jobs", stdout=out)
    assert "1 reasons deleted" in out.getvalue()
    appointment.refresh_from_db()
    assert appointment.reason == ""


def test_the_jobs_expire_registration_offers_and_send_reminders(
    course,
    service,
    advisor,
    place,
    person,
    other_person,
    user_factory,
    immediate_tasks,
    django_capture_on_commit_callbacks,
):
    first = registrations.register(person, course, now=NOW)
    registrations.register(other_person, course, now=NOW)
    waiting = registrations.register(user_factory("c"), course, now=NOW)
    registrations.cancel(first, person, now=NOW)
    waiting.refresh_from_db()
    booked = appointments.book(
        person, service, advisor.pk, place.pk, at("11:00"), now=NOW - timedelta(days=2)
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = run_scheduled_jobs(waiting.offer_expires_at)
    assert done["registration_offers_expired"] == 1 and done["reminders"] == 1
    assert Appointment.objects.get(pk=booked.pk).reminded_at is not None
    subjects = [m.subject for m in mail.outbox]
    assert "Promemoria del tuo appuntamento / Reminder of your appointment" in subjects
    assert run_scheduled_jobs(waiting.offer_expires_at)["reminders"] == 0


def test_mails_go_out_in_both_languages_with_the_appointment_calendar(
    service, advisor, place, person, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointments.book(person, service, advisor.pk, place.pk, at("09:00"), now=NOW)
    [message] = mail.outbox
    assert message.subject == "Appuntamento prenotato / Appointment booked"
    assert (
        "Il tuo appuntamento è prenotato." in message.body and "Your appointment is booked." in message.body
    )
    assert message.attachments[0][0].endswith(".ics")
