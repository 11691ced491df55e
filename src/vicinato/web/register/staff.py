"""The page of an invitation's link sent to one address (staff, programme reviewers): shown on GET, accepted by
POST (mail scanners open links)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from vicinato.lib.errors import Conflict
from vicinato.register import staff

TEMPLATE = "web/staff_invitation.html"


def invitation_page(request, token: str, find: Callable, accept: Callable, summary: Callable, done: Callable):
    """`find(token)` gives the invitation, `accept(token, person)` accepts it, `summary(invitation)` says what it
    offers (None: the staff invitation's words), `done(request, accepted)` answers once accepted."""
    try:
        invitation = find(token)
    except ValidationError as error:
        return render(request, TEMPLATE, {"error": " ".join(error.messages)}, status=400)
    if request.method == "POST":
        try:
            accepted = accept(token, request.user)
        except Conflict as refused:
            return render(request, TEMPLATE, {"error": str(refused)}, status=409)
        return done(request, accepted)
    return render(request, TEMPLATE, {"invitation": invitation, "summary": summary(invitation)})


def _joined(request, membership):
    messages.success(
        request, _("You now help run %(organisation)s.") % {"organisation": membership.organisation}
    )
    return redirect("web:organisation", pk=membership.organisation_id)


@login_required
def staff_invitation(request, token: str):
    return invitation_page(request, token, staff.invitation, staff.accept, lambda invitation: None, _joined)
