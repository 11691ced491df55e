"""Booking, for a place's operators: resources and their rules, named units, day plans and blocks."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404
from django.utils import timezone

from vicinato.api.lookups import named_in_body
from vicinato.booking import services
from vicinato.booking.forms import ResourceForm, save_resource
from vicinato.booking.models import Block, Resource, Unit
from vicinato.booking.permissions import Action, require
from vicinato.booking.services import units
from vicinato.lib.forms import form_errors
from vicinato.register.models import Place

from ..auth import AUTH
from ..schemas.booking import (
    BlockCreatedOut,
    BlockIn,
    BlockOut,
    CancelAffectedIn,
    CancelledOut,
    DayPlanOut,
    LiftOut,
    MovedOut,
    ResourceIn,
    ResourceOut,
    UnitChangedOut,
    UnitIn,
    UnitOut,
    UnitPatchIn,
)
from ..schemas.common import ErrorOut
from .common import (
    REFUSALS,
    cancelled_out,
    operated_place,
    operator_reservation_out,
    resource_out,
    router,
    slots_out,
    visible_resource,
)


# --- resources and their rules ---------------------------------------------------------------------------------
def _save_resource(request, place: Place, payload: ResourceIn, resource: Resource | None = None) -> dict:
    """Validate with the operator pages' form: the same rules and messages, per field."""
    instance = resource or Resource(place=place)
    data = model_to_dict(instance, fields=ResourceForm._meta.fields)
    data["organisations"] = [getattr(o, "pk", o) for o in data.get("organisations") or []]
    data.update(payload.dict(exclude_unset=True))
    form = ResourceForm(data, instance=instance)
    saved = save_resource(request.user, form)
    if saved is None:
        raise form_errors(form)  # the messages with their codes (e.g. "min_value")
    return resource_out(saved)


@router.get(
    "/places/{public_id}/resources/all",
    auth=AUTH,
    response={200: list[ResourceOut], **REFUSALS},
    summary="Every resource of a place, also those not taking bookings (place's staff)",
)
def all_resources(request, public_id: str):
    place = operated_place(request, public_id, Action.VIEW_PLACE_BOOKINGS)
    resources = place.resources.select_related("place").prefetch_related("organisations")
    return [resource_out(r) for r in resources]


@router.post(
    "/places/{public_id}/resources",
    auth=AUTH,
    response={201: ResourceOut, **REFUSALS},
    summary="Add a resource with its rules (place's administrators)",
)
def create_resource(request, public_id: str, payload: ResourceIn):
    """Refusals: 422 with a message per field (e.g. `max_minutes` shorter than `min_minutes`)."""
    place = operated_place(request, public_id, Action.MANAGE_RESOURCES)
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
    return [_unit_out(u) for u in units.units_of(visible_resource(request, pk))]


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


# --- day plans and blocks --------------------------------------------------------------------------------------
def _block_out(block: Block) -> dict:
    return {
        "id": block.pk,
        "resource": block.resource_id,
        "unit": block.unit_id,
        "unit_name": block.unit.name if block.unit_id else None,
        "start": timezone.localtime(block.start),
        "end": timezone.localtime(block.end),
        "reason": block.reason,
        "reason_it": block.reason_it,
        "reason_en": block.reason_en,
    }


def _operated_block(request, pk: int) -> Block:
    block = get_object_or_404(Block.objects.select_related("resource__place"), pk=pk)
    require(request.user, Action.BLOCK_RESOURCE, block)
    return block


@router.get(
    "/places/{public_id}/day-plan",
    auth=AUTH,
    response={200: DayPlanOut, **REFUSALS},
    summary="A day's bookings, blocks and free units of a place (place's staff)",
)
def day_plan(request, public_id: str, day: date):
    place = operated_place(request, public_id, Action.VIEW_PLACE_BOOKINGS)
    plan = services.day_plan(place, day, request.user)
    return {
        "day": plan.day,
        "reservations": [operator_reservation_out(request, r) for r in plan.reservations],
        "blocks": [_block_out(b) for b in plan.blocks],
        "slots": slots_out(plan.slots),
    }


@router.get(
    "/places/{public_id}/blocks",
    auth=AUTH,
    response={200: list[BlockOut], **REFUSALS},
    summary="Current and future blocks of a place's resources (place's staff)",
)
def list_blocks(request, public_id: str):
    place = operated_place(request, public_id, Action.BLOCK_RESOURCE)
    blocks = Block.objects.filter(resource__place=place, end__gt=timezone.now()).select_related("unit")
    return [_block_out(b) for b in blocks]


@router.post(
    "/blocks",
    auth=AUTH,
    response={201: BlockCreatedOut, **REFUSALS},
    summary="Block a resource (place's staff)",
)
def create_block(request, payload: BlockIn):
    """Answers the bookings in the period (`affected`). With `cancel_affected: true` and a reason, they are
    cancelled and each person is told the reason (in the request's language, or the one written); those that
    cannot be (checked in) are in `kept`."""
    resource = named_in_body(Resource.objects.select_related("place"), "resource", pk=payload.resource)
    reason_it = payload.reason_it.strip() or payload.reason.strip()
    if payload.cancel_affected and not (reason_it or payload.reason_en.strip()):
        raise ValidationError({"reason_it": [services.reason_required()]})
    block, affected = services.block_resource(
        resource,
        payload.start,
        payload.end,
        reason_it,
        request.user,
        unit=payload.unit,
        reason_en=payload.reason_en,
    )
    cancelled, kept = [], []
    if payload.cancel_affected:
        cancelled, kept = services.cancel_affected(block, request.user, block.reason)
    return 201, {
        "block": _block_out(block),
        "affected": [operator_reservation_out(request, r) for r in affected],
        **cancelled_out(request, cancelled, kept),
    }


@router.post(
    "/blocks/{pk}/cancel-affected",
    auth=AUTH,
    response={200: CancelledOut, **REFUSALS},
    summary="Cancel the bookings in a block, telling each person the reason (place's staff)",
)
def cancel_block_bookings(request, pk: int, payload: CancelAffectedIn):
    cancelled, kept = services.cancel_affected(_operated_block(request, pk), request.user, payload.reason)
    return cancelled_out(request, cancelled, kept)


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
    return {"moved": [operator_reservation_out(request, r) for r in moved]}


@router.delete(
    "/blocks/{pk}",
    auth=AUTH,
    response={200: LiftOut, **REFUSALS},
    summary="Lift a block; the waiting list gets offers (place's staff)",
)
def lift_block(request, pk: int):
    return {"offers": len(services.lift_block(_operated_block(request, pk), request.user))}
