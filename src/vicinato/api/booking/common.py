"""The booking API's router and what its modules share: lookups that refuse what the caller may not see, the
shapes of reservations and resources, and paging."""

from __future__ import annotations

from django.db.models import CharField, IntegerField
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from vicinato.agreements.cover import Cover, booking_covers
from vicinato.booking import queries, services
from vicinato.booking.models import Reservation, Resource
from vicinato.booking.permissions import Action, can, require
from vicinato.impact import services as impact
from vicinato.lib.prepared import Param, Prepared
from vicinato.register.models import Place
from vicinato.register.permissions import Action as RegisterAction
from vicinato.register.permissions import can as register_can

from ..schemas.booking import ResourceOut
from ..schemas.common import ErrorOut

router = Router(tags=["booking"])
REFUSALS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

# The time filter and the paging of the lists (see `queries`). Lists answer one page (`limit`, `offset`) and
# the header `X-Total-Count`.
WHEN = Query(None, description="upcoming: not ended yet, soonest first; past: ended, latest first")
PAGE_OFFSET = Query(0, ge=0, le=10**9, description="How many to skip")
PAGE_LIMIT = Query(100, ge=1, le=1000, description="Page size")

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


def refuse_unlisted(request, place: Place, listed: bool) -> None:
    """404 for a place that is not listed, unless the caller may see it anyway (its operators, the city)."""
    if not listed and not register_can(request.user, RegisterAction.VIEW_UNLISTED_PLACE, place):
        raise Http404(_("No listed place has id '%(id)s'.") % {"id": place.public_id})


def visible_place(request, public_id: str) -> Place:
    rows = _PLACE.rows(public_id=public_id, now=timezone.now())
    if not rows:
        raise Http404("No Place matches the given query.")
    place = services.place_from_columns(rows[0])
    refuse_unlisted(request, place, rows[0][-1])
    return place


def visible_resource(request, pk: int) -> Resource:
    """An active resource of a place the caller may see."""
    rows = _RESOURCE.rows(pk=pk, now=timezone.now())
    if not rows:
        raise Http404("No Resource matches the given query.")
    resource = services.resource_from_columns(rows[0])
    refuse_unlisted(request, resource.place, rows[0][-1])
    return resource


def visible_reservation(request, pk: int) -> Reservation:
    reservation = get_object_or_404(Reservation.objects.select_related("resource__place", "unit"), pk=pk)
    if not can(request.user, Action.VIEW_RESERVATION, reservation):
        raise Http404(_("No reservation of yours has id %(id)d.") % {"id": pk})
    return reservation


def operated_place(request, public_id: str, action: Action) -> Place:
    """A place where the caller may do `action` (403 otherwise)."""
    place = get_object_or_404(Place, public_id=public_id)
    require(request.user, action, place)
    return place


def resource_out(resource: Resource) -> dict:
    fields = {name: getattr(resource, name) for name in ResourceOut.model_fields if hasattr(resource, name)}
    return {
        **fields,
        "place": resource.place.public_id,
        "kind_label": resource.get_kind_display(),
        "organisations": [o.pk for o in resource.organisations.all()],
    }


def reservation_out(request, reservation: Reservation) -> dict:
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
        "monthly_pass": reservation.monthly_pass_id,
        "checkin_code": reservation.checkin_code if reservation.person_id == request.user.pk else None,
    }


def reservation_detail_out(request, reservation: Reservation) -> dict:
    """A reservation with what a voucher of the person's covers of its price (a query or two more)."""
    return reservations_detail_out(request, [reservation])[0]


def reservations_detail_out(request, reservations: list[Reservation]) -> list[dict]:
    """`reservation_detail_out` of each, the vouchers read together (`booking_covers`)."""
    covers = booking_covers(reservations)
    return [{**reservation_out(request, r), "voucher": voucher_out(covers[r.pk])} for r in reservations]


def voucher_out(cover: Cover | None) -> dict | None:
    if cover is None:
        return None
    return {
        "programme": cover.programme.pk,
        "programme_name": cover.programme.name,
        "covered": cover.covered,
        "price": cover.price,
        "subsidy": cover.subsidy,
        "pays": cover.pays,
        "note": cover.note,
        "valid_from": cover.valid_from,
        "valid_until": cover.valid_until,
        "outside_period": cover.outside_period,
        "price_cents": cover.price_cents,
        "subsidy_cents": cover.subsidy_cents,
        "pays_cents": cover.pays_cents,
        "currency": "EUR",
    }


def checked_trip_mode(mode: str | None) -> str | None:
    """The trip mode of a booking request, checked before booking as the booking form does (422, field
    trip_mode); None or empty: the person's usual mode."""
    if mode:
        impact.check_trip_mode(mode)
    return mode or None


def note_trip_mode(reservations: list[Reservation], mode: str | None) -> None:
    """The way to the place chosen when booking, for the bookings' savings (impact), as the booking form."""
    if mode:
        for reservation in reservations:
            impact.choose_trip_mode(reservation, mode)


def slot_units(slot: services.Slot) -> list[int] | None:
    return None if slot.units is None else [u.pk for u in slot.units]


def slots_out(slots: list[services.Slot]) -> list[dict]:
    return [
        {"resource": s.resource_id, "start": s.start, "end": s.end, "free": s.free, "units": slot_units(s)}
        for s in slots
    ]


def person_name(person) -> str:
    return person.get_full_name() or person.get_username()


def operator_reservation_out(request, reservation: Reservation) -> dict:
    """A reservation as the place's staff see it: with who booked it."""
    return {
        **reservation_out(request, reservation),
        "person": person_name(reservation.person),
        "resource_name": reservation.resource.name,
    }


def cancelled_out(request, cancelled, kept) -> dict:
    """Bookings cancelled together (a block's, a series'), and those kept with the reason."""
    return {
        "cancelled": [operator_reservation_out(request, r) for r in cancelled],
        "kept": [{"reservation": r.pk, "reason": reason} for r, reason in kept],
    }


def paged(response: HttpResponse, queryset, limit: int | None, offset: int) -> list:
    """One page of `queryset` (all of it from `offset` without a `limit`); the header X-Total-Count says how
    many there are in all."""
    if limit is None:
        items = list(queryset[offset:])
        response["X-Total-Count"] = str(offset + len(items) if items else queryset.count())
        return items
    items, total = queries.page(queryset, limit, offset)
    response["X-Total-Count"] = str(total)
    return items
