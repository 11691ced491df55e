"""The pages of the person who books or registers: their activities, one appointment (change, cancel, accept an
offer), their registrations (confirm an offered place, cancel) and the certificate of a course."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vicinato.activities import calendar
from vicinato.activities.certificates import certificate_pdf
from vicinato.activities.models import Appointment, AppointmentWait, Registration
from vicinato.activities.permissions import Action, can
from vicinato.activities.services import appointments, registrations
from vicinato.activities.services.common import ActivityError
from vicinato.lib.calendar import ics_download
from vicinato.lib.redirects import own_page

from .public import slot_key

S = Appointment.State


def _error_text(error: Exception) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


@login_required
def mine(request):
    now = timezone.now()
    own = Appointment.objects.filter(person=request.user).select_related("service", "place", "advisor")
    upcoming = own.filter(state__in=[S.BOOKED, S.OFFERED], end__gte=now).order_by("start")
    past = own.exclude(pk__in=upcoming.values("pk")).order_by("-start")[:20]
    regs = (
        Registration.objects.filter(person=request.user)
        .select_related("event__place")
        .order_by("event__starts_at")
    )
    waits = AppointmentWait.objects.filter(
        person=request.user, state=AppointmentWait.State.WAITING
    ).select_related("service", "place")
    current = [r for r in regs if r.state in Registration.ACTIVE and (r.event.ends_at or now) >= now]
    others = [
        (r, r.event.gives_certificate and registrations.certificate_status(r, now).eligible)
        for r in regs
        if r not in current
    ]
    return render(
        request,
        "activities/mine.html",
        {
            "upcoming": upcoming,
            "past": past,
            "current": current,
            "others": others,
            "waits": waits,
        },
    )


def _visible(request, pk: int) -> Appointment:
    appointment = (
        Appointment.objects.select_related("service", "place", "advisor", "person").filter(pk=pk).first()
    )
    if appointment is None or not can(request.user, Action.VIEW_APPOINTMENT, appointment):
        raise Http404(_("No appointment of yours has this number."))
    return appointment


@login_required
def appointment_page(request, pk: int):
    appointment = _visible(request, pk)
    alternatives = []
    if appointment.state == S.BOOKED and can(request.user, Action.RESCHEDULE_APPOINTMENT, appointment):
        service = appointment.service
        alternatives = [
            (slot, slot_key(slot))
            for slot in appointments.free_slots(service, timezone.localdate(), service.days_ahead + 1)
            if slot.advisor_id == appointment.advisor_id
        ][:12]
    return render(
        request,
        "activities/appointment.html",
        {
            "appointment": appointment,
            "show_reason": can(request.user, Action.VIEW_REASON, appointment),
            "deadline": appointments.deadline(appointment),
            "can_cancel": appointment.state in (S.BOOKED, S.OFFERED)
            and can(request.user, Action.CANCEL_APPOINTMENT, appointment),
            "is_own": appointment.person_id == request.user.pk,
            "alternatives": alternatives,
            "changes": appointment.changes.select_related("actor"),
        },
    )


@login_required
@require_POST
def appointment_action(request, pk: int, action: str):
    appointment = _visible(request, pk)
    try:
        if action == "cancel":
            appointments.cancel(appointment, request.user, request.POST.get("reason", ""))
            messages.success(request, _("Appointment cancelled."))
        elif action == "accept":
            appointments.accept_offer(appointment, request.user)
            messages.success(request, _("Time accepted: the appointment is yours."))
        elif action == "reschedule":
            from .public import _parse_slot

            chosen = _parse_slot(request.POST.get("slot", ""))
            if chosen is None:
                raise ActivityError(_("Choose one of the free times shown."))
            appointments.reschedule(appointment, request.user, chosen[2], chosen[0], chosen[1])
            messages.success(request, _("Appointment moved. We have sent you the new time by e-mail."))
        else:
            raise Http404()
    except (ValidationError, ActivityError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    return redirect("web:activities:appointment", pk=pk)


@login_required
def appointment_ics(request, pk: int):
    appointment = _visible(request, pk)
    return ics_download(calendar.appointment_ics(appointment), f"vicinato-appuntamento-{pk}")


@login_required
@require_POST
def wait_leave(request, pk: int):
    wait = get_object_or_404(AppointmentWait, pk=pk, person=request.user)
    try:
        appointments.leave_waiting_list(wait, request.user)
    except ActivityError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You left the waiting list."))
    return redirect("web:activities:mine")


def _own_registration(request, pk: int) -> Registration:
    registration = (
        Registration.objects.select_related("event__place", "event__organiser", "person")
        .filter(pk=pk)
        .first()
    )
    if registration is None or not can(request.user, Action.VIEW_REGISTRATION, registration):
        raise Http404(_("No registration of yours has this number."))
    return registration


@login_required
@require_POST
def registration_action(request, pk: int, action: str):
    registration = _own_registration(request, pk)
    try:
        if action == "confirm":
            registrations.confirm(registration, request.user)
            messages.success(request, _("Place confirmed: see you there."))
        elif action == "cancel":
            registrations.cancel(registration, request.user, request.POST.get("reason", ""))
            messages.success(request, _("Registration cancelled."))
        else:
            raise Http404()
    except (ValidationError, ActivityError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    return redirect(own_page(request, request.POST.get("next")) or "web:activities:mine")


@login_required
def certificate(request, pk: int):
    registration = _own_registration(request, pk)
    if registration.person_id != request.user.pk:
        raise Http404(_("No registration of yours has this number."))
    status = registrations.certificate_status(registration)
    if not status.eligible:
        messages.error(request, status.reason)
        return redirect("web:activities:mine")
    pdf = certificate_pdf(registration, status, translation.get_language() or "it")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="attestato-{registration.event.public_id}.pdf"'
    return response
