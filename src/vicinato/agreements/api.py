"""The API of memberships, agreements and vouchers (/api/v1/agreements/): thin endpoints over the services.

Refusals: 422 with messages per field, 403 for what the user may not do, 404 for what they may not see,
409 for a move that cannot be made now. Amounts are EUR as decimal strings ("12.50")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from vicinato.api.auth import AUTH
from vicinato.api.schemas import ErrorOut
from vicinato.register.models import Organisation

from . import communities, exports, memberships, services, vouchers
from .forms import agreement_data, community_data, programme_data
from .models import (
    Affiliation,
    Agreement,
    AllowedDomain,
    Community,
    Invitation,
    LedgerEntry,
    RequiredDocument,
    VoucherApplication,
    VoucherProgramme,
)
from .permissions import Action, can, guest_organisations, operated_organisations, require

router = Router(tags=["agreements and vouchers"], auth=AUTH)
REFUSALS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- schemas ---------------------------------------------------------------------------------------------------
class MembershipOut(Schema):
    id: int
    organisation: int
    organisation_name: str
    person: str
    kind: str
    state: str
    method: str
    email: str
    started_at: datetime | None
    ended_at: datetime | None
    note: str


class MembershipIn(Schema):
    organisation: int
    kind: Affiliation.Kind = Affiliation.Kind.EMPLOYEE


class WorkEmailIn(Schema):
    email: str


class TokenIn(Schema):
    token: str


class NoteIn(Schema):
    note: str = ""


class DecisionIn(Schema):
    approve: bool
    note: str = ""


class BookingOutcomeOut(Schema):
    reservation: int
    start: datetime
    place: str
    outcome: str


class LeavingOut(Schema):
    membership: MembershipOut
    bookings: list[BookingOutcomeOut]


class InvitationIn(Schema):
    kind: Affiliation.Kind = Affiliation.Kind.EMPLOYEE
    email: str = ""


class InvitationOut(Schema):
    id: int
    kind: str
    email: str
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None
    link: str


class DomainIn(Schema):
    domain: str
    kind: Affiliation.Kind = Affiliation.Kind.EMPLOYEE


class DomainOut(Schema):
    id: int
    domain: str
    kind: str


class ResourceRef(Schema):
    id: int
    name: str
    place: str
    place_name: str


class AgreementIn(Schema):
    """Create: `host` and the terms; update (PATCH): only the terms that change."""

    host: int | None = None
    name: str | None = None
    description: str | None = None
    guests: list[int] | None = None
    communities: list[int] | None = None
    resources: list[int] | None = None
    desks_per_day: int | None = None
    weekdays: list[int] | None = None
    opens_at: str | None = None
    closes_at: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    days_per_month_per_person: int | None = None
    price_per_day: Decimal | None = None
    approval: Agreement.Approval | None = None


class AgreementOut(Schema):
    id: int
    host: int
    host_name: str
    name: str
    description: str
    state: str
    guests: list[str]
    communities: list[str]
    resources: list[ResourceRef]
    desks_per_day: int
    weekdays: list[int]
    opens_at: str | None
    closes_at: str | None
    starts_on: date
    ends_on: date
    days_per_month_per_person: int | None
    price_per_day: Decimal
    approval: str
    allowed_actions: list[str]


class MoveIn(Schema):
    action: str
    note: str = ""
    cancel_bookings: bool = False


class MoveOut(Schema):
    agreement: AgreementOut
    cancelled: list[BookingOutcomeOut]
    kept: list[BookingOutcomeOut]


class UsageOut(Schema):
    day: date
    place: str
    guest: str
    bookings: int
    check_ins: int
    no_shows: int
    cancelled: int
    desk_days: int
    amount: Decimal


class BookingRowOut(Schema):
    day: date
    start: datetime
    end: datetime
    place: str
    resource: str
    guest: str
    person: str | None
    state: str
    units: int


class RequiredDocumentRef(Schema):
    id: int
    label: str
    label_it: str
    label_en: str


class ProgrammeOut(Schema):
    id: int
    funder: str
    funder_id: int
    name: str
    name_it: str
    name_en: str
    description: str
    description_it: str
    description_en: str
    budget: Decimal
    coverage_percent: Decimal
    cap_per_person_year: Decimal
    registers: list[str]  # slugs
    places: list[str]  # public ids
    audiences: list[str]
    younger_than: int | None
    priority_younger_than: int | None
    documents_required: str  # the labels of `required_documents`, in the request's language
    required_documents: list[RequiredDocumentRef]
    applications_from: date
    applications_until: date
    valid_from: date
    valid_until: date
    reviewers: list[str] | None = None  # usernames, for those who may change the programme
    allowed_actions: list[str]
    status: dict | None = None


class RequiredDocumentIn(Schema):
    """One document applicants upload; give the `id` of one the programme has to keep it (and its uploads)."""

    id: int | None = None
    label_it: str
    label_en: str = ""


class ProgrammeIn(Schema):
    """Create: `funder` and the terms; update (PATCH): only what changes. `required_documents` replaces the
    list: those left out are removed."""

    funder: int | None = None
    name_it: str | None = None
    name_en: str | None = None
    description_it: str | None = None
    description_en: str | None = None
    budget: Decimal | None = None
    coverage_percent: Decimal | None = None
    cap_per_person_year: Decimal | None = None
    registers: list[str] | None = None
    places: list[str] | None = None
    audiences: list[str] | None = None
    younger_than: int | None = None
    priority_younger_than: int | None = None
    required_documents: list[RequiredDocumentIn] | None = None
    applications_from: date | None = None
    applications_until: date | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    reviewers: list[str] | None = None  # usernames or e-mails of people with an account


class OrganisationRef(Schema):
    id: int
    name: str


class CommunityOut(Schema):
    id: int
    name: str
    description: str
    owner: int | None
    owner_name: str | None
    organisations: list[OrganisationRef]
    can_edit: bool


class CommunityIn(Schema):
    """Create: `owner` (the organisation that runs it) and the rest; update (PATCH): only what changes."""

    owner: int | None = None
    name: str | None = None
    description: str | None = None
    organisations: list[int] | None = None


class CommunityMemberIn(Schema):
    organisation: int


class DocumentCheckIn(Schema):
    requirement: int
    checked: bool = True


class VoucherApplicationIn(Schema):
    birth_date: date
    audience: str
    statement: str = ""


class DocumentOut(Schema):
    id: int
    requirement: int | None  # the required document it is for, if any
    description: str
    filename: str
    uploaded_at: datetime


class DocumentStatusOut(Schema):
    requirement: int
    label: str
    state: str  # missing, uploaded (to be checked) or checked
    documents: list[int]
    checked_by: str | None
    checked_at: datetime | None


class EventOut(Schema):
    action: str
    from_state: str
    to_state: str
    actor: str | None
    at: datetime
    note: str


class VoucherApplicationOut(Schema):
    id: int
    programme: int
    person: str
    birth_date: date
    audience: str
    statement: str
    state: str
    priority: bool
    submitted_at: datetime | None
    decided_at: datetime | None
    required_documents: list[DocumentStatusOut]
    documents: list[DocumentOut]
    history: list[EventOut]
    allowed_actions: list[str]


class TransitionIn(Schema):
    action: str
    note: str = ""


class LedgerEntryOut(Schema):
    reservation: int
    programme: int
    day: date
    place: str
    price: Decimal
    share: Decimal
    amount: Decimal
    state: str
    note: str


class StatementYearOut(Schema):
    programme: int
    year: int
    cap: Decimal
    reserved: Decimal
    committed: Decimal
    released: Decimal
    left: Decimal


class StatementOut(Schema):
    entries: list[LedgerEntryOut]
    years: list[StatementYearOut]


class ReportRowOut(Schema):
    month: str
    programme: str
    place: str
    bookings: int
    beneficiaries: int
    price: Decimal
    reserved: Decimal
    committed: Decimal
    released: Decimal


# --- shapes ----------------------------------------------------------------------------------------------------
def _membership_out(a: Affiliation) -> dict:
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


def _outcomes(pairs) -> list[dict]:
    return [
        {
            "reservation": r.pk,
            "start": timezone.localtime(r.start),
            "place": r.resource.place.public_id,
            "outcome": services.reason_text(outcome),  # in the request's language
        }
        for r, outcome in pairs
    ]


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


def _query_data(data: dict) -> QueryDict:
    """JSON input as the form data the pages' forms validate (lists as repeated keys)."""
    form_data = QueryDict(mutable=True)
    for key, value in data.items():
        if value is not None:
            form_data.setlist(key, [str(v) for v in value] if isinstance(value, list) else [str(value)])
    return form_data


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
        "communities": [c.name for c in a.communities.all()],
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
        "allowed_actions": services.allowed_moves(request.user, a),
    }


