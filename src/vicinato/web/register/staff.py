"""The page of a staff invitation's link: shown on GET, accepted by POST (mail scanners open links)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from vicinato.lib.errors import Conflict
from vicinato.register import staff

TEMPLATE = "web/staff_invitation.html"


@login_required
def staff_invitation(request, token: str):
    try:
        invitation = staff.invitation(token)
    except ValidationError as error:
        return render(request, TEMPLATE, {"error": " ".join(error.messages)}, status=400)
    if request.method == "POST":
        try:
            membership = staff.accept(token, request.user)
        except Conflict as refused:
            return render(request, TEMPLATE, {"error": str(refused)}, status=409)
        messages.success(
            request, _("You now help run %(organisation)s.") % {"organisation": membership.organisation}
        )
        return redirect("web:organisation", pk=membership.organisation_id)
    return render(request, TEMPLATE, {"invitation": invitation})
