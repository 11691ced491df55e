"""Shapes of the requests and answers of affiliations, agreements and vouchers (/api/v1/agreements/).

Amounts are EUR as decimal strings ("12.50")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema

from vicinato.agreements.models import Affiliation, Agreement

from .common import EventOut


# --- affiliations (a person's link to their employer or member organisation) -------------------------------
class AffiliationOut(Schema):
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


class AffiliationIn(Schema):
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
    membership: AffiliationOut
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
    # An address at the domain: a link mailed to it proves the domain is the organisation's.
    address: str = ""


class DomainOut(Schema):
    id: int
    domain: str
    kind: str
    verified: bool  # proved by the link mailed to an address at the domain


# --- communities -------------------------------------------------------------------------------------------
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
    # Organisations invited that have not answered yet: they join when one of their administrators accepts.
    invited: list[OrganisationRef] = []
    can_edit: bool


class CommunityIn(Schema):
    """Create: `owner` (the organisation that runs it) and the rest; update (PATCH): only what changes."""

    owner: int | None = None
    name: str | None = None
    description: str | None = None
    organisations: list[int] | None = None


class CommunityMemberIn(Schema):
    organisation: int


# --- agreements --------------------------------------------------------------------------------------------
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


class AgreementCommunityIn(Schema):
    community: int


class AgreementOut(Schema):
    id: int
    host: int
    host_name: str
    name: str
    description: str
    state: str
    guests: list[str]
    # Guest organisations invited that have not answered yet: guests once one of their administrators accepts.
    invited_guests: list[str] = []
    communities: list[str]
    # Guest communities invited whose owners have not answered yet: guests once one of the owner's administrators
    # accepts.
    invited_communities: list[str] = []
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


class AgreementTransitionIn(Schema):
    action: str
    note: str = ""
    cancel_bookings: bool = False


class AgreementTransitionOut(Schema):
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


# --- voucher programmes ------------------------------------------------------------------------------------
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
    invited_reviewers: list[str] | None = None  # addresses invited, not accepted yet: for the same people
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
    # The list as it should be: usernames (or e-mails) of reviewers who stay, addresses invited who stay invited,
    # and new e-mail addresses, each of which is sent an invitation (it becomes a reviewer on accepting it).
    reviewers: list[str] | None = None


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


# --- voucher applications and statements -------------------------------------------------------------------
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
