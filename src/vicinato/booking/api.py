"""The booking API (/api/v1/booking/): thin endpoints over `services`, which decide."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema

from vicinato.api.auth import AUTH
from vicinato.api.schemas import ErrorOut
from vicinato.register.models import Place
from vicinato.register.permissions import Action as RegisterAction
from vicinato.register.permissions import can as register_can

from . import calendar, services
from .models import CalendarFeed, Reservation, Resource, WaitingListEntry
from .permissions import Action, can, require

router = Router(tags=["booking"])
REFUSALS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ResourceOut(Schema):
    id: int
    place: str
    kind: str
    kind_label: str
    name: str
    capacity: int
    slot_minutes: int
    min_minutes: int
    max_minutes: int
    min_notice_minutes: int
    max_days_ahead: int
    buffer_minutes: int
    max_per_day_per_person: int | None
    max_per_week_per_person: int | None
    requires_approval: bool
    checkin_window_minutes: int
    cancellation_deadline_minutes: int
    who_may_book: str
    price_cents_per_slot: int


class SlotOut(Schema):
    resource: int
    start: datetime
    end: datetime
    free: int


class ReservationIn(Schema):
    resource: int
    start: datetime
    end: datetime
    units: int = 1


class ReservationOut(Schema):
    id: int
    resource: int
    place: str
    start: datetime
    end: datetime
    units: int
    state: str
    price_cents: int
    series: int | None
    checkin_code: str | None = Field(None, description="Shown to the person who booked, to type at check-in")


class ReasonIn(Schema):
    reason: str = ""


class CheckInIn(Schema):
    code: str


class WaitingListIn(Schema):
    resource: int
    start: datetime
    end: datetime
    units: int = 1


class WaitingListOut(Schema):
    id: int
    resource: int
    start: datetime
    end: datetime
    units: int
    position: int
    state: str
    offer_expires_at: datetime | None


def _visible_place(request, public_id: str) -> Place:
    place = get_object_or_404(Place, public_id=public_id)
    listed = Place.objects.listed().filter(pk=place.pk).exists()
    if not listed and not register_can(request.user, RegisterAction.VIEW_UNLISTED_PLACE, place):
        raise Http404(_("No listed place has id '%(id)s'.") % {"id": public_id})
    return place


def _resource(request, pk: int) -> Resource:
    resource = get_object_or_404(Resource.objects.select_related("place"), pk=pk, is_active=True)
    _visible_place(request, resource.place.public_id)
    return resource


def _resource_out(resource: Resource) -> dict:
    fields = {name: getattr(resource, name) for name in ResourceOut.model_fields if hasattr(resource, name)}
    return {**fields, "place": resource.place.public_id, "kind_label": resource.get_kind_display()}


def _reservation_out(request, reservation: Reservation) -> dict:
    return {
        "id": reservation.pk,
        "resource": reservation.resource_id,
        "place": reservation.resource.place.public_id,
        "start": timezone.localtime(reservation.start),
        "end": timezone.localtime(reservation.end),
        "units": reservation.units,
        "state": reservation.state,
        "price_cents": reservation.price_cents,
        "series": reservation.series_id,
        "checkin_code": reservation.checkin_code if reservation.person_id == request.user.pk else None,
    }


def _slots_out(slots: list[services.Slot]) -> list[dict]:
    return [{"resource": s.resource_id, "start": s.start, "end": s.end, "free": s.free} for s in slots]


@router.get(
    "/places/{public_id}/resources", response=list[ResourceOut], summary="Bookable resources of a place"
)
def list_resources(request, public_id: str):
    place = _visible_place(request, public_id)
    return [_resource_out(r) for r in place.resources.filter(is_active=True).select_related("place")]


@router.get(
    "/places/{public_id}/availability",
    response={200: list[SlotOut], 404: ErrorOut},
    summary="Free units per slot of every resource of a place",
)
def place_availability(request, public_id: str, day: date, days: int = Query(1, ge=1, le=7)):
    return _slots_out(services.availability(_visible_place(request, public_id), day, days))


@router.get(
    "/resources/{pk}/availability",
    response={200: list[SlotOut], 404: ErrorOut},
    summary="Free units per slot of a resource",
)
def resource_availability(request, pk: int, day: date, days: int = Query(1, ge=1, le=7)):
    return _slots_out(services.availability(_resource(request, pk), day, days))


@router.post("/reservations", auth=AUTH, response={201: ReservationOut, **REFUSALS}, summary="Book")
def create_reservation(
    request, payload: ReservationIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")
):
    """Refusals: 422 names the rule that refused in `errors` (per field), 409 when no unit is free.
    Send an `Idempotency-Key` header to retry safely: the same key gives back the same reservation."""
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 100:
        raise ValidationError({"idempotency_key": [_("Send an Idempotency-Key of 1 to 100 characters.")]})
    resource = _resource(request, payload.resource)
    reservation = services.reserve(
        request.user, resource, payload.start, payload.end, payload.units, idempotency_key
    )
    return 201, _reservation_out(request, reservation)


@router.get("/reservations", auth=AUTH, response=list[ReservationOut], summary="My reservations")
def my_reservations(request, state: Reservation.State | None = None):
    reservations = Reservation.objects.filter(person=request.user).select_related("resource__place")
    if state:
        reservations = reservations.filter(state=state)
    return [_reservation_out(request, r) for r in reservations]


def _visible_reservation(request, pk: int) -> Reservation:
    reservation = get_object_or_404(Reservation.objects.select_related("resource__place"), pk=pk)
    if not can(request.user, Action.VIEW_RESERVATION, reservation):
        raise Http404(_("No reservation of yours has id %(id)d.") % {"id": pk})
    return reservation


@router.get(
    "/reservations/{pk}", auth=AUTH, response={200: ReservationOut, 404: ErrorOut}, summary="One reservation"
)
def get_reservation(request, pk: int):
    return _reservation_out(request, _visible_reservation(request, pk))


@router.post(
    "/reservations/{pk}/cancel",
    auth=AUTH,
    response={200: ReservationOut, **REFUSALS},
    summary="Cancel a reservation",
)
def cancel_reservation(request, pk: int, payload: ReasonIn):
    """The person who booked, before the deadline; the place's staff at any time, with a reason."""
    reservation = services.cancel(_visible_reservation(request, pk), request.user, payload.reason)
    return _reservation_out(request, reservation)


