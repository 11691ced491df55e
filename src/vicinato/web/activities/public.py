"""Public pages: the city agenda and each event (with schema.org metadata and calendars), the advice services
and their free times, and the events' open data. Every decision is the activities' services'."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from vicinato.activities import calendar, opendata
from vicinato.activities.models import AdviceService, Event, Registration
from vicinato.activities.permissions import Action, can
from vicinato.activities.services import appointments, registrations
from vicinato.activities.services.agenda import AgendaFilter, agenda, with_details
from vicinato.activities.services.common import ActivityError
from vicinato.activities.services.events import holding_count, registration_closes
from vicinato.lib.calendar import ics_download
from vicinato.lib.forms import add_errors
from vicinato.register.models import Organisation, Place

from ..booking.forms import parse_day
from .forms import AgendaForm, AppointmentForm, RegistrationForm, WaitForm

PAGE_SIZE = 20


def agenda_page(request):
    """The city-wide agenda: filters in the address, a page of events at a time."""
    form = AgendaForm(request.GET or None)
    filters = AgendaFilter()
    if form.is_valid():
        filters = AgendaFilter(**{k: v for k, v in form.cleaned_data.items() if v not in (None, "")})
    page = Paginator(agenda(filters).values_list("pk", flat=True), PAGE_SIZE).get_page(
        request.GET.get("pagina")
    )
    page.object_list = with_details(list(page.object_list))
    query = request.GET.copy()
    query.pop("pagina", None)
    return render(
        request,
        "activities/agenda.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "filtered": bool(query),
            # The cached filters are kept apart for each set of areas (another city imported).
            "areas": f"{len(form.fields['municipio'].choices)}-{len(form.fields['nil'].choices)}",
        },
    )


def _visible_event(request, public_id: str) -> Event:
    event = get_object_or_404(
        Event.objects.select_related(
            "place__municipality", "place__neighbourhood", "place__district", "organiser"
        ),
        public_id=public_id,
    )
    if event.state == Event.State.DRAFT and not can(request.user, Action.MANAGE_EVENT, event):
        raise Http404(_("No event has this address."))
    return event


def _json_ld(request, event: Event, left: int | None) -> str:
    """schema.org Event metadata (JSON-LD) for search engines and calendars."""
    url = request.build_absolute_uri(event.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "EducationEvent" if event.kind in (Event.Kind.COURSE, Event.Kind.WORKSHOP) else "Event",
        "name": event.title,
        "description": event.description or event.title,
        "url": url,
        "startDate": timezone.localtime(event.starts_at).isoformat() if event.starts_at else None,
        "endDate": timezone.localtime(event.ends_at).isoformat() if event.ends_at else None,
        "eventStatus": "https://schema.org/"
        + ("EventCancelled" if event.state == Event.State.CANCELLED else "EventScheduled"),
        "eventAttendanceMode": "https://schema.org/"
        + ("OnlineEventAttendanceMode" if event.is_online else "OfflineEventAttendanceMode"),
        "inLanguage": event.language,
        "isAccessibleForFree": event.is_free,
        "organizer": {"@type": "Organization", "name": event.organiser.legal_name},
        "offers": {
            "@type": "Offer",
            "price": f"{event.price_cents / 100:.2f}",
            "priceCurrency": "EUR",
            "url": url,
            "availability": "https://schema.org/" + ("SoldOut" if left == 0 else "InStock"),
        },
    }
    if event.place_id:
        place = event.place
        data["location"] = {
            "@type": "Place",
            "name": place.name,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": place.address,
                "postalCode": place.postcode,
                "addressLocality": place.municipality.name,
                "addressCountry": "IT",
            },
            "geo": {"@type": "GeoCoordinates", "latitude": place.lat, "longitude": place.lon},
        }
    else:
        data["location"] = {"@type": "VirtualLocation", "url": event.online_url}
    if event.audiences:
        data["audience"] = {"@type": "Audience", "audienceType": ", ".join(event.audiences)}
    # Inside a <script>: "<" written as an escape, so that no text closes the element.
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).replace("<", "\\u003c")


def event_page(request, public_id: str):
    """An event: its sessions, where, for whom; the registration form with its questions."""
    event = _visible_event(request, public_id)
    questions = list(event.questions.all())
    form = RegistrationForm(questions, request.POST if request.method == "POST" else None)
    mine = None
    if request.user.is_authenticated:
        mine = (
            Registration.objects.filter(event=event, person=request.user, state__in=Registration.ACTIVE)
            .order_by("-pk")
            .first()
        )
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('web:login')}?next={request.path}")
        if form.is_valid():
            try:
                registration = registrations.register(request.user, event, form.answers())
            except ValidationError as error:
                add_errors(form, error)
            except ActivityError as error:
                form.add_error(None, str(error))
            else:
                if registration.state == Registration.State.WAITING:
                    messages.info(
                        request,
                        _(
                            "The event is full: you are number %(n)d on the waiting list. We will e-mail you if a place frees up."
                        )
                        % {"n": registration.position},
                    )
                else:
                    messages.success(request, _("You are registered. You will find it under My activities."))
                return redirect(event.get_absolute_url())
    left = None if event.capacity is None else max(event.capacity - holding_count(event), 0)
    return render(
        request,
        "activities/event.html",
        {
            "event": event,
            "sessions": event.sessions.select_related("room").order_by("start"),
            "form": form,
            "mine": mine,
            "left": left,
            "closes": registration_closes(event),
            "refusal": registrations.registration_refusal(event, timezone.now()),
            "json_ld": _json_ld(request, event, left),
            "can_manage": can(request.user, Action.MANAGE_EVENT, event),
        },
    )


def event_ics(request, public_id: str):
    event = _visible_event(request, public_id)
    return ics_download(calendar.events_ics([event], event.title_it), f"vicinato-{event.public_id}")


def place_feed(request, public_id: str):
    """The public events at a place, as a calendar to subscribe to."""
    place = get_object_or_404(Place, public_id=public_id)
    events = opendata.published().filter(place=place)
    return ics_download(
        calendar.events_ics(events, f"Vicinato — {place.name_it}"), f"vicinato-{place.public_id}"
    )


def organiser_feed(request, pk: int):
    """The public events of an organiser, as a calendar to subscribe to."""
    organisation = get_object_or_404(Organisation, pk=pk)
    events = opendata.published().filter(organiser=organisation)
    return ics_download(
        calendar.events_ics(events, f"Vicinato — {organisation.legal_name}"),
        f"vicinato-organiser-{pk}",
    )


# --- open data -------------------------------------------------------------------------------------------------
def opendata_events_csv(request):
    response = HttpResponse(opendata.events_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="events.csv"'
    return response


def opendata_events_json(request):
    return JsonResponse(opendata.events_json(), safe=False, json_dumps_params={"ensure_ascii": False})


def opendata_events_ics(request):
    return ics_download(opendata.events_ics(), "events")


# --- advice services -------------------------------------------------------------------------------------------
def services_page(request):
    services = (
        AdviceService.objects.filter(is_active=True)
        .select_related("organisation")
        .prefetch_related("places")
        .order_by("kind", "name_it")
    )
    kind = request.GET.get("tipo", "")
    if kind in AdviceService.Kind.values:
        services = services.filter(kind=kind)
    return render(
        request,
        "activities/services.html",
        {"services": services, "kinds": AdviceService.Kind.choices, "kind": kind},
    )


def _parse_slot(value: str) -> tuple[int, int, datetime] | None:
    """'advisor_place_ISO-time' from a slot's link, or None when it is malformed."""
    try:
        advisor, place, moment = value.split("_", 2)
        # A "+" of the offset left unencoded in an address arrives as a space.
        start = datetime.fromisoformat(moment.replace(" ", "+"))
        return int(advisor), int(place), start if timezone.is_aware(start) else None
    except (ValueError, TypeError):
        return None


