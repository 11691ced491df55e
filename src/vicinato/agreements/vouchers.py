"""Voucher programmes: applications and their review, the ledger of each beneficiary, statements and reports.

The ledger follows the booking engine's `reservation_changed` signal, inside the booking's transaction: the
subsidised share of a paid booking is reserved when it is made, committed at check-in (or completion), and
released when it is cancelled, rejected or not shown up. Reserving locks the programme's row, then the
beneficiary's application: so the budget and the yearly cap are never exceeded, whatever runs at once.

When the budget or the person's cap cannot cover the whole share, the booking still goes ahead with what is
left (possibly nothing); the entry's note and an e-mail tell the person why the subsidy is smaller."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vicinato.booking.models import Reservation
from vicinato.register.models import Application, Audience, Place

from . import notifications
from .errors import ConflictError, unknown_action
from .models import (
    CENT,
    LedgerEntry,
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


# --- applications ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Transition:
    sources: dict[str, str]  # from state -> to state
    by: Action
    label: str
    note_required: bool = False


# The allowed moves of an application, next to its states; anything else is refused by `transition`.
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


def _age(birth_date: date, on: date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def is_priority(application: VoucherApplication) -> bool:
    limit = application.programme.priority_younger_than
    on = timezone.localdate(application.submitted_at or application.created_at or timezone.now())
    return limit is not None and _age(application.birth_date, on) < limit


def _record(
    application: VoucherApplication, action: str, source: str, actor, at: datetime, note: str = ""
) -> None:
    VoucherApplicationEvent.objects.create(
        application=application,
        action=action,
        from_state=source,
        to_state=application.state,
        actor=actor,
        at=at,
        note=note,
    )


def apply(
    person, programme: VoucherProgramme, birth_date: date, audience: str, statement: str = "", now=None
) -> VoucherApplication:
    """Submit an application; the programme's rules (dates, who may apply, age) are checked at once."""
    if person is None or not person.is_authenticated:
        raise PermissionDenied(_("Sign in to apply for a voucher."))
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not programme.applications_from <= today <= programme.applications_until:
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


def add_document(application: VoucherApplication, actor, upload, description: str) -> VoucherDocument:
    require(actor, Action.EDIT_VOUCHER_APPLICATION, application)
    application.refresh_from_db(fields=["state"])
    if application.state not in (V.SUBMITTED, V.CHANGES_REQUESTED):
        raise ConflictError(_("Documents can be added while the application is under review."))
    errors = {}
    if not (description or "").strip():
        errors["description"] = [_("Say what the document is, e.g. “identity card”.")]
    if upload is None:
        errors["file"] = [_("Choose a file to upload.")]
    elif upload.size > MAX_DOCUMENT_BYTES:
        errors["file"] = [_("The file is larger than 5 MB; upload a smaller scan.")]
    if errors:
        raise ValidationError(errors)
    document = VoucherDocument(
        application=application, file=upload, description=description.strip(), uploaded_by=actor
    )
    document.full_clean(exclude=["application", "uploaded_by"])
    document.save()
    return document


def allowed_actions(user, application: VoucherApplication) -> list[str]:
    return [
        name
        for name, spec in TRANSITIONS.items()
        if application.state in spec.sources and can(user, spec.by, application)
    ]


