"""The membership pages: a person's memberships and the agreements they may book under, leaving, invitation and
e-mail confirmation links, and an organisation's members (requests, invitations, e-mail domains)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from vicinato.agreements import memberships, services
from vicinato.agreements.models import Affiliation, AllowedDomain, Invitation, VoucherApplication
from vicinato.agreements.permissions import Action, can, require
from vicinato.lib.errors import Conflict
from vicinato.lib.forms import add_errors
from vicinato.lib.ratelimit import RateLimited
from vicinato.register.models import Organisation

from ..feedback import show_refusal
from .common import get_organisation, posted_id
from .forms import DomainForm, InvitationForm, JoinForm, NoteForm, WorkEmailForm


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
            except Conflict as error:
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
        except Conflict as error:
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
        except (Conflict, ValidationError) as error:
            show_refusal(request, error)
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


def confirm_domain(request, token: str):
    """A domain's proof link: shown on GET, confirmed by POST; no account needed (the mailbox is the proof)."""
    template = "agreements/confirm_domain.html"
    try:
        claim = memberships.domain_from_token(token)
    except ValidationError as error:
        return render(request, template, {"error": " ".join(error.messages)}, status=400)
    if request.method == "POST":
        try:
            memberships.confirm_domain(token)
        except Conflict as refused:
            return render(request, template, {"error": str(refused)}, status=409)
        return render(request, template, {"subject": claim, "done": True})
    return render(request, template, {"subject": claim})


@login_required
def confirm_email(request, token: str):
    return _token_page(
        request,
        token,
        memberships.email_token_affiliation,
        memberships.confirm_email,
        "agreements/confirm_email.html",
    )


def _members_post(request, organisation: Organisation):
    """Apply one of the members page's forms; gives back a bound form with errors, or None when done."""
    post = request.POST
    if "decide" in post:
        affiliation = get_object_or_404(
            Affiliation, pk=posted_id(request, "decide"), organisation=organisation
        )
        memberships.decide_affiliation(
            affiliation, request.user, post.get("approve") == "1", post.get("note", "")
        )
        messages.success(request, _("Decision saved; the person has been told."))
    elif "revoke" in post:
        memberships.revoke_invitation(
            request.user,
            get_object_or_404(Invitation, pk=posted_id(request, "revoke"), organisation=organisation),
        )
        messages.success(request, _("The invitation can no longer be used."))
    elif "remove_domain" in post:
        memberships.remove_domain(
            request.user,
            get_object_or_404(
                AllowedDomain, pk=posted_id(request, "remove_domain"), organisation=organisation
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
                data = form.cleaned_data
                claimed = memberships.add_domain(
                    request.user, organisation, data["domain"], data["kind"], data["address"]
                )
                messages.success(
                    request,
                    _("Domain updated.")
                    if claimed.verified_at
                    else _("A link has been sent to %(address)s: the domain counts once it is confirmed.")
                    % {"address": data["address"]},
                )
        except ValidationError as error:
            add_errors(form, error)
            return form
        except RateLimited as error:  # too many mails for now: said next to the address
            form.add_error("email" if is_invite else "address", str(error))
            return form
    return None


@login_required
def members(request, pk: int):
    organisation = get_organisation(request, pk)
    can_manage = can(request.user, Action.MANAGE_MEMBERS, organisation)
    invite_form, domain_form = InvitationForm(prefix="invite"), DomainForm(prefix="domain")
    if request.method == "POST":
        require(request.user, Action.MANAGE_MEMBERS, organisation)
        try:
            bound = _members_post(request, organisation)
        except (Conflict, ValidationError) as error:
            show_refusal(request, error)
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
