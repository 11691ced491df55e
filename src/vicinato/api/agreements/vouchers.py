"""Voucher programmes (/api/v1/agreements/vouchers/): a funder's subsidies of bookings, applications to
them, the ledger of what each booking was given, statements and reports."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Router
from ninja.files import UploadedFile

from vicinato.agreements import consent, exports, vouchers
from vicinato.agreements.forms import programme_data
from vicinato.agreements.models import LedgerEntry, RequiredDocument, VoucherApplication, VoucherProgramme
from vicinato.agreements.permissions import Action, can, require
from vicinato.register.models import Organisation

from ..auth import AUTH
from ..operations import operation_id
from ..schemas.agreements import (
    DocumentCheckIn,
    ProgrammeIn,
    ProgrammeOut,
    ReportRowOut,
    StatementOut,
    TransitionIn,
    VoucherApplicationIn,
    VoucherApplicationOut,
)
from ..schemas.common import ErrorOut, history
from .common import REFUSALS, organisation, query_data

router = Router(tags=["vouchers"], auth=AUTH)


# --- shapes and lookups --------------------------------------------------------------------------------------
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
        "history": history(a.events.select_related("actor")),
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


def _application(request, pk: int) -> VoucherApplication:
    application = VoucherApplication.objects.select_related("programme", "person").filter(pk=pk).first()
    if application is None or not can(request.user, Action.VIEW_VOUCHER_APPLICATION, application):
        raise Http404(_("No voucher application you may see has id %(id)d.") % {"id": pk})
    return application


# --- programmes ---------------------------------------------------------------------------------------------
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
        "invited_reviewers": [i.email for i in consent.invited_reviewers(p)] if may_edit else None,
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
    form_data = query_data({**data, **documents})
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


@router.post(
    "/programmes",
    response={201: ProgrammeOut, **REFUSALS, 429: ErrorOut},
    summary="Create a programme as its funder",
)
def create_programme(request, payload: ProgrammeIn):
    funder = Organisation.objects.filter(pk=payload.funder).first() if payload.funder else None
    if funder is None:
        raise ValidationError({"funder": [_("Give the id of the organisation that funds the programme.")]})
    return 201, _programme_out(request, _save_programme(request, funder, payload, None))


@router.patch(
    "/programmes/{pk}",
    response={200: ProgrammeOut, **REFUSALS, 429: ErrorOut},
    summary="Change a programme's terms",
)
def update_programme(request, pk: int, payload: ProgrammeIn):
    programme = get_object_or_404(VoucherProgramme.objects.select_related("funder"), pk=pk)
    return _programme_out(request, _save_programme(request, programme.funder, payload, programme))


@router.get("/programmes", response=list[ProgrammeOut], summary="Voucher programmes still covering bookings")
def programmes(request):
    current = VoucherProgramme.objects.filter(valid_until__gte=timezone.localdate()).select_related("funder")
    return [_programme_out(request, p) for p in current]


@router.get("/programmes/{pk}", response={200: ProgrammeOut, 404: ErrorOut}, summary="One programme")
def programme(request, pk: int):
    return _programme_out(
        request, get_object_or_404(VoucherProgramme.objects.select_related("funder"), pk=pk)
    )


@router.post(
    "/programmes/{pk}/applications", response={201: VoucherApplicationOut, **REFUSALS}, summary="Apply"
)
def apply(request, pk: int, payload: VoucherApplicationIn):
    programme = get_object_or_404(VoucherProgramme, pk=pk)
    application = vouchers.apply(
        request.user, programme, payload.birth_date, payload.audience, payload.statement
    )
    return 201, _application_out(request, application)


@router.get(
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


@router.get(
    "/programmes/{pk}/report",
    response={200: list[ReportRowOut], **REFUSALS},
    summary="Monthly report for the funder",
)
def programme_report(request, pk: int, month: str | None = None):
    programme = get_object_or_404(VoucherProgramme, pk=pk)
    require(request.user, Action.VIEW_PROGRAMME_REPORT, programme)
    return _report_out(vouchers.monthly_report(programme.ledger.all(), month))


@router.get("/programmes/{pk}/report.csv", summary="Monthly report for the funder (CSV)")
def programme_report_csv(request, pk: int, month: str | None = None):
    programme = get_object_or_404(VoucherProgramme, pk=pk)
    require(request.user, Action.VIEW_PROGRAMME_REPORT, programme)
    return exports.report_csv(
        f"voucher-programme-{pk}.csv", vouchers.monthly_report(programme.ledger.all(), month)
    )


@router.get(
    "/organisations/{pk}/report",
    response={200: list[ReportRowOut], **REFUSALS},
    summary="Subsidised bookings at an operator's places, per month",
)
def operator_report(request, pk: int, month: str | None = None):
    operator = organisation(request, pk, Action.VIEW_VOUCHER_REPORT)
    return _report_out(vouchers.monthly_report(vouchers.operator_entries(operator), month))


@router.get("/organisations/{pk}/report.csv", summary="Subsidised bookings at an operator's places (CSV)")
def operator_report_csv(request, pk: int, month: str | None = None):
    operator = organisation(request, pk, Action.VIEW_VOUCHER_REPORT)
    rows = vouchers.monthly_report(vouchers.operator_entries(operator), month)
    return exports.report_csv(f"vouchers-organisation-{pk}.csv", rows)


@router.get("/applications", response=list[VoucherApplicationOut], summary="My voucher applications")
def my_applications(request):
    mine = VoucherApplication.objects.filter(person=request.user).select_related("programme", "person")
    return [_application_out(request, a) for a in mine]


@router.get(
    "/applications/{pk}", response={200: VoucherApplicationOut, 404: ErrorOut}, summary="One application"
)
def get_application(request, pk: int):
    return _application_out(request, _application(request, pk))


@router.post(
    "/applications/{pk}/transitions",
    response={200: VoucherApplicationOut, **REFUSALS},
    summary="Apply a transition to an application (approve, request_changes, reject, resubmit, withdraw)",
    # The operation id it was published with (an operation has one): generated clients keep their method's name.
    operation_id=operation_id(__name__, "move_application"),
)
def transition_application(request, pk: int, payload: TransitionIn):
    application = vouchers.transition(_application(request, pk), payload.action, request.user, payload.note)
    return _application_out(request, application)


@router.post(
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


@router.post(
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


@router.get("/statement", response=StatementOut, summary="My statement: each subsidy and the yearly totals")
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


@router.get("/statement.csv", summary="My statement (CSV)")
def statement_csv(request, year: int | None = None):
    entries, _years = vouchers.statement(request.user, year)
    return exports.statement_csv("voucher-statement.csv", entries)
