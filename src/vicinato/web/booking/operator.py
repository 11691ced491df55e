"""The pages of the people who run a place: resources and their rules, the day plan, blocks and check-in.

Only the place's operators (staff and administrators of its organisation) see them; every decision is the
booking engine's (`booking.services`), which also records each change and tells the people concerned."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from vicinato.booking import services
from vicinato.booking.forms import save_resource
from vicinato.booking.models import Block, Reservation, Resource
from vicinato.booking.permissions import Action, can, require
from vicinato.booking.services import units
from vicinato.lib.errors import Conflict
from vicinato.lib.forms import add_errors
from vicinato.lib.ids import as_id, id_or_404
from vicinato.register.models import Place

from ..feedback import refusal_text
from .forms import AddUnitsForm, BlockForm, CheckInForm, ReasonForm, ResourcePageForm, parse_day, unit_form

S = Reservation.State
# What the day plan offers on a reservation, in the order of the buttons; "reject" and "cancel" need a reason.
DECISIONS = ("confirm", "check_in", "reject", "cancel")


def _place(request, public_id: str, action: Action) -> Place:
    place = get_object_or_404(Place.objects.select_related("operator"), public_id=public_id)
    require(request.user, action, place)
    return place


def _day(value: str | None) -> date:
    return parse_day(value, timezone.localdate())


def _context(request, place: Place, **extra) -> dict:
    """What every operator page shows: the place and which of the pages the person may open."""
    return {
        "place": place,
        "can_manage": can(request.user, Action.MANAGE_RESOURCES, place),
        **extra,
    }


# --- resources and rules ---------------------------------------------------------------------------------------
@login_required
def resources(request, public_id: str):
    place = _place(request, public_id, Action.VIEW_PLACE_BOOKINGS)
    return render(
        request,
        "web/operator/resources.html",
        _context(request, place, resources=place.resources.order_by("-is_active", "kind", "name_it")),
    )


@login_required
def resource_edit(request, public_id: str, pk: int | None = None):
    place = _place(request, public_id, Action.MANAGE_RESOURCES)
    resource = get_object_or_404(Resource, pk=pk, place=place) if pk else Resource(place=place)
    form = ResourcePageForm(request.POST or None, instance=resource)
    if resource.has_named_units:
        form.fields["capacity"].disabled = True  # it follows the named units, changed on their page
    if request.method == "POST" and save_resource(request.user, form):
        messages.success(request, _("The resource and its rules have been saved."))
        return redirect("web:operator_resources", public_id=place.public_id)
    return render(request, "web/operator/resource_form.html", _context(request, place, form=form))


# --- named units ----------------------------------------------------------------------------------------------
@login_required
def resource_units(request, public_id: str, pk: int):
    """The resource's named units: add them, rename, reorder, deactivate (moving their bookings if asked)."""
    place = _place(request, public_id, Action.MANAGE_RESOURCES)
    resource = get_object_or_404(Resource.objects.select_related("place"), pk=pk, place=place)
    here = redirect("web:operator_units", public_id=place.public_id, pk=resource.pk)
    posted = request.POST.get("action") if request.method == "POST" else None
    add_form = AddUnitsForm(request.POST if posted == "add" else None)
    if posted == "add" and add_form.is_valid():
        try:
            added = units.add_units(resource, request.user, add_form.names_list())
        except ValidationError as error:
            add_errors(add_form, error)
        else:
            messages.success(
                request,
                ngettext("%(count)d unit added.", "%(count)d units added.", len(added))
                % {"count": len(added)},
            )
            return here
    all_units = list(units.units_of(resource, with_inactive=True))
    changed = request.POST.get("unit", "") if posted == "update" else ""
    forms_ = [unit_form(u, request.POST if str(u.pk) == changed else None) for u in all_units]
    for form in forms_:
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                _unit, moved = units.update_unit(form.unit, request.user, **data)
            except ValidationError as error:
                add_errors(form, error)
                form.offer_move = "is_active" in error.message_dict
            else:
                messages.success(request, _("%(name)s saved.") % {"name": data["name_it"]})
                if moved:
                    messages.info(
                        request,
                        ngettext(
                            "%(count)d booking moved to another unit.",
                            "%(count)d bookings moved to other units.",
                            len(moved),
                        )
                        % {"count": len(moved)},
                    )
                return here
    context = _context(request, place, resource=resource, add_form=add_form, unit_forms=forms_)
    return render(request, "web/operator/units.html", context)


