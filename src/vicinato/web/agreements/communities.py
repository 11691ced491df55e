"""The community pages: the communities an organisation runs or belongs to, forming and changing one, and the
invitations it has received to join communities and agreements."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from vicinato.agreements import communities, consent
from vicinato.agreements.forms import CommunityForm
from vicinato.agreements.models import Community
from vicinato.agreements.permissions import Action, can, require
from vicinato.lib.errors import Conflict
from vicinato.register.models import Organisation

from .common import get_organisation, merge_errors, posted_id


@login_required
def organisation_communities(request, pk: int):
    organisation = get_organisation(request, pk)
    return render(
        request,
        "agreements/organisation_communities.html",
        {
            "organisation": organisation,
            "run": [
                (c, can(request.user, Action.EDIT_COMMUNITY, c), [o.legal_name for o in consent.invited(c)])
                for c in organisation.communities_run.prefetch_related("organisations")
            ],
            "belongs": organisation.communities.select_related("owner"),
            "can_form": can(request.user, Action.FORM_COMMUNITY, organisation),
        },
    )


def _community_form(request, owner: Organisation, community: Community | None):
    form = CommunityForm(
        request.POST if request.method == "POST" else None, instance=community or Community(owner=owner)
    )
    if request.method == "POST":
        try:
            communities.save_community(request.user, owner, request.POST, community)
        except ValidationError as error:
            form.is_valid()
            merge_errors(form, error)
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
    return _community_form(request, get_organisation(request, pk, Action.FORM_COMMUNITY), None)


@login_required
def community_edit(request, pk: int):
    community = get_object_or_404(Community.objects.select_related("owner"), pk=pk)
    require(request.user, Action.EDIT_COMMUNITY, community)
    if community.owner is None:
        raise Http404(_("This community is changed in the site's administration."))
    return _community_form(request, community.owner, community)


@login_required
def guest_invitations(request, pk: int):
    """The invitations an organisation has received, to join communities and to be a guest of agreements:
    its administrators accept or decline each one here (nothing changes without them)."""
    organisation = get_organisation(request, pk)
    answers = consent.answers_for(request.user, organisation)
    if request.method == "POST":
        invitation = get_object_or_404(
            consent.pending(organisation=organisation), pk=posted_id(request, "invitation")
        )
        accept = request.POST.get("answer") == "accept"
        try:
            consent.answer(request.user, invitation, accept)
        except Conflict as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                (_("%(name)s: invitation accepted.") if accept else _("%(name)s: invitation declined."))
                % {"name": invitation.target.name},
            )
        return redirect("agreements:guest_invitations", pk=organisation.pk)
    return render(
        request,
        "agreements/guest_invitations.html",
        {
            "organisation": organisation,
            "answers": answers,
            "invitations": consent.pending(organisation=organisation).select_related(
                "community__owner", "agreement__host", "guest_community"
            ),
            "now": timezone.now(),
        },
    )
