"""The activities' REST API (/api/v1/activities/): advice services, free slots and appointments, the agenda of
events and registrations. Thin: every decision is the activities' services'; refusals follow the API's
contract (422 per field, 409 for the state or the capacity, 404 for what the caller may not see)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from vicinato.activities.models import AdviceService, Appointment, Event, Registration
from vicinato.activities.permissions import Action, can
from vicinato.activities.services import appointments, registrations
from vicinato.activities.services.agenda import AgendaFilter, agenda
from vicinato.activities.services.events import holding_count, registration_closes
from vicinato.register.models import Place

from .auth import AUTH
from .schemas.activities import (
    AgendaQuery,
    AppointmentIn,
    AppointmentOut,
    EventDetailOut,
    EventOut,
    MarkIn,
    ReasonIn,
    RegistrationIn,
    RegistrationOut,
    RescheduleIn,
    ServiceOut,
    SlotOut,
    WaitIn,
    WaitOut,
)
from .schemas.common import ErrorOut

router = Router(tags=["activities"])
REFUSALS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
MAX_DAYS = 31


def _rome(moment):
    """Times answer on Rome's clock, with its offset (as the slots are counted)."""
    return timezone.localtime(moment) if moment else None


def _place_ref(place: Place) -> dict:
    return {
        "id": place.public_id,
        "name": place.name,
        "address": place.address,
        "nil": place.neighbourhood.name if place.neighbourhood_id else None,
        "municipio": place.district.code if place.district_id else None,
    }


def _place_id(public_id: str, field: str = "place") -> int:
    pk = Place.objects.filter(public_id=public_id).values_list("pk", flat=True).first()
    if pk is None:
        raise ValidationError({field: [_("No place has id '%(id)s'.") % {"id": public_id}]})
    return pk


# --- advice services and appointments -------------------------------------------------------------------------
def _services():
    return (
        AdviceService.objects.filter(is_active=True)
        .select_related("organisation")
        .prefetch_related(
            Prefetch("places", queryset=Place.objects.select_related("neighbourhood", "district"))
        )
    )


def _service_out(service: AdviceService) -> dict:
    return {
        "id": service.pk,
        "kind": service.kind,
        "name": service.name,
        "description": service.description,
        "organisation": service.organisation.legal_name,
        "places": [_place_ref(p) for p in service.places.all()],
        "modes": service.modes,
        "minutes": service.minutes,
        "price_cents": service.price_cents,
        "audiences": service.audiences,
        "notice_hours": service.notice_hours,
        "days_ahead": service.days_ahead,
    }


@router.get("/services", response=list[ServiceOut], summary="Advice services")
def list_services(request, kind: str = "", place: str = ""):
    services = _services()
    if kind:
        services = services.filter(kind=kind)
    if place:
        services = services.filter(places__public_id=place)
    return [_service_out(s) for s in services.distinct()]


@router.get("/services/{pk}", response={200: ServiceOut, 404: ErrorOut}, summary="One advice service")
def get_service(request, pk: int):
    return _service_out(get_object_or_404(_services(), pk=pk))


@router.get(
    "/services/{pk}/slots", response={200: list[SlotOut], 404: ErrorOut, 422: ErrorOut}, summary="Free slots"
)
def service_slots(request, pk: int, since: date | None = None, days: int = 7, place: str = ""):
    """The free slots from `since` (default today) for `days` (at most 31), at one place or at all."""
    service = get_object_or_404(_services(), pk=pk)
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError({"days": [_("Ask for 1 to %(n)d days.") % {"n": MAX_DAYS}]})
    where = Place.objects.get(pk=_place_id(place)) if place else None
    names = dict(service.advisors.values_list("pk", "display_name"))
    public = dict(service.places.values_list("pk", "public_id"))
    slots = appointments.free_slots(service, since or timezone.localdate(), days, where)
    return [
        {
            "start": s.start,
            "end": s.end,
            "advisor": s.advisor_id,
            "advisor_name": names[s.advisor_id],
            "place": public[s.place_id],
        }
        for s in slots
    ]


