"""The booking API (/api/v1/booking/): thin endpoints over `services`, which decide."""

from __future__ import annotations

import json
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import CharField, IntegerField
from django.forms.models import model_to_dict
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema

from vicinato.api.auth import AUTH
from vicinato.api.schemas import ErrorOut, OpeningInterval
from vicinato.register.models import Place
from vicinato.register.permissions import Action as RegisterAction
from vicinato.register.permissions import can as register_can

from . import calendar, queries, services, units
from .forms import ResourceForm, save_resource
from .models import Block, CalendarFeed, Reservation, ReservationSeries, Resource, Unit, WaitingListEntry
from .permissions import Action, can, is_operator, require
from .prepared import Param, Prepared

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
    organisations: list[int] = Field(description="Ids of the organisations whose members may book")
    price_cents_per_slot: int
    price_cents_per_day: int | None = Field(
        description="A day pass: no booking costs more for each Rome calendar day it covers; with no price per "
        "slot, each day costs this. null: no price per day"
    )
    has_named_units: bool = Field(
        description="Its units have names (see /resources/{id}/units): a booking holds one, chosen or any free"
    )
    offer_minutes: int
    is_active: bool
    name_it: str
    name_en: str


class SlotOut(Schema):
    resource: int
    start: datetime
    end: datetime
    free: int
    units: list[int] | None = Field(
        None, description="Of a resource with named units: the ids of those free for the whole slot"
    )


class ReservationIn(Schema):
    resource: int
    start: datetime
    end: datetime
    units: int = 1
    unit: int | None = Field(
        None, description="Of a resource with named units: the id of the one to book; null: any free one"
    )


class ReservationOut(Schema):
    id: int
    resource: int
    place: str
    start: datetime
    end: datetime
    units: int
    unit: int | None = Field(None, description="The named unit it holds, if the resource has named units")
    unit_name: str | None = None
    state: str
    price_cents: int
    series: int | None
    checkin_code: str | None = Field(None, description="Shown to the person who booked, to type at check-in")


class ReasonIn(Schema):
    reason: str = ""


class MoveIn(Schema):
    start: datetime
    end: datetime
    unit: int | None = Field(
        None,
        description="Of a resource with named units: the id of the one to move to; null: keep its unit if free, "
        "else any free one",
    )
    reason: str = Field("", max_length=500, description="Told to the person in the mail about the change")


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
    place: str
    resource_name: str
    start: datetime
    end: datetime
    units: int
    position: int = Field(
        description="Order of joining the resource's waiting list (a counter, not the rank)"
    )
    line_position: int | None = Field(
        description="1 = next to get an offer, among those waiting for an overlapping time; null unless waiting"
    )
    state: str = Field(description="waiting, offered (accept before offer_expires_at), accepted or expired")
    offer_expires_at: datetime | None
    unit: int | None = Field(None, description="The named desk an offer holds (null: identical units)")
    unit_name: str | None = None
    reservation: int | None = Field(description="The booking made by accepting the offer")


_listed = services.listed_column


# Prepared: the booking and availability endpoints read these on every request (see `prepared`).
_PLACE = Prepared(
    lambda: (
        Place.objects.filter(public_id=Param("public_id", CharField()))
        .annotate(listed=_listed("pk"))
        .values_list(*services.PLACE_COLUMNS, "listed")
    )
)
_RESOURCE = Prepared(
    lambda: (
        Resource.objects.filter(pk=Param("pk", IntegerField()), is_active=True)
        .annotate(listed=_listed("place_id"))
        .order_by()
        .values_list(*services.RESOURCE_COLUMNS, "listed")
    )
)


def _refuse_unlisted(request, place: Place, listed: bool) -> None:
    if not listed and not register_can(request.user, RegisterAction.VIEW_UNLISTED_PLACE, place):
        raise Http404(_("No listed place has id '%(id)s'.") % {"id": place.public_id})


def _visible_place(request, public_id: str) -> Place:
    rows = _PLACE.rows(public_id=public_id, now=timezone.now())
    if not rows:
        raise Http404("No Place matches the given query.")
    place = services.place_from_columns(rows[0])
    _refuse_unlisted(request, place, rows[0][-1])
    return place


def _resource(request, pk: int) -> Resource:
    rows = _RESOURCE.rows(pk=pk, now=timezone.now())
    if not rows:
        raise Http404("No Resource matches the given query.")
    resource = services.resource_from_columns(rows[0])
    _refuse_unlisted(request, resource.place, rows[0][-1])
    return resource


def _resource_out(resource: Resource) -> dict:
    fields = {name: getattr(resource, name) for name in ResourceOut.model_fields if hasattr(resource, name)}
    return {
        **fields,
        "place": resource.place.public_id,
        "kind_label": resource.get_kind_display(),
        "organisations": [o.pk for o in resource.organisations.all()],
    }


