"""Voucher programmes: applications and their review, the ledger of each beneficiary, statements and reports.

The ledger follows the booking engine's `reservation_changed` signal, inside the booking's transaction: the
subsidised share of a paid booking is reserved when it is made, committed at check-in (or completion), and
released when it is cancelled, rejected or not shown up. Reserving locks the programme's row, then the
beneficiary's application: so the budget and the yearly cap are never exceeded, whatever runs at once.

When the budget or the person's cap cannot cover the whole share, the booking still goes ahead with what is
left (possibly nothing); the entry's note and an e-mail tell the person why the subsidy is smaller.

Funders set their programmes up here too (`save_programme`): a budget is never lowered below what the ledger
already holds, checked under the same lock as the reservations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import DateField, IntegerField, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vicinato.booking.models import Reservation
from vicinato.lib import mail, uploads
from vicinato.lib.prepared import Param, Prepared
from vicinato.lib.transitions import StateMachine, Transition, record_step
from vicinato.register.models import Application, Audience, Place

from . import consent
from .errors import ConflictError
from .forms import ProgrammeForm, RequiredDocumentFormSet
from .models import (
    CENT,
    DocumentCheck,
    LedgerEntry,
    RequiredDocument,
    VoucherApplication,
    VoucherApplicationEvent,
    VoucherDocument,
    VoucherProgramme,
    cents_to_euros,
)
from .permissions import Action, can, require

V = VoucherApplication.State
L = LedgerEntry.State
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_DOCUMENTS = 20  # files on one application


# --- applications ----------------------------------------------------------------------------------------------
# The allowed transitions of an application, next to its states; anything else is refused by `transition`.
TRANSITIONS: dict[str, Transition] = {
    "request_changes": Transition(
        {V.SUBMITTED: V.CHANGES_REQUESTED},
        Action.REVIEW_VOUCHERS,
        gettext_lazy("Request changes"),
        note_required=True,
    ),
    "resubmit": Transition(
        {V.CHANGES_REQUESTED: V.SUBMITTED}, Action.EDIT_VOUCHER_APPLICATION, gettext_lazy("Submit again")
    ),
    "approve": Transition({V.SUBMITTED: V.APPROVED}, Action.REVIEW_VOUCHERS, gettext_lazy("Approve")),
    "reject": Transition(
        {V.SUBMITTED: V.REJECTED}, Action.REVIEW_VOUCHERS, gettext_lazy("Reject"), note_required=True
    ),
    "withdraw": Transition(
        {V.SUBMITTED: V.WITHDRAWN, V.CHANGES_REQUESTED: V.WITHDRAWN, V.APPROVED: V.WITHDRAWN},
        Action.EDIT_VOUCHER_APPLICATION,
        gettext_lazy("Withdraw"),
    ),
}


MACHINE = StateMachine(
    TRANSITIONS,
    lambda state: V(state).label,
    gettext_lazy("an application"),
    note_prompt=gettext_lazy("Write a note for the applicant explaining the decision."),
    conflict=ConflictError,
)


# Dates of birth before this are typing errors (e.g. 1800 for 1980).
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


def _age(birth_date: date, on: date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def is_priority(application: VoucherApplication) -> bool:
    limit = application.programme.priority_younger_than
    on = timezone.localdate(application.submitted_at or application.created_at or timezone.now())
    return limit is not None and _age(application.birth_date, on) < limit


def _record(
    application: VoucherApplication, action: str, source: str, actor, at: datetime, note: str = ""
) -> None:
    record_step(
        VoucherApplicationEvent, action, source, application.state, actor, at, note, application=application
    )


def accepts_applications(programme: VoucherProgramme, day: date) -> bool:
    """Whether the programme takes applications on `day` (from its first to its last day of applications)."""
    return programme.applications_from <= day <= programme.applications_until


def apply(
    person, programme: VoucherProgramme, birth_date: date, audience: str, statement: str = "", now=None
) -> VoucherApplication:
    """Submit an application; the programme's rules (dates, who may apply, age) are checked at once."""
    if person is None or not person.is_authenticated:
        raise PermissionDenied(_("Sign in to apply for a voucher."))
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not accepts_applications(programme, today):
        raise ConflictError(
            _("Applications to this programme are open from %(from)s to %(until)s.")
            % {
                "from": programme.applications_from.isoformat(),
                "until": programme.applications_until.isoformat(),
            }
        )
    errors = {}
    if audience not in Audience.values:
        errors["audience"] = [_("Choose what describes your work.")]
    elif programme.audiences and audience not in programme.audiences:
        errors["audience"] = [
            _("This programme is for: %(who)s.") % {"who": ", ".join(programme.audience_labels())}
        ]
    if birth_date >= today:
        errors["birth_date"] = [_("Enter your date of birth, in the past.")]
    elif birth_date < EARLIEST_BIRTH_DATE:
        errors["birth_date"] = [_("Enter your date of birth: it cannot be before 1900.")]
    elif programme.younger_than is not None and _age(birth_date, today) >= programme.younger_than:
        errors["birth_date"] = [
            _("This programme is for people younger than %(age)d.") % {"age": programme.younger_than}
        ]
    if errors:
        raise ValidationError(errors)
    existing = VoucherApplication.objects.filter(programme=programme, person=person).first()
    if existing:
        raise ConflictError(
            _("You have already applied to this programme (%(state)s); open your application instead.")
            % {"state": existing.get_state_display()}
        )
    try:
        with transaction.atomic():
            application = VoucherApplication.objects.create(
                programme=programme,
                person=person,
                birth_date=birth_date,
                audience=audience,
                statement=statement.strip(),
                submitted_at=now,
            )
            _record(application, "submit", "", person, now)
    except IntegrityError:
        raise ConflictError(
            _("You have already applied to this programme; open your application instead.")
        ) from None
    return application


