"""The pages of memberships, agreements and vouchers; each view is thin and calls the app's services."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from vicinato.register.models import Organisation
from vicinato.web.views import _add_errors as add_errors

from . import communities, exports, memberships, services, vouchers
from .errors import ConflictError
from .forms import (
    AgreementForm,
    AgreementMoveForm,
    CommunityForm,
    DocumentForm,
    DomainForm,
    InvitationForm,
    JoinForm,
    NoteForm,
    VoucherApplicationForm,
    WorkEmailForm,
)
from .models import (
    Affiliation,
    Agreement,
    AllowedDomain,
    Community,
    Invitation,
    RequiredDocument,
    VoucherApplication,
    VoucherDocument,
    VoucherProgramme,
)
from .permissions import Action, can, guest_organisations, require


def _history(events, states) -> list[tuple]:
    """Each state change with the translated name of the state it led to (the event stores its code)."""
    labels = dict(states.choices)
    return [(event, labels.get(event.to_state, event.to_state)) for event in events]


def _refused(request, error: ConflictError | ValidationError) -> None:
    for message in error.messages if isinstance(error, ValidationError) else [str(error)]:
        messages.error(request, message)


# --- a person's memberships and agreements ---------------------------------------------------------------------
@login_required
def mine(request):
    join_form, email_form = JoinForm(prefix="join"), WorkEmailForm(prefix="email")
    if request.method == "POST":
        is_join = "join" in request.POST
        form = (
            JoinForm(request.POST, prefix="join") if is_join else WorkEmailForm(request.POST, prefix="email")
        )
        if form.is_valid():
            try:
                if is_join:
                    data = form.cleaned_data
                    memberships.request_affiliation(request.user, data["organisation"], data["kind"])
                    messages.success(
                        request, _("Request sent: an administrator of the organisation will verify it.")
                    )
                else:
                    memberships.request_by_email(request.user, form.cleaned_data["email"])
                    messages.success(request, _("We sent a link to your work e-mail: open it to confirm."))
                return redirect("agreements:mine")
            except ValidationError as error:
                add_errors(form, error)
            except ConflictError as error:
                messages.error(request, str(error))
        join_form, email_form = (form, email_form) if is_join else (join_form, form)
    programmes = VoucherApplication.objects.filter(person=request.user).select_related("programme")
    return render(
        request,
        "agreements/mine.html",
        {
            "affiliations": Affiliation.objects.filter(person=request.user)
            .select_related("organisation")
            .order_by("state", "-requested_at"),
            "agreements": services.bookable_agreements(request.user),
            "applications": programmes,
            "join_form": join_form,
            "email_form": email_form,
        },
    )


@login_required
def leave(request, pk: int):
    affiliation = get_object_or_404(Affiliation.objects.select_related("organisation", "person"), pk=pk)
    if not memberships.may_end(request.user, affiliation):
        raise PermissionDenied(
            _("Only the person and the organisation's administrators may end a membership.")
        )
    is_self = affiliation.person_id == request.user.pk
    back = (
        reverse("agreements:mine")
        if is_self
        else reverse("agreements:members", args=[affiliation.organisation_id])
    )
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            leaving = memberships.end_affiliation(affiliation, request.user, form.cleaned_data["note"])
        except ConflictError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("The membership has ended. Bookings: %(cancelled)d cancelled, %(kept)d kept.")
                % {"cancelled": len(leaving.cancelled), "kept": len(leaving.kept)},
            )
            return redirect(back)
    return render(
        request,
        "agreements/leave.html",
        {
            "affiliation": affiliation,
            "is_self": is_self,
            "consequences": memberships.leaving_consequences(affiliation),
            "form": form,
            "back": back,
        },
    )


def _token_page(request, token: str, load, accept, template: str):
    """A link from an e-mail: shown on GET, acted upon by POST (mail scanners open links)."""
    try:
        subject = load(token)
    except ValidationError as error:
        return render(request, template, {"error": " ".join(error.messages)}, status=400)
    if request.method == "POST":
        try:
            affiliation = accept(token, request.user)
        except (ConflictError, ValidationError) as error:
            _refused(request, error)
        else:
            messages.success(
                request, _("You now belong to %(organisation)s.") % {"organisation": affiliation.organisation}
            )
            return redirect("agreements:mine")
    return render(request, template, {"subject": subject})


@login_required
def invitation(request, token: str):
    return _token_page(
        request,
        token,
        memberships.invitation_from_token,
        memberships.accept_invitation,
        "agreements/invitation.html",
    )


@login_required
def confirm_email(request, token: str):
    return _token_page(
        request,
        token,
        memberships.email_token_affiliation,
        memberships.confirm_email,
        "agreements/confirm_email.html",
    )


# --- an organisation's pages -----------------------------------------------------------------------------------
def _organisation(request, pk: int, action: Action = Action.VIEW_ORGANISATION) -> Organisation:
    organisation = get_object_or_404(Organisation, pk=pk)
    require(request.user, action, organisation)
    return organisation


def _posted_id(request, name: str) -> int:
    """The id a button posts (e.g. `decide=12`); 404 for anything that is not an id."""
    value = request.POST.get(name, "")
    if not (value.isascii() and value.isdigit()):
        raise Http404(_("There is nothing with this id here."))
    return int(value)


def _members_post(request, organisation: Organisation):
    """Apply one of the members page's forms; gives back a bound form with errors, or None when done."""
    post = request.POST
    if "decide" in post:
        affiliation = get_object_or_404(
            Affiliation, pk=_posted_id(request, "decide"), organisation=organisation
        )
        memberships.decide_affiliation(
            affiliation, request.user, post.get("approve") == "1", post.get("note", "")
        )
        messages.success(request, _("Decision saved; the person has been told."))
    elif "revoke" in post:
        memberships.revoke_invitation(
            request.user,
            get_object_or_404(Invitation, pk=_posted_id(request, "revoke"), organisation=organisation),
        )
        messages.success(request, _("The invitation can no longer be used."))
    elif "remove_domain" in post:
        memberships.remove_domain(
            request.user,
            get_object_or_404(
                AllowedDomain, pk=_posted_id(request, "remove_domain"), organisation=organisation
            ),
        )
        messages.success(request, _("The domain has been removed; people already verified stay members."))
    else:
        is_invite = "invite" in post
        form = InvitationForm(post, prefix="invite") if is_invite else DomainForm(post, prefix="domain")
        if not form.is_valid():
            return form
        try:
            if is_invite:
                invitation = memberships.invite(
                    request.user, organisation, form.cleaned_data["kind"], form.cleaned_data["email"]
                )
                messages.success(
                    request,
                    _("Invitation sent.")
                    if invitation.email
                    else _("Invitation ready: copy its link from the list below."),
                )
            else:
                memberships.add_domain(
                    request.user, organisation, form.cleaned_data["domain"], form.cleaned_data["kind"]
                )
                messages.success(request, _("Domain added."))
        except ValidationError as error:
            add_errors(form, error)
            return form
    return None


