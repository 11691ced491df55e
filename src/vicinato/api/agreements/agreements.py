"""Agreements: a host's desks opened to guest organisations' people, with quotas and an end date."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from vicinato.agreements import consent, exports, services
from vicinato.agreements.forms import agreement_data
from vicinato.agreements.models import Agreement, Community
from vicinato.agreements.permissions import Action, can, guest_organisations, operated_organisations, require
from vicinato.register.models import Organisation

from ..operations import operation_id
from ..schemas.agreements import (
    AgreementCommunityIn,
    AgreementIn,
    AgreementOut,
    AgreementTransitionIn,
    AgreementTransitionOut,
    BookingOutcomeOut,
    BookingRowOut,
    UsageOut,
)
from ..schemas.common import ErrorOut
from .common import REFUSALS, outcomes, query_data, router


def _hhmm(value) -> str | None:
    return value.strftime("%H:%M") if value else None


def _agreement_out(request, a: Agreement) -> dict:
    return {
        "id": a.pk,
        "host": a.host_id,
        "host_name": a.host.legal_name,
        "name": a.name,
        "description": a.description,
        "state": a.state,
        "guests": [o.legal_name for o in guest_organisations(a).order_by("legal_name")],
        "invited_guests": [o.legal_name for o in consent.invited(a)],
        "communities": [c.name for c in a.communities.all()],
        "invited_communities": [c.name for c in consent.invited_communities(a)],
        "resources": [
            {"id": r.pk, "name": r.name, "place": r.place.public_id, "place_name": r.place.name}
            for r in a.resources.select_related("place")
        ],
        "desks_per_day": a.desks_per_day,
        "weekdays": a.weekdays,
        "opens_at": _hhmm(a.opens_at),
        "closes_at": _hhmm(a.closes_at),
        "starts_on": a.starts_on,
        "ends_on": a.ends_on,
        "days_per_month_per_person": a.days_per_month_per_person,
        "price_per_day": a.price,
        "approval": a.approval,
        "allowed_actions": services.allowed_transitions(request.user, a),
    }


def _agreement(request, pk: int) -> Agreement:
    agreement = Agreement.objects.select_related("host").filter(pk=pk).first()
    if agreement is None or not can(request.user, Action.VIEW_AGREEMENT, agreement):
        raise Http404(_("No agreement you take part in has id %(id)d.") % {"id": pk})
    return agreement


def _form_data(payload: AgreementIn, current: dict) -> QueryDict:
    data = {**current, **payload.dict(exclude_unset=True, exclude={"host", "price_per_day"})}
    if payload.price_per_day is not None:
        data["price"] = payload.price_per_day
    return query_data(data)


@router.get("", response=list[AgreementOut], summary="Agreements you host, are a guest of, or may book under")
def list_agreements(request, state: Agreement.State | None = None):
    organisations = operated_organisations(request.user)
    as_guest = (
        Q(guests__in=organisations)
        | Q(communities__organisations__in=organisations)
        | Q(pk__in=services.agreements_of(request.user).values("pk"))
    )
    agreements = Agreement.objects.filter(
        Q(host__in=organisations) | (as_guest & ~Q(state=Agreement.State.DRAFT))
    ).distinct()
    if state:
        agreements = agreements.filter(state=state)
    return [_agreement_out(request, a) for a in agreements.select_related("host")]


@router.get("/me/bookable", response=list[AgreementOut], summary="Agreements you may book under today")
def bookable(request):
    return [_agreement_out(request, a) for a in services.bookable_agreements(request.user)]


@router.post(
    "",
    response={201: AgreementOut, **REFUSALS, 429: ErrorOut},
    summary="Draft an agreement as its host (guests are invited: see `invited_guests`, `invited_communities`)",
)
def create_agreement(request, payload: AgreementIn):
    host = Organisation.objects.filter(pk=payload.host).first() if payload.host else None
    if host is None:
        raise ValidationError({"host": [_("Give the id of the organisation that hosts the agreement.")]})
    defaults = agreement_data(Agreement(host=host))  # weekdays, approval and price as on the page's form
    return 201, _agreement_out(
        request, services.save_agreement(request.user, host, _form_data(payload, defaults))
    )


@router.get("/{pk}", response={200: AgreementOut, 404: ErrorOut}, summary="One agreement")
def get_agreement(request, pk: int):
    return _agreement_out(request, _agreement(request, pk))


@router.patch(
    "/{pk}",
    response={200: AgreementOut, **REFUSALS, 429: ErrorOut},
    summary="Change an agreement's terms (new guests are invited: see `invited_guests`, `invited_communities`)",
)
def update_agreement(request, pk: int, payload: AgreementIn):
    agreement = _agreement(request, pk)
    saved = services.save_agreement(
        request.user, agreement.host, _form_data(payload, agreement_data(agreement)), agreement
    )
    return _agreement_out(request, saved)


@router.post(
    "/{pk}/communities",
    response={200: AgreementOut, 202: AgreementOut, **REFUSALS, 429: ErrorOut},
    summary="Name a community as a guest of an agreement (its owner is invited)",
    description="202: an invitation was sent to the administrators of the organisation that runs the community "
    "(it is listed in `invited_communities` until they answer); 200: it is a guest (already, or at once because "
    "you are one of those administrators, or a site administrator naming a community without an owner).",
)
def add_agreement_community(request, pk: int, payload: AgreementCommunityIn):
    agreement = _agreement(request, pk)
    community = Community.objects.select_related("owner").filter(pk=payload.community).first()
    if community is None:
        raise ValidationError({"community": [_("No community has this id.")]})
    invitation = services.add_community(request.user, agreement, community)
    return (202 if invitation else 200), _agreement_out(request, agreement)


@router.delete(
    "/{pk}/communities/{community}",
    response={200: AgreementOut, **REFUSALS},
    summary="Take a guest community out of an agreement (or take back its invitation)",
)
def remove_agreement_community(request, pk: int, community: int):
    agreement = _agreement(request, pk)
    found = get_object_or_404(Community, pk=community)
    return _agreement_out(request, services.remove_community(request.user, agreement, found))


@router.get(
    "/{pk}/affected-bookings",
    response={200: list[BookingOutcomeOut], **REFUSALS},
    summary="Bookings still to come, which suspending or ending would affect",
)
def affected_bookings(request, pk: int):
    agreement = _agreement(request, pk)
    require(request.user, Action.EDIT_AGREEMENT, agreement)
    return outcomes((r, r.get_state_display()) for r in services.affected_bookings(agreement))


# The operation id it was published with (an operation has one): generated clients keep their method's name.
@router.post(
    "/{pk}/transitions",
    response={200: AgreementTransitionOut, **REFUSALS},
    summary="Activate, suspend, resume or end",
    operation_id=operation_id(__name__, "move_agreement"),
)
def transition_agreement(request, pk: int, payload: AgreementTransitionIn):
    """Suspending and ending need a `note` for the people; `cancel_bookings` cancels the bookings still to come
    (either way they are told)."""
    change = services.change_agreement_state(
        _agreement(request, pk), payload.action, request.user, payload.note, payload.cancel_bookings
    )
    return {
        "agreement": _agreement_out(request, change.agreement),
        "cancelled": outcomes((r, "cancelled") for r in change.cancelled),
        "kept": outcomes(change.kept),
    }


@router.get(
    "/{pk}/usage", response={200: list[UsageOut], **REFUSALS}, summary="Usage per day, place and guest"
)
def usage(request, pk: int, first_day: date | None = None, last_day: date | None = None):
    return [vars(row) for row in services.usage(request.user, _agreement(request, pk), first_day, last_day)]


@router.get("/{pk}/usage.csv", summary="Usage per day, place and guest (CSV)")
def usage_csv(request, pk: int, first_day: date | None = None, last_day: date | None = None):
    rows = services.usage(request.user, _agreement(request, pk), first_day, last_day)
    return exports.usage_csv(f"agreement-{pk}-usage.csv", rows)


@router.get(
    "/{pk}/bookings",
    response={200: list[BookingRowOut], **REFUSALS},
    summary="Each booking under the agreement (`person` only for the host's operators and the employer's)",
)
def bookings(request, pk: int, first_day: date | None = None, last_day: date | None = None):
    rows = services.booking_rows(request.user, _agreement(request, pk), first_day, last_day)
    return [{**vars(row), "person": row.person or None} for row in rows]


@router.get("/{pk}/bookings.csv", summary="Each booking under the agreement (CSV)")
def bookings_csv(request, pk: int, first_day: date | None = None, last_day: date | None = None):
    rows = services.booking_rows(request.user, _agreement(request, pk), first_day, last_day)
    return exports.bookings_csv(f"agreement-{pk}-bookings.csv", rows)
