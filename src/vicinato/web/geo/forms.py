"""The form of the "near you" page: where you are, how you travel and for how long."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vicinato.geo import addresses, travel
from vicinato.geo.models import Municipality
from vicinato.geo.transit import DEFAULT_ARRIVAL, When

MODES = [
    ("walk", gettext_lazy("On foot")),
    ("bike", gettext_lazy("By bike")),
    ("transit", gettext_lazy("By public transport")),
]
TIMINGS = [("arrive_by", gettext_lazy("Arrive by")), ("depart_at", gettext_lazy("Leave at"))]


class WhenFields(forms.Form):
    """When one travels by public transport: arriving by, or leaving at, a time on a day (by default, arriving
    by 09:00 on the next weekday). Read only for the public transport mode."""

    timing = forms.ChoiceField(
        label=gettext_lazy("By public transport"), choices=TIMINGS, initial="arrive_by", required=False
    )
    day = forms.DateField(
        label=gettext_lazy("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    at = forms.TimeField(
        label=gettext_lazy("Time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def when(self) -> When:
        cleaned = self.cleaned_data
        default = When.default()
        moment = datetime.combine(
            cleaned.get("day") or default.at.date(), cleaned.get("at") or DEFAULT_ARRIVAL
        )
        timing = cleaned.get("timing") or "arrive_by"
        try:
            return When.of(**{timing: moment})
        except travel.TravelError as error:
            self.add_error("day", str(error))
            raise forms.ValidationError(str(error)) from error


class WhereForm(WhenFields):
    """Where you are: a street and number, or coordinates (the map fills them in)."""

    address = forms.CharField(
        label=gettext_lazy("Street and number"),
        required=False,
        max_length=120,
        help_text=gettext_lazy("For example: Via Padova 21"),
    )
    municipality = forms.ChoiceField(
        label=gettext_lazy("Municipality"),
        required=False,
        help_text=gettext_lazy("Whose streets the address is searched in."),
    )
    lat = forms.FloatField(label=gettext_lazy("Latitude"), required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label=gettext_lazy("Longitude"), required=False, min_value=-180, max_value=180)
    mode = forms.ChoiceField(label=gettext_lazy("How"), choices=MODES, initial="walk")
    minutes = forms.IntegerField(label=gettext_lazy("Minutes"), initial=15, min_value=1, max_value=30)

    field_order = ["municipality", "address", "lat", "lon", "mode", "minutes", "timing", "day", "at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices: list[addresses.Match] = []  # same-named streets, for the person to choose from
        known = Municipality.objects.exclude(istat_code="").order_by("name").values_list("istat_code", "name")
        self.fields["municipality"].choices = list(known)
        self.fields["municipality"].initial = settings.SITE_MUNICIPALITY

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("mode") == "transit":
            try:
                cleaned["when"] = self.when()
            except forms.ValidationError:
                return cleaned
        if cleaned.get("lat") is not None and cleaned.get("lon") is not None:
            cleaned["label"] = f"{cleaned['lat']:.5f}, {cleaned['lon']:.5f}"
            return cleaned
        if not cleaned.get("address"):
            raise forms.ValidationError(_("Write a street (and number), or pick a point on the map."))
        municipality = Municipality.objects.filter(istat_code=cleaned.get("municipality") or "-").first()
        try:
            candidates = addresses.geocode(cleaned["address"], municipality)
        except travel.MapUnavailableError as error:
            self.add_error("address", str(error))
            return cleaned
        except travel.NoNetworkError as error:
            self.add_error(
                "address",
                _("%(name)s has no street map yet, so its streets cannot be searched; give the coordinates.")
                % {"name": error.municipality.name},
            )
            return cleaned
        if not candidates:
            self.add_error(
                "address",
                _("No street of the map matches “%(q)s”; check the spelling or write only the street name.")
                % {"q": cleaned["address"]},
            )
            return cleaned
        self.choices = addresses.same_name(candidates)
        if self.choices:
            self.add_error(
                "address",
                _("%(count)d streets match “%(q)s”; choose yours below.")
                % {"count": len(self.choices), "q": cleaned["address"]},
            )
            return cleaned
        best = candidates[0]
        cleaned.update(lat=best.lat, lon=best.lon, label=best.label)
        if best.number_known is False:
            cleaned["number_note"] = addresses.unknown_number_note(best)
        return cleaned
