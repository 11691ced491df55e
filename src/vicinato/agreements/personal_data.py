"""What agreements keep about a person: affiliations, voucher applications with their documents, and the
voucher ledger (see vicinato.lib.personal_data); and how long uploaded documents are kept."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from vicinato.lib.personal_data import Holder

from .models import Affiliation, LedgerEntry, VoucherApplication, VoucherDocument

V = VoucherApplication.State
UNDER_REVIEW = (V.SUBMITTED, V.CHANGES_REQUESTED)


def delete_documents(documents: QuerySet[VoucherDocument]) -> int:
    """Delete the documents and their files; gives back how many."""
    count = 0
    for document in documents:
        document.file.delete(save=False)
        document.delete()
        count += 1
    return count


def purge_documents(now: datetime | None = None) -> int:
    """Delete the documents of applications decided (approved, rejected or withdrawn) more than
    VOUCHER_DOCUMENT_RETENTION_DAYS ago: they served the review. Gives back how many were deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.VOUCHER_DOCUMENT_RETENTION_DAYS)
    return delete_documents(
        VoucherDocument.objects.filter(application__decided_at__lt=cutoff).exclude(
            application__state__in=UNDER_REVIEW
        )
    )


def _affiliations(person) -> list[dict]:
    return [
        {
            "organisation": a.organisation.legal_name,
            "as": a.get_kind_display(),
            "state": a.get_state_display(),
            "work_email": a.email,
            "since": a.started_at,
            "until": a.ended_at,
        }
        for a in Affiliation.objects.filter(person=person).select_related("organisation")
    ]


def _end_affiliations(person) -> None:
    now = timezone.now()
    Affiliation.objects.filter(person=person).exclude(state=Affiliation.State.ENDED).update(
        state=Affiliation.State.ENDED, ended_at=now
    )
    Affiliation.objects.filter(person=person).update(email="", note="")


def _applications(person) -> list[dict]:
    applications = VoucherApplication.objects.filter(person=person).select_related("programme")
    return [
        {
            "programme": str(a.programme.name),
            "state": a.get_state_display(),
            "date_of_birth": a.birth_date,
            "you_are": a.get_audience_display(),
            "about_your_work": a.statement,
            "documents": ", ".join(d.title for d in a.documents.all()),
            "submitted_at": a.submitted_at,
            "decided_at": a.decided_at,
        }
        for a in applications
    ]


def _ledger(person) -> list[dict]:
    entries = LedgerEntry.objects.filter(application__person=person).select_related("programme")
    return [
        {
            "programme": str(e.programme.name),
            "day": e.day,
            "price_eur": e.price,
            "subsidy_eur": e.amount,
            "state": e.get_state_display(),
        }
        for e in entries
    ]


def _open_vouchers(person) -> list[str]:
    reasons = [
        _("Your application to %(programme)s is under review: withdraw it first.")
        % {"programme": a.programme.name}
        for a in VoucherApplication.objects.filter(person=person, state__in=UNDER_REVIEW).select_related(
            "programme"
        )
    ]
    if LedgerEntry.objects.filter(application__person=person, state=LedgerEntry.State.RESERVED).exists():
        reasons.append(
            _("A voucher subsidy of yours is not settled yet: try again once your bookings with it are over.")
        )
    return reasons


def _forget_applications(person) -> None:
    """The applications stay for the ledger and the programme's figures, without documents or words of the
    person's; the date of birth keeps only its year (the age group the programme reports)."""
    delete_documents(VoucherDocument.objects.filter(application__person=person))
    for application in VoucherApplication.objects.filter(person=person):
        application.statement = ""
        application.birth_date = date(application.birth_date.year, 1, 1)
        application.save(update_fields=["statement", "birth_date"])


AFFILIATIONS = Holder(
    "affiliations", lambda: _("Organisations you belong to"), _affiliations, forget=_end_affiliations
)
APPLICATIONS = Holder(
    "voucher_applications",
    lambda: _("Voucher applications"),
    _applications,
    still_open=_open_vouchers,
    forget=_forget_applications,
)
LEDGER = Holder("voucher_ledger", lambda: _("Voucher subsidies"), _ledger)
