"""The pages of the person who books: a place's calendar and booking form, "my bookings", one booking with its
check-in code, series and waiting-list offers. Every decision is the booking engine's (`booking.services`)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from vicinato.agreements.cover import booking_cover
from vicinato.booking import calendar, services
from vicinato.booking.models import MonthlyPass, Reservation, ReservationSeries, Resource, WaitingListEntry
from vicinato.booking.permissions import Action, can, is_operator
from vicinato.booking.queries import When, when_filter
from vicinato.impact import services as impact
from vicinato.lib.calendar import ics_download
from vicinato.lib.errors import Conflict
from vicinato.lib.forms import add_errors
from vicinato.register.models import Place

from ..feedback import refusal_text
from .forms import BookingForm, RescheduleForm, parse_day

S = Reservation.State


def _bookable(place: Place):
    return place.resources.filter(is_active=True).order_by("kind", "name_it")


def place_calendar(request, public_id: str):
    """A place's resources, the free units per slot of one resource on one day, and the booking form."""
    place = get_object_or_404(Place.objects.select_related("municipality"), public_id=public_id)
    if not (Place.objects.listed().filter(pk=place.pk).exists() or is_operator(request.user, place)):
        raise Http404(_("No bookable place has this address."))
    resources = list(_bookable(place))
    if not resources:
        return render(request, "web/booking/calendar.html", {"place": place, "resources": []})
    chosen = next((r for r in resources if str(r.pk) == request.GET.get("risorsa", "")), resources[0])
    today = timezone.localdate()
    day = parse_day(request.POST.get("day") or request.GET.get("giorno"), today)
    form = BookingForm(
        chosen,
        day,
        request.POST or None,
        initial={"day": day, "start": request.GET.get("inizio"), "unit": request.GET.get("postazione")},
        commuter=impact.profile_of(request.user) is not None,
    )
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('web:login')}?next={request.path}")
        result = _book(request, chosen, form)
        if result is not None:
            return result
    slots = services.offered_slots(chosen, day, request.user)
    context = {
        "place": place,
        "resources": resources,
        "resource": chosen,
        "day": day,
        "previous_day": day - timedelta(days=1) if day > today else None,
        "next_day": day + timedelta(days=1),
        # What the engine would accept now, each slot with the rule that would refuse this person.
        "slots": slots,
        "free_times": any(slot.free and not slot.refusal for slot in slots),
        "form": form,
        "idempotency_key": uuid.uuid4().hex,
        "pass_months": services.pass_months(chosen),
        "my_passes": list(
            chosen.monthly_passes.filter(person=request.user, state="active").order_by("month")
            if request.user.is_authenticated
            else []
        ),
    }
    return render(request, "web/booking/calendar.html", context)


def _book(request, resource: Resource, form: BookingForm):
    """Book from a valid form (one date or a series); None when the form goes back with its errors."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        if data["repeat"]:
            start, end = form.period()
            result = services.create_series(
                request.user,
                resource,
                data["weekdays"],
                start.timetz().replace(tzinfo=None),
                end.timetz().replace(tzinfo=None),
                data["day"],
                data["until"],
                unit=data.get("unit"),
            )
            for reservation in result.reservations:
                _note_trip_mode(reservation, data)
            request.session[f"series-{result.series.pk}-conflicts"] = [
                (day.isoformat(), reason) for day, reason in result.conflicts
            ]
            messages.success(
                request,
                _("%(booked)d dates booked, %(refused)d not booked.")
                % {"booked": len(result.reservations), "refused": len(result.conflicts)},
            )
            return redirect("web:series", pk=result.series.pk)
        start, end = form.period()
        key = request.POST.get("idempotency_key") or None
        reservation = services.reserve(
            request.user, resource, start, end, data["units"], key, unit=data.get("unit")
        )
    except ValidationError as error:
        add_errors(form, _map_fields(error))
        return None
    except Conflict as error:
        form.add_error(None, str(error))
        form.full = True
        return None
    _note_trip_mode(reservation, data)
    if reservation.state == S.REQUESTED:
        messages.info(request, _("Request sent: the place will confirm it; you will get an e-mail."))
    else:
        messages.success(request, _("Booked. Show the check-in code at the desk when you arrive."))
    return redirect("web:booking", pk=reservation.pk)


def _note_trip_mode(reservation: Reservation, data: dict) -> None:
    """The way to the place chosen in the form (checked by it), for the booking's savings (impact)."""
    if data.get("trip_mode"):
        impact.choose_trip_mode(reservation, data["trip_mode"])


# The engine names its fields after the API (start, end, until_date); the form after what people choose.
FIELD_NAMES = {"end": "minutes", "until_date": "until", "first_date": "day"}


def _map_fields(error: ValidationError) -> ValidationError:
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({FIELD_NAMES.get(k, k): v for k, v in error.message_dict.items()})