def takes_documents(application: VoucherApplication) -> bool:
    """Whether documents may be added to the application now: while it is under review or changes are asked."""
    return application.state in (V.SUBMITTED, V.CHANGES_REQUESTED)


def add_document(
    application: VoucherApplication,
    actor,
    upload,
    description: str = "",
    requirement: RequiredDocument | None = None,
) -> VoucherDocument:
    """Upload a file, for one of the programme's required documents or as another document. A new file for a
    required document takes back the reviewer's tick on it: the new file has to be checked."""
    require(actor, Action.EDIT_VOUCHER_APPLICATION, application)
    application.refresh_from_db(fields=["state"])
    if not takes_documents(application):
        raise ConflictError(_("Documents can be added while the application is under review."))
    description = (description or "").strip()
    errors = {}
    if requirement is not None and requirement.programme_id != application.programme_id:
        errors["requirement"] = [_("Choose one of the documents this programme asks for.")]
    elif requirement is None and not description:
        errors["description"] = [_("Say what the document is, e.g. “identity card”.")]
    if upload is None:
        errors["file"] = [_("Choose a file to upload.")]
    elif upload.size > MAX_DOCUMENT_BYTES:
        errors["file"] = [_("The file is larger than 5 MB; upload a smaller scan.")]
    elif application.documents.count() >= MAX_DOCUMENTS:
        errors["file"] = [
            _("An application holds at most %(count)d documents; this one cannot be added.")
            % {"count": MAX_DOCUMENTS}
        ]
    else:
        try:
            upload = uploads.checked_document(
                upload
            )  # a PDF by its signature, an image decoded and re-encoded
        except ValidationError as error:
            errors["file"] = error.messages
    if errors:
        raise ValidationError(errors)
    document = VoucherDocument(
        application=application,
        requirement=requirement,
        file=upload,
        description=description,
        uploaded_by=actor,
    )
    document.full_clean(exclude=["application", "uploaded_by", "requirement"])
    with transaction.atomic():
        document.save()
        if requirement is not None:
            DocumentCheck.objects.filter(application=application, requirement=requirement).delete()
    return document


@dataclass(frozen=True)
class DocumentStatus:
    """One document the programme asks for, on one application: the files uploaded for it and the tick."""

    requirement: RequiredDocument
    uploads: list[VoucherDocument]
    check: DocumentCheck | None

    @property
    def state(self) -> str:
        return "checked" if self.check else "uploaded" if self.uploads else "missing"

    @property
    def state_label(self) -> str:
        return {
            "checked": _("Checked"),
            "uploaded": _("Uploaded, to be checked"),
            "missing": _("Not uploaded yet"),
        }[self.state]


