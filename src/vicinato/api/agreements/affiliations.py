"""Affiliations: a person's link to the organisation they work for or belong to, and how it starts and ends.

Published first under /memberships; a Membership is a person's staff role in an organisation, so those paths
stay only as deprecated aliases of the /affiliations ones."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from vicinato.agreements import memberships
from vicinato.agreements.models import Affiliation, AllowedDomain, Invitation
from vicinato.agreements.permissions import Action
from vicinato.api.lookups import named_in_body
from vicinato.register.models import Organisation

from ..operations import deprecated_alias
from ..schemas.agreements import (
    AffiliationIn,
    AffiliationOut,
    BookingOutcomeOut,
    DecisionIn,
    DomainIn,
    DomainOut,
    InvitationIn,
    InvitationOut,
    LeavingOut,
    NoteIn,
    TokenIn,
    WorkEmailIn,
)
from .common import REFUSALS, organisation, outcomes, router


def _affiliation_out(a: Affiliation) -> dict:
    return {
        "id": a.pk,
        "organisation": a.organisation_id,
        "organisation_name": a.organisation.legal_name,
        "person": a.person.get_full_name() or a.person.username,
        "kind": a.kind,
        "state": a.state,
        "method": a.method,
        "email": a.email,
        "started_at": a.started_at,
        "ended_at": a.ended_at,
        "note": a.note,
    }


def _invitation_out(i: Invitation) -> dict:
    return {
        "id": i.pk,
        "kind": i.kind,
        "email": i.email,
        "expires_at": i.expires_at,
        "accepted_at": i.accepted_at,
        "revoked_at": i.revoked_at,
        "link": memberships.invitation_link(i),
    }


def _affiliation(request, pk: int) -> Affiliation:
    """An affiliation the caller may end: their own, or one to an organisation they administer."""
    affiliation = Affiliation.objects.select_related("organisation", "person").filter(pk=pk).first()
    if affiliation is None or not memberships.may_end(request.user, affiliation):
        raise Http404(
            _("No membership of yours, or of an organisation you administer, has id %(id)d.") % {"id": pk}
        )
    return affiliation


# --- a person's own -------------------------------------------------------------------------------------------
@router.get(
    "/me/affiliations",
    response=list[AffiliationOut],
    summary="My affiliations (the organisations I work for or belong to)",
)
def my_affiliations(request):
    return [_affiliation_out(a) for a in request.user.affiliations.select_related("organisation", "person")]


deprecated_alias(
    router,
    "GET",
    "/me/memberships",
    my_affiliations,
    old_name="my_memberships",
    use="GET /api/v1/agreements/me/affiliations",
    response=list[AffiliationOut],
    summary="My memberships",
)


_REQUEST = {
    "response": {201: AffiliationOut, **REFUSALS},
    "summary": "Ask to join an organisation (its admin decides)",
}


@router.post("/affiliations", **_REQUEST)
def request_affiliation(request, payload: AffiliationIn):
    found = named_in_body(Organisation, "organisation", pk=payload.organisation)
    return 201, _affiliation_out(memberships.request_affiliation(request.user, found, payload.kind))


deprecated_alias(
    router,
    "POST",
    "/memberships",
    request_affiliation,
    old_name="request_membership",
    use="POST /api/v1/agreements/affiliations",
    **_REQUEST,
)


_BY_EMAIL = {
    "response": {201: list[AffiliationOut], **REFUSALS},
    "summary": "Join by a work e-mail in an allowed domain (a link is sent to confirm it)",
}


@router.post("/affiliations/by-email", **_BY_EMAIL)
def request_affiliation_by_email(request, payload: WorkEmailIn):
    return 201, [_affiliation_out(a) for a in memberships.request_by_email(request.user, payload.email)]


deprecated_alias(
    router,
    "POST",
    "/memberships/by-email",
    request_affiliation_by_email,
    old_name="request_membership_by_email",
    use="POST /api/v1/agreements/affiliations/by-email",
    **_BY_EMAIL,
)


_CONFIRM = {"response": {200: AffiliationOut, **REFUSALS}, "summary": "Confirm a work e-mail"}


@router.post("/affiliations/confirm-email", **_CONFIRM)
def confirm_affiliation_email(request, payload: TokenIn):
    return _affiliation_out(memberships.confirm_email(payload.token, request.user))


deprecated_alias(
    router,
    "POST",
    "/memberships/confirm-email",
    confirm_affiliation_email,
    old_name="confirm_email",
    use="POST /api/v1/agreements/affiliations/confirm-email",
    **_CONFIRM,
)


@router.post(
    "/invitations/accept", response={201: AffiliationOut, **REFUSALS}, summary="Accept an invitation"
)
def accept_invitation(request, payload: TokenIn):
    return 201, _affiliation_out(memberships.accept_invitation(payload.token, request.user))


@router.get(
    "/affiliations/{pk}/leaving",
    response={200: list[BookingOutcomeOut], **REFUSALS},
    summary="What ending an affiliation would do to the bookings that depend on it",
)
def affiliation_leaving_preview(request, pk: int):
    return outcomes(memberships.leaving_consequences(_affiliation(request, pk)))


deprecated_alias(
    router,
    "GET",
    "/memberships/{pk}/leaving",
    affiliation_leaving_preview,
    old_name="leaving_preview",
    use="GET /api/v1/agreements/affiliations/{pk}/leaving",
    response={200: list[BookingOutcomeOut], **REFUSALS},
    summary="What ending a membership would do to the bookings that depend on it",
)


@router.post(
    "/affiliations/{pk}/end",
    response={200: LeavingOut, **REFUSALS},
    summary="Leave an organisation, or end a person's affiliation to one you administer",
)
def end_affiliation(request, pk: int, payload: NoteIn):
    leaving = memberships.end_affiliation(_affiliation(request, pk), request.user, payload.note)
    ended = [(r, "cancelled") for r in leaving.cancelled] + leaving.kept
    return {"membership": _affiliation_out(leaving.affiliation), "bookings": outcomes(ended)}


deprecated_alias(
    router,
    "POST",
    "/memberships/{pk}/end",
    end_affiliation,
    old_name="end_membership",
    use="POST /api/v1/agreements/affiliations/{pk}/end",
    response={200: LeavingOut, **REFUSALS},
    summary="Leave, or end a member's membership",
)


# --- an organisation's ----------------------------------------------------------------------------------------
_MEMBERS = {
    "response": {200: list[AffiliationOut], **REFUSALS},
    "summary": "An organisation's employees and members",
}


@router.get("/organisations/{pk}/affiliations", **_MEMBERS)
def organisation_affiliations(request, pk: int, state: Affiliation.State | None = None):
    affiliations = organisation(request, pk).affiliations.select_related("organisation", "person")
    if state:
        affiliations = affiliations.filter(state=state)
    return [_affiliation_out(a) for a in affiliations]


deprecated_alias(
    router,
    "GET",
    "/organisations/{pk}/memberships",
    organisation_affiliations,
    old_name="organisation_memberships",
    use="GET /api/v1/agreements/organisations/{pk}/affiliations",
    **_MEMBERS,
)


_DECISION = {"response": {200: AffiliationOut, **REFUSALS}, "summary": "Approve or refuse a request to join"}


@router.post("/organisations/{pk}/affiliations/{affiliation}/decision", **_DECISION)
def decide_affiliation(request, pk: int, affiliation: int, payload: DecisionIn):
    found = get_object_or_404(Affiliation, pk=affiliation, organisation=organisation(request, pk))
    return _affiliation_out(
        memberships.decide_affiliation(found, request.user, payload.approve, payload.note)
    )


# The first path named the affiliation `{membership}`: the same decision under that name.
def decide_membership(request, pk: int, membership: int, payload: DecisionIn):
    return decide_affiliation(request, pk, membership, payload)


deprecated_alias(
    router,
    "POST",
    "/organisations/{pk}/memberships/{membership}/decision",
    decide_membership,
    old_name="decide_membership",
    use="POST /api/v1/agreements/organisations/{pk}/affiliations/{affiliation}/decision",
    **_DECISION,
)


@router.get(
    "/organisations/{pk}/invitations",
    response={200: list[InvitationOut], **REFUSALS},
    summary="Open invitations",
)
def invitations(request, pk: int):
    found = organisation(request, pk, Action.MANAGE_MEMBERS)
    return [_invitation_out(i) for i in found.invitations.all()]


@router.post(
    "/organisations/{pk}/invitations", response={201: InvitationOut, **REFUSALS}, summary="Invite a person"
)
def invite(request, pk: int, payload: InvitationIn):
    found = organisation(request, pk, Action.MANAGE_MEMBERS)
    return 201, _invitation_out(memberships.invite(request.user, found, payload.kind, payload.email))


@router.post(
    "/organisations/{pk}/invitations/{invitation}/revoke",
    response={200: InvitationOut, **REFUSALS},
    summary="Withdraw an invitation",
)
def revoke_invitation(request, pk: int, invitation: int):
    found = get_object_or_404(
        Invitation, pk=invitation, organisation=organisation(request, pk, Action.MANAGE_MEMBERS)
    )
    return _invitation_out(memberships.revoke_invitation(request.user, found))


@router.get(
    "/organisations/{pk}/domains",
    response={200: list[DomainOut], **REFUSALS},
    summary="Allowed e-mail domains",
)
def domains(request, pk: int):
    return [
        {"id": d.pk, "domain": d.domain, "kind": d.kind, "verified": d.verified_at is not None}
        for d in organisation(request, pk).allowed_domains.all()
    ]


@router.post(
    "/organisations/{pk}/domains",
    response={201: DomainOut, **REFUSALS},
    summary="Claim an e-mail domain (a link mailed to `address`, at the domain, proves it)",
)
def add_domain(request, pk: int, payload: DomainIn):
    found = organisation(request, pk, Action.MANAGE_MEMBERS)
    d = memberships.add_domain(request.user, found, payload.domain, payload.kind, payload.address)
    return 201, {"id": d.pk, "domain": d.domain, "kind": d.kind, "verified": d.verified_at is not None}


@router.delete(
    "/organisations/{pk}/domains/{domain}", response={204: None, **REFUSALS}, summary="Stop allowing a domain"
)
def remove_domain(request, pk: int, domain: int):
    found = organisation(request, pk, Action.MANAGE_MEMBERS)
    memberships.remove_domain(request.user, get_object_or_404(AllowedDomain, pk=domain, organisation=found))
    return 204, None