def slot_key(slot) -> str:
    return f"{slot.advisor_id}_{slot.place_id}_{timezone.localtime(slot.start).isoformat()}"


def service_page(request, pk: int):
    """A service: its free times a week at a time (at one of its places or all), the booking form for the
    chosen time, and the waiting list when the bookable weeks are full."""
    service = get_object_or_404(
        AdviceService.objects.select_related("organisation").prefetch_related("places"), pk=pk, is_active=True
    )
    places = list(service.places.all())
    place = next((p for p in places if p.public_id == request.GET.get("luogo")), None)
    today = timezone.localdate()
    first = max(parse_day(request.GET.get("giorno"), today) or today, today)
    slots = appointments.free_slots(service, first, 7, place)
    names = dict(service.advisors.values_list("pk", "display_name"))
    by_place = {p.pk: p for p in places}
    days: dict[date, list] = {}
    for slot in slots:
        days.setdefault(timezone.localtime(slot.start).date(), []).append(
            (slot, slot_key(slot), names.get(slot.advisor_id, ""), by_place[slot.place_id])
        )
    chosen_key = request.POST.get("slot") or request.GET.get("slot", "")
    chosen = _parse_slot(chosen_key)
    form = AppointmentForm(service.modes, request.POST or None, initial={"slot": chosen_key})
    wait_form = WaitForm(service.modes, request.POST if "wait" in request.POST else None)
    if request.method == "POST" and not request.user.is_authenticated:
        return redirect(f"{reverse('web:login')}?next={request.get_full_path()}")
    if request.method == "POST" and "wait" in request.POST:
        if wait_form.is_valid():
            try:
                appointments.join_waiting_list(request.user, service, place, **wait_form.cleaned_data)
            except ValidationError as error:
                add_errors(wait_form, error)
            except ActivityError as error:
                wait_form.add_error(None, str(error))
            else:
                messages.success(
                    request, _("You are on the waiting list: we will e-mail you when a time frees up.")
                )
                return redirect("web:activities:mine")
    elif request.method == "POST":
        if form.is_valid():
            if chosen is None:
                form.add_error(None, _("Choose one of the free times shown."))
            else:
                data = form.cleaned_data
                try:
                    appointment = appointments.book(
                        request.user,
                        service,
                        chosen[0],
                        chosen[1],
                        chosen[2],
                        data["mode"],
                        data["reason"],
                        data["phone"],
                    )
                except ValidationError as error:
                    add_errors(form, error)
                except ActivityError as error:
                    form.add_error(None, str(error))
                else:
                    messages.success(
                        request, _("Appointment booked. We have sent you the details by e-mail.")
                    )
                    return redirect(appointment.get_absolute_url())
    chosen_slot = None
    if chosen:
        chosen_slot = {
            "start": chosen[2],
            "end": chosen[2] + service.length,
            "advisor": names.get(chosen[0], ""),
            "place": by_place.get(chosen[1]),
        }
    any_free = bool(slots) or bool(appointments.free_slots(service, today, service.days_ahead + 1, place))
    return render(
        request,
        "activities/service.html",
        {
            "service": service,
            "places": places,
            "place": place,
            "days": days,
            "first": first,
            "previous": first - timedelta(days=7) if first > today else None,
            "next": first + timedelta(days=7),
            "form": form,
            "wait_form": wait_form,
            "chosen": chosen_slot,
            "chosen_key": chosen_key if chosen else "",
            "any_free": any_free,
        },
    )