def _application_out(request, a: VoucherApplication) -> dict:
    return {
        "id": a.pk,
        "programme": a.programme_id,
        "person": a.person.get_full_name() or a.person.username,
        "birth_date": a.birth_date,
        "audience": a.audience,
        "statement": a.statement,
        "state": a.state,
        "priority": vouchers.is_priority(a),
        "submitted_at": a.submitted_at,
        "decided_at": a.decided_at,
        "required_documents": [
            {
                "requirement": status.requirement.pk,
                "label": status.requirement.label,
                "state": status.state,
                "documents": [d.pk for d in status.uploads],
                "checked_by": status.check.checked_by.username
                if status.check and status.check.checked_by
                else None,
                "checked_at": status.check.checked_at if status.check else None,
            }
            for status in vouchers.document_statuses(a)
        ],
        "documents": [
            {
                "id": d.pk,
                "requirement": d.requirement_id,
                "description": d.title,
                "filename": d.filename,
                "uploaded_at": d.uploaded_at,
            }
            for d in a.documents.select_related("requirement")
        ],
        "history": [
            {
                "action": e.action,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "actor": e.actor.username if e.actor else None,
                "at": e.at,
                "note": e.note,
            }
            for e in a.events.select_related("actor")
        ],
        "allowed_actions": vouchers.allowed_actions(request.user, a),
    }


