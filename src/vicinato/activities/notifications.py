"""E-mails about appointments and registrations, sent by background tasks once the change is committed, in
Italian with English below (people have no stored language), times on Rome's wall clock."""

from __future__ import annotations

import re
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from vicinato.lib.tasks import enqueue_with_the_change

from . import calendar, signals
from .models import Appointment, Registration

LANGUAGES = ("it", "en")
# (subject, opening sentence) per kind of mail.
APPOINTMENT_MAILS = {
    "book": (_("Appointment booked"), _("Your appointment is booked.")),
    "reschedule": (_("Appointment changed"), _("Your appointment has a new time.")),
    "cancel": (_("Appointment cancelled"), _("Your appointment has been cancelled.")),
    "offer": (
        _("A time freed up for you"),
        _("A time freed up for the service you were waiting for: accept it before the offer expires."),
    ),
    "reminder": (_("Reminder of your appointment"), _("This is a reminder of your appointment.")),
}
REGISTRATION_MAILS = {
    "register": (_("Registration received"), _("You are registered.")),
    "waiting": (
        _("You are on the waiting list"),
        _("The event is full: you are on its waiting list. We will write if a place frees up."),
    ),
    "offer": (
        _("A place freed up for you"),
        _("A place freed up: confirm it before the offer expires, or it goes to the next person."),
    ),
    "confirm": (_("Place confirmed"), _("Your place is confirmed.")),
    "cancel": (_("Registration cancelled"), _("Your registration has been cancelled.")),
}


def _url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _send(to: str, kind_text: tuple, context: dict, link, attachments=()) -> bool:
    if not to:
        return False
    subjects, bodies = [], []
    with timezone.override(settings.TIME_ZONE):
        for language in LANGUAGES:
            with translation.override(language):
                subjects.append(str(kind_text[0]))
                body = render_to_string(
                    "activities/email/message.txt", {**context, "opening": kind_text[1], "link": _url(link())}
                )
                bodies.append(re.sub(r"\n{3,}", "\n\n", body).strip())
    message = EmailMessage(
        " / ".join(dict.fromkeys(subjects)),
        "\n\n----------\n\n".join(bodies) + "\n",
        settings.DEFAULT_FROM_EMAIL,
        [to],
    )
    for attachment in attachments:
        message.attach(*attachment)
    message.send()
    return True


@task()
def send_appointment_mail(appointment_id: int, kind: str, note: str = "") -> bool:
    appointment = (
        Appointment.objects.select_related("person", "service", "place", "advisor")
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None or (kind == "reminder" and appointment.state != Appointment.State.BOOKED):
        return False
    attachments = []
    if kind in ("book", "reschedule", "reminder"):
        attachments.append(
            (
                f"vicinato-appuntamento-{appointment.pk}.ics",
                calendar.appointment_ics(appointment),
                "text/calendar",
            )
        )
    return _send(
        appointment.person.email,
        APPOINTMENT_MAILS[kind],
        {"appointment": appointment, "note": note},
        lambda: reverse("web:activities:appointment", kwargs={"pk": appointment.pk}),
        attachments,
    )


@task()
def send_registration_mail(registration_id: int, kind: str, note: str = "") -> bool:
    registration = (
        Registration.objects.select_related("person", "event__place").filter(pk=registration_id).first()
    )
    if registration is None:
        return False
    return _send(
        registration.person.email,
        REGISTRATION_MAILS[kind],
        {"registration": registration, "event": registration.event, "note": note},
        lambda: reverse("web:activities:mine"),
    )


@receiver(signals.appointment_changed, dispatch_uid="activities.notifications.appointment")
def _on_appointment(sender, appointment, action, actor=None, note="", **kwargs) -> None:
    if action in APPOINTMENT_MAILS:
        enqueue_with_the_change(send_appointment_mail, appointment.pk, action, note)


@receiver(signals.registration_changed, dispatch_uid="activities.notifications.registration")
def _on_registration(sender, registration, action, actor=None, note="", **kwargs) -> None:
    if action == "register" and registration.state == Registration.State.WAITING:
        action = "waiting"
    if action in REGISTRATION_MAILS:
        enqueue_with_the_change(send_registration_mail, registration.pk, action, note)


def send_reminders(now: datetime, hours: int = 24) -> int:
    """Enqueue the reminders of the appointments due (each once)."""
    from .services.appointments import due_reminders

    due = due_reminders(now, hours)
    for pk in due:
        enqueue_with_the_change(send_appointment_mail, pk, "reminder")
    return len(due)
