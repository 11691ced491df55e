"""The forms of the register's pages that no service validates with: an organisation's members, a place's
opening hours and closures (the services check what they are given)."""

from __future__ import annotations

from datetime import time

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vicinato.geo import addresses, travel
from vicinato.register.forms import PlaceForm
from vicinato.register.models import Membership, OpeningHours


def point_value(match: addresses.Match) -> str:
    return f"{match.lat:.6f},{match.lon:.6f}"


class PlacePageForm(PlaceForm):
    """The place form of the pages: latitude and longitude may be left empty, and are then found from the
    address with the project's geocoder. Several same-named streets are never chosen silently: they are
    offered in `point_choices` (the field `point`), and nothing is saved until one is chosen or the point is given."""

    point = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lat"].required = False
        self.fields["lon"].required = False
        self.fields["lat"].help_text = gettext_lazy(
            "Leave latitude and longitude empty to find them from the address, or pick the point on the map."
        )
        self.point_choices: list[tuple[str, str]] = []  # same-named streets: (value of `point`, label)
        self.number_note: str | None = None  # the house number is not known: the point is on the street

    def clean(self):
        cleaned = self.cleaned_data
        lat, lon = cleaned.get("lat"), cleaned.get("lon")
        if (lat is None) != (lon is None) and not self.has_error("lat") and not self.has_error("lon"):
            self.add_error("lon" if lon is None else "lat", _("Give both coordinates, or neither."))
        elif lat is None and lon is None and not self.has_error("lat") and not self.has_error("lon"):
            self._geocode(cleaned)
        return super().clean()

    def _geocode(self, cleaned: dict) -> None:
        address = cleaned.get("address")
        if not address:
            if not self.has_error("address"):
                self.add_error(
                    "lat", _("Give the address, or the coordinates, or pick the point on the map.")
                )
            return
        municipality = self.instance.municipality if self.instance.municipality_id else None
        try:
            found = addresses.geocode(address, municipality)
        except travel.MapUnavailableError as error:
            self.add_error("address", str(error))
            return
        except travel.NoNetworkError as error:
            self.add_error(
                "address",
                _(
                    "%(name)s has no street map yet, so the address cannot be found; give the coordinates or "
                    "pick the point on the map."
                )
                % {"name": error.municipality.name},
            )
            return
        if not found:
            self.add_error(
                "address",
                _(
                    "No street of the map matches “%(q)s”: check the address (street and number), or pick the "
                    "point on the map."
                )
                % {"q": address},
            )
            return
        alike = addresses.same_name(found)
        if alike:
            chosen = [m for m in alike if point_value(m) == cleaned.get("point")]
            if not chosen:
                self.point_choices = [
                    (point_value(m), f"{m.label} ({m.area or _('outside the areas')})") for m in alike
                ]
                self.add_error(
                    "address",
                    _("%(count)d streets match “%(q)s”: choose yours below, or pick the point on the map.")
                    % {"count": len(alike), "q": address},
                )
                return
            best = chosen[0]
        else:
            best = found[0]
        cleaned["lat"], cleaned["lon"] = best.lat, best.lon
        if best.number_known is False:
            self.number_note = _(
                "House numbers of %(street)s are not known: the place was put at a point of the street. "
                "Check it on the map and move it to the door if needed."
            ) % {"street": best.label}


class MemberForm(forms.Form):
    user = forms.CharField(
        label=gettext_lazy("Username or e-mail"),
        max_length=254,
        help_text=gettext_lazy(
            "A member's username or e-mail; someone new: their e-mail, to send them an invitation."
        ),
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Membership.Role.choices)


class WeeklyHoursForm(forms.Form):
    """A week as a grid: a row per day, each with `per_day` intervals (opens, closes); a blank interval is
    nothing (a day with no interval is closed), so a row left empty never blocks saving."""

    def __init__(self, *args, per_day: int = 2, **kwargs):
        super().__init__(*args, **kwargs)
        self.per_day = per_day
        for day, label in OpeningHours.Weekday.choices:
            for n in range(1, per_day + 1):
                for edge, word in (("opens", gettext_lazy("opens")), ("closes", gettext_lazy("closes"))):
                    self.fields[f"d{day}_{edge}{n}"] = forms.TimeField(
                        required=False,
                        label=format_lazy("{day}, {word} ({n})", day=label, word=word, n=n),
                        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                    )

    @staticmethod
    def initial_from(hours, per_day: int) -> dict:
        initial, seen = {}, {}
        for h in sorted(hours, key=lambda h: (h.weekday, h.opens)):
            n = seen[h.weekday] = seen.get(h.weekday, 0) + 1
            if n <= per_day:
                initial[f"d{h.weekday}_opens{n}"] = h.opens
                initial[f"d{h.weekday}_closes{n}"] = h.closes
        return initial

    def headers(self) -> list:
        """The grid's column headings after the day: opens, closes, then opens again, closes for each break."""
        first = [gettext_lazy("Opens"), gettext_lazy("Closes")]
        return first + [gettext_lazy("Opens again"), gettext_lazy("Closes")] * (self.per_day - 1)

    def rows(self):
        """(day label, [opens 1, closes 1, opens 2, closes 2, ...]) for the template."""
        return [
            (
                label,
                [
                    self[f"d{day}_{edge}{n}"]
                    for n in range(1, self.per_day + 1)
                    for edge in ("opens", "closes")
                ],
            )
            for day, label in OpeningHours.Weekday.choices
        ]

    def clean(self):
        data = super().clean()
        for day in OpeningHours.Weekday.values:
            for n in range(1, self.per_day + 1):
                opens, closes = data.get(f"d{day}_opens{n}"), data.get(f"d{day}_closes{n}")
                missing = f"d{day}_closes{n}" if closes is None else f"d{day}_opens{n}"
                if (opens is None) != (closes is None) and not self.has_error(missing):
                    self.add_error(
                        missing,
                        gettext_lazy("Give both times of this interval, or leave both empty."),
                    )
        return data

    def intervals(self) -> list[tuple[int, time, time]]:
        return [
            (day, self.cleaned_data[f"d{day}_opens{n}"], self.cleaned_data[f"d{day}_closes{n}"])
            for day, _label in OpeningHours.Weekday.choices
            for n in range(1, self.per_day + 1)
            if self.cleaned_data.get(f"d{day}_opens{n}") and self.cleaned_data.get(f"d{day}_closes{n}")
        ]


class ClosureForm(forms.Form):
    start_date = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end_date = forms.DateField(
        label=gettext_lazy("Until (included)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    # Each reader sees the reason in their language only (the Italian one when there is no English).
    reason_it = forms.CharField(label=gettext_lazy("Reason (Italian)"), required=False, max_length=200)
    reason_en = forms.CharField(label=gettext_lazy("Reason (English)"), required=False, max_length=200)