@login_required
def my_bookings(request):
    now = timezone.now()
    mine = Reservation.objects.filter(person=request.user).select_related("resource__place", "series", "unit")
    # Upcoming as the API lists them (by their end: one going on is upcoming), of those that hold their units.
    upcoming = list(when_filter(mine.filter(state__in=Reservation.HOLDING_STATES), When.UPCOMING, now))
    past = list(mine.exclude(pk__in=[r.pk for r in upcoming]).order_by("-start")[:30])
    series = {r.series for r in upcoming if r.series_id}
    waiting = WaitingListEntry.objects.filter(
        person=request.user,
        state__in=[WaitingListEntry.State.WAITING, WaitingListEntry.State.OFFERED],
        end__gt=now,
    ).select_related("resource__place", "unit")
    feed = calendar.feed_for(request.user)
    passes = MonthlyPass.objects.filter(person=request.user, month__gte=timezone.localdate().replace(day=1))
    return render(
        request,
        "web/booking/mine.html",
        {
            "upcoming": upcoming,
            "past": past,
            "series": sorted(series, key=lambda s: s.first_date),
            "waiting": waiting,
            "passes": [
                (p, services.pass_cancellable(p))
                for p in passes.filter(state=MonthlyPass.State.ACTIVE).select_related("resource__place")
            ],
            "feed_url": request.build_absolute_uri(
                reverse("api:calendar_feed_ics", kwargs={"token": feed.token})
            ),
            "today": timezone.localdate(),
        },
    )


EVENT_LABELS = {
    "create": gettext_lazy("Booked"),
    "confirm": gettext_lazy("Confirmed by the place"),
    "reject": gettext_lazy("Rejected by the place"),
    "cancel": gettext_lazy("Cancelled"),
    "move": gettext_lazy("Time changed"),
    "move_unit": gettext_lazy("Moved to another unit"),
    "check_in": gettext_lazy("Checked in"),
    "no_show": gettext_lazy("Released: no check-in"),
    "complete": gettext_lazy("Completed"),
}


def _qr_svg(text: str) -> str:
    """The check-in code as an inline SVG QR code (no image request, scales on any screen)."""
    return segno.make(text, error="m").svg_inline(scale=5, dark="#17324d", omitsize=True)


def _visible(request, pk: int) -> Reservation:
    reservation = get_object_or_404(
        Reservation.objects.select_related(
            "resource__place__municipality", "series", "person", "unit", "monthly_pass"
        ),
        pk=pk,
    )
    if not can(request.user, Action.VIEW_RESERVATION, reservation):
        raise Http404(_("No booking of yours has this number."))
    return reservation


@login_required
def booking_detail(request, pk: int):
    reservation = _visible(request, pk)
    now = timezone.now()
    allowed = services.allowed_actions(reservation, request.user, now)
    deadline = services.cancellation_deadline(reservation)
    return render(
        request,
        "web/booking/detail.html",
        {
            "reservation": reservation,
            "place": reservation.resource.place,
            "qr": _qr_svg(reservation.checkin_code) if reservation.state == S.CONFIRMED else "",
            "can_cancel": "cancel" in allowed,
            "can_reschedule": "reschedule" in allowed,
            # Shown when only the deadline keeps the person from cancelling: the engine allowed it until then.
            "cancellable_until": deadline
            if "cancel" not in allowed
            and "cancel" in services.allowed_actions(reservation, request.user, deadline)
            else None,
            "events": [
                (event, EVENT_LABELS.get(event.action, event.action))
                for event in reservation.events.select_related("actor").order_by("at")
            ],
            "is_own": reservation.person_id == request.user.pk,
            "cover": booking_cover(reservation),
        },
    )