def _entry_out(e: LedgerEntry) -> dict:
    return {
        "reservation": e.reservation_id,
        "programme": e.programme_id,
        "day": e.day,
        "place": e.reservation.resource.place.public_id,
        "price": e.price,
        "share": e.share,
        "amount": e.amount,
        "state": e.state,
        "note": e.note,
    }


def _report_out(rows: list[vouchers.ReportRow]) -> list[dict]:
    return [
        {
            "month": r.month,
            "programme": r.programme,
            "place": r.place,
            "bookings": r.bookings,
            "beneficiaries": len(r.beneficiaries),
            "price": r.price,
            "reserved": r.totals.reserved,
            "committed": r.totals.committed,
            "released": r.totals.released,
        }
        for r in rows
    ]


# --- lookups: 404 for what the user may not see ----------------------------------------------------------------
def _organisation(request, pk: int, action: Action = Action.VIEW_ORGANISATION) -> Organisation:
    organisation = Organisation.objects.filter(pk=pk).first()
    if organisation is None or not can(request.user, Action.VIEW_ORGANISATION, organisation):
        raise Http404(_("No organisation you run has id %(id)d.") % {"id": pk})
    require(request.user, action, organisation)
    return organisation


def _membership(request, pk: int) -> Affiliation:
    affiliation = Affiliation.objects.select_related("organisation", "person").filter(pk=pk).first()
    if affiliation is None or not memberships.may_end(request.user, affiliation):
        raise Http404(
            _("No membership of yours, or of an organisation you administer, has id %(id)d.") % {"id": pk}
        )
    return affiliation


def _agreement(request, pk: int) -> Agreement:
    agreement = Agreement.objects.select_related("host").filter(pk=pk).first()
    if agreement is None or not can(request.user, Action.VIEW_AGREEMENT, agreement):
        raise Http404(_("No agreement you take part in has id %(id)d.") % {"id": pk})
    return agreement


def _application(request, pk: int) -> VoucherApplication:
    application = VoucherApplication.objects.select_related("programme", "person").filter(pk=pk).first()
    if application is None or not can(request.user, Action.VIEW_VOUCHER_APPLICATION, application):
        raise Http404(_("No voucher application you may see has id %(id)d.") % {"id": pk})
    return application


# --- memberships -----------------------------------------------------------------------------------------------
@router.get("/me/memberships", response=list[MembershipOut], summary="My memberships")
def my_memberships(request):
    return [_membership_out(a) for a in request.user.affiliations.select_related("organisation", "person")]


@router.post(
    "/memberships",
    response={201: MembershipOut, **REFUSALS},
    summary="Ask to join an organisation (its admin decides)",
)
def request_membership(request, payload: MembershipIn):
    organisation = get_object_or_404(Organisation, pk=payload.organisation)
    return 201, _membership_out(memberships.request_affiliation(request.user, organisation, payload.kind))


