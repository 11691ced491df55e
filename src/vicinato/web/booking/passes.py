"""The pages of monthly passes: take one from a resource's calendar, cancel one (in two steps) from "my
bookings". The booking engine decides (`booking.services.passes`)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vicinato.booking import services
from vicinato.booking.models import MonthlyPass, Resource
from vicinato.booking.permissions import is_operator
from vicinato.register.models import Place

from ..feedback import refusal_text
from ..templatetags.vicinato import euros


def _month(value: str) -> date | None:
    """The first day of the month written YYYY-MM (ASCII digits), or None."""
    year, _dash, month = value.partition("-")
    if not (len(year) == 4 and len(month) == 2 and (year + month).isascii() and (year + month).isdigit()):
        return None
    try:
        return date(int(year), int(month), 1)
    except ValueError:  # month 00 or 13-99
        return None


@login_required
@require_POST
def pass_buy(request, resource_id: int):
    resource = get_object_or_404(Resource.objects.select_related("place"), pk=resource_id, is_active=True)
    place = resource.place
    if not (Place.objects.listed().filter(pk=place.pk).exists() or is_operator(request.user, place)):
        raise Http404(_("No bookable place has this address."))
    back = f"{reverse('web:place_calendar', args=[place.public_id])}?risorsa={resource.pk}#pass"
    month = _month(request.POST.get("month", ""))
    if month is None:
        messages.error(request, _("Choose the month of the pass."))
        return redirect(back)
    try:
        taken = services.buy_pass(request.user, resource, month)
    except ValidationError as error:
        messages.error(request, refusal_text(error))
        return redirect(back)
    messages.success(
        request,
        _(
            "Monthly pass for %(month)s taken (€ %(price)s): your bookings of %(resource)s that month are covered."
        )
        % {
            "month": services.month_text(taken.month),
            "price": euros(taken.price_cents),
            "resource": resource.name,
        },
    )
    return redirect(back)


@login_required
@require_POST
def pass_cancel(request, pk: int):
    monthly_pass = get_object_or_404(MonthlyPass.objects.select_related("resource__place"), pk=pk)
    if monthly_pass.person_id != request.user.pk:
        raise Http404(_("No monthly pass of yours has this number."))
    if request.POST.get("confirm") != "yes":
        return render(request, "web/booking/pass_cancel_confirm.html", {"pass": monthly_pass})
    try:
        services.cancel_pass(monthly_pass)
    except ValidationError as error:
        messages.error(request, refusal_text(error))
        return redirect("web:my_bookings")
    messages.success(request, _("Monthly pass cancelled."))
    return redirect("web:my_bookings")
