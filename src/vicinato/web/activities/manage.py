"""The pages of those who run the activities: the advisor's day and availability, the organisation's services,
counts and events, an event's sessions, registrations and attendance, and the times taken at a place."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vicinato.activities.models import AdviceService, Advisor, Appointment, Event, Registration, Session
from vicinato.activities.permissions import Action, can, managed_organisations, require
from vicinato.activities.services import appointments, availability, catalogue, events, registrations
from vicinato.activities.services.common import ActivityError, local
from vicinato.lib.forms import add_errors
from vicinato.lib.ids import id_or_404, ids
from vicinato.register.models import Organisation, Place

from ..booking.forms import parse_day
from .forms import AdvisorForm, EventForm, ExceptionForm, ServiceForm, SessionForm, WeeklyForm

# The services name their fields after the API; the forms after what people type.
SESSION_FIELDS = {"start": "start_time", "end": "end_time", "first_date": "day", "until_date": "until"}


def _rename(error: ValidationError, names: dict[str, str]) -> ValidationError:
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({names.get(k, k): v for k, v in error.message_dict.items()})


def _error_text(error: Exception) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def _own_advisor(request) -> Advisor:
    """The signed-in advisor, or (for the organisation's staff) the advisor chosen with ?consulente=."""
    chosen = request.GET.get("consulente") or request.POST.get("consulente")
    if chosen:
        advisor = get_object_or_404(Advisor.objects.select_related("user"), pk=id_or_404(chosen))
        if not can(request.user, Action.MANAGE_AVAILABILITY, advisor):
            raise Http404(_("No advisor of yours has this number."))
        return advisor
    advisor = Advisor.objects.filter(user=request.user).first()
    if advisor is None:
        raise Http404(_("You are not an advisor of any service."))
    return advisor


def _asked_day(request) -> date:
    """The day in the address (`giorno`), or today."""
    return parse_day(request.GET.get("giorno"), timezone.localdate())


def _render_day(request, template: str, day: date, context: dict):
    """A day page: its context, the day and the days its links lead to."""
    neighbours = {"day": day, "previous": day - timedelta(days=1), "next": day + timedelta(days=1)}
    return render(request, template, {**context, **neighbours})


@login_required
def advisor_day(request):
    """The advisor's day at every place: who, why, and buttons to mark each appointment."""
    advisor = _own_advisor(request)
    day = _asked_day(request)
    return _render_day(
        request,
        "activities/advisor_day.html",
        day,
        {
            "advisor": advisor,
            "appointments": appointments.advisor_day(advisor, day, request.user),
            "now": timezone.now(),
            "show_reasons": advisor.user_id == request.user.pk,
        },
    )


@login_required
@require_POST
def advisor_mark(request, pk: int):
    appointment = get_object_or_404(Appointment.objects.select_related("advisor", "service"), pk=pk)
    try:
        marked = appointments.mark(appointment, request.user, request.POST.get("outcome", ""))
    except (ValidationError, ActivityError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Marked: %(state)s.") % {"state": marked.get_state_display()})
    day = timezone.localtime(appointment.start).date().isoformat()
    query = f"?giorno={day}" + (
        f"&consulente={appointment.advisor_id}" if appointment.advisor.user_id != request.user.pk else ""
    )
    return redirect(reverse("web:activities:advisor_day") + query)


@login_required
def advisor_availability(request):
    """The advisor's weekly hours and exceptions, with the forms to add them."""
    advisor = _own_advisor(request)
    require(request.user, Action.MANAGE_AVAILABILITY, advisor)
    places = list(Place.objects.filter(advice_services__advisors=advisor).distinct().order_by("name_it"))
    weekly_form = WeeklyForm(places, request.POST if "weekly" in request.POST else None)
    exception_form = ExceptionForm(places, request.POST if "exception" in request.POST else None)
    if request.method == "POST":
        try:
            if "weekly" in request.POST and weekly_form.is_valid():
                data = weekly_form.cleaned_data
                availability.add_weekly(
                    request.user,
                    advisor,
                    next(p for p in places if p.pk == data["place"]),
                    data["weekday"],
                    data["start_time"],
                    data["end_time"],
                    data["valid_from"],
                    data["valid_until"],
                )
                messages.success(request, _("Weekly hours added."))
                return redirect(request.get_full_path())
            if "exception" in request.POST and exception_form.is_valid():
                data = exception_form.cleaned_data
                place = next((p for p in places if p.pk == data["place"]), None)
                availability.add_exception(
                    request.user, advisor, data["kind"], data["start"], data["end"], place, data["note"]
                )
                messages.success(request, _("Exception added."))
                return redirect(request.get_full_path())
            if "remove_weekly" in request.POST:
                rule = get_object_or_404(advisor.weekly, pk=id_or_404(request.POST["remove_weekly"]))
                availability.remove_weekly(request.user, rule)
                messages.success(request, _("Weekly hours removed."))
                return redirect(request.get_full_path())
            if "remove_exception" in request.POST:
                exception = get_object_or_404(
                    advisor.exceptions, pk=id_or_404(request.POST["remove_exception"])
                )
                availability.remove_exception(request.user, exception)
                messages.success(request, _("Exception removed."))
                return redirect(request.get_full_path())
        except ValidationError as error:
            add_errors(weekly_form if "weekly" in request.POST else exception_form, error)
    return render(
        request,
        "activities/availability.html",
        {
            "advisor": advisor,
            "weekly": advisor.weekly.select_related("place").order_by("weekday", "start_time"),
            "exceptions": advisor.exceptions.select_related("place").filter(end__gte=timezone.now()),
            "weekly_form": weekly_form,
            "exception_form": exception_form,
        },
    )


@login_required
def organisation_page(request, pk: int):
    """An organisation's services with their counts per month, its advisors and its events."""
    organisation = get_object_or_404(Organisation, pk=pk)
    if not can(request.user, Action.VIEW_STATS, organisation):
        raise Http404(_("You are not a member of this organisation."))
    today = timezone.localdate()
    since = date(today.year - (today.month <= 5), (today.month - 6) % 12 + 1, 1)
    counts = appointments.monthly_counts(organisation, request.user, since, today + timedelta(days=62))
    months = sorted({month for _service, month in counts})
    services = list(AdviceService.objects.filter(organisation=organisation).prefetch_related("places"))
    table = [
        (
            s,
            [counts.get((s.pk, m), {}) for m in months],
            sum(sum(counts.get((s.pk, m), {}).values()) for m in months),
        )
        for s in services
    ]
    advisor_form = AdvisorForm(
        AdviceService.objects.filter(organisation=organisation),
        request.POST if "advisor" in request.POST else None,
    )
    if request.method == "POST" and "advisor" in request.POST and advisor_form.is_valid():
        data = advisor_form.cleaned_data
        try:
            catalogue.add_advisor(
                request.user, organisation, data["username"], data["display_name"], list(data["services"])
            )
        except ValidationError as error:
            add_errors(advisor_form, error)
        else:
            messages.success(request, _("Advisor saved."))
            return redirect(request.path)
    return render(
        request,
        "activities/organisation.html",
        {
            "organisation": organisation,
            "advisor_form": advisor_form,
            "can_manage_services": can(request.user, Action.MANAGE_SERVICES, organisation),
            "months": months,
            "table": table,
            "advisors": organisation.advisors.all(),
            "events": organisation.events.order_by("-starts_at")[:50],
            "can_manage_events": can(request.user, Action.MANAGE_EVENT, organisation),
        },
    )


@login_required
def service_edit(request, pk: int, service_pk: int | None = None):
    """Create or change an advice service of the organisation."""
    organisation = get_object_or_404(Organisation, pk=pk)
    require(request.user, Action.MANAGE_SERVICES, organisation)
    service = (
        get_object_or_404(AdviceService, pk=service_pk, organisation=organisation) if service_pk else None
    )
    form = ServiceForm(_event_places(request.user, organisation), request.POST or None, instance=service)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        places = list(data.pop("places"))
        data["modes"], data["audiences"] = list(data["modes"]), list(data.get("audiences") or [])
        try:
            catalogue.save_service(request.user, organisation, places, service, **data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Service saved."))
            return redirect("web:activities:organisation", pk=organisation.pk)
    return render(
        request,
        "activities/service_form.html",
        {"organisation": organisation, "form": form, "service": service},
    )


def _event_places(user, organisation: Organisation):
    """The places an organiser may hold rooms at: the listed ones (its own too, listed or not)."""
    listed = Place.objects.listed().values("pk")
    return Place.objects.filter(Q(pk__in=listed) | Q(operator=organisation)).order_by("name_it")


@login_required
def event_create(request, pk: int):
    organisation = get_object_or_404(Organisation, pk=pk)
    require(request.user, Action.MANAGE_EVENT, organisation)
    form = EventForm(_event_places(request.user, organisation), request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        capacity = data.pop("capacity")
        data["audiences"] = list(data.get("audiences") or [])
        try:
            event = events.create_event(request.user, organisation, capacity=capacity, **data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Event created as a draft: add its sessions, then publish it."))
            return redirect("web:activities:event_manage", public_id=event.public_id)
    return render(request, "activities/event_form.html", {"organisation": organisation, "form": form})


def _managed_event(request, public_id: str) -> Event:
    event = get_object_or_404(Event.objects.select_related("place", "organiser"), public_id=public_id)
    if not can(request.user, Action.MANAGE_EVENT, event):
        raise Http404(_("No event of yours has this address."))
    return event


@login_required
def event_manage(request, public_id: str):
    """An event for its organiser: add sessions (one or a weekly series), publish, capacity, registrations."""
    event = _managed_event(request, public_id)
    rooms = list(events.rooms_of(event.place)) if event.place_id else None
    form = SessionForm(rooms, request.POST if "session" in request.POST else None)
    action = request.POST.get("action")
    if request.method == "POST":
        try:
            if "session" in request.POST:
                if form.is_valid():
                    return _add_sessions(request, event, form, rooms)
            elif action == "publish":
                events.publish(request.user, event)
                messages.success(request, _("Event published: it is in the agenda."))
                return redirect(request.path)
            elif action == "capacity":
                value = request.POST.get("capacity", "").strip()
                if value and not (value.isascii() and value.isdigit()):  # never read as "no limit"
                    raise ValidationError(
                        _("Give the number of places as a whole number, or leave it empty for no limit.")
                    )
                events.set_capacity(request.user, event, int(value) if value else None)
                messages.success(request, _("Places updated."))
                return redirect(request.path)
            elif action == "cancel_event":
                events.cancel_event(request.user, event, request.POST.get("reason", ""))
                messages.success(request, _("Event cancelled; the people registered have been told."))
                return redirect(request.path)
            elif action == "cancel_session":
                session = get_object_or_404(event.sessions, pk=id_or_404(request.POST.get("session_id")))
                events.cancel_session(request.user, session)
                messages.success(request, _("Session cancelled; its room is free again."))
                return redirect(request.path)
        except (ValidationError, ActivityError) as error:
            messages.error(request, _error_text(error))
            return redirect(request.path)
    regs = event.registrations.select_related("person").order_by("state", "position", "created_at")
    return render(
        request,
        "activities/event_manage.html",
        {
            "event": event,
            "sessions": event.sessions.select_related("room").order_by("start"),
            "form": form,
            "registrations": regs,
            "questions": {str(q.pk): q.label for q in event.questions.all()},
            "taken": events.holding_count(event),
            "now": timezone.now(),
        },
    )


def _add_sessions(request, event: Event, form: SessionForm, rooms):
    data = form.cleaned_data
    room = next((r for r in rooms or [] if r.pk == data.get("room")), None)
    try:
        if data["repeat"]:
            result = events.add_series(
                request.user,
                event,
                data["weekdays"],
                data["start_time"],
                data["end_time"],
                data["day"],
                data["until"],
                room,
            )
            messages.success(
                request,
                _("%(added)d sessions added, %(refused)d not added.")
                % {"added": len(result.sessions), "refused": len(result.conflicts)},
            )
            for day, reason in result.conflicts:
                messages.warning(
                    request, _("%(date)s not added: %(reason)s") % {"date": day.isoformat(), "reason": reason}
                )
        else:
            events.add_session(
                request.user,
                event,
                local(data["day"], data["start_time"]),
                local(data["day"], data["end_time"]),
                room,
            )
            messages.success(request, _("Session added."))
    except ValidationError as error:
        add_errors(form, _rename(error, SESSION_FIELDS))
        return render(
            request,
            "activities/event_manage.html",
            {
                "event": event,
                "sessions": event.sessions.select_related("room").order_by("start"),
                "form": form,
                "registrations": event.registrations.select_related("person"),
                "questions": {},
                "taken": events.holding_count(event),
                "now": timezone.now(),
            },
            status=422,
        )
    except ActivityError as error:
        messages.error(request, str(error))
    return redirect(request.path)


@login_required
def attendance(request, public_id: str, pk: int):
    """Tick who attended a session."""
    event = _managed_event(request, public_id)
    session = get_object_or_404(Session, pk=pk, event=event)
    confirmed = event.registrations.filter(state=Registration.State.CONFIRMED).select_related("person")
    if request.method == "POST":
        present = set(ids(request.POST.getlist("present")))
        try:
            registrations.mark_attendance(request.user, session, present)
        except (ValidationError, ActivityError) as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("Attendance saved: %(n)d present.") % {"n": len(present)})
            return redirect("web:activities:event_manage", public_id=public_id)
    marked = dict(session.attendance.values_list("registration_id", "present"))
    return render(
        request,
        "activities/attendance.html",
        {"event": event, "session": session, "people": [(r, marked.get(r.pk)) for r in confirmed]},
    )


@login_required
def place_day(request, public_id: str):
    """The times taken at a place on a day, for its operator: never who or why."""
    place = get_object_or_404(Place, public_id=public_id)
    if not can(request.user, Action.VIEW_PLACE_SLOTS, place):
        raise Http404(_("No place of yours has this address."))
    day = _asked_day(request)
    return _render_day(
        request,
        "activities/place_day.html",
        day,
        {
            "place": place,
            "taken": appointments.place_day(place, day, request.user),
            "sessions": Session.objects.filter(
                event__place=place, start__date=day, is_cancelled=False
            ).select_related("event", "room"),
        },
    )


@login_required
def manage_home(request):
    """Where each role starts: the advisor's day, the organisations' activities."""
    return render(
        request,
        "activities/manage_home.html",
        {
            "advisor": Advisor.objects.filter(user=request.user).first(),
            "organisations": managed_organisations(request.user, Action.VIEW_STATS),
        },
    )