# --- the day plan ----------------------------------------------------------------------------------------------
def _offered(reservation: Reservation, user, now: datetime) -> tuple[list[str], bool]:
    """The transitions the day plan offers on a reservation: those the engine allows now (check-in only while its
    window is open), a request rejected rather than cancelled; and whether it may be rescheduled."""
    # The day plan is for the place's staff only (day_plan checked it): no permission read per booking.
    allowed = services.allowed_actions(reservation, user, now, staff=True)
    offered = [a for a in allowed if a in DECISIONS]
    if "reject" in offered and "cancel" in offered:
        offered.remove("cancel")
    return offered, "reschedule" in allowed


def _decide(request, place: Place) -> tuple[int | None, str]:
    """Apply the transition posted from the day plan; gives back the reservation and the engine's refusal, if any."""
    reservation = get_object_or_404(
        Reservation, pk=id_or_404(request.POST.get("reservation", "")), resource__place=place
    )
    action = request.POST.get("action", "")
    if action not in DECISIONS:
        return reservation.pk, _("Choose one of the buttons of the booking.")
    try:
        services.transition(reservation, action, request.user, request.POST.get("reason", ""))
    except ValidationError as error:
        return reservation.pk, refusal_text(error)
    except Conflict as error:
        return reservation.pk, str(error)
    done = {
        "confirm": _("Booking confirmed; the person has been told by e-mail."),
        "reject": _("Request rejected; the person has been told the reason by e-mail."),
        "cancel": _("Booking cancelled; the person has been told the reason by e-mail."),
        "check_in": _("Checked in."),
    }
    messages.success(request, done[action])
    return None, ""


@login_required
def day_plan(request, public_id: str):
    """Per resource, the day's bookings with their buttons, the blocks, and the free units per slot."""
    place = _place(request, public_id, Action.VIEW_PLACE_BOOKINGS)
    day = _day(request.GET.get("giorno"))
    failed, error, action = None, "", request.POST.get("action", "")
    if request.method == "POST":
        failed, error = _decide(request, place)
        if failed is None:
            return redirect(f"{reverse('web:operator_day', args=[place.public_id])}?giorno={day.isoformat()}")
    now = timezone.now()
    found = services.day_plan(place, day, request.user, now)
    rows = {
        r.pk: {"resource": r, "reservations": [], "blocks": [], "slots": []}
        for r in place.resources.order_by("-is_active", "kind", "name_it")
    }
    for reservation in found.reservations:
        reservation.decisions, reservation.can_reschedule = _offered(reservation, request.user, now)
        reservation.error = error if reservation.pk == failed else ""
        rows[reservation.resource_id]["reservations"].append(reservation)
    for block in found.blocks:
        rows[block.resource_id]["blocks"].append(block)
    for slot in found.slots:
        rows[slot.resource_id]["slots"].append(slot)
    plan = [row for row in rows.values() if row["resource"].is_active or row["reservations"]]
    context = _context(
        request,
        place,
        day=day,
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        today=timezone.localdate(),
        opening=services.opening_intervals(place, day),
        plan=plan,
        failed_action=action,
    )
    return render(request, "web/operator/day_plan.html", context)