@router.post(
    "/memberships/by-email",
    response={201: list[MembershipOut], **REFUSALS},
    summary="Join by a work e-mail in an allowed domain (a link is sent to confirm it)",
)
def request_membership_by_email(request, payload: WorkEmailIn):
    return 201, [_membership_out(a) for a in memberships.request_by_email(request.user, payload.email)]


@router.post(
    "/memberships/confirm-email", response={200: MembershipOut, **REFUSALS}, summary="Confirm a work e-mail"
)
def confirm_email(request, payload: TokenIn):
    return _membership_out(memberships.confirm_email(payload.token, request.user))


@router.post("/invitations/accept", response={201: MembershipOut, **REFUSALS}, summary="Accept an invitation")
def accept_invitation(request, payload: TokenIn):
    return 201, _membership_out(memberships.accept_invitation(payload.token, request.user))


@router.get(
    "/memberships/{pk}/leaving",
    response={200: list[BookingOutcomeOut], **REFUSALS},
    summary="What ending a membership would do to the bookings that depend on it",
)
def leaving_preview(request, pk: int):
    return _outcomes(memberships.leaving_consequences(_membership(request, pk)))


@router.post(
    "/memberships/{pk}/end",
    response={200: LeavingOut, **REFUSALS},
    summary="Leave, or end a member's membership",
)
def end_membership(request, pk: int, payload: NoteIn):
    leaving = memberships.end_affiliation(_membership(request, pk), request.user, payload.note)
    outcomes = [(r, "cancelled") for r in leaving.cancelled] + leaving.kept
    return {"membership": _membership_out(leaving.affiliation), "bookings": _outcomes(outcomes)}


@router.get(
    "/organisations/{pk}/memberships",
    response={200: list[MembershipOut], **REFUSALS},
    summary="An organisation's employees and members",
)
def organisation_memberships(request, pk: int, state: Affiliation.State | None = None):
    affiliations = _organisation(request, pk).affiliations.select_related("organisation", "person")
    if state:
        affiliations = affiliations.filter(state=state)
    return [_membership_out(a) for a in affiliations]


@router.post(
    "/organisations/{pk}/memberships/{membership}/decision",
    response={200: MembershipOut, **REFUSALS},
    summary="Approve or refuse a request to join",
)
def decide_membership(request, pk: int, membership: int, payload: DecisionIn):
    organisation = _organisation(request, pk)
    affiliation = get_object_or_404(Affiliation, pk=membership, organisation=organisation)
    return _membership_out(
        memberships.decide_affiliation(affiliation, request.user, payload.approve, payload.note)
    )


@router.get(
    "/organisations/{pk}/invitations",
    response={200: list[InvitationOut], **REFUSALS},
    summary="Open invitations",
)
def invitations(request, pk: int):
    organisation = _organisation(request, pk, Action.MANAGE_MEMBERS)
    return [_invitation_out(i) for i in organisation.invitations.all()]


@router.post(
    "/organisations/{pk}/invitations", response={201: InvitationOut, **REFUSALS}, summary="Invite a person"
)
def invite(request, pk: int, payload: InvitationIn):
    organisation = _organisation(request, pk, Action.MANAGE_MEMBERS)
    return 201, _invitation_out(memberships.invite(request.user, organisation, payload.kind, payload.email))


@router.post(
    "/organisations/{pk}/invitations/{invitation}/revoke",
    response={200: InvitationOut, **REFUSALS},
    summary="Withdraw an invitation",
)
def revoke_invitation(request, pk: int, invitation: int):
    organisation = _organisation(request, pk, Action.MANAGE_MEMBERS)
    found = get_object_or_404(Invitation, pk=invitation, organisation=organisation)
    return _invitation_out(memberships.revoke_invitation(request.user, found))


@router.get(
    "/organisations/{pk}/domains",
    response={200: list[DomainOut], **REFUSALS},
    summary="Allowed e-mail domains",
)
def domains(request, pk: int):
    return [
        {"id": d.pk, "domain": d.domain, "kind": d.kind}
        for d in _organisation(request, pk).allowed_domains.all()
    ]


@router.post(
    "/organisations/{pk}/domains", response={201: DomainOut, **REFUSALS}, summary="Allow an e-mail domain"
)
def add_domain(request, pk: int, payload: DomainIn):
    organisation = _organisation(request, pk, Action.MANAGE_MEMBERS)
    d = memberships.add_domain(request.user, organisation, payload.domain, payload.kind)
    return 201, {"id": d.pk, "domain": d.domain, "kind": d.kind}