@router.post(
    "/check-in", auth=AUTH, response={200: ReservationOut, **REFUSALS}, summary="Check in (place's staff)"
)
def check_in(request, payload: CheckInIn):
    return _reservation_out(request, services.check_in(payload.code, request.user))


@router.post(
    "/waiting-list", auth=AUTH, response={201: WaitingListOut, **REFUSALS}, summary="Join the waiting list"
)
def join_waiting_list(request, payload: WaitingListIn):
    resource = _resource(request, payload.resource)
    entry = services.join_waiting_list(request.user, resource, payload.start, payload.end, payload.units)
    return 201, _waiting_out(entry)


@router.post(
    "/waiting-list/{pk}/accept",
    auth=AUTH,
    response={201: ReservationOut, **REFUSALS},
    summary="Accept an offer from the waiting list",
)
def accept_offer(request, pk: int):
    entry = get_object_or_404(WaitingListEntry.objects.select_related("resource__place"), pk=pk)
    require(request.user, Action.ACCEPT_OFFER, entry)
    return 201, _reservation_out(request, services.accept_offer(entry, request.user))


def _waiting_out(entry: WaitingListEntry) -> dict:
    return {
        "id": entry.pk,
        "resource": entry.resource_id,
        "start": timezone.localtime(entry.start),
        "end": timezone.localtime(entry.end),
        "units": entry.units,
        "position": entry.position,
        "state": entry.state,
        "offer_expires_at": entry.offer_expires_at,
    }


@router.get("/reservations/{pk}/ics", auth=AUTH, summary="The reservation as an iCalendar (.ics) file")
def reservation_ics(request, pk: int):
    reservation = _visible_reservation(request, pk)
    response = HttpResponse(
        calendar.reservation_ics(reservation), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="vicinato-{pk}.ics"'
    return response


class FeedOut(Schema):
    url: str


def _feed_out(request, feed) -> dict:
    return {"url": request.build_absolute_uri(f"/api/v1/booking/calendar/{feed.token}.ics")}


@router.get("/calendar", auth=AUTH, response=FeedOut, summary="Your private calendar feed address")
def calendar_feed(request):
    return _feed_out(request, calendar.feed_for(request.user))


@router.post(
    "/calendar/renew", auth=AUTH, response=FeedOut, summary="Revoke the feed address and get a new one"
)
def renew_calendar_feed(request):
    return _feed_out(request, calendar.feed_for(request.user, renew=True))


@router.get("/calendar/{token}.ics", summary="A private calendar feed (the address is the secret)")
def calendar_feed_ics(request, token: str):
    feed = CalendarFeed.objects.select_related("person").filter(token=token).first()
    if feed is None:
        raise Http404(_("This calendar address is not valid any more; copy the new one from your account."))
    return HttpResponse(calendar.feed_ics(feed), content_type="text/calendar; charset=utf-8")
