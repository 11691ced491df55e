"""The pages of the person who books: a place's calendar and booking form, "my bookings", one booking with its
check-in code, series and waiting-list offers. Every decision is the booking engine's (`booking.services`)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from vicinato.booking import calendar, services, units
from vicinato.booking.models import Reservation, ReservationSeries, Resource, WaitingListEntry
from vicinato.booking.permissions import Action, can, is_operator
from vicinato.register.models import Place

from .views import _add_errors

S = Reservation.State
UPCOMING = (S.REQUESTED, S.CONFIRMED, S.CHECKED_IN)


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=timezone.get_current_timezone())


# Dates people may ask about: a year back (history) to ten years ahead; the engine's own rules (days ahead,
# notice) say more. Beyond, the arithmetic on times would overflow, so such dates are refused here.
PAST_DAYS, FUTURE_DAYS = 366, 3653


def day_in_range(day: date) -> bool:
    today = timezone.localdate()
    return today - timedelta(days=PAST_DAYS) <= day <= today + timedelta(days=FUTURE_DAYS)


def parse_day(value: str | None, default: date | None) -> date | None:
    """A date from the address or a form, or `default` when it is missing, malformed or out of range."""
    try:
        day = date.fromisoformat(value) if value else default
    except ValueError:
        return default
    return day if day is None or day_in_range(day) else default


def _check_range(day: date | None) -> date | None:
    if day is not None and not day_in_range(day):
        raise ValidationError(
            _("Choose a date between %(first)s and %(last)s.")
            % {
                "first": date_format(timezone.localdate() - timedelta(days=PAST_DAYS), "SHORT_DATE_FORMAT"),
                "last": date_format(timezone.localdate() + timedelta(days=FUTURE_DAYS), "SHORT_DATE_FORMAT"),
            }
        )
    return day


class BookingForm(forms.Form):
    """One booking, or a weekly series when `repeat` is ticked."""

    day = forms.DateField(
        label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start = forms.TypedChoiceField(label=gettext_lazy("Start time"), coerce=time.fromisoformat)
    minutes = forms.TypedChoiceField(label=gettext_lazy("Duration"), coerce=int)
    units = forms.IntegerField(label=gettext_lazy("How many"), min_value=1, initial=1)
    unit = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)
    repeat = forms.BooleanField(label=gettext_lazy("Repeat every week"), required=False)
    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("On"),
        coerce=int,
        required=False,
        choices=list(WEEKDAYS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    until = forms.DateField(
        label=gettext_lazy("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, resource: Resource, day: date, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.resource = resource
        step, opening = resource.slot_minutes, services.opening_intervals(resource.place, day)
        starts = []
        for opens, closes in opening:
            moment = opens
            while moment + timedelta(minutes=resource.min_minutes) <= closes:
                starts.append(moment)
                moment += timedelta(minutes=step)
        self.fields["start"].choices = [(m.strftime("%H:%M"), m.strftime("%H:%M")) for m in starts] or [
            ("", _("Closed on this day"))
        ]
        durations = range(resource.min_minutes, resource.max_minutes + 1, step)
        self.fields["minutes"].choices = [(m, services.duration_text(m)) for m in durations]
        if resource.has_named_units:
            # One named unit a booking: the person picks it, or lets the engine take the first free one.
            self.fields["units"].widget = forms.HiddenInput()
            self.fields["unit"].label = resource.unit_label
            self.fields["unit"].choices = [("", resource.any_unit_label)] + [
                (u.pk, u.name) for u in units.units_of(resource)
            ]
        else:
            del self.fields["unit"]
        if resource.capacity == 1 or resource.has_named_units:
            self.fields["units"].widget = forms.HiddenInput()
        else:
            self.fields["units"].max_value = resource.capacity
            self.fields["units"].widget.attrs["max"] = resource.capacity

    def clean_day(self):
        return _check_range(self.cleaned_data.get("day"))

    def clean_until(self):
        return _check_range(self.cleaned_data.get("until"))

    def clean(self):
        data = super().clean()
        if data.get("repeat"):
            if not data.get("weekdays"):
                self.add_error("weekdays", _("Choose the weekdays to repeat the booking on."))
            if not data.get("until"):
                self.add_error("until", _("Choose the last date of the series."))
            elif data.get("day") and data["until"] < data["day"]:
                self.add_error(
                    "until", _("The last date must not come before the first; choose a later one.")
                )
        return data

    def period(self) -> tuple[datetime, datetime]:
        start = _local(self.cleaned_data["day"], self.cleaned_data["start"])
        return start, start + timedelta(minutes=self.cleaned_data["minutes"])


class MoveForm(forms.Form):
    """A new time (and, of named units, a desk) for a booking."""

    day = forms.DateField(
        label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start = forms.TimeField(
        label=pgettext_lazy("time of day", "From"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    end = forms.TimeField(
        label=pgettext_lazy("time of day", "Until"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    unit = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)
    reason = forms.CharField(label=gettext_lazy("Reason (optional)"), max_length=500, required=False)

    def __init__(self, reservation: Reservation, *args, **kwargs):
        start, end = timezone.localtime(reservation.start), timezone.localtime(reservation.end)
        kwargs.setdefault("initial", {"day": start.date(), "start": start.time(), "end": end.time()})
        super().__init__(*args, **kwargs)
        resource = reservation.resource
        if resource.has_named_units:
            self.fields["unit"].label = resource.unit_label
            self.fields["unit"].choices = [
                ("", _("Keep %(unit)s if free, else any free one") % {"unit": reservation.unit.name})
                if reservation.unit_id
                else ("", resource.any_unit_label)
            ] + [(u.pk, u.name) for u in units.units_of(resource)]
        else:
            del self.fields["unit"]

    def clean_day(self):
        return _check_range(self.cleaned_data.get("day"))

    def period(self) -> tuple[datetime, datetime]:
        day = self.cleaned_data["day"]
        return _local(day, self.cleaned_data["start"]), _local(day, self.cleaned_data["end"])


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
    )
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('web:login')}?next={request.path}")
        result = _book(request, chosen, form)
        if result is not None:
            return result
    slots = services.availability(chosen, day)
    # Only the slots the engine would accept now: not begun, and with the resource's notice.
    earliest = timezone.now() + timedelta(minutes=chosen.min_notice_minutes)
    context = {
        "place": place,
        "resources": resources,
        "resource": chosen,
        "day": day,
        "previous_day": day - timedelta(days=1) if day > today else None,
        "next_day": day + timedelta(days=1),
        "slots": [s for s in slots if s.start >= earliest],
        "form": form,
        "idempotency_key": uuid.uuid4().hex,
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
        _add_errors(form, _map_fields(error))
        return None
    except services.BookingError as error:
        form.add_error(None, str(error))
        form.full = True
        return None
    if reservation.state == S.REQUESTED:
        messages.info(request, _("Request sent: the place will confirm it; you will get an e-mail."))
    else:
        messages.success(request, _("Booked. Show the check-in code at the desk when you arrive."))
    return redirect("web:booking", pk=reservation.pk)


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
    upcoming = list(mine.filter(state__in=UPCOMING, end__gte=now).order_by("start"))
    past = list(mine.exclude(pk__in=[r.pk for r in upcoming]).order_by("-start")[:30])
    series = {r.series for r in upcoming if r.series_id}
    waiting = WaitingListEntry.objects.filter(
        person=request.user,
        state__in=[WaitingListEntry.State.WAITING, WaitingListEntry.State.OFFERED],
        end__gt=now,
    ).select_related("resource__place", "unit")
    feed = calendar.feed_for(request.user)
    return render(
        request,
        "web/booking/mine.html",
        {
            "upcoming": upcoming,
            "past": past,
            "series": sorted(series, key=lambda s: s.first_date),
            "waiting": waiting,
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
        Reservation.objects.select_related("resource__place__municipality", "series", "person", "unit"), pk=pk
    )
    if not can(request.user, Action.VIEW_RESERVATION, reservation):
        raise Http404(_("No booking of yours has this number."))
    return reservation


@login_required
def booking_detail(request, pk: int):
    reservation = _visible(request, pk)
    holds = reservation.state in (S.REQUESTED, S.CONFIRMED)
    return render(
        request,
        "web/booking/detail.html",
        {
            "reservation": reservation,
            "place": reservation.resource.place,
            "qr": _qr_svg(reservation.checkin_code) if reservation.state == S.CONFIRMED else "",
            "can_cancel": holds and can(request.user, Action.CANCEL_RESERVATION, reservation),
            "can_move": holds and can(request.user, Action.MOVE_RESERVATION, reservation),
            "events": [
                (event, EVENT_LABELS.get(event.action, event.action))
                for event in reservation.events.select_related("actor").order_by("at")
            ],
            "is_own": reservation.person_id == request.user.pk,
        },
    )


@login_required
def booking_move(request, pk: int):
    """Change a booking's time (and desk): the person before the cancellation deadline, the place's staff at
    any time; the engine checks every rule again."""
    reservation = _visible(request, pk)
    if not can(request.user, Action.MOVE_RESERVATION, reservation):
        raise Http404(_("No booking of yours has this number."))
    form = MoveForm(reservation, request.POST or None)
    if request.method == "POST" and form.is_valid():
        start, end = form.period()
        try:
            moved = services.move(
                reservation,
                start,
                end,
                request.user,
                unit=form.cleaned_data.get("unit"),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        except (services.BookingError, PermissionDenied) as error:
            form.add_error(None, str(error))
        else:
            if moved.state == S.REQUESTED:
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
        "web/booking/move.html",
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
    response = HttpResponse(
        calendar.reservation_ics(reservation), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="vicinato-{pk}.ics"'
    return response


@login_required
@require_POST
def booking_cancel(request, pk: int):
    reservation = _visible(request, pk)
    reason = request.POST.get("reason", "").strip()
    try:
        services.cancel(reservation, request.user, reason)
    except (ValidationError, services.BookingError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
        return redirect("web:booking", pk=pk)
    messages.success(request, _("Booking cancelled."))
    return redirect("web:my_bookings")


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


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
    cancelled, kept = services.cancel_series(series, request.user, since, request.POST.get("reason", ""))
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
    except (ValidationError, services.BookingError) as error:
        messages.error(request, _error_text(error))
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
    except (ValidationError, services.BookingError) as error:
        messages.error(request, _error_text(error))
        return redirect("web:my_bookings")
    messages.success(request, _("Offer accepted: the booking is yours."))
    return redirect("web:booking", pk=reservation.pk)


@login_required
@require_POST
def waiting_leave(request, pk: int):
    try:
        services.leave_waiting_list(_own_entry(request, pk), request.user)
    except services.BookingError as error:
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


urlpatterns = [
    path("luoghi/<slug:public_id>/prenota/", place_calendar, name="place_calendar"),
    path("prenotazioni/", my_bookings, name="my_bookings"),
    path("prenotazioni/<int:pk>/", booking_detail, name="booking"),
    path("prenotazioni/<int:pk>/calendario.ics", booking_ics, name="booking_ics"),
    path("prenotazioni/<int:pk>/annulla/", booking_cancel, name="booking_cancel"),
    path("prenotazioni/<int:pk>/modifica/", booking_move, name="booking_move"),
    path("prenotazioni/serie/<int:pk>/", series_detail, name="series"),
    path("prenotazioni/serie/<int:pk>/annulla/", series_cancel, name="series_cancel"),
    path("prenotazioni/attesa/risorsa/<int:resource_id>/", waiting_join, name="waiting_join"),
    path("prenotazioni/attesa/<int:pk>/accetta/", waiting_accept, name="waiting_accept"),
    path("prenotazioni/attesa/<int:pk>/lascia/", waiting_leave, name="waiting_leave"),
    path("prenotazioni/calendario/nuovo-indirizzo/", feed_renew, name="feed_renew"),
]