@router.delete(
    "/organisations/{pk}/domains/{domain}", response={204: None, **REFUSALS}, summary="Stop allowing a domain"
)
def remove_domain(request, pk: int, domain: int):
    organisation = _organisation(request, pk, Action.MANAGE_MEMBERS)
    memberships.remove_domain(
        request.user, get_object_or_404(AllowedDomain, pk=domain, organisation=organisation)
    )
    return 204, None


# --- communities (before the agreements: `/{pk}` would take `/communities`) -------------------------------------
def _community_out(request, c: Community) -> dict:
    return {
        "id": c.pk,
        "name": c.name,
        "description": c.description,
        "owner": c.owner_id,
        "owner_name": c.owner.legal_name if c.owner else None,
        "organisations": [{"id": o.pk, "name": o.legal_name} for o in c.organisations.order_by("legal_name")],
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
    response={201: CommunityOut, **REFUSALS},
    summary="Create a community run by one of your organisations",
)
def create_community(request, payload: CommunityIn):
    owner = Organisation.objects.filter(pk=payload.owner).first() if payload.owner else None
    data = _query_data(payload.dict(exclude_unset=True, exclude={"owner"}))
    return 201, _community_out(request, communities.save_community(request.user, owner, data))


@router.get("/communities/{pk}", response={200: CommunityOut, 404: ErrorOut}, summary="One community")
def get_community(request, pk: int):
    return _community_out(request, _community(pk))


@router.patch(
    "/communities/{pk}",
    response={200: CommunityOut, **REFUSALS},
    summary="Change a community's name, description or member organisations",
)
def update_community(request, pk: int, payload: CommunityIn):
    community = _community(pk)
    data = _query_data({**community_data(community), **payload.dict(exclude_unset=True, exclude={"owner"})})
    return _community_out(request, communities.save_community(request.user, None, data, community))


@router.post(
    "/communities/{pk}/organisations",
    response={200: CommunityOut, **REFUSALS},
    summary="Add an organisation to a community",
)
def add_community_member(request, pk: int, payload: CommunityMemberIn):
    community = _community(pk)
    organisation = Organisation.objects.filter(pk=payload.organisation).first()
    if organisation is None:
        raise ValidationError({"organisation": [_("No organisation has this id.")]})
    return _community_out(request, communities.add_member(request.user, community, organisation))


@router.delete(
    "/communities/{pk}/organisations/{organisation}",
    response={200: CommunityOut, **REFUSALS},
    summary="Take an organisation out of a community",
)
def remove_community_member(request, pk: int, organisation: int):
    community = _community(pk)
    member = get_object_or_404(Organisation, pk=organisation)
    return _community_out(request, communities.remove_member(request.user, community, member))


# --- agreements ------------------------------------------------------------------------------------------------
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


def _form_data(payload: AgreementIn, current: dict) -> QueryDict:
    data = {**current, **payload.dict(exclude_unset=True, exclude={"host", "price_per_day"})}
    if payload.price_per_day is not None:
        data["price"] = payload.price_per_day
    return _query_data(data)


@router.post("", response={201: AgreementOut, **REFUSALS}, summary="Draft an agreement as its host")
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


@router.patch("/{pk}", response={200: AgreementOut, **REFUSALS}, summary="Change an agreement's terms")
def update_agreement(request, pk: int, payload: AgreementIn):
    agreement = _agreement(request, pk)
    saved = services.save_agreement(
        request.user, agreement.host, _form_data(payload, agreement_data(agreement)), agreement
    )
    return _agreement_out(request, saved)


@router.get(
    "/{pk}/affected-bookings",
    response={200: list[BookingOutcomeOut], **REFUSALS},
    summary="Bookings still to come, which suspending or ending would affect",
)
def affected_bookings(request, pk: int):
    agreement = _agreement(request, pk)
    require(request.user, Action.EDIT_AGREEMENT, agreement)
    return _outcomes((r, r.get_state_display()) for r in services.affected_bookings(agreement))