@login_required
def members(request, pk: int):
    organisation = _organisation(request, pk)
    can_manage = can(request.user, Action.MANAGE_MEMBERS, organisation)
    invite_form, domain_form = InvitationForm(prefix="invite"), DomainForm(prefix="domain")
    if request.method == "POST":
        require(request.user, Action.MANAGE_MEMBERS, organisation)
        try:
            bound = _members_post(request, organisation)
        except (ConflictError, ValidationError) as error:
            _refused(request, error)
            bound = None
        if bound is None:
            return redirect("agreements:members", pk=pk)
        if isinstance(bound, InvitationForm):
            invite_form = bound
        else:
            domain_form = bound
    affiliations = organisation.affiliations.select_related("person").order_by("state", "person__username")
    return render(
        request,
        "agreements/members.html",
        {
            "organisation": organisation,
            "can_manage": can_manage,
            "pending": [a for a in affiliations if a.state == Affiliation.State.PENDING],
            "active": [a for a in affiliations if a.state == Affiliation.State.ACTIVE],
            "ended": [a for a in affiliations if a.state == Affiliation.State.ENDED][:50],
            "invitations": [
                (i, memberships.invitation_link(i))
                for i in organisation.invitations.filter(
                    accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
                )
            ]
            if can_manage
            else [],
            "domains": organisation.allowed_domains.all(),
            "invite_form": invite_form,
            "domain_form": domain_form,
        },
    )


@login_required
def organisation_agreements(request, pk: int):
    organisation = _organisation(request, pk)
    return render(
        request,
        "agreements/organisation_agreements.html",
        {
            "organisation": organisation,
            "offered": organisation.agreements_offered.all(),
            "received": services.received_agreements(organisation),
            "can_offer": can(request.user, Action.OFFER_AGREEMENT, organisation),
        },
    )


