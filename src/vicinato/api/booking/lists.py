"""Booking: waiting lists and weekly series (a person's own and a place's), and a place's opening days.

What is not the caller's to see is "not found" (404), as for reservations; a place's lists are for its staff
(403 for others)."""

from __future__ import annotations

from datetime import date

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query

from vicinato.booking import queries, services
from vicinato.booking.models import ReservationSeries, WaitingListEntry
from vicinato.booking.permissions import Action, can, is_operator, require

from ..auth import AUTH
from ..schemas.booking import (
    CancelledOut,
    OpeningOut,
    OperatorSeriesOut,
    OperatorWaitingListOut,
    ReservationOut,
    SeriesCancelIn,
    SeriesDetailOut,
    SeriesIn,
    SeriesOut,
    SeriesSummaryOut,
    WaitingListIn,
    WaitingListOut,
)
from ..schemas.common import ErrorOut
from .common import (
    PAGE_LIMIT,
    PAGE_OFFSET,
    REFUSALS,
    WHEN,
    cancelled_out,
    checked_trip_mode,
    note_trip_mode,
    operated_place,
    paged,
    person_name,
    reservation_out,
    reservations_detail_out,
    router,
    visible_place,
    visible_resource,
)

SERIES_WHEN = Query(None, description="upcoming: its last date has not passed; past: it has")
FIRST_DAY = Query(None, description="The first day; default today")
RESOURCE_FILTER = Query(None, ge=1, le=2**63 - 1, description="Only this resource's list")


# --- waiting lists ---------------------------------------------------------------------------------------------
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


def _visible_entry(request, pk: int) -> WaitingListEntry:
    """An entry the caller may see: their own, or one at a place they operate."""
    entry = get_object_or_404(
        WaitingListEntry.objects.select_related("resource__place", "person", "unit"), pk=pk
    )
    if not (can(request.user, Action.ACCEPT_OFFER, entry) or is_operator(request.user, entry)):
        raise Http404(_("No waiting-list entry of yours has id %(id)d.") % {"id": pk})
    return entry


@router.post(
    "/waiting-list", auth=AUTH, response={201: WaitingListOut, **REFUSALS}, summary="Join the waiting list"
)
def join_waiting_list(request, payload: WaitingListIn):
    resource = visible_resource(request, payload.resource)
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
    return 201, reservation_out(request, services.accept_offer(entry, request.user))


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
    return [_waiting_out(e) for e in paged(response, entries, limit, offset)]


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
    place = operated_place(request, public_id, Action.VIEW_PLACE_BOOKINGS)
    entries = WaitingListEntry.objects.filter(resource__place=place).select_related(
        "resource__place", "person"
    )
    if resource is not None:
        entries = entries.filter(resource_id=resource)
    if state:
        entries = entries.filter(state=state)
    entries = queries.when_filter(entries, when, timezone.now())
    return [
        {**_waiting_out(e), "person": person_name(e.person)} for e in paged(response, entries, limit, offset)
    ]


# --- series ---------------------------------------------------------------------------------------------------
_SERIES_FIELDS = ("weekdays", "start_time", "end_time", "first_date", "until_date")


def _series_summaries(series_list: list[ReservationSeries]) -> list[dict]:
    states = queries.series_states([s.pk for s in series_list])
    return [
        {
            **{f: getattr(s, f) for f in _SERIES_FIELDS},
            "id": s.pk,
            "resource": s.resource_id,
            "place": s.resource.place.public_id,
            "resource_name": s.resource.name,
            "states": states.get(s.pk, {}),
        }
        for s in series_list
    ]


@router.post(
    "/series", auth=AUTH, response={201: SeriesOut, **REFUSALS}, summary="Book every week until a date"
)
def create_series(request, payload: SeriesIn):
    """Each date is booked on its own: the dates that cannot be are answered in `conflicts` with the reason,
    instead of failing the whole series. Cancel one date with /reservations/{id}/cancel. `trip_mode` applies to
    every date booked."""
    trip_mode = checked_trip_mode(payload.trip_mode)
    resource = visible_resource(request, payload.resource)
    result = services.create_series(
        request.user,
        resource,
        payload.weekdays,
        payload.start_time,
        payload.end_time,
        payload.first_date,
        payload.until_date,
    )
    note_trip_mode(result.reservations, trip_mode)
    series = result.series
    return 201, {
        **{f: getattr(series, f) for f in _SERIES_FIELDS},
        "id": series.pk,
        "resource": series.resource_id,
        "reservations": [reservation_out(request, r) for r in result.reservations],
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
    return cancelled_out(request, cancelled, kept)


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
    return _series_summaries(paged(response, series, limit, offset))


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
        "reservations": reservations_detail_out(request, list(reservations)),
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
    place = operated_place(request, public_id, Action.VIEW_PLACE_BOOKINGS)
    series = ReservationSeries.objects.filter(resource__place=place).select_related(
        "resource__place", "person"
    )
    series = queries.series_when_filter(series, when, timezone.localdate())
    page = paged(response, series, limit, offset)
    return [
        {**summary, "person": person_name(s.person)}
        for s, summary in zip(page, _series_summaries(page), strict=True)
    ]


# --- opening days ----------------------------------------------------------------------------------------------
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
    place = visible_place(request, public_id)
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