@login_required
def booking_reschedule(request, pk: int):
    """Change a booking's time (and desk): the person before the cancellation deadline, the place's staff at
    any time; the engine checks every rule again."""
    reservation = _visible(request, pk)
    if not can(request.user, Action.RESCHEDULE_RESERVATION, reservation):
        raise Http404(_("No booking of yours has this number."))
    form = RescheduleForm(reservation, request.POST or None)
    if request.method == "POST" and form.is_valid():
        start, end = form.period()
        try:
            rescheduled = services.reschedule(
                reservation,
                start,
                end,
                request.user,
                unit=form.cleaned_data.get("unit"),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_errors(form, error)
        except (Conflict, PermissionDenied) as error:
            form.add_error(None, str(error))
        else:
            if rescheduled.state == S.REQUESTED:
                messages.info(
                    request,
                    _("Booking changed: the place will confirm the new time; you will get an e-mail."),
                )
            else:
                messages.success(
                    request, _("Booking changed. We have sent you the updated details by e-mail.")
                )
            return redirect("web:booking", pk=pk)
    return render(
        request,
        "web/booking/reschedule.html",
        {
            "reservation": reservation,
            "place": reservation.resource.place,
            "form": form,
            "is_own": reservation.person_id == request.user.pk,
        },
    )


@login_required
def booking_ics(request, pk: int):
    reservation = _visible(request, pk)
    return ics_download(calendar.reservation_ics(reservation), f"vicinato-{pk}")


def _confirmed(request) -> bool:
    """Cancelling takes two steps: the first post shows what will be cancelled, the second (confirm=yes) does it."""
    return request.POST.get("confirm") == "yes"


@login_required
@require_POST
def booking_cancel(request, pk: int):
    reservation = _visible(request, pk)
    reason = request.POST.get("reason", "").strip()
    if not _confirmed(request):
        return render(
            request, "web/booking/cancel_confirm.html", {"reservation": reservation, "reason": reason}
        )
    try:
        services.cancel(reservation, request.user, reason)
    except (ValidationError, Conflict, PermissionDenied) as error:
        messages.error(request, refusal_text(error))
        return redirect("web:booking", pk=pk)
    messages.success(request, _("Booking cancelled."))
    return redirect("web:my_bookings")


def _own_series(request, pk: int) -> ReservationSeries:
    series = get_object_or_404(ReservationSeries.objects.select_related("resource__place"), pk=pk)
    if not can(request.user, Action.CANCEL_RESERVATION, series):
        raise Http404(_("No series of yours has this number."))
    return series


@login_required
def series_detail(request, pk: int):
    series = _own_series(request, pk)
    conflicts = [
        (date.fromisoformat(day), reason)
        for day, reason in request.session.pop(f"series-{series.pk}-conflicts", [])
    ]
    return render(
        request,
        "web/booking/series.html",
        {
            "series": series,
            "weekdays": [WEEKDAYS[d] for d in series.weekdays],
            "reservations": series.reservations.select_related("resource__place", "unit").order_by("start"),
            "conflicts": conflicts,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def series_cancel(request, pk: int):
    """Cancel the whole series (what is still ahead) or every date from a chosen one."""
    series = _own_series(request, pk)
    scope = request.POST.get("scope", "from")
    since = None if scope == "all" else parse_day(request.POST.get("from_date"), None)
    if scope != "all" and since is None:
        messages.error(request, _("Choose the date from which to cancel (for example 2030-03-05)."))
        return redirect("web:series", pk=pk)
    reason = request.POST.get("reason", "").strip()
    if not _confirmed(request):
        return render(
            request,
            "web/booking/series_cancel_confirm.html",
            {
                "series": series,
                "scope": scope,
                "since": since,
                "reason": reason,
                "reservations": services.series_bookings_ahead(series, since).select_related(
                    "resource__place", "unit"
                ),
            },
        )
    cancelled, kept = services.cancel_series(series, request.user, since, reason)
    messages.success(request, _("%(count)d bookings cancelled.") % {"count": len(cancelled)})
    for reservation, reason in kept:
        when = date_format(timezone.localtime(reservation.start), "DATE_FORMAT")
        messages.warning(request, _("%(date)s kept: %(reason)s") % {"date": when, "reason": reason})
    return redirect("web:my_bookings")


@login_required
@require_POST
def waiting_join(request, resource_id: int):
    resource = get_object_or_404(Resource.objects.select_related("place"), pk=resource_id, is_active=True)
    back = f"{reverse('web:place_calendar', args=[resource.place.public_id])}?risorsa={resource.pk}"
    try:
        start = datetime.fromisoformat(request.POST.get("start", ""))
        end = start + timedelta(minutes=int(request.POST.get("minutes", resource.min_minutes)))
        if timezone.is_naive(start):
            start, end = timezone.make_aware(start), timezone.make_aware(end)
        entry = services.join_waiting_list(request.user, resource, start, end)
    except (ValueError, TypeError, OverflowError):
        messages.error(request, _("Choose a time from the calendar to join its waiting list."))
        return redirect(back)
    except (ValidationError, Conflict) as error:
        messages.error(request, refusal_text(error))
        return redirect(back)
    messages.success(
        request,
        _("You are number %(position)d in line; we will e-mail you if a unit frees up.")
        % {"position": services.line_position(entry)},
    )
    return redirect("web:my_bookings")


def _own_entry(request, pk: int) -> WaitingListEntry:
    entry = get_object_or_404(WaitingListEntry.objects.select_related("resource__place"), pk=pk)
    if not can(request.user, Action.ACCEPT_OFFER, entry):
        raise Http404(_("No waiting-list entry of yours has this number."))
    return entry


@login_required
@require_POST
def waiting_accept(request, pk: int):
    entry = _own_entry(request, pk)
    try:
        reservation = services.accept_offer(entry, request.user)
    except (ValidationError, Conflict) as error:
        messages.error(request, refusal_text(error))
        return redirect("web:my_bookings")
    messages.success(request, _("Offer accepted: the booking is yours."))
    return redirect("web:booking", pk=reservation.pk)


@login_required
@require_POST
def waiting_leave(request, pk: int):
    try:
        services.leave_waiting_list(_own_entry(request, pk), request.user)
    except Conflict as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You left the waiting list."))
    return redirect("web:my_bookings")


@login_required
@require_POST
def feed_renew(request):
    calendar.feed_for(request.user, renew=True)
    messages.success(request, _("New calendar address created; the old one no longer works."))
    return redirect("web:my_bookings")
