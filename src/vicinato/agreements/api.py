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

from . import exports, memberships, services, vouchers
from .forms import agreement_data
from .models import (
    Affiliation,
    Agreement,
    AllowedDomain,
    Invitation,
    LedgerEntry,
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


class ProgrammeOut(Schema):
    id: int
    funder: str
    name: str
    description: str
    budget: Decimal
    coverage_percent: Decimal
    cap_per_person_year: Decimal
    audiences: list[str]
    younger_than: int | None
    documents_required: str
    applications_from: date
    applications_until: date
    valid_from: date
    valid_until: date
    status: dict | None = None


class VoucherApplicationIn(Schema):
    birth_date: date
    audience: str
    statement: str = ""


class DocumentOut(Schema):
    id: int
    description: str
    filename: str
    uploaded_at: datetime


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
            "outcome": outcome,
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
        "documents": [
            {"id": d.pk, "description": d.description, "filename": d.filename, "uploaded_at": d.uploaded_at}
            for d in a.documents.all()
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
    form_data = QueryDict(mutable=True)
    for key, value in data.items():
        if value is not None:
            form_data.setlist(key, [str(v) for v in value] if isinstance(value, list) else [str(value)])
    return form_data


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
    return {
        "id": p.pk,
        "funder": p.funder.legal_name,
        "name": p.name,
        "description": p.description,
        "budget": p.budget,
        "coverage_percent": p.coverage_percent,
        "cap_per_person_year": p.cap_per_person_year,
        "audiences": p.audiences,
        "younger_than": p.younger_than,
        "documents_required": p.documents_required,
        "applications_from": p.applications_from,
        "applications_until": p.applications_until,
        "valid_from": p.valid_from,
        "valid_until": p.valid_until,
        "status": vouchers.programme_status(p)
        if can(request.user, Action.VIEW_PROGRAMME_REPORT, p)
        else None,
    }


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
def upload_document(request, pk: int, description: str = Form(""), file: UploadedFile = File(...)):  # noqa: B008
    application = _application(request, pk)
    vouchers.add_document(application, request.user, file, description)
    return 201, _application_out(request, application)


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
