"""The forms of the booking pages: a booking (once or every week), its new time, the named units of a resource,
a block, the check-in code, a resource's rules in people's units; and the dates people may ask about. The
engine checks everything again."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from vicinato.booking import services
from vicinato.booking.forms import ResourceForm
from vicinato.booking.models import Reservation, Resource, Unit
from vicinato.booking.services import units
from vicinato.impact import services as impact
from vicinato.impact.models import Mode
from vicinato.lib.units import DAYS, HOURS, MINUTES, EuroCentsField, LengthField
from vicinato.register.models import Place

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


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
    # Only for people with a commute profile: the trip their savings count (impact), default the usual one.
    trip_mode = forms.ChoiceField(
        label=gettext_lazy("How you will come to the place"),
        choices=[("", gettext_lazy("My usual way"))] + list(Mode.choices),
        required=False,
    )

    def __init__(self, resource: Resource, day: date, *args, commuter: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.resource = resource
        if not commuter:
            del self.fields["trip_mode"]
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

    def clean_trip_mode(self):
        mode = self.cleaned_data.get("trip_mode")
        if mode:
            try:
                impact.check_trip_mode(mode)
            except ValidationError as error:
                raise ValidationError(error.message_dict["trip_mode"]) from error
        return mode

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


class RescheduleForm(forms.Form):
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


# --- the operators' forms --------------------------------------------------------------------------------------
class AddUnitsForm(forms.Form):
    names = forms.CharField(
        label=gettext_lazy("Names of the units to add, one per line"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "E.g. A1, A2, Finestra 3. For an English name, add it after a vertical bar: Finestra 3 | Window 3."
        ),
        error_messages={"required": gettext_lazy("Write at least one name, one per line.")},
    )

    def names_list(self) -> list[tuple[str, str]]:
        lines = [line.partition("|") for line in self.cleaned_data["names"].splitlines()]
        return [(it.strip(), en.strip()) for it, _bar, en in lines if it.strip()]


class UnitForm(forms.Form):
    name_it = forms.CharField(label=gettext_lazy("Name (Italian)"), max_length=100)
    name_en = forms.CharField(
        label=gettext_lazy("Name (English)"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Empty: the Italian name."),
    )
    order = forms.IntegerField(
        label=gettext_lazy("Order"),
        min_value=0,
        help_text=gettext_lazy("Lower first; “any free” takes the first free unit in this order."),
    )
    is_active = forms.BooleanField(label=gettext_lazy("Taking bookings"), required=False)
    move_bookings = forms.BooleanField(
        label=gettext_lazy("Move its bookings ahead to other free units"), required=False
    )


def unit_form(unit: Unit, data=None) -> UnitForm:
    """The form of one named unit, prefixed by its id (the units page holds one per unit)."""
    initial = {
        "name_it": unit.name_it,
        "name_en": unit.name_en,
        "order": unit.order,
        "is_active": unit.is_active,
    }
    form = UnitForm(data, prefix=f"unit-{unit.pk}", initial=initial)
    form.unit = unit
    return form


class BlockForm(forms.Form):
    resource = forms.ModelChoiceField(queryset=Resource.objects.none(), label=gettext_lazy("Resource"))
    start = forms.DateTimeField(label=gettext_lazy("From"), widget=DATETIME_INPUT)
    end = forms.DateTimeField(label=gettext_lazy("Until"), widget=DATETIME_INPUT)
    reason_it = forms.CharField(
        label=gettext_lazy("Reason (Italian)"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Shown to people who try to book in this period, e.g. “manutenzione”."),
    )
    reason_en = forms.CharField(
        label=gettext_lazy("Reason (English)"),
        max_length=200,
        required=False,
        help_text=gettext_lazy(
            "Shown to people who read the site in English, e.g. “maintenance”; left empty, they see the "
            "Italian one."
        ),
    )

    unit = forms.TypedChoiceField(
        label=gettext_lazy("Only one desk or named unit"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=gettext_lazy(
            "For a resource with named units: choose one to close only it (e.g. a broken desk); leave “the whole "
            "resource” to close all of it."
        ),
    )

    def __init__(self, place: Place, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resource"].queryset = place.resources.order_by("kind", "name_it")
        # Grouped by resource, so that the form works without JavaScript; the service checks the pair.
        groups: dict[str, list[tuple[int, str]]] = {}
        for unit in (
            Unit.objects.filter(resource__place=place, resource__has_named_units=True, is_active=True)
            .select_related("resource")
            .order_by("resource__kind", "resource__name_it", "order", "pk")
        ):
            groups.setdefault(unit.resource.name, []).append((unit.pk, unit.name))
        if groups:
            self.fields["unit"].choices = [("", _("The whole resource")), *groups.items()]
        else:
            del self.fields["unit"]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason, sent to each person"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Write the reason for the people who booked.")},
    )


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Check-in code"),
        max_length=40,
        help_text=gettext_lazy("As shown under the QR code of the booking, e.g. 42-K7QF2M9A."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
        error_messages={"required": gettext_lazy("Type the code the person shows you.")},
    )


# --- a resource's rules, in people's units ---------------------------------------------------------------------
# The resource form's lengths and prices as a page asks them (the API keeps minutes and cents): each field by
# its parts and its label without the stored unit.
LENGTHS = {
    "slot_minutes": ((HOURS, MINUTES), gettext_lazy("Slot length")),
    "min_minutes": ((HOURS, MINUTES), gettext_lazy("Shortest booking")),
    "max_minutes": ((HOURS, MINUTES), gettext_lazy("Longest booking")),
    "buffer_minutes": ((HOURS, MINUTES), gettext_lazy("Buffer after a booking")),
    "min_notice_minutes": ((DAYS, HOURS, MINUTES), gettext_lazy("Notice required")),
    "cancellation_deadline_minutes": (
        (DAYS, HOURS, MINUTES),
        gettext_lazy("Cancellation deadline (before the start)"),
    ),
    "checkin_window_minutes": ((HOURS, MINUTES), gettext_lazy("Check-in window")),
    "offer_minutes": ((HOURS, MINUTES), gettext_lazy("Time to accept a waiting-list offer")),
}
PRICES = {
    "price_cents_per_slot": (
        gettext_lazy("Price per slot (€)"),
        gettext_lazy("In euros, e.g. 2.50; 0 is free of charge."),
    ),
    "price_cents_per_day": (
        gettext_lazy("Price per day (€)"),
        gettext_lazy(
            "In euros. A day pass: no booking costs more than this for each day it covers; with no price per "
            "slot, each day costs this. Empty: no price per day."
        ),
    ),
    "price_cents_per_month": (
        gettext_lazy("Monthly pass (€)"),
        gettext_lazy(
            "In euros, e.g. 180. Its holder's bookings in that calendar month cost nothing for one unit. "
            "Empty: no monthly pass."
        ),
    ),
}


class ResourcePageForm(ResourceForm):
    """The resource form of the operator's pages: lengths in days, hours and minutes, prices in euros."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (parts, label) in LENGTHS.items():
            stored = self.fields[name]
            self.fields[name] = LengthField(
                parts, label=label, help_text=stored.help_text, required=stored.required
            )
        for name, (label, help_text) in PRICES.items():
            stored = self.fields[name]
            self.fields[name] = EuroCentsField(label=label, help_text=help_text, required=stored.required)