def document_statuses(application: VoucherApplication) -> list[DocumentStatus]:
    """Each required document of the application's programme, in the programme's order."""
    uploads: dict[int, list[VoucherDocument]] = {}
    for document in application.documents.filter(requirement__isnull=False):
        uploads.setdefault(document.requirement_id, []).append(document)
    checks = {c.requirement_id: c for c in application.document_checks.select_related("checked_by")}
    return [
        DocumentStatus(r, uploads.get(r.pk, []), checks.get(r.pk))
        for r in application.programme.required_documents.all()
    ]


def other_documents(application: VoucherApplication) -> list[VoucherDocument]:
    return list(application.documents.filter(requirement__isnull=True))


def checks_open(application: VoucherApplication) -> bool:
    """Whether a reviewer may tick (or untick) the application's documents now: while it is under review."""
    return application.state == V.SUBMITTED


def check_document(
    application: VoucherApplication, requirement: RequiredDocument, actor, checked: bool = True
) -> DocumentCheck | None:
    """A reviewer ticks a required document once they have checked what was uploaded for it (or takes the
    tick back); like the register's reviewer checks, approval waits for every tick."""
    require(actor, Action.REVIEW_VOUCHERS, application)
    with transaction.atomic():
        application = VoucherApplication.objects.select_for_update().get(pk=application.pk)
        if requirement.programme_id != application.programme_id:
            raise ConflictError(_("This document is not one the application's programme asks for."))
        if not checks_open(application):
            raise ConflictError(_("Documents can be checked only while the application is under review."))
        if not checked:
            DocumentCheck.objects.filter(application=application, requirement=requirement).delete()
            return None
        if not application.documents.filter(requirement=requirement).exists():
            raise ConflictError(
                _("Nothing has been uploaded for “%(document)s” yet; request it before ticking it.")
                % {"document": requirement.label}
            )
        check, _created = DocumentCheck.objects.get_or_create(
            application=application, requirement=requirement, defaults={"checked_by": actor}
        )
        return check


def _approval_problem(application: VoucherApplication) -> str | None:
    statuses = document_statuses(application)
    missing = [s.requirement.label for s in statuses if s.state == "missing"]
    unchecked = [s.requirement.label for s in statuses if s.state == "uploaded"]
    problems = []
    if missing:
        problems.append(
            _("Not uploaded yet: %(documents)s; request them before approving.")
            % {"documents": ", ".join(missing)}
        )
    if unchecked:
        problems.append(
            _("Tick the remaining documents before approving: %(documents)s.")
            % {"documents": ", ".join(unchecked)}
        )
    return " ".join(problems) or None


def allowed_actions(user, application: VoucherApplication) -> list[str]:
    return MACHINE.allowed(application.state, lambda spec: can(user, spec.by, application))


def transition(
    application: VoucherApplication, action: str, actor, note: str = "", now: datetime | None = None
) -> VoucherApplication:
    """Apply one transition of `TRANSITIONS`, record who/when/why, or refuse it with a clear error."""
    now = now or timezone.now()
    note = (note or "").strip()
    require(actor, MACHINE.get(action).by, application)
    with transaction.atomic():
        application = (
            VoucherApplication.objects.select_for_update().select_related("programme").get(pk=application.pk)
        )
        _spec, target = MACHINE.check(action, application.state, note)
        if action == "approve":
            problem = _approval_problem(application)
            if problem:
                raise ConflictError(problem)
        source = application.state
        application.state = target
        if action in ("approve", "reject", "request_changes"):
            application.decided_at = now
        if action == "resubmit":
            application.submitted_at = now
        application.save()
        _record(application, action, source, actor, now, note)
        if action == "withdraw":
            _release_all(application, now, {"code": "withdrawn"})

    def render():
        subject = _("Voucher application: %(state)s") % {"state": application.get_state_display()}
        body = [str(application.programme), subject]
        if note:
            body.append(_("Note: %(note)s") % {"note": note})
        body.append(mail.link("agreements:voucher_application", pk=application.pk))
        return subject, "\n".join(body)

    mail.send(application.person.email, render)
    return application


