"""The impact pages' forms: the calculator, the commute profile, the mode to a booked place."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vicinato.geo import travel
from vicinato.impact.checks import MAP_UNREADABLE
from vicinato.impact.models import Mode

STREET_HELP = gettext_lazy(
    "A street (and number) of the city; Vicinato keeps only the 250 m square around it."
)


def locate_street(form: forms.Form, field: str) -> tuple[float, float] | None:
    """The point of the street typed in `field` (the best match of the map's streets), or a field error. The
    street understood is kept in form.understood[field], for the page to say what it computed from."""
    asked = (form.cleaned_data.get(field) or "").strip()
    if not asked:
        return None
    if not any(ch.isalpha() for ch in asked):  # "²" or "91,181" matched some street: say what to write
        form.add_error(
            field, _("Write the name of the street, and its number if you like (e.g. Via Padova 36).")
        )
        return None
    try:
        candidates = travel.streets().search(asked)
    except travel.MapUnavailableError:
        form.add_error(field, MAP_UNREADABLE)
        return None
    if not candidates:
        form.add_error(
            field,
            _("No street of the map matches “%(q)s”; check the spelling or write only the street name.")
            % {"q": asked},
        )
        return None
    if not hasattr(form, "understood"):
        form.understood = {}
    form.understood[field] = candidates[0].label
    return candidates[0].lat, candidates[0].lon


class CalculatorForm(forms.Form):
    home = forms.CharField(label=gettext_lazy("Where you live"), max_length=120, help_text=STREET_HELP)
    work = forms.CharField(label=gettext_lazy("Your usual workplace"), max_length=120)
    mode = forms.ChoiceField(label=gettext_lazy("How you usually go to work"), choices=Mode.choices)
    trip_mode = forms.ChoiceField(
        label=gettext_lazy("How you would come here"),
        choices=[("", gettext_lazy("The same way"))] + list(Mode.choices),
        required=False,
    )

    def clean(self):
        data = super().clean()
        data["home_point"] = locate_street(self, "home")
        data["work_point"] = locate_street(self, "work")
        return data


class ProfileForm(forms.Form):
    home = forms.CharField(
        label=gettext_lazy("Where you live"), max_length=120, required=False, help_text=STREET_HELP
    )
    work = forms.CharField(
        label=gettext_lazy("Your usual workplace"),
        max_length=120,
        required=False,
        help_text=gettext_lazy("A street (and number); kept as the 250 m square around it."),
    )
    usual_mode = forms.ChoiceField(label=gettext_lazy("How you usually go to work"), choices=Mode.choices)
    office_days = forms.IntegerField(
        label=gettext_lazy("Days a week at the office"), min_value=1, max_value=7, initial=5
    )
    arrival_time = forms.TimeField(
        label=gettext_lazy("Usual arrival time"),
        initial="09:00",
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    employer = forms.TypedChoiceField(
        label=gettext_lazy("Employer (its mobility manager sees only totals of at least 5 people)"),
        required=False,
        coerce=int,
        empty_value=None,
    )
    consent = forms.BooleanField(
        label=gettext_lazy(
            "I agree that Vicinato keeps the 250 m squares of my home and workplace and my usual mode, to compute "
            "what my bookings save; I may withdraw at any time."
        ),
        required=False,
    )

    def __init__(self, *args, employers=(), existing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing = existing
        self.fields["employer"].choices = [("", _("None"))] + [(o.pk, o.legal_name) for o in employers]
        if existing is not None:
            for name in ("home", "work"):
                self.fields[name].help_text = _("Leave empty to keep the square you gave before.")

    def clean(self):
        data = super().clean()
        for name in ("home", "work"):
            point = locate_street(self, name)
            if point is None and not self.has_error(name):
                if self.existing is None:
                    self.add_error(name, _("Give a street of the city."))
                else:
                    old = self.existing
                    point = (old.home_lat, old.home_lon) if name == "home" else (old.work_lat, old.work_lon)
            data[f"{name}_point"] = point
        return data


class TripModeForm(forms.Form):
    mode = forms.ChoiceField(
        label=gettext_lazy("How you will come to the place"),
        choices=[("", gettext_lazy("My usual way"))] + list(Mode.choices),
        required=False,
    )