def _reservation_out(request, reservation: Reservation) -> dict:
    return {
        "id": reservation.pk,
        "resource": reservation.resource_id,
        "place": reservation.resource.place.public_id,
        "start": timezone.localtime(reservation.start),
        "end": timezone.localtime(reservation.end),
        "units": reservation.units,
        "unit": reservation.unit_id,
        "unit_name": reservation.unit.name if reservation.unit_id else None,
        "state": reservation.state,
        "price_cents": reservation.price_cents,
        "series": reservation.series_id,
        "checkin_code": reservation.checkin_code if reservation.person_id == request.user.pk else None,
    }


def _slot_units(slot: services.Slot) -> list[int] | None:
    return None if slot.units is None else [u.pk for u in slot.units]


def _slots_out(slots: list[services.Slot]) -> list[dict]:
    return [
        {"resource": s.resource_id, "start": s.start, "end": s.end, "free": s.free, "units": _slot_units(s)}
        for s in slots
    ]


def _slots_response(slots: list[services.Slot]) -> HttpResponse:
    """The JSON of `list[SlotOut]`, as the API's renderer writes it, without validating each slot again: a
    place's week has thousands. The slots of a day share their times, each formatted once."""
    moments: dict = {}
    moment = DjangoJSONEncoder().default

    def text(value):
        if value not in moments:
            moments[value] = moment(value)
        return moments[value]

    body = [
        {
            "resource": s.resource_id,
            "start": text(s.start),
            "end": text(s.end),
            "free": s.free,
            "units": _slot_units(s),
        }
        for s in slots
    ]
    return HttpResponse(json.dumps(body), content_type="application/json; charset=utf-8")


@router.get(
    "/places/{public_id}/resources", response=list[ResourceOut], summary="Bookable resources of a place"
)
def list_resources(request, public_id: str):
    place = _visible_place(request, public_id)
    resources = (
        place.resources.filter(is_active=True).select_related("place").prefetch_related("organisations")
    )
    return [_resource_out(r) for r in resources]


@router.get(
    "/places/{public_id}/availability",
    response={200: list[SlotOut], 404: ErrorOut},
    summary="Free units per slot of every resource of a place",
)
def place_availability(request, public_id: str, day: date, days: int = Query(1, ge=1, le=7)):
    return _slots_response(services.availability(_visible_place(request, public_id), day, days))


@router.get(
    "/resources/{pk}/availability",
    response={200: list[SlotOut], 404: ErrorOut},
    summary="Free units per slot of a resource",
)
def resource_availability(request, pk: int, day: date, days: int = Query(1, ge=1, le=7)):
    return _slots_response(services.availability(_resource(request, pk), day, days))


@router.post("/reservations", auth=AUTH, response={201: ReservationOut, **REFUSALS}, summary="Book")
def create_reservation(
    request, payload: ReservationIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")
):
    """Refusals: 422 names the rule that refused in `errors` (per field), 409 when no unit is free.
    Send an `Idempotency-Key` header to retry safely: the same key gives back the same reservation."""
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 100:
        raise ValidationError({"idempotency_key": [_("Send an Idempotency-Key of 1 to 100 characters.")]})

    def visible(resource: Resource, listed: bool) -> None:
        # As `_resource`, on the row the booking locks: one read of the resource instead of two.
        if not resource.is_active:
            raise Http404("No Resource matches the given query.")
        _refuse_unlisted(request, resource.place, listed)

    try:
        reservation = services.reserve(
            request.user,
            Resource(pk=payload.resource),
            payload.start,
            payload.end,
            payload.units,
            idempotency_key,
            unit=payload.unit,
            visible=visible,
        )
    except Resource.DoesNotExist:
        raise Http404("No Resource matches the given query.") from None
    # Written as the API writes a ReservationOut (tests/booking/test_booking_answer.py), without validating
    # the answer again: the hot path of the bookings.
    out = _reservation_out(request, reservation)
    body = json.dumps({name: out[name] for name in ReservationOut.model_fields}, cls=DjangoJSONEncoder)
    return HttpResponse(body, status=201, content_type="application/json; charset=utf-8")


# The time filter and the paging of the lists (see `queries`).
WHEN = Query(None, description="upcoming: not ended yet, soonest first; past: ended, latest first")
PAGE_OFFSET = Query(0, ge=0, le=10**9, description="How many to skip")


@router.get(
    "/reservations", auth=AUTH, response={200: list[ReservationOut], 422: ErrorOut}, summary="My reservations"
)
def my_reservations(
    request,
    response: HttpResponse,
    state: Reservation.State | None = None,
    when: queries.When | None = WHEN,
    limit: int | None = Query(None, ge=1, le=1000, description="Page size; without it, every reservation"),
    offset: int = PAGE_OFFSET,
):
    """Sorted by start (past: latest first). The header `X-Total-Count` gives how many match in all."""
    reservations = Reservation.objects.filter(person=request.user).select_related("resource__place", "unit")
    if state:
        reservations = reservations.filter(state=state)
    reservations = queries.when_filter(reservations, when, timezone.now())
    return [_reservation_out(request, r) for r in _paged(response, reservations, limit, offset)]