def review_queue(programme: VoucherProgramme) -> list[VoucherApplication]:
    """Applications waiting for a decision: people within the programme's priority first, then by date."""
    waiting = list(
        programme.applications.filter(state=V.SUBMITTED)
        .select_related("person", "programme")
        .order_by("submitted_at", "pk")
    )
    return sorted(waiting, key=lambda a: not is_priority(a))


# --- the ledger ------------------------------------------------------------------------------------------------
def _counted(entries: QuerySet[LedgerEntry]) -> Decimal:
    total = entries.filter(state__in=LedgerEntry.COUNTING).aggregate(total=Sum("amount"))["total"]
    return (total or Decimal("0")).quantize(CENT)  # SQLite sums decimals without their places


def covers_place(programme: VoucherProgramme, place: Place, at: datetime) -> bool:
    """Whether bookings at the place count: it is named by the programme, or listed in one of its registers."""
    if programme.places.filter(pk=place.pk).exists():
        return True
    return Application.objects.listed(at).filter(place=place, register__in=programme.registers.all()).exists()


# Every paid booking asks, and most people have no voucher: compiled once (see vicinato.lib.prepared).
_APPROVED = Prepared(
    lambda: VoucherApplication.objects.filter(
        person_id=Param("person", IntegerField()),
        state=V.APPROVED,
        programme__valid_from__lte=Param("day", DateField()),
        programme__valid_until__gte=Param("day", DateField()),
    ).values_list("pk")
)


def _beneficiary(reservation: Reservation) -> VoucherApplication | None:
    day = timezone.localdate(reservation.start)
    ids = [pk for (pk,) in _APPROVED.rows(person=reservation.person_id, day=day)]
    if not ids:
        return None
    approved = VoucherApplication.objects.filter(pk__in=ids).order_by("programme_id")
    for application in approved.select_related("programme"):
        if covers_place(
            application.programme, reservation.resource.place, reservation.created_at or timezone.now()
        ):
            return application
    return None


def reserve(reservation: Reservation, at: datetime) -> LedgerEntry | None:
    """Reserve the subsidised share of a new paid booking, within the budget and the person's yearly cap."""
    if reservation.price_cents <= 0:
        return None
    candidate = _beneficiary(reservation)
    if candidate is None:
        return None
    programme = VoucherProgramme.objects.select_for_update().get(pk=candidate.programme_id)
    application = VoucherApplication.objects.select_for_update().get(pk=candidate.pk)
    if application.state != V.APPROVED:  # withdrawn meanwhile
        return None
    day = timezone.localdate(reservation.start)
    price = cents_to_euros(reservation.price_cents)
    share = (price * programme.coverage_percent / 100).quantize(CENT, rounding=ROUND_DOWN)
    budget_left = programme.budget - _counted(programme.ledger.all())
    cap_left = programme.cap_per_person_year - _counted(application.ledger.filter(year=day.year))
    amount = max(min(share, budget_left, cap_left), Decimal("0.00"))
    notes = []
    if amount < share:
        # Kept as a code with its figures, and put into words in the reader's language when shown.
        figures = {"left": str(amount), "share": str(share)}
        if cap_left <= budget_left:
            notes.append({"code": "cap", "cap": str(programme.cap_per_person_year), **figures})
        else:
            notes.append({"code": "budget", **figures})
    entry = LedgerEntry.objects.create(
        application=application,
        programme=programme,
        reservation=reservation,
        day=day,
        year=day.year,
        price=price,
        share=share,
        amount=amount,
        notes=notes,
        reserved_at=at,
    )
    if notes:

        def render():
            return _("Your voucher covers less of this booking"), "\n".join(
                [f"{programme}", f"{day.isoformat()} {reservation.resource.place.name}", entry.note]
            )

        mail.send(reservation.person.email, render)
    return entry


def ledger_transition(
    reservation: Reservation, action: str, at: datetime, note: dict | None = None
) -> LedgerEntry | None:
    """Commit or release the reservation's entry if it is in a state that allows it; otherwise leave it.
    `note` is a code of `models.LEDGER_NOTES` with its figures, e.g. {"code": "withdrawn"}."""
    entry = LedgerEntry.objects.select_for_update().filter(reservation=reservation).first()
    if entry is None or entry.state not in LedgerEntry.TRANSITIONS[action]:
        return entry
    entry.state = LedgerEntry.TRANSITIONS[action][entry.state]
    if action == "commit":
        entry.committed_at = at
    else:
        entry.released_at = at
        if note:
            entry.notes = [*entry.notes, note]
    entry.save(update_fields=["state", "committed_at", "released_at", "notes"])
    return entry