@router.post(
    "/{pk}/transitions", response={200: MoveOut, **REFUSALS}, summary="Activate, suspend, resume or end"
)
def move_agreement(request, pk: int, payload: MoveIn):
    """Suspending and ending need a `note` for the people; `cancel_bookings` cancels the bookings still to come
    (either way they are told)."""
    change = services.change_agreement_state(
        _agreement(request, pk), payload.action, request.user, payload.note, payload.cancel_bookings
    )
    return {
        "agreement": _agreement_out(request, change.agreement),
        "cancelled": _outcomes((r, "cancelled") for r in change.cancelled),
        "kept": _outcomes(change.kept),
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


# --- vouchers --------------------------------------------------------------------------------------------------
vouchers_router = Router(tags=["vouchers"], auth=AUTH)


def _programme_out(request, p: VoucherProgramme) -> dict:
    documents = list(p.required_documents.all())
    may_edit = can(request.user, Action.EDIT_PROGRAMME, p)
    return {
        "id": p.pk,
        "funder": p.funder.legal_name,
        "funder_id": p.funder_id,
        "name": p.name,
        "name_it": p.name_it,
        "name_en": p.name_en,
        "description": p.description,
        "description_it": p.description_it,
        "description_en": p.description_en,
        "budget": p.budget,
        "coverage_percent": p.coverage_percent,
        "cap_per_person_year": p.cap_per_person_year,
        "registers": [r.slug for r in p.registers.all()],
        "places": [place.public_id for place in p.places.all()],
        "audiences": p.audiences,
        "younger_than": p.younger_than,
        "priority_younger_than": p.priority_younger_than,
        "documents_required": "; ".join(d.label for d in documents),
        "required_documents": [
            {"id": d.pk, "label": d.label, "label_it": d.label_it, "label_en": d.label_en} for d in documents
        ],
        "applications_from": p.applications_from,
        "applications_until": p.applications_until,
        "valid_from": p.valid_from,
        "valid_until": p.valid_until,
        "reviewers": [u.username for u in p.reviewers.order_by("username")] if may_edit else None,
        "allowed_actions": ["edit"] if may_edit else [],
        "status": vouchers.programme_status(p)
        if can(request.user, Action.VIEW_PROGRAMME_REPORT, p)
        else None,
    }


def _documents_data(programme: VoucherProgramme | None, wanted: list[dict] | None) -> tuple[dict, list]:
    """The required documents' formset data: the programme's as they are, or replaced by `wanted` (those with
    an id kept and changed, the others removed, those without an id added at the end); and, for each row of
    the formset, the position in `wanted` it comes from (for errors)."""
    current = list(programme.required_documents.all()) if programme else []
    if wanted is None:
        wanted = [{"id": d.pk, "label_it": d.label_it, "label_en": d.label_en} for d in current]
    known = {d.pk for d in current}
    unknown = [str(w["id"]) for w in wanted if w.get("id") is not None and w["id"] not in known]
    if unknown:
        raise ValidationError(
            {
                "required_documents": [
                    _("This programme has no required document with id %(ids)s; leave out the id to add one.")
                    % {"ids": ", ".join(unknown)}
                ]
            }
        )
    by_id = {w["id"]: (i, w) for i, w in enumerate(wanted) if w.get("id") is not None}
    rows, positions = [], []
    for document in current:
        if document.pk in by_id:
            index, w = by_id[document.pk]
            rows.append({"id": document.pk, "label_it": w["label_it"], "label_en": w.get("label_en") or ""})
            positions.append(index)
        else:
            rows.append(
                {
                    "id": document.pk,
                    "label_it": document.label_it,
                    "label_en": document.label_en,
                    "DELETE": "on",
                }
            )
            positions.append(None)
    for index, w in enumerate(wanted):
        if w.get("id") is None:
            rows.append({"label_it": w["label_it"], "label_en": w.get("label_en") or ""})
            positions.append(index)
    data = {
        "documents-TOTAL_FORMS": len(rows),
        "documents-INITIAL_FORMS": len(current),
        "documents-MIN_NUM_FORMS": 0,
        "documents-MAX_NUM_FORMS": 1000,
    }
    for row_index, row in enumerate(rows):
        for name, value in row.items():
            data[f"documents-{row_index}-{name}"] = value
    return data, positions


def _payload_key(key: str, positions: list) -> str:
    """A formset error's key ("documents-2-label_it") as the payload names it ("required_documents.1.label_it")."""
    _prefix, _sep, rest = key.partition("-")
    row, _sep, name = rest.partition("-")
    if (
        row.isascii()
        and row.isdigit()
        and int(row) < len(positions)
        and positions[int(row)] is not None
        and name
    ):
        return f"required_documents.{positions[int(row)]}.{name}"
    return "required_documents"


def _save_programme(request, funder, payload: ProgrammeIn, programme: VoucherProgramme | None):
    fields = payload.dict(exclude_unset=True, exclude={"funder", "required_documents", "reviewers"})
    data = {**(programme_data(programme) if programme else {}), **fields}
    if payload.reviewers is not None:
        data["reviewers"] = "\n".join(payload.reviewers)
    wanted = (
        [w.dict() for w in payload.required_documents] if payload.required_documents is not None else None
    )
    documents, positions = _documents_data(programme, wanted)
    form_data = _query_data({**data, **documents})
    # A new document without a name would be skipped like a blank line of the page's form: refuse it here.
    unnamed = {
        f"required_documents.{i}.label_it": [_("Name the document in Italian.")]
        for i, w in enumerate(wanted or [])
        if not (w.get("label_it") or "").strip()
    }
    try:
        if unnamed:
            vouchers.check_programme(request.user, funder, form_data, programme)
            raise ValidationError(unnamed)
        return vouchers.save_programme(request.user, funder, form_data, programme)
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        errors: dict[str, list[str]] = {}
        for key, messages in error.message_dict.items():
            name = _payload_key(key, positions) if key.startswith("documents") else key
            errors.setdefault(name, []).extend(messages)
        for key, messages in unnamed.items():
            errors[key] = messages
        raise ValidationError(errors) from None


@vouchers_router.post(
    "/programmes", response={201: ProgrammeOut, **REFUSALS}, summary="Create a programme as its funder"
)
def create_programme(request, payload: ProgrammeIn):
    funder = Organisation.objects.filter(pk=payload.funder).first() if payload.funder else None
    if funder is None:
        raise ValidationError({"funder": [_("Give the id of the organisation that funds the programme.")]})
    return 201, _programme_out(request, _save_programme(request, funder, payload, None))


@vouchers_router.patch(
    "/programmes/{pk}", response={200: ProgrammeOut, **REFUSALS}, summary="Change a programme's terms"
)
def update_programme(request, pk: int, payload: ProgrammeIn):
    programme = get_object_or_404(VoucherProgramme.objects.select_related("funder"), pk=pk)
    return _programme_out(request, _save_programme(request, programme.funder, payload, programme))


@vouchers_router.get(
    "/programmes", response=list[ProgrammeOut], summary="Voucher programmes still covering bookings"
)
def programmes(request):
    current = VoucherProgramme.objects.filter(valid_until__gte=timezone.localdate()).select_related("funder")
    return [_programme_out(request, p) for p in current]


@vouchers_router.get("/programmes/{pk}", response={200: ProgrammeOut, 404: ErrorOut}, summary="One programme")
def programme(request, pk: int):
    return _programme_out(
        request, get_object_or_404(VoucherProgramme.objects.select_related("funder"), pk=pk)
    )


@vouchers_router.post(
    "/programmes/{pk}/applications", response={201: VoucherApplicationOut, **REFUSALS}, summary="Apply"
)
def apply(request, pk: int, payload: VoucherApplicationIn):
    programme = get_object_or_404(VoucherProgramme, pk=pk)
    application = vouchers.apply(
        request.user, programme, payload.birth_date, payload.audience, payload.statement
    )
    return 201, _application_out(request, application)


@vouchers_router.get(
    "/programmes/{pk}/applications",
    response={200: list[VoucherApplicationOut], **REFUSALS},
    summary="Applications to review (priorities first) or in a given state",
)
def programme_applications(request, pk: int, state: VoucherApplication.State | None = None):
    programme = get_object_or_404(VoucherProgramme, pk=pk)
    require(request.user, Action.REVIEW_VOUCHERS, programme)
    if state is None or state == VoucherApplication.State.SUBMITTED:
        applications = vouchers.review_queue(programme)
    else:
        applications = programme.applications.filter(state=state).select_related("programme", "person")
    return [_application_out(request, a) for a in applications]


@vouchers_router.get(
    "/programmes/{pk}/report",
    response={200: list[ReportRowOut], **REFUSALS},
    summary="Monthly report for the funder",
)
def programme_report(request, pk: int, month: str | None = None):
    programme = get_object_or_404(VoucherProgramme, pk=pk)
    require(request.user, Action.VIEW_PROGRAMME_REPORT, programme)
    return _report_out(vouchers.monthly_report(programme.ledger.all(), month))


@vouchers_router.get("/programmes/{pk}/report.csv", summary="Monthly report for the funder (CSV)")
def programme_report_csv(request, pk: int, month: str | None = None):
    programme = get_object_or_404(VoucherProgramme, pk=pk)
    require(request.user, Action.VIEW_PROGRAMME_REPORT, programme)
    return exports.report_csv(
        f"voucher-programme-{pk}.csv", vouchers.monthly_report(programme.ledger.all(), month)
    )


@vouchers_router.get(
    "/organisations/{pk}/report",
    response={200: list[ReportRowOut], **REFUSALS},
    summary="Subsidised bookings at an operator's places, per month",
)
def operator_report(request, pk: int, month: str | None = None):
    organisation = _organisation(request, pk, Action.VIEW_VOUCHER_REPORT)
    return _report_out(vouchers.monthly_report(vouchers.operator_entries(organisation), month))


@vouchers_router.get(
    "/organisations/{pk}/report.csv", summary="Subsidised bookings at an operator's places (CSV)"
)
def operator_report_csv(request, pk: int, month: str | None = None):
    organisation = _organisation(request, pk, Action.VIEW_VOUCHER_REPORT)
    rows = vouchers.monthly_report(vouchers.operator_entries(organisation), month)
    return exports.report_csv(f"vouchers-organisation-{pk}.csv", rows)


@vouchers_router.get("/applications", response=list[VoucherApplicationOut], summary="My voucher applications")
def my_applications(request):
    mine = VoucherApplication.objects.filter(person=request.user).select_related("programme", "person")
    return [_application_out(request, a) for a in mine]


@vouchers_router.get(
    "/applications/{pk}", response={200: VoucherApplicationOut, 404: ErrorOut}, summary="One application"
)
def get_application(request, pk: int):
    return _application_out(request, _application(request, pk))


@vouchers_router.post(
    "/applications/{pk}/transitions",
    response={200: VoucherApplicationOut, **REFUSALS},
    summary="Move an application (approve, request_changes, reject, resubmit, withdraw)",
)
def move_application(request, pk: int, payload: TransitionIn):
    application = vouchers.transition(_application(request, pk), payload.action, request.user, payload.note)
    return _application_out(request, application)


@vouchers_router.post(
    "/applications/{pk}/documents",
    response={201: VoucherApplicationOut, **REFUSALS},
    summary="Upload a document (PDF, JPEG or PNG, at most 5 MB)",
)
def upload_document(
    request,
    pk: int,
    description: str = Form(""),  # noqa: B008
    requirement: int | None = Form(None),  # noqa: B008
    file: UploadedFile = File(...),  # noqa: B008
):
    """`requirement`: the id of the programme's required document the file is for; leave it out for
    another document (then `description` says what it is)."""
    application = _application(request, pk)
    wanted = None
    if requirement is not None:
        wanted = RequiredDocument.objects.filter(pk=requirement, programme=application.programme_id).first()
        if wanted is None:
            raise ValidationError(
                {"requirement": [_("Choose one of the documents this programme asks for.")]}
            )
    vouchers.add_document(application, request.user, file, description, wanted)
    return 201, _application_out(request, application)


@vouchers_router.post(
    "/applications/{pk}/document-checks",
    response={200: VoucherApplicationOut, **REFUSALS},
    summary="Tick (or untick) a required document once its upload is checked",
)
def check_document(request, pk: int, payload: DocumentCheckIn):
    application = _application(request, pk)
    requirement = RequiredDocument.objects.filter(
        pk=payload.requirement, programme=application.programme_id
    ).first()
    if requirement is None:
        raise ValidationError({"requirement": [_("Choose one of the documents this programme asks for.")]})
    vouchers.check_document(application, requirement, request.user, payload.checked)
    return _application_out(request, application)


@vouchers_router.get(
    "/statement", response=StatementOut, summary="My statement: each subsidy and the yearly totals"
)
def statement(request, year: int | None = None):
    entries, years = vouchers.statement(request.user, year)
    return {
        "entries": [_entry_out(e) for e in entries],
        "years": [
            {
                "programme": y.programme.pk,
                "year": y.year,
                "cap": y.programme.cap_per_person_year,
                "reserved": y.totals.reserved,
                "committed": y.totals.committed,
                "released": y.totals.released,
                "left": y.left,
            }
            for y in years
        ],
    }


@vouchers_router.get("/statement.csv", summary="My statement (CSV)")
def statement_csv(request, year: int | None = None):
    entries, _years = vouchers.statement(request.user, year)
    return exports.statement_csv("voucher-statement.csv", entries)


router.add_router("/vouchers", vouchers_router)
