"""What activities keep about a person: appointments, places on waiting lists for them, and event
registrations with their answers (see vicinato.lib.personal_data)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from vicinato.lib.personal_data import Holder

from .models import Appointment, AppointmentWait, Registration


def _appointments(person) -> list[dict]:
    appointments = Appointment.objects.filter(person=person).select_related("service", "place")
    return [
        {
            "service": str(a.service),
            "place": a.place.name,
            "from": a.start,
            "until": a.end,
            "how": a.get_mode_display(),
            "state": a.get_state_display(),
            "reason": a.reason,
            "phone": a.phone,
        }
        for a in appointments
    ]


def _registrations(person) -> list[dict]:
    registrations = Registration.objects.filter(person=person).select_related("event")
    return [
        {
            "event": str(r.event),
            "first_session": r.event.starts_at,
            "state": r.get_state_display(),
            "answers": r.answers,
        }
        for r in registrations
    ]


def _open(person) -> list[str]:
    now = timezone.now()
    reasons = []
    if Appointment.objects.filter(person=person, state__in=Appointment.HOLDING, end__gt=now).exists():
        reasons.append(_("You have an appointment still to come: cancel it first."))
    if AppointmentWait.objects.filter(person=person).exclude(state=AppointmentWait.State.DONE).exists():
        reasons.append(_("You are waiting for an appointment: stop waiting first."))
    if Registration.objects.filter(
        person=person, state__in=Registration.ACTIVE, event__ends_at__gt=now
    ).exists():
        reasons.append(_("You are registered for an event still to come: cancel your registration first."))
    return reasons


def _forget(person) -> None:
    now = timezone.now()
    Appointment.objects.filter(person=person).exclude(reason="", phone="").update(
        reason="", phone="", reason_deleted_at=now
    )
    AppointmentWait.objects.filter(person=person).update(reason="", phone="")
    Registration.objects.filter(person=person).update(answers={})


APPOINTMENTS = Holder(
    "appointments", lambda: _("Appointments"), _appointments, still_open=_open, forget=_forget
)
REGISTRATIONS = Holder("event_registrations", lambda: _("Event registrations"), _registrations)