def _release_all(application: VoucherApplication, at: datetime, note: dict) -> None:
    for entry in application.ledger.filter(state=L.RESERVED).select_related("reservation"):
        ledger_transition(entry.reservation, "release", at, note)


# What each transition of a reservation does to its ledger entry.
LEDGER_TRANSITIONS = {
    "check_in": "commit",
    "complete": "commit",
    "cancel": "release",
    "reject": "release",
    "no_show": "release",
}


def rebook(reservation: Reservation, at: datetime) -> LedgerEntry | None:
    """A booking moved (its price or its day may have changed): its reserved share is reserved again for the
    new price and day, within what the budget and the cap leave besides it."""
    entry = LedgerEntry.objects.select_for_update().filter(reservation=reservation).first()
    if entry is not None:
        if entry.state != L.RESERVED:
            return entry
        entry.delete()
    return reserve(reservation, at)


def on_reservation_changed(reservation: Reservation, action: str, at: datetime) -> None:
    if action == "create":
        reserve(reservation, at)
    elif action == "move":
        rebook(reservation, at)
    elif action in LEDGER_TRANSITIONS:
        ledger_transition(reservation, LEDGER_TRANSITIONS[action], at)


# --- statements and reports ------------------------------------------------------------------------------------
@dataclass
class Totals:
    reserved: Decimal = Decimal("0.00")
    committed: Decimal = Decimal("0.00")
    released: Decimal = Decimal("0.00")

    def add(self, entry: LedgerEntry) -> None:
        setattr(self, entry.state, getattr(self, entry.state) + entry.amount)


@dataclass
class StatementYear:
    programme: VoucherProgramme
    year: int
    totals: Totals = field(default_factory=Totals)

    @property
    def left(self) -> Decimal:
        return max(
            self.programme.cap_per_person_year - self.totals.reserved - self.totals.committed, Decimal("0.00")
        )


def statement(person, year: int | None = None) -> tuple[list[LedgerEntry], list[StatementYear]]:
    """A beneficiary's entries (of one year, or all) and, per programme and year, the totals and what is left."""
    entries = LedgerEntry.objects.filter(application__person=person).select_related(
        "programme", "reservation__resource__place"
    )
    if year:
        entries = entries.filter(year=year)
    entries = list(entries.order_by("day", "pk"))
    years: dict[tuple[int, int], StatementYear] = {}
    for entry in entries:
        key = (entry.programme_id, entry.year)
        years.setdefault(key, StatementYear(entry.programme, entry.year)).totals.add(entry)
    return entries, list(years.values())


@dataclass
class ReportRow:
    month: str  # YYYY-MM of the booking day
    programme: str
    place: str
    bookings: int = 0
    beneficiaries: set = field(default_factory=set)
    price: Decimal = Decimal("0.00")
    totals: Totals = field(default_factory=Totals)


def month_bounds(month: str) -> date:
    """The first day of a month given as YYYY-MM, or a refusal saying how to write it."""
    try:
        return datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise ValidationError({"month": [_("Give the month as YYYY-MM, e.g. 2026-03.")]}) from None


def monthly_report(entries: QuerySet[LedgerEntry], month: str | None = None) -> list[ReportRow]:
    """Subsidised bookings per month, programme and place: what was reserved, committed and released."""
    if month:
        first = month_bounds(month)
        entries = entries.filter(day__year=first.year, day__month=first.month)
    rows: dict[tuple, ReportRow] = {}
    for entry in entries.select_related("programme", "reservation__resource__place").order_by("day", "pk"):
        key = (entry.day.strftime("%Y-%m"), entry.programme.name, entry.reservation.resource.place.name)
        row = rows.setdefault(key, ReportRow(*key))
        row.bookings += 1
        row.beneficiaries.add(entry.application_id)
        row.price += entry.price
        row.totals.add(entry)
    return sorted(rows.values(), key=lambda r: (r.month, r.programme, r.place))


