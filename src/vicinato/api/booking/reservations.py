"""Booking: resources and their availability, reservations and what happens to them, calendars."""

from __future__ import annotations

import json
from datetime import date

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header, Query

from vicinato.booking import calendar, queries, services
from vicinato.booking.models import CalendarFeed, Reservation, Resource
from vicinato.booking.permissions import is_operator
from vicinato.lib.calendar import ics_download

from ..auth import AUTH
from ..operations import deprecated_alias
from ..schemas.booking import (
    CheckInIn,
    FeedOut,
    ReasonIn,
    RescheduleIn,
    ReservationDetailOut,
    ReservationEventOut,
    ReservationIn,
    ReservationOut,
    ResourceOut,
    SlotOut,
)
from ..schemas.common import ErrorOut
from .common import (
    PAGE_OFFSET,
    REFUSALS,
    WHEN,
    checked_trip_mode,
    note_trip_mode,
    paged,
    person_name,
    refuse_unlisted,
    reservation_detail_out,
    reservation_out,
    reservations_detail_out,
    resource_out,
    router,
    slot_units,
    visible_place,
    visible_reservation,
    visible_resource,
)


# --- resources and their availability -------------------------------------------------------------------------
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
            "units": slot_units(s),
        }
        for s in slots
    ]
    return HttpResponse(json.dumps(body), content_type="application/json; charset=utf-8")


@router.get(
    "/places/{public_id}/resources", response=list[ResourceOut], summary="Bookable resources of a place"
)
def list_resources(request, public_id: str):
    place = visible_place(request, public_id)
    resources = (
        place.resources.filter(is_active=True).select_related("place").prefetch_related("organisations")
    )
    return [resource_out(r) for r in resources]


@router.get(
    "/places/{public_id}/availability",
    response={200: list[SlotOut], 404: ErrorOut},
    summary="Free units per slot of every resource of a place",
)
def place_availability(request, public_id: str, day: date, days: int = Query(1, ge=1, le=7)):
    return _slots_response(services.availability(visible_place(request, public_id), day, days))


@router.get(
    "/resources/{pk}/availability",
    response={200: list[SlotOut], 404: ErrorOut},
    summary="Free units per slot of a resource",
)
def resource_availability(request, pk: int, day: date, days: int = Query(1, ge=1, le=7)):
    return _slots_response(services.availability(visible_resource(request, pk), day, days))


# --- reservations ----------------------------------------------------------------------------------------------
@router.post("/reservations", auth=AUTH, response={201: ReservationDetailOut, **REFUSALS}, summary="Book")
def create_reservation(
    request, payload: ReservationIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")
):
    """Refusals: 422 names the rule that refused in `errors` (per field, `trip_mode` for a mode that is not one
    or cannot be routed in this city), 409 when no unit is free.
    Send an `Idempotency-Key` header to retry safely: the same key gives back the same reservation."""
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 100:
        raise ValidationError({"idempotency_key": [_("Send an Idempotency-Key of 1 to 100 characters.")]})
    trip_mode = checked_trip_mode(payload.trip_mode)

    def visible(resource: Resource, listed: bool) -> None:
        # As `visible_resource`, on the row the booking locks: one read of the resource instead of two.
        if not resource.is_active:
            raise Http404("No Resource matches the given query.")
        refuse_unlisted(request, resource.place, listed)

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
    note_trip_mode([reservation], trip_mode)
    # Written as the API writes a ReservationOut (tests/api/booking/test_booking_answer.py), without validating
    # the answer again: the hot path of the bookings.
    out = reservation_detail_out(request, reservation)
    body = json.dumps({name: out[name] for name in ReservationDetailOut.model_fields}, cls=DjangoJSONEncoder)
    return HttpResponse(body, status=201, content_type="application/json; charset=utf-8")


@router.get(
    "/reservations",
    auth=AUTH,
    response={200: list[ReservationDetailOut], 422: ErrorOut},
    summary="My reservations, with what a voucher covers of each",
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
    return reservations_detail_out(request, paged(response, reservations, limit, offset))


@router.get(
    "/reservations/{pk}",
    auth=AUTH,
    response={200: ReservationDetailOut, 404: ErrorOut},
    summary="One reservation, with what a voucher covers of its price",
)
def get_reservation(request, pk: int):
    return reservation_detail_out(request, visible_reservation(request, pk))


@router.post(
    "/reservations/{pk}/cancel",
    auth=AUTH,
    response={200: ReservationOut, **REFUSALS},
    summary="Cancel a reservation",
)
def cancel_reservation(request, pk: int, payload: ReasonIn):
    """The person who booked, before the deadline; the place's staff at any time, with a reason."""
    reservation = services.cancel(visible_reservation(request, pk), request.user, payload.reason)
    return reservation_out(request, reservation)


_RESCHEDULE = {
    "auth": AUTH,
    "response": {200: ReservationOut, **REFUSALS},
    "summary": "Change a reservation's time (or its named unit)",
}


@router.post("/reservations/{pk}/reschedule", **_RESCHEDULE)
def reschedule_reservation(request, pk: int, payload: RescheduleIn):
    """The person who booked, before the cancellation deadline (a resource that needs approval then waits for
    it again); the place's staff at any time. Every rule is checked again, not counting the reservation
    itself: 422 names the rule, 409 when no unit is free. The id, the check-in code and the calendar event
    stay the same."""
    reservation = services.reschedule(
        visible_reservation(request, pk),
        payload.start,
        payload.end,
        request.user,
        unit=payload.unit,
        reason=payload.reason,
    )
    return reservation_out(request, reservation)


deprecated_alias(
    router,
    "POST",
    "/reservations/{pk}/move",
    reschedule_reservation,
    old_name="move_reservation",
    use="POST /api/v1/booking/reservations/{pk}/reschedule",
    **_RESCHEDULE,
)


@router.post(
    "/reservations/{pk}/confirm",
    auth=AUTH,
    response={200: ReservationOut, **REFUSALS},
    summary="Confirm a request (place's staff)",
)
def confirm_reservation(request, pk: int):
    return reservation_out(
        request, services.transition(visible_reservation(request, pk), "confirm", request.user)
    )


@router.post(
    "/reservations/{pk}/reject",
    auth=AUTH,
    response={200: ReservationOut, **REFUSALS},
    summary="Reject a request with a reason (place's staff)",
)
def reject_reservation(request, pk: int, payload: ReasonIn):
    reservation = visible_reservation(request, pk)
    return reservation_out(request, services.transition(reservation, "reject", request.user, payload.reason))


@router.get(
    "/reservations/{pk}/events",
    auth=AUTH,
    response={200: list[ReservationEventOut], 404: ErrorOut},
    summary="The history of a reservation: who changed it, when, and why",
)
def reservation_events(request, pk: int):
    """For the person who booked and the place's staff; only the staff see the names of who acted."""
    reservation = visible_reservation(request, pk)
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
            "actor": person_name(event.actor) if names and event.actor else None,
            "note": event.note,
        }
        for event, by in queries.history(reservation)
    ]


@router.post(
    "/check-in", auth=AUTH, response={200: ReservationOut, **REFUSALS}, summary="Check in (place's staff)"
)
def check_in(request, payload: CheckInIn):
    return reservation_out(request, services.check_in(payload.code, request.user))


# --- calendars -------------------------------------------------------------------------------------------------
@router.get("/reservations/{pk}/ics", auth=AUTH, summary="The reservation as an iCalendar (.ics) file")
def reservation_ics(request, pk: int):
    reservation = visible_reservation(request, pk)
    return ics_download(calendar.reservation_ics(reservation), f"vicinato-{pk}")


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