def _appointment_out(request, appointment: Appointment) -> dict:
    return {
        "id": appointment.pk,
        "service": appointment.service_id,
        "service_name": appointment.service.name,
        "advisor": appointment.advisor.display_name,
        "place": appointment.place.public_id,
        "mode": appointment.mode,
        "start": _rome(appointment.start),
        "end": _rome(appointment.end),
        "state": appointment.state,
        "reason": appointment.reason if can(request.user, Action.VIEW_REASON, appointment) else None,
        "offer_expires_at": _rome(appointment.offer_expires_at),
        "change_until": _rome(appointments.deadline(appointment)),
        "url": appointment.get_absolute_url(),
    }


def _visible_appointment(request, pk: int) -> Appointment:
    appointment = Appointment.objects.select_related("service", "advisor", "place").filter(pk=pk).first()
    if appointment is None or not can(request.user, Action.VIEW_APPOINTMENT, appointment):
        raise Http404(_("No appointment of yours has this number."))
    return appointment


@router.post(
    "/services/{pk}/appointments", auth=AUTH, response={201: AppointmentOut, **REFUSALS}, summary="Book"
)
def book(request, pk: int, payload: AppointmentIn):
    service = get_object_or_404(_services(), pk=pk)
    appointment = appointments.book(
        request.user,
        service,
        payload.advisor,
        _place_id(payload.place),
        payload.start,
        payload.mode,
        payload.reason,
        payload.phone,
    )
    return 201, _appointment_out(request, _visible_appointment(request, appointment.pk))


@router.post(
    "/services/{pk}/waiting-list", auth=AUTH, response={201: WaitOut, **REFUSALS}, summary="Wait for a slot"
)
def join_waiting_list(request, pk: int, payload: WaitIn):
    service = get_object_or_404(_services(), pk=pk)
    place = Place.objects.get(pk=_place_id(payload.place)) if payload.place else None
    wait = appointments.join_waiting_list(
        request.user, service, place, payload.mode, payload.reason, payload.phone
    )
    return 201, {"id": wait.pk, "service": service.pk, "place": payload.place, "state": wait.state}


@router.get("/appointments", auth=AUTH, response=list[AppointmentOut], summary="Your appointments")
def my_appointments(request):
    mine = Appointment.objects.filter(person=request.user).select_related("service", "advisor", "place")
    return [_appointment_out(request, a) for a in mine.order_by("-start")[:200]]


@router.get(
    "/appointments/{pk}", auth=AUTH, response={200: AppointmentOut, **REFUSALS}, summary="One appointment"
)
def get_appointment(request, pk: int):
    return _appointment_out(request, _visible_appointment(request, pk))


@router.post("/appointments/{pk}/reschedule", auth=AUTH, response={200: AppointmentOut, **REFUSALS})
def reschedule(request, pk: int, payload: RescheduleIn):
    appointment = _visible_appointment(request, pk)
    place = _place_id(payload.place) if payload.place else None
    moved = appointments.reschedule(appointment, request.user, payload.start, payload.advisor, place)
    return _appointment_out(request, _visible_appointment(request, moved.pk))


@router.post("/appointments/{pk}/cancel", auth=AUTH, response={200: AppointmentOut, **REFUSALS})
def cancel_appointment(request, pk: int, payload: ReasonIn):
    appointment = appointments.cancel(_visible_appointment(request, pk), request.user, payload.reason)
    return _appointment_out(request, _visible_appointment(request, appointment.pk))


@router.post("/appointments/{pk}/accept", auth=AUTH, response={200: AppointmentOut, **REFUSALS})
def accept_offer(request, pk: int):
    appointment = appointments.accept_offer(_visible_appointment(request, pk), request.user)
    return _appointment_out(request, _visible_appointment(request, appointment.pk))


@router.post("/appointments/{pk}/mark", auth=AUTH, response={200: AppointmentOut, **REFUSALS})
def mark(request, pk: int, payload: MarkIn):
    appointment = appointments.mark(_visible_appointment(request, pk), request.user, payload.outcome)
    return _appointment_out(request, _visible_appointment(request, appointment.pk))


