"""Communities: groups of organisations that an agreement can name as its guests all at once."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from vicinato.agreements import communities, consent
from vicinato.agreements.forms import community_data
from vicinato.agreements.models import Community
from vicinato.agreements.permissions import Action, can
from vicinato.register.models import Organisation

from ..schemas.agreements import CommunityIn, CommunityMemberIn, CommunityOut
from ..schemas.common import ErrorOut
from .common import REFUSALS, query_data, router


def _community_out(request, c: Community) -> dict:
    return {
        "id": c.pk,
        "name": c.name,
        "description": c.description,
        "owner": c.owner_id,
        "owner_name": c.owner.legal_name if c.owner else None,
        "organisations": [{"id": o.pk, "name": o.legal_name} for o in c.organisations.order_by("legal_name")],
        "invited": [{"id": o.pk, "name": o.legal_name} for o in consent.invited(c)],
        "can_edit": can(request.user, Action.EDIT_COMMUNITY, c),
    }


def _community(pk: int) -> Community:
    return get_object_or_404(Community.objects.select_related("owner"), pk=pk)


@router.get(
    "/communities", response=list[CommunityOut], summary="Communities (groups of guest organisations)"
)
def list_communities(request, owner: int | None = None):
    found = Community.objects.select_related("owner")
    if owner is not None:
        found = found.filter(owner=owner)
    return [_community_out(request, c) for c in found]


@router.post(
    "/communities",
    response={201: CommunityOut, **REFUSALS, 429: ErrorOut},
    summary="Create a community run by one of your organisations (the others ticked are invited)",
)
def create_community(request, payload: CommunityIn):
    owner = Organisation.objects.filter(pk=payload.owner).first() if payload.owner else None
    data = query_data(payload.dict(exclude_unset=True, exclude={"owner"}))
    return 201, _community_out(request, communities.save_community(request.user, owner, data))


@router.get("/communities/{pk}", response={200: CommunityOut, 404: ErrorOut}, summary="One community")
def get_community(request, pk: int):
    return _community_out(request, _community(pk))


@router.patch(
    "/communities/{pk}",
    response={200: CommunityOut, **REFUSALS, 429: ErrorOut},
    summary="Change a community's name, description or member organisations (new ones are invited)",
)
def update_community(request, pk: int, payload: CommunityIn):
    community = _community(pk)
    data = query_data({**community_data(community), **payload.dict(exclude_unset=True, exclude={"owner"})})
    return _community_out(request, communities.save_community(request.user, None, data, community))


@router.post(
    "/communities/{pk}/organisations",
    response={200: CommunityOut, 202: CommunityOut, **REFUSALS, 429: ErrorOut},
    summary="Invite an organisation into a community",
    description="202: an invitation was sent to the organisation's administrators (it is listed in `invited` "
    "until they answer); 200: it is a member (already, or at once because you are one of its administrators).",
)
def add_community_member(request, pk: int, payload: CommunityMemberIn):
    community = _community(pk)
    organisation = Organisation.objects.filter(pk=payload.organisation).first()
    if organisation is None:
        raise ValidationError({"organisation": [_("No organisation has this id.")]})
    invitation = communities.add_member(request.user, community, organisation)
    return (202 if invitation else 200), _community_out(request, community)


@router.delete(
    "/communities/{pk}/organisations/{organisation}",
    response={200: CommunityOut, **REFUSALS},
    summary="Take an organisation out of a community (or take back its invitation)",
)
def remove_community_member(request, pk: int, organisation: int):
    community = _community(pk)
    member = get_object_or_404(Organisation, pk=organisation)
    return _community_out(request, communities.remove_member(request.user, community, member))