def transition(
    application: VoucherApplication, action: str, actor, note: str = "", now: datetime | None = None
) -> VoucherApplication:
    """Apply one move of `TRANSITIONS`, record who/when/why, or refuse it with a clear error."""
    now = now or timezone.now()
    note = (note or "").strip()
    spec = TRANSITIONS.get(action)
    if spec is None:
        raise unknown_action(action, TRANSITIONS)
    require(actor, spec.by, application)
    with transaction.atomic():
        application = (
            VoucherApplication.objects.select_for_update().select_related("programme").get(pk=application.pk)
        )
        if application.state not in spec.sources:
            raise ConflictError(
                _(
                    "An application that is '%(state)s' cannot be moved with '%(action)s'; allowed from: %(sources)s."
                )
                % {
                    "state": application.get_state_display(),
                    "action": spec.label,
                    "sources": ", ".join(str(V(s).label) for s in spec.sources),
                }
            )
        if spec.note_required and not note:
            raise ValidationError({"note": [_("Write a note for the applicant explaining the decision.")]})
        if (
            action == "approve"
            and application.programme.documents_required
            and not application.documents.exists()
        ):
            raise ConflictError(
                _("The programme needs documents (%(what)s); request them before approving.")
                % {"what": application.programme.documents_required}
            )
        source = application.state
        application.state = spec.sources[source]
        if action in ("approve", "reject", "request_changes"):
            application.decided_at = now
        if action == "resubmit":
            application.submitted_at = now
        application.save()
        _record(application, action, source, actor, now, note)
        if action == "withdraw":
            _release_all(application, now, _("You withdrew from the programme."))

    def render():
        subject = _("Voucher application: %(state)s") % {"state": application.get_state_display()}
        body = [str(application.programme), subject]
        if note:
            body.append(_("Note: %(note)s") % {"note": note})
        body.append(notifications.link("agreements:voucher_application", pk=application.pk))
        return subject, "\n".join(body)

    notifications.send(application.person.email, render)
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


def _beneficiary(reservation: Reservation) -> VoucherApplication | None:
    day = timezone.localdate(reservation.start)
    approved = VoucherApplication.objects.filter(
        person=reservation.person,
        state=V.APPROVED,
        programme__valid_from__lte=day,
        programme__valid_until__gte=day,
    ).order_by("programme_id")
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
    note = ""
    if amount < share:
        if cap_left <= budget_left:
            note = _(
                "Your yearly cap of %(cap)s EUR leaves %(left)s EUR for this booking instead of %(share)s EUR."
            )
        else:
            note = _("The programme's budget leaves %(left)s EUR for this booking instead of %(share)s EUR.")
        note %= {"cap": programme.cap_per_person_year, "left": amount, "share": share}
    entry = LedgerEntry.objects.create(
        application=application,
        programme=programme,
        reservation=reservation,
        day=day,
        year=day.year,
        price=price,
        share=share,
        amount=amount,
        note=note,
        reserved_at=at,
    )
    if note:

        def render():
            return _("Your voucher covers less of this booking"), "\n".join(
                [f"{programme}", f"{day.isoformat()} {reservation.resource.place.name}", note]
            )

        notifications.send(reservation.person.email, render)
    return entry


def move(reservation: Reservation, action: str, at: datetime, note: str = "") -> LedgerEntry | None:
    """Commit or release the reservation's entry if it is in a state that allows it; otherwise leave it."""
    entry = LedgerEntry.objects.select_for_update().filter(reservation=reservation).first()
    if entry is None or entry.state not in LedgerEntry.TRANSITIONS[action]:
        return entry
    entry.state = LedgerEntry.TRANSITIONS[action][entry.state]
    if action == "commit":
        entry.committed_at = at
    else:
        entry.released_at = at
        entry.note = " ".join(filter(None, [entry.note, note]))
    entry.save(update_fields=["state", "committed_at", "released_at", "note"])
    return entry


def _release_all(application: VoucherApplication, at: datetime, note: str) -> None:
    for entry in application.ledger.filter(state=L.RESERVED).select_related("reservation"):
        move(entry.reservation, "release", at, note)


# What each move of a reservation does to its ledger entry.
LEDGER_MOVES = {
    "check_in": "commit",
    "complete": "commit",
    "cancel": "release",
    "reject": "release",
    "no_show": "release",
}


def on_reservation_changed(reservation: Reservation, action: str, at: datetime) -> None:
    if action == "create":
        reserve(reservation, at)
    elif action in LEDGER_MOVES:
        move(reservation, LEDGER_MOVES[action], at)


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