# --- events and registrations ---------------------------------------------------------------------------------
def _event_out(event: Event) -> dict:
    return {
        "id": event.public_id,
        "kind": event.kind,
        "title": event.title,
        "title_en": event.title_en or event.title_it,
        "description": event.description,
        "organiser": event.organiser.legal_name,
        "place": _place_ref(event.place) if event.place_id else None,
        "online_url": event.online_url,
        "language": event.language,
        "audiences": event.audiences,
        "free": event.is_free,
        "price_cents": event.price_cents,
        "capacity": event.capacity,
        "registration": event.registration,
        "registration_closes": _rome(registration_closes(event)),
        "state": event.state,
        "starts_at": _rome(event.starts_at),
        "ends_at": _rome(event.ends_at),
        "url": event.get_absolute_url(),
    }


@router.get("/events", response={200: list[EventOut], 422: ErrorOut}, summary="The agenda of public events")
def list_events(
    request, filters: Query[AgendaQuery], limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0)
):
    """Public events not over yet (or from `from`), first sessions first; the agenda page's filters."""
    events = agenda(AgendaFilter(**filters.dict()))
    return [_event_out(e) for e in events[offset : offset + limit]]


def _visible_event(request, public_id: str) -> Event:
    event = (
        Event.objects.select_related("place__neighbourhood", "place__district", "organiser")
        .filter(public_id=public_id)
        .first()
    )
    if event is None or (
        event.state == Event.State.DRAFT and not can(request.user, Action.MANAGE_EVENT, event)
    ):
        raise Http404(_("No event has id '%(id)s'.") % {"id": public_id})
    return event


@router.get("/events/{public_id}", response={200: EventDetailOut, 404: ErrorOut}, summary="One event")
def get_event(request, public_id: str):
    event = _visible_event(request, public_id)
    left = None if event.capacity is None else max(event.capacity - holding_count(event), 0)
    sessions = event.sessions.select_related("room")
    return {
        **_event_out(event),
        "sessions": [
            {
                "start": _rome(s.start),
                "end": _rome(s.end),
                "room": s.room.name if s.room_id else None,
                "cancelled": s.is_cancelled,
            }
            for s in sessions
        ],
        "questions": [
            {"id": q.pk, "label": q.label, "kind": q.kind, "choices": q.choices, "required": q.required}
            for q in event.questions.all()
        ],
        "places_left": left,
    }


def _registration_out(registration: Registration, public_id: str) -> dict:
    return {
        "id": registration.pk,
        "event": public_id,
        "state": registration.state,
        "position": registration.position,
        "offer_expires_at": _rome(registration.offer_expires_at),
    }


@router.post(
    "/events/{public_id}/registrations",
    auth=AUTH,
    response={201: RegistrationOut, **REFUSALS},
    summary="Register",
)
def register(request, public_id: str, payload: RegistrationIn):
    """A place while there is one, else a turn on the waiting list (`state`: confirmed or waiting)."""
    user = request.user

    def visible(event: Event) -> None:
        if event.state == Event.State.DRAFT and not can(user, Action.MANAGE_EVENT, event):
            raise Http404(_("No event has id '%(id)s'.") % {"id": public_id})

    try:
        registration = registrations.register(user, public_id, payload.answers, visible=visible)
    except Event.DoesNotExist:
        raise Http404(_("No event has id '%(id)s'.") % {"id": public_id}) from None
    return 201, _registration_out(registration, public_id)


def _own_registration(request, pk: int) -> Registration:
    registration = Registration.objects.select_related("event").filter(pk=pk).first()
    if registration is None or not can(request.user, Action.VIEW_REGISTRATION, registration):
        raise Http404(_("No registration of yours has this number."))
    return registration


@router.get("/registrations", auth=AUTH, response=list[RegistrationOut], summary="Your registrations")
def my_registrations(request):
    mine = (
        Registration.objects.filter(person=request.user).select_related("event").order_by("-created_at")[:200]
    )
    return [_registration_out(r, r.event.public_id) for r in mine]


@router.post("/registrations/{pk}/confirm", auth=AUTH, response={200: RegistrationOut, **REFUSALS})
def confirm(request, pk: int):
    registration = registrations.confirm(_own_registration(request, pk), request.user)
    return _registration_out(registration, registration.event.public_id)


@router.post("/registrations/{pk}/cancel", auth=AUTH, response={200: RegistrationOut, **REFUSALS})
def cancel_registration(request, pk: int, payload: ReasonIn):
    registration = registrations.cancel(_own_registration(request, pk), request.user, payload.reason)
    return _registration_out(registration, registration.event.public_id)