def programme_status(programme: VoucherProgramme) -> dict[str, Decimal | int]:
    """The budget and what is reserved, committed and left, for the funder's desk."""
    sums = dict(programme.ledger.values_list("state").annotate(total=Sum("amount")).order_by())
    totals = Totals(**{state: (sums.get(state) or Decimal("0")).quantize(CENT) for state in L.values})
    return {
        "budget": programme.budget,
        "reserved": totals.reserved,
        "committed": totals.committed,
        "left": programme.budget - totals.reserved - totals.committed,
        "beneficiaries": programme.applications.filter(state=V.APPROVED).count(),
        "waiting": programme.applications.filter(state=V.SUBMITTED).count(),
    }


def operator_entries(organisation) -> QuerySet[LedgerEntry]:
    """The ledger entries of bookings at the places the organisation runs."""
    return LedgerEntry.objects.filter(reservation__resource__place__operator=organisation)


# --- the funder's desk -----------------------------------------------------------------------------------------
def counted_in_budget(programme: VoucherProgramme) -> Decimal:
    """What the ledger holds against the programme's budget: reserved and committed subsidies."""
    return _counted(programme.ledger.all())


def programme_forms(data, funder, programme: VoucherProgramme | None = None, files=None):
    """The programme's form and its required documents' formset, bound to `data` (or unbound when None)."""
    instance = programme or VoucherProgramme(funder=funder)
    return (
        ProgrammeForm(data, files, instance=instance),
        RequiredDocumentFormSet(data, instance=instance, prefix="documents"),
    )


def _form_errors(form, formset) -> dict[str, list[str]]:
    errors = {name: [e["message"] for e in found] for name, found in form.errors.get_json_data().items()}
    for index, document_form in enumerate(formset.forms):
        for name, found in document_form.errors.get_json_data().items():
            errors[f"{formset.prefix}-{index}-{name}"] = [e["message"] for e in found]
    if formset.non_form_errors():
        errors[formset.prefix] = list(formset.non_form_errors())
    return errors


def check_programme(actor, funder, data, programme: VoucherProgramme | None = None):
    """Whether the actor may save these terms, and whether they are valid (without saving them): refuses as
    `save_programme` does; gives back the validated form and formset."""
    if programme is None:
        require(actor, Action.FUND_PROGRAMME, funder)
    else:
        require(actor, Action.EDIT_PROGRAMME, programme)
    form, formset = programme_forms(data, funder, programme)
    valid = form.is_valid()
    if not (formset.is_valid() and valid):
        raise ValidationError(_form_errors(form, formset))
    return form, formset


def save_programme(actor, funder, data, programme: VoucherProgramme | None = None) -> VoucherProgramme:
    """Create a programme funded by `funder`, or change one (terms, eligibility, required documents,
    reviewers: those named by e-mail are invited, `consent.invite_reviewers`). Refuses, next to the budget, to
    lower it below what is already reserved and committed."""
    form, formset = check_programme(actor, funder, data, programme)
    with transaction.atomic():
        if programme is not None:
            # The reservations lock this row before counting the budget: so no subsidy slips in meanwhile.
            locked = VoucherProgramme.objects.select_for_update().get(pk=programme.pk)
            used = counted_in_budget(locked)
            if form.cleaned_data["budget"] < used:
                raise ValidationError(
                    {
                        "budget": [
                            _(
                                "The budget cannot be lower than the %(used)s EUR already reserved and "
                                "committed for bookings; enter at least that much."
                            )
                            % {"used": used}
                        ]
                    }
                )
        saved = form.save()
        consent.invite_reviewers(actor, saved, form.cleaned_data["reviewers"][1])
        formset.instance = saved
        formset.save()
        # In the order they are listed: the kept ones first as they were, then the new ones.
        deleted = set(map(id, formset.deleted_forms))
        kept = [f.instance for f in formset.forms if f.instance.pk and id(f) not in deleted]
        for order, document in enumerate(kept):
            if document.order != order:
                RequiredDocument.objects.filter(pk=document.pk).update(order=order)
    saved.refresh_from_db()  # amounts as stored, to the cent
    return saved