def _agreement_form(request, host: Organisation, agreement: Agreement | None):
    form = AgreementForm(request.POST or None, instance=agreement or Agreement(host=host))
    if request.method == "POST":
        try:
            saved = services.save_agreement(request.user, host, request.POST, agreement)
        except ValidationError:
            form.is_valid()  # the same form reports the errors next to their fields
        except ConflictError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The agreement has been saved."))
            return redirect("agreements:agreement", pk=saved.pk)
    return render(
        request, "agreements/agreement_form.html", {"form": form, "host": host, "agreement": agreement}
    )


@login_required
def agreement_create(request, pk: int):
    return _agreement_form(request, _organisation(request, pk, Action.OFFER_AGREEMENT), None)


@login_required
def agreement_edit(request, pk: int):
    agreement = get_object_or_404(Agreement.objects.select_related("host"), pk=pk)
    require(request.user, Action.EDIT_AGREEMENT, agreement)
    return _agreement_form(request, agreement.host, agreement)


class PeriodForm(forms.Form):
    first_day = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    last_day = forms.DateField(
        label=gettext_lazy("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _period(request) -> tuple[PeriodForm, date | None, date | None]:
    form = PeriodForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["first_day"], form.cleaned_data["last_day"]
    return form, None, None


def _visible_agreement(request, pk: int) -> Agreement:
    agreement = get_object_or_404(Agreement.objects.select_related("host"), pk=pk)
    require(request.user, Action.VIEW_AGREEMENT, agreement)
    return agreement


def _move_message(change: services.StateChange) -> str:
    message = _("Done: the agreement is now “%(state)s”.") % {"state": change.agreement.get_state_display()}
    if change.affected:
        message += " " + ngettext(
            "%(cancelled)d of %(count)d booking still to come was cancelled; the people have been told.",
            "%(cancelled)d of %(count)d bookings still to come were cancelled; the people have been told.",
            len(change.affected),
        ) % {"cancelled": len(change.cancelled), "count": len(change.affected)}
    return message


@login_required
def agreement(request, pk: int):
    agreement = _visible_agreement(request, pk)
    if request.method == "POST":
        form = AgreementMoveForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                change = services.change_agreement_state(
                    agreement, data["action"], request.user, data["note"], data["cancel_bookings"]
                )
            except (ConflictError, ValidationError) as error:
                _refused(request, error)
            else:
                messages.success(request, _move_message(change))
        return redirect("agreements:agreement", pk=pk)
    period, first_day, last_day = _period(request)
    sees_usage = can(request.user, Action.VIEW_USAGE, agreement)
    moves = services.allowed_moves(request.user, agreement)
    return render(
        request,
        "agreements/agreement.html",
        {
            "agreement": agreement,
            "guests": guest_organisations(agreement).order_by("legal_name"),
            "communities": agreement.communities.all(),
            "resources": agreement.resources.select_related("place"),
            "weekdays": services.weekday_names(agreement.weekdays),
            "events": _history(agreement.events.select_related("actor"), Agreement.State),
            "can_edit": can(request.user, Action.EDIT_AGREEMENT, agreement)
            and agreement.state != Agreement.State.ENDED,
            "moves": [(m, services.MOVE_LABELS[m], m in Agreement.NOTE_REQUIRED) for m in moves],
            "affected": len(services.affected_bookings(agreement)) if moves else 0,
            "period": period,
            "query": request.GET.urlencode(),
            "usage": services.usage(request.user, agreement, first_day, last_day) if sees_usage else None,
            "bookings": services.booking_rows(request.user, agreement, first_day, last_day)
            if sees_usage
            else None,
        },
    )


@login_required
def usage_csv(request, pk: int):
    agreement = _visible_agreement(request, pk)
    _form, first_day, last_day = _period(request)
    return exports.usage_csv(
        f"agreement-{pk}-usage.csv", services.usage(request.user, agreement, first_day, last_day)
    )


@login_required
def bookings_csv(request, pk: int):
    agreement = _visible_agreement(request, pk)
    _form, first_day, last_day = _period(request)
    return exports.bookings_csv(
        f"agreement-{pk}-bookings.csv", services.booking_rows(request.user, agreement, first_day, last_day)
    )


def _month(request) -> str | None:
    month = request.GET.get("month") or None
    if month:
        try:
            vouchers.month_bounds(month)
        except ValidationError as error:
            _refused(request, error)
            return None
    return month


@login_required
def operator_vouchers(request, pk: int):
    organisation = _organisation(request, pk, Action.VIEW_VOUCHER_REPORT)
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
    organisation = _organisation(request, pk, Action.VIEW_VOUCHER_REPORT)
    rows = vouchers.monthly_report(vouchers.operator_entries(organisation), _month(request))
    return exports.report_csv(f"vouchers-organisation-{pk}.csv", rows)


# --- vouchers --------------------------------------------------------------------------------------------------
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
                    p.applications_from <= today <= p.applications_until,
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
        except ConflictError as error:
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
            RequiredDocument, pk=_posted_id(request, "check"), programme=application.programme_id
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
                _refused(request, error)
        except ConflictError as error:
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
            "can_tick": reviews and application.state == VoucherApplication.State.SUBMITTED,
            "events": _history(application.events.select_related("actor"), VoucherApplication.State),
            "actions": [
                (name, vouchers.TRANSITIONS[name])
                for name in vouchers.allowed_actions(request.user, application)
            ],
            "is_priority": vouchers.is_priority(application),
            "document_form": document_form
            if can_edit
            and application.state
            in (VoucherApplication.State.SUBMITTED, VoucherApplication.State.CHANGES_REQUESTED)
            else None,
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


# --- the funder's desk: programmes -----------------------------------------------------------------------------
@login_required
def organisation_programmes(request, pk: int):
    organisation = _organisation(request, pk)
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


def _merge_errors(form, error: ValidationError) -> None:
    """Add the service's refusals that the form's own validation did not find (e.g. a budget below what is
    already spent) next to their fields."""
    for name, found in error.message_dict.items():
        field = name if name in form.fields else None
        for message in found:
            if message not in form.errors.get(field or "__all__", []):
                form.add_error(field, message)


def _programme_form(request, funder: Organisation, programme: VoucherProgramme | None):
    if request.method == "POST":
        form, formset = vouchers.programme_forms(request.POST, funder, programme)
        try:
            saved = vouchers.save_programme(request.user, funder, request.POST, programme)
        except ValidationError as error:
            form.is_valid()
            formset.is_valid()  # both report their errors next to their fields
            _merge_errors(
                form,
                ValidationError(
                    {k: v for k, v in error.message_dict.items() if not k.startswith("documents")}
                ),
            )
        except ConflictError as error:
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
    return _programme_form(request, _organisation(request, pk, Action.FUND_PROGRAMME), None)


@login_required
def programme_edit(request, pk: int):
    programme = get_object_or_404(VoucherProgramme.objects.select_related("funder"), pk=pk)
    require(request.user, Action.EDIT_PROGRAMME, programme)
    return _programme_form(request, programme.funder, programme)


# --- communities -----------------------------------------------------------------------------------------------
@login_required
def organisation_communities(request, pk: int):
    organisation = _organisation(request, pk)
    return render(
        request,
        "agreements/organisation_communities.html",
        {
            "organisation": organisation,
            "run": [
                (c, can(request.user, Action.EDIT_COMMUNITY, c))
                for c in organisation.communities_run.prefetch_related("organisations")
            ],
            "belongs": organisation.communities.select_related("owner"),
            "can_form": can(request.user, Action.FORM_COMMUNITY, organisation),
        },
    )


def _community_form(request, owner: Organisation, community: Community | None):
    form = CommunityForm(request.POST or None, instance=community or Community(owner=owner))
    if request.method == "POST":
        try:
            communities.save_community(request.user, owner, request.POST, community)
        except ValidationError as error:
            form.is_valid()
            _merge_errors(form, error)
        else:
            messages.success(request, _("The community has been saved."))
            return redirect("agreements:organisation_communities", pk=owner.pk)
    return render(
        request,
        "agreements/community_form.html",
        {"form": form, "owner": owner, "community": community},
    )


@login_required
def community_create(request, pk: int):
    return _community_form(request, _organisation(request, pk, Action.FORM_COMMUNITY), None)


@login_required
def community_edit(request, pk: int):
    community = get_object_or_404(Community.objects.select_related("owner"), pk=pk)
    require(request.user, Action.EDIT_COMMUNITY, community)
    if community.owner is None:
        raise Http404(_("This community is changed in the site's administration."))
    return _community_form(request, community.owner, community)
