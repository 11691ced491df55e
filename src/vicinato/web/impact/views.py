"""Impact's pages: one's commute profile (consent, form, withdrawal), the mode to a booked place, and the
calculator and totals shown on the place's, booking's and person's pages (web/templatetags/impact.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vicinato.booking.models import Reservation
from vicinato.geo import travel
from vicinato.impact import estimates, factors, services
from vicinato.impact.models import BookingImpact
from vicinato.lib.forms import add_errors

from .forms import CalculatorForm, ProfileForm, TripModeForm


def calculator(request, place) -> dict:
    """The calculator on a place's page: the form, and once sent (POST, so that where a person lives stays out
    of addresses and logs) the estimate or why there is none. Prefilled from one's profile when there is one."""
    profile = services.profile_of(request.user)
    sent = request.method == "POST" and request.POST.get("impatto") == "1"
    form = CalculatorForm(
        request.POST if sent else None,
        initial={"mode": profile.usual_mode} if profile else None,
        prefix="calc",
    )
    context = {"place": place, "form": form, "profile": profile, "factors": factors.current()}
    try:
        context["off_map"] = not estimates.on_map(place)
    except travel.MapUnavailableError:  # said when a trip is asked for
        context["off_map"] = False
    if context["off_map"]:
        return context
    use_profile = sent and profile is not None and request.POST.get("profilo") == "1"
    if use_profile:
        home, work, mode = (
            (profile.home_lat, profile.home_lon),
            (profile.work_lat, profile.work_lon),
            profile.usual_mode,
        )
        trip_mode = request.POST.get("calc-trip_mode") or None
    elif sent and form.is_valid() and form.cleaned_data["home_point"] and form.cleaned_data["work_point"]:
        home, work = form.cleaned_data["home_point"], form.cleaned_data["work_point"]
        mode, trip_mode = form.cleaned_data["mode"], form.cleaned_data["trip_mode"] or None
        context["understood"] = getattr(form, "understood", {})
    else:
        return context
    try:
        context["estimate"] = estimates.estimate(
            home=home,
            work=work,
            mode=mode,
            place=place,
            trip_mode=trip_mode,
            office_days=profile.office_days if profile else None,
        )
    except ValidationError as error:
        add_errors(form, error)
        context["estimate_error"] = " ".join(m for ms in error.message_dict.values() for m in ms)
    return context


@login_required
def profile(request):
    existing = services.profile_of(request.user)
    initial = None
    if existing is not None:
        initial = {
            "usual_mode": existing.usual_mode,
            "office_days": existing.office_days,
            "arrival_time": existing.arrival_time,
            "employer": existing.employer_id,
        }
    form = ProfileForm(
        request.POST or None,
        initial=initial,
        employers=services.employers_of(request.user),
        existing=existing,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_profile(
                request.user,
                consent=data["consent"],
                home=data["home_point"],
                work=data["work_point"],
                usual_mode=data["usual_mode"],
                office_days=data["office_days"],
                arrival_time=data["arrival_time"],
                employer=data["employer"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, _("Your commute profile is saved; your next bookings will show what they save.")
            )
            return redirect("web:impact_profile")
    return render(
        request,
        "web/impact/profile.html",
        {
            "form": form,
            "profile": existing,
            "month": services.month_totals(request.user),
            "impacts": services.person_impacts(request.user)[:20],
            "factors": factors.current(),
        },
    )


@login_required
@require_POST
def withdraw(request):
    had = services.profile_of(request.user) is not None
    services.withdraw(request.user)
    if had:
        messages.success(
            request,
            _(
                "Your commute profile and its squares are deleted. What your past bookings saved stays only in "
                "the city's totals, no longer linked to you."
            ),
        )
    return redirect("web:impact_profile")


@login_required
@require_POST
def trip_mode(request, pk: int):
    reservation = get_object_or_404(Reservation, pk=pk)
    if reservation.person_id != request.user.pk:
        raise Http404(_("No booking of yours has this number."))
    form = TripModeForm(request.POST, prefix="trip")
    if form.is_valid():
        try:
            services.choose_trip_mode(reservation, form.cleaned_data["mode"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if BookingImpact.objects.filter(reservation=reservation).exists():
                services.record(reservation)
            messages.success(request, _("Noted how you will come to the place."))
    else:
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
    return redirect("web:booking", pk=pk)