def _visible_reservation(request, pk: int) -> Reservation:
    reservation = get_object_or_404(Reservation.objects.select_related("resource__place", "unit"), pk=pk)
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
    "/reservations/{pk}/move",
    auth=AUTH,
    response={200: ReservationOut, **REFUSALS},
    summary="Change a reservation's time (or its named unit)",
)
def move_reservation(request, pk: int, payload: MoveIn):
    """The person who booked, before the cancellation deadline (a resource that needs approval then waits for
    it again); the place's staff at any time. Every rule is checked again, not counting the reservation
    itself: 422 names the rule, 409 when no unit is free. The id, the check-in code and the calendar event
    stay the same."""
    reservation = services.move(
        _visible_reservation(request, pk),
        payload.start,
        payload.end,
        request.user,
        unit=payload.unit,
        reason=payload.reason,
    )
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
    entry = get_object_or_404(WaitingListEntry.objects.select_related("resource__place", "unit"), pk=pk)
    require(request.user, Action.ACCEPT_OFFER, entry)
    return 201, _reservation_out(request, services.accept_offer(entry, request.user))


def _waiting_out(entry: WaitingListEntry) -> dict:
    waiting = entry.state == WaitingListEntry.State.WAITING
    return {
        "id": entry.pk,
        "resource": entry.resource_id,
        "place": entry.resource.place.public_id,
        "resource_name": entry.resource.name,
        "start": timezone.localtime(entry.start),
        "end": timezone.localtime(entry.end),
        "units": entry.units,
        "position": entry.position,
        "line_position": services.line_position(entry) if waiting else None,
        "state": entry.state,
        "offer_expires_at": entry.offer_expires_at,
        "unit": entry.unit_id,
        "unit_name": entry.unit.name if entry.unit_id else None,
        "reservation": entry.reservation_id,
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


# --- the place's operators ----------------------------------------------------------------------------------
class ResourceIn(Schema):
    """The resource's fields; on update, those left out keep their value. See ResourceOut for their meaning."""

    kind: str | None = None
    name_it: str | None = None
    name_en: str | None = None
    capacity: int | None = None
    is_active: bool | None = None
    slot_minutes: int | None = None
    min_minutes: int | None = None
    max_minutes: int | None = None
    buffer_minutes: int | None = None
    min_notice_minutes: int | None = None
    max_days_ahead: int | None = None
    cancellation_deadline_minutes: int | None = None
    checkin_window_minutes: int | None = None
    max_per_day_per_person: int | None = Field(None, description="null: no limit")
    max_per_week_per_person: int | None = Field(None, description="null: no limit")
    who_may_book: str | None = Field(None, description="everyone, members (give organisations), agreement")
    organisations: list[int] | None = Field(None, description="Only with who_may_book=members; else dropped")
    requires_approval: bool | None = None
    offer_minutes: int | None = None
    price_cents_per_slot: int | None = None
    price_cents_per_day: int | None = Field(None, description="null: no price per day")


class OperatorReservationOut(ReservationOut):
    person: str = Field(description="The name of the person who booked")
    resource_name: str


class BlockIn(Schema):
    resource: int
    unit: int | None = Field(
        None,
        description="Close only this named unit (an active one of the resource); none: the whole resource",
    )
    start: datetime
    end: datetime
    reason: str = Field("", max_length=200, description="Shown to people; sent to them when cancelling")
    cancel_affected: bool = Field(
        False, description="Also cancel the bookings in the period (needs a reason)"
    )


class BlockOut(Schema):
    id: int
    resource: int
    unit: int | None = Field(None, description="The named unit it closes; null: the whole resource")
    unit_name: str | None = None
    start: datetime
    end: datetime
    reason: str


class KeptOut(Schema):
    reservation: int
    reason: str = Field(description="Why it could not be cancelled")


class CancelledOut(Schema):
    cancelled: list[OperatorReservationOut]
    kept: list[KeptOut]


class BlockCreatedOut(CancelledOut):
    block: BlockOut
    affected: list[OperatorReservationOut] = Field(description="The bookings in the period, as they were")


class CancelAffectedIn(Schema):
    reason: str


class LiftOut(Schema):
    offers: int = Field(description="How many people on the waiting list got an offer")


class DayPlanOut(Schema):
    day: date
    reservations: list[OperatorReservationOut]
    blocks: list[BlockOut]
    slots: list[SlotOut]


def _operator_reservation_out(request, reservation: Reservation) -> dict:
    person = reservation.person
    return {
        **_reservation_out(request, reservation),
        "person": person.get_full_name() or person.get_username(),
        "resource_name": reservation.resource.name,
    }


def _block_out(block: Block) -> dict:
    return {
        "id": block.pk,
        "resource": block.resource_id,
        "unit": block.unit_id,
        "unit_name": block.unit.name if block.unit_id else None,
        "start": timezone.localtime(block.start),
        "end": timezone.localtime(block.end),
        "reason": block.reason,
    }


def _cancelled_out(request, cancelled, kept) -> dict:
    return {
        "cancelled": [_operator_reservation_out(request, r) for r in cancelled],
        "kept": [{"reservation": r.pk, "reason": reason} for r, reason in kept],
    }


def _operated_place(request, public_id: str, action: Action) -> Place:
    place = get_object_or_404(Place, public_id=public_id)
    require(request.user, action, place)
    return place


def _save_resource(request, place: Place, payload: ResourceIn, resource: Resource | None = None) -> dict:
    """Validate with the operator pages' form: the same rules and messages, per field."""
    instance = resource or Resource(place=place)
    data = model_to_dict(instance, fields=ResourceForm._meta.fields)
    data["organisations"] = [getattr(o, "pk", o) for o in data.get("organisations") or []]
    data.update(payload.dict(exclude_unset=True))
    form = ResourceForm(data, instance=instance)
    saved = save_resource(request.user, form)
    if saved is None:
        raise ValidationError(form.errors.as_data())  # the messages with their codes (e.g. "min_value")
    return _resource_out(saved)


@router.get(
    "/places/{public_id}/resources/all",
    auth=AUTH,
    response={200: list[ResourceOut], **REFUSALS},
    summary="Every resource of a place, also those not taking bookings (place's staff)",
)
def all_resources(request, public_id: str):
    place = _operated_place(request, public_id, Action.VIEW_PLACE_BOOKINGS)
    resources = place.resources.select_related("place").prefetch_related("organisations")
    return [_resource_out(r) for r in resources]


@router.post(
    "/places/{public_id}/resources",
    auth=AUTH,
    response={201: ResourceOut, **REFUSALS},
    summary="Add a resource with its rules (place's administrators)",
)
def create_resource(request, public_id: str, payload: ResourceIn):
    """Refusals: 422 with a message per field (e.g. `max_minutes` shorter than `min_minutes`)."""
    place = _operated_place(request, public_id, Action.MANAGE_RESOURCES)
    return 201, _save_resource(request, place, payload)


@router.patch(
    "/resources/{pk}",
    auth=AUTH,
    response={200: ResourceOut, **REFUSALS},
    summary="Change a resource's rules (place's administrators)",
)
def update_resource(request, pk: int, payload: ResourceIn):
    """Only the fields sent change. Lowering `capacity` below what bookings ahead hold is refused (422)."""
    resource = get_object_or_404(Resource.objects.select_related("place"), pk=pk)
    require(request.user, Action.MANAGE_RESOURCES, resource)
    return _save_resource(request, resource.place, payload, resource)


# --- named units (desks "A1", "Window 3") ----------------------------------------------------------------------
class UnitOut(Schema):
    id: int
    resource: int
    name: str
    name_it: str
    name_en: str
    order: int = Field(description="Lower first; a booking without a unit takes the first free one")
    is_active: bool


class UnitIn(Schema):
    name_it: str = Field(max_length=100)
    name_en: str = Field("", max_length=100)


class UnitPatchIn(Schema):
    """The fields sent change; the others keep their value."""

    name_it: str | None = Field(None, max_length=100)
    name_en: str | None = Field(None, max_length=100)
    order: int | None = None
    is_active: bool | None = None
    move_bookings: bool = Field(
        False, description="On deactivating: move its bookings ahead to other free units (else 422 if any)"
    )


class UnitChangedOut(UnitOut):
    moved: list[int] = Field(description="The reservations moved to another unit")


def _unit_out(unit: Unit) -> dict:
    return {
        "id": unit.pk,
        "resource": unit.resource_id,
        "name": unit.name,
        "name_it": unit.name_it,
        "name_en": unit.name_en,
        "order": unit.order,
        "is_active": unit.is_active,
    }


@router.get(
    "/resources/{pk}/units",
    response={200: list[UnitOut], 404: ErrorOut},
    summary="The named units of a resource taking bookings (empty: identical units)",
)
def list_units(request, pk: int):
    return [_unit_out(u) for u in units.units_of(_resource(request, pk))]


@router.get(
    "/resources/{pk}/units/all",
    auth=AUTH,
    response={200: list[UnitOut], **REFUSALS},
    summary="Every named unit of a resource, also those not taking bookings (place's staff)",
)
def all_units(request, pk: int):
    resource = get_object_or_404(Resource.objects.select_related("place"), pk=pk)
    require(request.user, Action.VIEW_PLACE_BOOKINGS, resource)
    return [_unit_out(u) for u in units.units_of(resource, with_inactive=True)]


@router.post(
    "/resources/{pk}/units",
    auth=AUTH,
    response={201: UnitOut, **REFUSALS},
    summary="Add a named unit, after the others (place's administrators)",
)
def add_unit(request, pk: int, payload: UnitIn):
    """The first named unit turns identical units into named ones: the capacity becomes the number of named
    units, and each booking ahead gets one (422 when they hold more at once than are named)."""
    resource = get_object_or_404(Resource.objects.select_related("place"), pk=pk)
    try:
        [unit] = units.add_units(resource, request.user, [(payload.name_it, payload.name_en)])
    except ValidationError as error:
        raise ValidationError(
            {"name_it" if f == "names" else f: m for f, m in error.message_dict.items()}
        ) from error
    return 201, _unit_out(unit)


@router.patch(
    "/units/{pk}",
    auth=AUTH,
    response={200: UnitChangedOut, **REFUSALS},
    summary="Rename, reorder, deactivate or reactivate a named unit (place's administrators)",
)
def update_unit(request, pk: int, payload: UnitPatchIn):
    """Deactivating a unit that bookings ahead hold is refused (422, `is_active`) unless `move_bookings`
    moves each to another free unit; the resource's capacity follows its active units."""
    unit = get_object_or_404(Unit.objects.select_related("resource__place"), pk=pk)
    values = payload.dict(exclude_unset=True, exclude={"move_bookings"})
    unit, moved = units.update_unit(unit, request.user, move_bookings=payload.move_bookings, **values)
    return {**_unit_out(unit), "moved": [r.pk for r in moved]}


@router.post(
    "/reservations/{pk}/confirm",
    auth=AUTH,
    response={200: ReservationOut, **REFUSALS},
    summary="Confirm a request (place's staff)",
)
def confirm_reservation(request, pk: int):
    return _reservation_out(
        request, services.transition(_visible_reservation(request, pk), "confirm", request.user)
    )


@router.post(
    "/reservations/{pk}/reject",
    auth=AUTH,
    response={200: ReservationOut, **REFUSALS},
    summary="Reject a request with a reason (place's staff)",
)
def reject_reservation(request, pk: int, payload: ReasonIn):
    reservation = _visible_reservation(request, pk)
    return _reservation_out(request, services.transition(reservation, "reject", request.user, payload.reason))


@router.get(
    "/places/{public_id}/day-plan",
    auth=AUTH,
    response={200: DayPlanOut, **REFUSALS},
    summary="A day's bookings, blocks and free units of a place (place's staff)",
)
def day_plan(request, public_id: str, day: date):
    place = _operated_place(request, public_id, Action.VIEW_PLACE_BOOKINGS)
    plan = services.day_plan(place, day, request.user)
    return {
        "day": plan.day,
        "reservations": [_operator_reservation_out(request, r) for r in plan.reservations],
        "blocks": [_block_out(b) for b in plan.blocks],
        "slots": _slots_out(plan.slots),
    }


@router.get(
    "/places/{public_id}/blocks",
    auth=AUTH,
    response={200: list[BlockOut], **REFUSALS},
    summary="Current and future blocks of a place's resources (place's staff)",
)
def list_blocks(request, public_id: str):
    place = _operated_place(request, public_id, Action.BLOCK_RESOURCE)
    blocks = Block.objects.filter(resource__place=place, end__gt=timezone.now()).select_related("unit")
    return [_block_out(b) for b in blocks]


@router.post(
    "/blocks",
    auth=AUTH,
    response={201: BlockCreatedOut, **REFUSALS},
    summary="Block a resource (place's staff)",
)
def create_block(request, payload: BlockIn):
    """Answers the bookings in the period (`affected`). With `cancel_affected: true` and a `reason`, they are
    cancelled and each person is told the reason; those that cannot be (checked in) are in `kept`."""
    resource = get_object_or_404(Resource.objects.select_related("place"), pk=payload.resource)
    if payload.cancel_affected and not payload.reason.strip():
        raise ValidationError({"reason": [services.reason_required()]})
    block, affected = services.block_resource(
        resource, payload.start, payload.end, payload.reason, request.user, unit=payload.unit
    )
    cancelled, kept = [], []
    if payload.cancel_affected:
        cancelled, kept = services.cancel_affected(block, request.user, payload.reason)
    return 201, {
        "block": _block_out(block),
        "affected": [_operator_reservation_out(request, r) for r in affected],
        **_cancelled_out(request, cancelled, kept),
    }


def _operated_block(request, pk: int) -> Block:
    block = get_object_or_404(Block.objects.select_related("resource__place"), pk=pk)
    require(request.user, Action.BLOCK_RESOURCE, block)
    return block


@router.post(
    "/blocks/{pk}/cancel-affected",
    auth=AUTH,
    response={200: CancelledOut, **REFUSALS},
    summary="Cancel the bookings in a block, telling each person the reason (place's staff)",
)
def cancel_block_bookings(request, pk: int, payload: CancelAffectedIn):
    cancelled, kept = services.cancel_affected(_operated_block(request, pk), request.user, payload.reason)
    return _cancelled_out(request, cancelled, kept)


class MovedOut(Schema):
    moved: list[OperatorReservationOut] = Field(description="The bookings moved, with their new unit")


@router.post(
    "/blocks/{pk}/move-affected",
    auth=AUTH,
    response={200: MovedOut, **REFUSALS},
    summary="Move the bookings in a block of a named unit to other free units (place's staff)",
)
def move_block_bookings(request, pk: int):
    """All or none: 422 on `unit` when one of them finds no other free unit, or the block closes the whole
    resource."""
    moved = units.move_blocked_bookings(_operated_block(request, pk), request.user)
    return {"moved": [_operator_reservation_out(request, r) for r in moved]}


@router.delete(
    "/blocks/{pk}",
    auth=AUTH,
    response={200: LiftOut, **REFUSALS},
    summary="Lift a block; the waiting list gets offers (place's staff)",
)
def lift_block(request, pk: int):
    return {"offers": len(services.lift_block(_operated_block(request, pk), request.user))}


# --- series ---------------------------------------------------------------------------------------------------
class SeriesIn(Schema):
    resource: int
    weekdays: list[int] = Field(description="0 = Monday … 6 = Sunday")
    start_time: time
    end_time: time
    first_date: date
    until_date: date


class ConflictOut(Schema):
    date: date
    reason: str = Field(description="Why this date was not booked")


class SeriesOut(Schema):
    id: int
    resource: int
    weekdays: list[int]
    start_time: time
    end_time: time
    first_date: date
    until_date: date
    reservations: list[ReservationOut]
    conflicts: list[ConflictOut]


class SeriesCancelIn(Schema):
    from_date: date | None = Field(None, description="Cancel the dates from this one on; default: today")
    reason: str = ""


@router.post(
    "/series", auth=AUTH, response={201: SeriesOut, **REFUSALS}, summary="Book every week until a date"
)
def create_series(request, payload: SeriesIn):
    """Each date is booked on its own: the dates that cannot be are answered in `conflicts` with the reason,
    instead of failing the whole series. Cancel one date with /reservations/{id}/cancel."""
    resource = _resource(request, payload.resource)
    result = services.create_series(
        request.user,
        resource,
        payload.weekdays,
        payload.start_time,
        payload.end_time,
        payload.first_date,
        payload.until_date,
    )
    series = result.series
    return 201, {
        **{f: getattr(series, f) for f in ("weekdays", "start_time", "end_time", "first_date", "until_date")},
        "id": series.pk,
        "resource": series.resource_id,
        "reservations": [_reservation_out(request, r) for r in result.reservations],
        "conflicts": [{"date": day, "reason": reason} for day, reason in result.conflicts],
    }


@router.post(
    "/series/{pk}/cancel",
    auth=AUTH,
    response={200: CancelledOut, **REFUSALS},
    summary="Cancel a series from a date, or all of it that is still ahead",
)
def cancel_series(request, pk: int, payload: SeriesCancelIn):
    """Dates past the cancellation deadline are kept and answered in `kept` with the reason."""
    series = get_object_or_404(ReservationSeries.objects.select_related("resource__place"), pk=pk)
    if not can(request.user, Action.CANCEL_RESERVATION, series):
        raise Http404(_("No series of yours has id %(id)d.") % {"id": pk})
    cancelled, kept = services.cancel_series(series, request.user, payload.from_date, payload.reason)
    return _cancelled_out(request, cancelled, kept)


# The codes of the booking rules (`services.Refusal.rule`) and of the services' other refusals of input (their
# ValidationError codes), as 422 answers give them in `codes`.
RULE_CODES = {
    "opening_hours": "the place is closed on that weekday or at that time, or the booking spans two days",
    "closure": "a dated closure of the place (holiday, works) covers the day",
    "slot": "the start or the end is not on the resource's slots",
    "past": "the start has passed",
    "notice": "booked too short a time ahead (min_notice_minutes)",
    "days_ahead": "booked too far ahead (max_days_ahead)",
    "min_duration": "shorter than min_minutes",
    "max_duration": "longer than max_minutes",
    "units": "more units than the resource has",
    "unit": "a named unit that is not one of the resource's taking bookings, or asked for where it has none",
    "block": "the place's staff blocked the resource then",
    "unit_block": "the place's staff blocked the named unit asked for then (the message says until when)",
    "who_may_book": "only members of given organisations, or holders of an agreement, may book it",
    "per_day": "the person's bookings a day at this place (max_per_day_per_person)",
    "per_week": "the person's bookings a week at this place (max_per_week_per_person)",
    "inactive": "the resource is not taking bookings",
    "order": "the end does not come after the start",
    "time_zone": "a time without its offset",
    "unchanged": "a change of a booking to the time (and unit) it already has",
    "reason_required": "the place's staff cancel or reject without the reason the person is told",
    "checkin_code": "a check-in code that is not valid (mistyped)",
    "checkin_place": "a check-in code of a booking at another place",
    "series_weekdays": "a series without weekdays, or with one outside 0–6",
    "series_order": "a series whose last date comes before its first",
    "series_length": "a series spanning more than a year",
    "idempotency_key": "an Idempotency-Key already used for another booking",
}


# --- people's lists and histories, the operators' views of them, opening days ---------------------------------
# Lists answer one page (`limit`, `offset`) and the header `X-Total-Count`. What is not the caller's to see is
# "not found" (404), as for reservations; a place's lists are for its staff (403 for others).
PAGE_LIMIT = Query(100, ge=1, le=1000, description="Page size")
SERIES_WHEN = Query(None, description="upcoming: its last date has not passed; past: it has")
FIRST_DAY = Query(None, description="The first day; default today")
RESOURCE_FILTER = Query(None, ge=1, le=2**63 - 1, description="Only this resource's list")


def _paged(response: HttpResponse, queryset, limit: int | None, offset: int) -> list:
    if limit is None:
        items = list(queryset[offset:])
        response["X-Total-Count"] = str(offset + len(items) if items else queryset.count())
        return items
    items, total = queries.page(queryset, limit, offset)
    response["X-Total-Count"] = str(total)
    return items


def _person_name(person) -> str:
    return person.get_full_name() or person.get_username()


class OperatorWaitingListOut(WaitingListOut):
    person: str = Field(description="The name of the person waiting")


class ReservationEventOut(Schema):
    action: str = Field(description="create, confirm, reject, cancel, check_in, no_show, complete")
    from_state: str | None
    to_state: str
    state_label: str = Field(description="The state after the change, in the request's language")
    at: datetime
    by: queries.By = Field(description="person (who booked), place (its staff) or system (the platform)")
    actor: str | None = Field(description="The name of who made the change: for the place's staff only")
    note: str = Field(description="The reason given, if any")


class SeriesSummaryOut(Schema):
    id: int
    resource: int
    place: str
    resource_name: str
    weekdays: list[int] = Field(description="0 = Monday … 6 = Sunday")
    start_time: time
    end_time: time
    first_date: date
    until_date: date
    states: dict[str, int] = Field(description="How many of its dates are in each state")


class SeriesDetailOut(SeriesSummaryOut):
    reservations: list[ReservationOut] = Field(description="Its dates, by start")


class OperatorSeriesOut(SeriesSummaryOut):
    person: str = Field(description="The name of the person who booked")


class ClosureOut(Schema):
    start_date: date
    end_date: date = Field(description="Included")
    reason: str


class IntervalOut(Schema):
    opens: datetime
    closes: datetime


class OpeningDayOut(Schema):
    day: date
    intervals: list[IntervalOut] = Field(description="When bookings may be made; none: closed all day")
    closure: ClosureOut | None = Field(description="The dated closure that closes the day, if any")


class OpeningOut(Schema):
    place: str
    weekly: list[OpeningInterval] = Field(description="The usual opening hours per weekday")
    closures: list[ClosureOut] = Field(description="Dated closures (holidays, works) meeting the period")
    days: list[OpeningDayOut]


def _visible_entry(request, pk: int) -> WaitingListEntry:
    """An entry the caller may see: their own, or one at a place they operate."""
    entry = get_object_or_404(
        WaitingListEntry.objects.select_related("resource__place", "person", "unit"), pk=pk
    )
    if not (can(request.user, Action.ACCEPT_OFFER, entry) or is_operator(request.user, entry)):
        raise Http404(_("No waiting-list entry of yours has id %(id)d.") % {"id": pk})
    return entry


@router.get(
    "/waiting-list",
    auth=AUTH,
    response={200: list[WaitingListOut], 422: ErrorOut},
    summary="My waiting-list entries",
)
def my_waiting_list(
    request,
    response: HttpResponse,
    state: WaitingListEntry.State | None = None,
    when: queries.When | None = WHEN,
    limit: int = PAGE_LIMIT,
    offset: int = PAGE_OFFSET,
):
    """Each entry with its state, its rank in line (`line_position`) and, when offered, the offer's expiry.
    Accept an offer with POST /waiting-list/{id}/accept; leave the line with DELETE /waiting-list/{id}.
    Header `X-Total-Count`: how many match in all."""
    entries = WaitingListEntry.objects.filter(person=request.user).select_related("resource__place", "unit")
    if state:
        entries = entries.filter(state=state)
    entries = queries.when_filter(entries, when, timezone.now())
    return [_waiting_out(e) for e in _paged(response, entries, limit, offset)]


@router.get(
    "/waiting-list/{pk}",
    auth=AUTH,
    response={200: WaitingListOut, 404: ErrorOut},
    summary="One waiting-list entry (yours, or at a place you operate)",
)
def get_waiting_list_entry(request, pk: int):
    return _waiting_out(_visible_entry(request, pk))


@router.delete(
    "/waiting-list/{pk}",
    auth=AUTH,
    response={204: None, **REFUSALS},
    summary="Leave the waiting list",
)
def leave_waiting_list(request, pk: int):
    """An open offer of yours goes to the next in line. Refused (409) once the entry is accepted or expired."""
    entry = _visible_entry(request, pk)
    services.leave_waiting_list(entry, request.user)
    return 204, None


@router.get(
    "/places/{public_id}/waiting-list",
    auth=AUTH,
    response={200: list[OperatorWaitingListOut], **REFUSALS},
    summary="The waiting lists of a place's resources (place's staff)",
)
def place_waiting_list(
    request,
    response: HttpResponse,
    public_id: str,
    resource: int | None = RESOURCE_FILTER,
    state: WaitingListEntry.State | None = None,
    when: queries.When | None = WHEN,
    limit: int = PAGE_LIMIT,
    offset: int = PAGE_OFFSET,
):
    """In line order per time (`line_position`), with the person's name. Header `X-Total-Count`: how many."""
    place = _operated_place(request, public_id, Action.VIEW_PLACE_BOOKINGS)
    entries = WaitingListEntry.objects.filter(resource__place=place).select_related(
        "resource__place", "person"
    )
    if resource is not None:
        entries = entries.filter(resource_id=resource)
    if state:
        entries = entries.filter(state=state)
    entries = queries.when_filter(entries, when, timezone.now())
    return [
        {**_waiting_out(e), "person": _person_name(e.person)}
        for e in _paged(response, entries, limit, offset)
    ]


@router.get(
    "/reservations/{pk}/events",
    auth=AUTH,
    response={200: list[ReservationEventOut], 404: ErrorOut},
    summary="The history of a reservation: who changed it, when, and why",
)
def reservation_events(request, pk: int):
    """For the person who booked and the place's staff; only the staff see the names of who acted."""
    reservation = _visible_reservation(request, pk)
    names = is_operator(request.user, reservation)
    states = dict(Reservation.State.choices)
    return [
        {
            "action": event.action,
            "from_state": event.from_state or None,
            "to_state": event.to_state,
            "state_label": str(states.get(event.to_state, event.to_state)),
            "at": timezone.localtime(event.at),
            "by": by,
            "actor": _person_name(event.actor) if names and event.actor else None,
            "note": event.note,
        }
        for event, by in queries.history(reservation)
    ]


def _series_summaries(series_list: list[ReservationSeries]) -> list[dict]:
    states = queries.series_states([s.pk for s in series_list])
    return [
        {
            **{f: getattr(s, f) for f in ("weekdays", "start_time", "end_time", "first_date", "until_date")},
            "id": s.pk,
            "resource": s.resource_id,
            "place": s.resource.place.public_id,
            "resource_name": s.resource.name,
            "states": states.get(s.pk, {}),
        }
        for s in series_list
    ]


@router.get("/series", auth=AUTH, response={200: list[SeriesSummaryOut], 422: ErrorOut}, summary="My series")
def my_series(
    request,
    response: HttpResponse,
    when: queries.When | None = SERIES_WHEN,
    limit: int = PAGE_LIMIT,
    offset: int = PAGE_OFFSET,
):
    """With how many of their dates are in each state; the dates: GET /series/{id}. Header `X-Total-Count`."""
    series = ReservationSeries.objects.filter(person=request.user).select_related("resource__place")
    series = queries.series_when_filter(series, when, timezone.localdate())
    return _series_summaries(_paged(response, series, limit, offset))


@router.get(
    "/series/{pk}",
    auth=AUTH,
    response={200: SeriesDetailOut, 404: ErrorOut},
    summary="One series with its dates and their states",
)
def get_series(request, pk: int):
    series = get_object_or_404(ReservationSeries.objects.select_related("resource__place"), pk=pk)
    if not can(request.user, Action.VIEW_RESERVATION, series):
        raise Http404(_("No series of yours has id %(id)d.") % {"id": pk})
    reservations = series.reservations.select_related("resource__place", "unit").order_by("start", "pk")
    return {
        **_series_summaries([series])[0],
        "reservations": [_reservation_out(request, r) for r in reservations],
    }


@router.get(
    "/places/{public_id}/series",
    auth=AUTH,
    response={200: list[OperatorSeriesOut], **REFUSALS},
    summary="The series booked at a place (place's staff)",
)
def place_series(
    request,
    response: HttpResponse,
    public_id: str,
    when: queries.When | None = SERIES_WHEN,
    limit: int = PAGE_LIMIT,
    offset: int = PAGE_OFFSET,
):
    """With the person's name and how many dates are in each state. Header `X-Total-Count`: how many."""
    place = _operated_place(request, public_id, Action.VIEW_PLACE_BOOKINGS)
    series = ReservationSeries.objects.filter(resource__place=place).select_related(
        "resource__place", "person"
    )
    series = queries.series_when_filter(series, when, timezone.localdate())
    page = _paged(response, series, limit, offset)
    return [
        {**summary, "person": _person_name(s.person)}
        for s, summary in zip(page, _series_summaries(page), strict=True)
    ]


def _closure_out(closure) -> dict:
    return {"start_date": closure.start_date, "end_date": closure.end_date, "reason": closure.reason}


@router.get(
    "/places/{public_id}/opening",
    response={200: OpeningOut, 404: ErrorOut, 422: ErrorOut},
    summary="Opening hours and dated closures of a place, day by day",
)
def place_opening(
    request,
    public_id: str,
    day: date | None = FIRST_DAY,
    days: int = Query(7, ge=1, le=queries.MAX_OPENING_DAYS),
):
    """As the booking engine sees them: on a day a closure covers, the place is closed all day; otherwise it
    opens at the weekday's hours. The resources' own blocks show in their availability (free: 0)."""
    place = _visible_place(request, public_id)
    opening = queries.opening(place, day or timezone.localdate(), days)
    return {
        "place": place.public_id,
        "weekly": [{"weekday": h.weekday, "opens": h.opens, "closes": h.closes} for h in opening.weekly],
        "closures": [_closure_out(c) for c in opening.closures],
        "days": [
            {
                "day": d.day,
                "intervals": [{"opens": o, "closes": c} for o, c in d.intervals],
                "closure": _closure_out(d.closure) if d.closure else None,
            }
            for d in opening.days
        ],
    }