# --- blocks ----------------------------------------------------------------------------------------------------
@login_required
def blocks(request, public_id: str):
    place = _place(request, public_id, Action.BLOCK_RESOURCE)
    form = BlockForm(place, request.POST or None, initial={"resource": request.GET.get("risorsa")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            block, affected = services.block_resource(
                data["resource"],
                data["start"],
                data["end"],
                data["reason_it"],
                request.user,
                data.get("unit"),
                reason_en=data["reason_en"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            if not affected:
                if block.unit_id:
                    done = _("%(unit)s is blocked for this period; no booking of it falls in it.")
                else:
                    done = _("The resource is blocked for this period; no booking falls in it.")
                messages.success(request, done % {"unit": _unit_text(block)})
                return redirect("web:operator_blocks", public_id=place.public_id)
            if block.unit_id:
                warning = ngettext(
                    "%(unit)s is blocked; %(count)d booking of it falls in the period: decide about it below.",
                    "%(unit)s is blocked; %(count)d bookings of it fall in the period: decide about them below.",
                    len(affected),
                )
            else:
                warning = ngettext(
                    "The resource is blocked; %(count)d booking falls in the period: decide about it below.",
                    "The resource is blocked; %(count)d bookings fall in the period: decide about them below.",
                    len(affected),
                )
            messages.warning(request, warning % {"count": len(affected), "unit": _unit_text(block)})
            return redirect("web:operator_block", public_id=place.public_id, pk=block.pk)
    listed = (
        Block.objects.filter(resource__place=place, end__gt=timezone.now())
        .select_related("resource", "unit", "created_by")
        .order_by("start")
    )
    return render(request, "web/operator/blocks.html", _context(request, place, form=form, blocks=listed))


@login_required
def block_detail(request, public_id: str, pk: int):
    """A block and the bookings inside it, with the offer to cancel them all with one reason."""
    place = _place(request, public_id, Action.BLOCK_RESOURCE)
    block = get_object_or_404(Block.objects.select_related("resource", "unit"), pk=pk, resource__place=place)
    if request.method == "POST" and request.POST.get("action") == "move":
        try:
            moved = units.move_blocked_bookings(block, request.user)
        except ValidationError as error:
            messages.error(request, refusal_text(error))
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d booking moved to another free unit.",
                    "%(count)d bookings moved to other free units.",
                    len(moved),
                )
                % {"count": len(moved)},
            )
        return redirect("web:operator_block", public_id=place.public_id, pk=block.pk)
    form = ReasonForm(request.POST or None, initial={"reason": block.reason})
    if request.method == "POST" and form.is_valid():
        try:
            cancelled, kept = services.cancel_affected(block, request.user, form.cleaned_data["reason"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d booking cancelled; the person has been told by e-mail.",
                    "%(count)d bookings cancelled; the people have been told by e-mail.",
                    len(cancelled),
                )
                % {"count": len(cancelled)},
            )
            for reservation, reason in kept:
                messages.warning(
                    request,
                    _("The booking of %(name)s at %(time)s is kept: %(reason)s")
                    % {
                        "name": _person(reservation),
                        "time": timezone.localtime(reservation.start).strftime("%H:%M"),
                        "reason": reason,
                    },
                )
            return redirect("web:operator_block", public_id=place.public_id, pk=block.pk)
    affected = list(services.bookings_in_block(block))
    # Offered when each booking finds another free unit on its own (the move itself is all or none).
    movable = bool(block.unit_id and affected) and all(
        services.free_units(block.resource, r.start, r.end) > 0 for r in affected
    )
    return render(
        request,
        "web/operator/block_detail.html",
        _context(request, place, period=block, affected=affected, form=form, movable=movable),
    )


def _unit_text(block: Block) -> str:
    """'Desk A3' (or 'Unit 3' of another kind) of a block of one named unit."""
    return f"{block.resource.unit_label} {block.unit.name}" if block.unit_id else ""


def _person(reservation: Reservation) -> str:
    return reservation.person.get_full_name() or reservation.person.get_username()


@login_required
@require_POST
def block_lift(request, public_id: str, pk: int):
    place = _place(request, public_id, Action.BLOCK_RESOURCE)
    block = get_object_or_404(Block, pk=pk, resource__place=place)
    offers = services.lift_block(block, request.user)
    messages.success(
        request,
        ngettext(
            "Block lifted; %(count)d person on the waiting list got an offer.",
            "Block lifted; %(count)d people on the waiting list got an offer.",
            len(offers),
        )
        % {"count": len(offers)},
    )
    return redirect("web:operator_blocks", public_id=place.public_id)


# --- check-in --------------------------------------------------------------------------------------------------
@login_required
def check_in(request, public_id: str):
    place = _place(request, public_id, Action.CHECK_IN)
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reservation = services.check_in(form.cleaned_data["code"], request.user, place=place)
        except ValidationError as error:
            add_errors(form, error)
        except Conflict as error:
            form.add_error("code", str(error))
        else:
            url = reverse("web:operator_checkin", args=[place.public_id])
            return redirect(f"{url}?prenotazione={reservation.pk}")
    checked = None
    shown = as_id(request.GET.get("prenotazione")) if request.method == "GET" else None
    if shown is not None:
        checked = (
            Reservation.objects.filter(pk=shown, resource__place=place, state=S.CHECKED_IN)
            .select_related("person", "resource", "unit")
            .first()
        )
    return render(request, "web/operator/checkin.html", _context(request, place, form=form, checked=checked))
