"""The voucher pages: programmes open to applications, applying, an application with its documents and review,
a person's statement, the funder's desk (programmes, review queue, reports) and a place's operator's report."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from vicinato.agreements import consent, exports, vouchers
from vicinato.agreements.models import RequiredDocument, VoucherApplication, VoucherDocument, VoucherProgramme
from vicinato.agreements.permissions import Action, can, require
from vicinato.lib.errors import Conflict
from vicinato.lib.forms import add_errors
from vicinato.register.models import Organisation

from ..feedback import show_refusal
from ..register.staff import invitation_page
from .common import get_organisation, history, merge_errors, posted_id
from .forms import DocumentForm, VoucherApplicationForm


def _month(request) -> str | None:
    month = request.GET.get("month") or None
    if month:
        try:
            vouchers.month_bounds(month)
        except ValidationError as error:
            show_refusal(request, error)
            return None
    return month


@login_required
def operator_vouchers(request, pk: int):
    organisation = get_organisation(request, pk, Action.VIEW_VOUCHER_REPORT)
    month = _month(request)
    return render(
        request,
        "agreements/operator_vouchers.html",
        {
            "organisation": organisation,
            "month": month or "",
            "rows": vouchers.monthly_report(vouchers.operator_entries(organisation), month),
        },
    )


@login_required
def operator_vouchers_csv(request, pk: int):
    organisation = get_organisation(request, pk, Action.VIEW_VOUCHER_REPORT)
    rows = vouchers.monthly_report(vouchers.operator_entries(organisation), _month(request))
    return exports.report_csv(f"vouchers-organisation-{pk}.csv", rows)


def vouchers_home(request):
    today = timezone.localdate()
    programmes = VoucherProgramme.objects.filter(valid_until__gte=today).select_related("funder")
    mine = (
        VoucherApplication.objects.filter(person=request.user).select_related("programme")
        if request.user.is_authenticated
        else []
    )
    return render(
        request,
        "agreements/vouchers.html",
        {
            "programmes": [
                (
                    p,
                    vouchers.accepts_applications(p, today),
                    can(request.user, Action.REVIEW_VOUCHERS, p),
                )
                for p in programmes
            ],
            "applications": mine,
        },
    )


@login_required
def voucher_apply(request, pk: int):
    programme = get_object_or_404(VoucherProgramme, pk=pk)
    existing = VoucherApplication.objects.filter(programme=programme, person=request.user).first()
    if existing:
        return redirect("agreements:voucher_application", pk=existing.pk)
    form = VoucherApplicationForm(request.POST or None, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            application = vouchers.apply(request.user, programme, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        except Conflict as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your application has been submitted; add the documents it needs."))
            return redirect("agreements:voucher_application", pk=application.pk)
    return render(request, "agreements/voucher_apply.html", {"programme": programme, "form": form})


def _application_post(request, application: VoucherApplication, document_form: DocumentForm) -> bool:
    """Apply the application page's form that was sent: a move, a document's tick, or an upload (True when
    done; else the upload form holds the errors)."""
    post = request.POST
    if "action" in post:
        vouchers.transition(application, post["action"], request.user, post.get("note", ""))
        messages.success(request, _("Done."))
        return True
    if "check" in post:
        requirement = get_object_or_404(
            RequiredDocument, pk=posted_id(request, "check"), programme=application.programme_id
        )
        checked = post.get("checked") == "1"
        vouchers.check_document(application, requirement, request.user, checked)
        messages.success(
            request,
            (
                _("“%(document)s” is ticked as checked.")
                if checked
                else _("The tick on “%(document)s” is taken back.")
            )
            % {"document": requirement.label},
        )
        return True
    if document_form.is_valid():
        data = document_form.cleaned_data
        vouchers.add_document(
            application, request.user, data["file"], data["description"], data.get("requirement")
        )
        messages.success(request, _("Document added."))
        return True
    return False


@login_required
def voucher_application(request, pk: int):
    application = get_object_or_404(VoucherApplication.objects.select_related("programme", "person"), pk=pk)
    require(request.user, Action.VIEW_VOUCHER_APPLICATION, application)
    programme = application.programme
    document_form = DocumentForm(programme=programme)
    if request.method == "POST":
        is_upload = not ({"action", "check"} & set(request.POST))
        if is_upload:
            document_form = DocumentForm(request.POST, request.FILES, programme=programme)
        try:
            if _application_post(request, application, document_form):
                return redirect("agreements:voucher_application", pk=pk)
        except ValidationError as error:
            if is_upload:
                add_errors(document_form, error)
            else:
                show_refusal(request, error)
        except Conflict as error:
            messages.error(request, str(error))
    can_edit = can(request.user, Action.EDIT_VOUCHER_APPLICATION, application)
    reviews = can(request.user, Action.REVIEW_VOUCHERS, application)
    return render(
        request,
        "agreements/voucher_application.html",
        {
            "application": application,
            "statuses": vouchers.document_statuses(application),
            "other_documents": vouchers.other_documents(application),
            "can_tick": reviews and vouchers.checks_open(application),
            "events": history(application.events.select_related("actor"), VoucherApplication.State),
            "actions": [
                (name, vouchers.TRANSITIONS[name])
                for name in vouchers.allowed_actions(request.user, application)
            ],
            "is_priority": vouchers.is_priority(application),
            "document_form": document_form if can_edit and vouchers.takes_documents(application) else None,
        },
    )


@login_required
def voucher_document(request, pk: int):
    document = get_object_or_404(VoucherDocument.objects.select_related("application__programme"), pk=pk)
    require(request.user, Action.VIEW_VOUCHER_APPLICATION, document.application)
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.filename)


def _year(request) -> int | None:
    year = request.GET.get("year", "")
    return int(year) if year.isascii() and year.isdigit() else None


@login_required
def statement(request):
    entries, years = vouchers.statement(request.user, _year(request))
    return render(
        request, "agreements/statement.html", {"entries": entries, "years": years, "year": _year(request)}
    )


@login_required
def statement_csv(request):
    entries, _years = vouchers.statement(request.user, _year(request))
    return exports.statement_csv("voucher-statement.csv", entries)


@login_required
def programme_desk(request, pk: int):
    programme = get_object_or_404(VoucherProgramme.objects.select_related("funder"), pk=pk)
    require(request.user, Action.REVIEW_VOUCHERS, programme)
    month = _month(request)
    queue = vouchers.review_queue(programme)
    return render(
        request,
        "agreements/programme_desk.html",
        {
            "programme": programme,
            "can_edit": can(request.user, Action.EDIT_PROGRAMME, programme),
            "invited_reviewers": consent.invited_reviewers(programme),
            "documents": programme.required_documents.all(),
            "status": vouchers.programme_status(programme),
            "queue": [(a, vouchers.is_priority(a)) for a in queue],
            "others": programme.applications.filter(
                ~Q(state=VoucherApplication.State.SUBMITTED)
            ).select_related("person"),
            "month": month or "",
            "rows": vouchers.monthly_report(programme.ledger.all(), month),
        },
    )


@login_required
def programme_report_csv(request, pk: int):
    programme = get_object_or_404(VoucherProgramme, pk=pk)
    require(request.user, Action.VIEW_PROGRAMME_REPORT, programme)
    rows = vouchers.monthly_report(programme.ledger.all(), _month(request))
    return exports.report_csv(f"voucher-programme-{pk}.csv", rows)


@login_required
def organisation_programmes(request, pk: int):
    organisation = get_organisation(request, pk)
    return render(
        request,
        "agreements/organisation_programmes.html",
        {
            "organisation": organisation,
            "programmes": [
                (p, vouchers.programme_status(p), can(request.user, Action.EDIT_PROGRAMME, p))
                for p in organisation.voucher_programmes.all()
            ],
            "can_fund": can(request.user, Action.FUND_PROGRAMME, organisation),
        },
    )


def _programme_form(request, funder: Organisation, programme: VoucherProgramme | None):
    if request.method == "POST":
        form, formset = vouchers.programme_forms(request.POST, funder, programme)
        try:
            saved = vouchers.save_programme(request.user, funder, request.POST, programme)
        except ValidationError as error:
            form.is_valid()
            formset.is_valid()  # both report their errors next to their fields
            merge_errors(
                form,
                ValidationError(
                    {k: v for k, v in error.message_dict.items() if not k.startswith("documents")}
                ),
            )
        except Conflict as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The programme has been saved."))
            return redirect("agreements:programme_desk", pk=saved.pk)
    else:
        form, formset = vouchers.programme_forms(None, funder, programme)
    if programme is not None:
        form.fields["budget"].help_text = _(
            "At least %(used)s EUR: what is already reserved and committed for bookings."
        ) % {"used": vouchers.counted_in_budget(programme)}
    return render(
        request,
        "agreements/programme_form.html",
        {"form": form, "formset": formset, "funder": funder, "programme": programme},
    )


@login_required
def programme_create(request, pk: int):
    return _programme_form(request, get_organisation(request, pk, Action.FUND_PROGRAMME), None)


@login_required
def programme_edit(request, pk: int):
    programme = get_object_or_404(VoucherProgramme.objects.select_related("funder"), pk=pk)
    require(request.user, Action.EDIT_PROGRAMME, programme)
    return _programme_form(request, programme.funder, programme)


def _reviewing(request, programme: VoucherProgramme):
    messages.success(request, _("You now review the programme %(name)s.") % {"name": programme.name})
    return redirect("agreements:programme_desk", pk=programme.pk)


def _reviewer_summary(invitation) -> str:
    return _(
        "%(funder)s invites you to review the applications to its voucher programme %(programme)s on Vicinato."
    ) % {"funder": invitation.programme.funder.legal_name, "programme": invitation.programme.name}


@login_required
def reviewer_invitation(request, token: str):
    """The page of a reviewer invitation's link, as that of a staff invitation."""
    return invitation_page(
        request, token, consent.reviewer_invitation, consent.accept_reviewer, _reviewer_summary, _reviewing
    )
