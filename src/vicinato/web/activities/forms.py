"""The forms of the activities' pages (what people type); the services decide."""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.cache import cache
from django.utils.dates import WEEKDAYS
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from vicinato.activities.models import AdviceService, AvailabilityException, Event, Language, Mode, Question
from vicinato.lib.forms import IdsChoiceField, short_texts
from vicinato.register.models import Area, Audience

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class AgendaForm(forms.Form):
    """The agenda's filters, sent in the address (readable and shareable without JavaScript)."""

    q = forms.CharField(label=_("Words"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    since = forms.DateField(label=pgettext_lazy("date", "From"), required=False, widget=DATE)
    until = forms.DateField(label=pgettext_lazy("date", "To"), required=False, widget=DATE)
    municipio = forms.ChoiceField(label=_("Municipio"), required=False)
    nil = forms.ChoiceField(label=_("Neighbourhood (NIL)"), required=False)
    audience = forms.ChoiceField(label=_("For"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    free = forms.BooleanField(label=_("Free only"), required=False)
    place = forms.CharField(required=False, max_length=60, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        anything = [("", _("Any"))]
        self.fields["kind"].choices = anything + list(Event.Kind.choices)
        self.fields["audience"].choices = anything + list(Audience.choices)
        self.fields["language"].choices = anything + list(Language.choices)
        districts, neighbourhoods = area_choices()
        self.fields["municipio"].choices = anything + districts
        self.fields["nil"].choices = anything + neighbourhoods


def _read_areas() -> tuple[list, list]:
    areas = Area.objects.defer("geometry", "outline").order_by("code")
    return (
        [(a.code, a.label) for a in areas.filter(level=Area.Level.DISTRICT)],
        [(a.code, a.name) for a in areas.filter(level=Area.Level.NEIGHBOURHOOD).order_by("name")],
    )


def area_choices() -> tuple[list, list]:
    """The Municipi and NIL to filter by, read once a few minutes for each language (every agenda page shows
    them; they change only when another city's areas are imported)."""
    return cache.get_or_set(f"activities-agenda-areas-{get_language()}", _read_areas, 300)


def question_field(question: Question) -> forms.Field:
    label, required = question.label, question.required
    if question.kind == Question.Kind.CHOICE:
        return forms.ChoiceField(
            label=label, required=required, choices=[("", "—")] + [(c, c) for c in question.choices]
        )
    if question.kind == Question.Kind.YES_NO:
        return forms.ChoiceField(
            label=label, required=required, choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))]
        )
    return forms.CharField(label=label, required=required, max_length=1000)


class RegistrationForm(forms.Form):
    """The answers to an event's questions (the fields are its questions)."""

    def __init__(self, questions: list[Question], *args, **kwargs):
        super().__init__(*args, **kwargs)
        for question in questions:
            self.fields[f"answers.{question.pk}"] = question_field(question)

    def answers(self) -> dict[str, str]:
        return {name.split(".", 1)[1]: value for name, value in self.cleaned_data.items() if value}


class WaitForm(forms.Form):
    """Waiting for an appointment: how, why (private), and a phone number for a call."""

    mode = forms.ChoiceField(label=_("How"), choices=Mode.choices)
    reason = forms.CharField(
        label=_("Reason for the appointment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    phone = forms.CharField(label=_("Phone number to call you on"), required=False, max_length=30)

    def __init__(self, modes: list[str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = [(m, Mode(m).label) for m in modes]


class AppointmentForm(WaitForm):
    """Booking a chosen slot: the waiting list's questions, the reason with what becomes of it."""

    field_order = ["slot", "mode", "reason", "phone"]

    slot = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for the appointment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the advisor sees it; it is deleted some months after the appointment."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class WeeklyForm(forms.Form):
    place = forms.TypedChoiceField(label=_("Place"), coerce=int)
    weekday = forms.TypedChoiceField(label=_("Weekday"), coerce=int, choices=list(WEEKDAYS.items()))
    start_time = forms.TimeField(label=pgettext_lazy("time of day", "From"), widget=TIME)
    end_time = forms.TimeField(label=pgettext_lazy("time of day", "Until"), widget=TIME)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE, initial=date.today)
    valid_until = forms.DateField(label=_("Valid until (included, optional)"), required=False, widget=DATE)

    def __init__(self, places, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [(p.pk, p.name) for p in places]


class ExceptionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AvailabilityException.Kind.choices)
    place = forms.TypedChoiceField(
        label=_("Place (one-off sessions)"), coerce=int, required=False, empty_value=None
    )
    start = forms.DateTimeField(label=pgettext_lazy("time of day", "From"), widget=DATETIME)
    end = forms.DateTimeField(label=pgettext_lazy("time of day", "Until"), widget=DATETIME)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, places, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [("", "—")] + [(p.pk, p.name) for p in places]


class EventForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = [
            "kind",
            "title_it",
            "title_en",
            "description_it",
            "description_en",
            "place",
            "online_url",
            "language",
            "price_cents",
            "is_public",
            "registration",
            "capacity",
            "registration_deadline",
            "offer_hours",
            "certificate_percent",
        ]
        widgets = {
            "registration_deadline": DATETIME,
            **short_texts("description_it", "description_en"),
        }

    audiences = forms.MultipleChoiceField(
        label=_("For"), required=False, choices=Audience.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, places, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places
        self.fields["place"].required = False


class SessionForm(forms.Form):
    day = forms.DateField(label=_("Day (or first day of a series)"), widget=DATE)
    start_time = forms.TimeField(label=pgettext_lazy("time of day", "From"), widget=TIME)
    end_time = forms.TimeField(label=pgettext_lazy("time of day", "Until"), widget=TIME)
    room = forms.TypedChoiceField(label=_("Room"), coerce=int, required=False, empty_value=None)
    repeat = forms.BooleanField(label=_("Repeat every week"), required=False)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("On"),
        coerce=int,
        required=False,
        choices=list(WEEKDAYS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    until = forms.DateField(label=_("Until (included)"), required=False, widget=DATE)

    def __init__(self, rooms, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if rooms is None:
            del self.fields["room"]
        else:
            self.fields["room"].choices = [(r.pk, r.name) for r in rooms]
            self.fields["room"].required = True

    def clean(self):
        data = super().clean()
        if data.get("repeat"):
            if not data.get("weekdays"):
                self.add_error("weekdays", _("Choose the weekdays to repeat the session on."))
            if not data.get("until"):
                self.add_error("until", _("Choose the last date of the series."))
        return data


class ServiceForm(forms.ModelForm):
    """An advice service: what, where, how, for whom and its rules."""

    class Meta:
        model = AdviceService
        fields = [
            "kind",
            "name_it",
            "name_en",
            "description_it",
            "description_en",
            "minutes",
            "price_cents",
            "notice_hours",
            "days_ahead",
            "offer_hours",
            "reason_months",
            "is_active",
        ]
        widgets = short_texts("description_it", "description_en")

    places = IdsChoiceField(label=_("Places"), queryset=None, widget=forms.CheckboxSelectMultiple)
    modes = forms.MultipleChoiceField(
        label=_("How people meet the advisor"), choices=Mode.choices, widget=forms.CheckboxSelectMultiple
    )
    audiences = forms.MultipleChoiceField(
        label=_("For"), required=False, choices=Audience.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, places, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["places"].queryset = places
        if self.instance.pk:
            self.initial.setdefault("places", list(self.instance.places.all()))
            self.initial.setdefault("modes", self.instance.modes)
            self.initial.setdefault("audiences", self.instance.audiences)


class AdvisorForm(forms.Form):
    username = forms.CharField(label=_("Username of a member of staff"), max_length=150)
    display_name = forms.CharField(label=_("Name shown to people"), max_length=100, required=False)
    services = IdsChoiceField(label=_("Services"), queryset=None, widget=forms.CheckboxSelectMultiple)

    def __init__(self, services, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = services
