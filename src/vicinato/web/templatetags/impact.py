"""Impact on the pages: the calculator on a place's page, the savings of a booking, the month's total."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from vicinato.impact import services
from vicinato.impact.models import BookingImpact, Mode

from ..impact.forms import TripModeForm
from ..impact.views import calculator

register = template.Library()


@register.filter
def hours_minutes(minutes) -> str:
    """'6 h 20 min', '45 min' for a number of minutes (its size: the sentence says saved or lost)."""
    total = round(abs(float(minutes or 0)))
    hours, rest = divmod(total, 60)
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": rest}
    return _("%(m)d min") % {"m": rest}


@register.filter
def kilograms(grams) -> str:
    """Grams as kilograms with one decimal (its size)."""
    return f"{abs(float(grams or 0)) / 1000:.1f}"


@register.filter
def absolute(value):
    return abs(float(value or 0))


@register.filter
def mode_label(mode: str) -> str:
    return Mode(mode).label if mode in Mode.values else mode


@register.inclusion_tag("web/impact/_calculator.html", takes_context=True)
def place_impact(context, place):
    return calculator(context["request"], place)


@register.inclusion_tag("web/impact/_booking.html", takes_context=True)
def booking_impact(context, reservation):
    user = context["request"].user
    own = reservation.person_id == user.pk
    impact = BookingImpact.objects.filter(reservation=reservation).first()
    choice = getattr(reservation, "trip_choice", None) if own else None
    return {
        "reservation": reservation,
        "impact": impact,
        "own": own,
        "profile": services.profile_of(user) if own else None,
        "form": TripModeForm(initial={"mode": choice.mode if choice else ""}, prefix="trip") if own else None,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("web/impact/_month.html", takes_context=True)
def month_impact(context):
    user = context["request"].user
    return {"month": services.month_totals(user), "profile": services.profile_of(user)}
