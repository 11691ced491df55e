"""Finding places near where you are, and the city's coverage by neighbourhood."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vicinato.geo import travel
from vicinato.register.forms import PlaceFilterForm
from vicinato.register.models import Place
from vicinato.register.services import filter_places

from .views import map_marker

MODES = [("walk", gettext_lazy("On foot")), ("bike", gettext_lazy("By bike"))]


class WhereForm(forms.Form):
    """Where you are: a street and number, or coordinates (the map fills them in)."""

    address = forms.CharField(
        label=gettext_lazy("Street and number"),
        required=False,
        max_length=120,
        help_text=gettext_lazy("For example: Via Padova 21"),
    )
    lat = forms.FloatField(label=gettext_lazy("Latitude"), required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label=gettext_lazy("Longitude"), required=False, min_value=-180, max_value=180)
    mode = forms.ChoiceField(label=gettext_lazy("How"), choices=MODES, initial="walk")
    minutes = forms.IntegerField(label=gettext_lazy("Minutes"), initial=15, min_value=1, max_value=30)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("lat") is not None and cleaned.get("lon") is not None:
            cleaned["label"] = f"{cleaned['lat']:.5f}, {cleaned['lon']:.5f}"
            return cleaned
        if not cleaned.get("address"):
            raise forms.ValidationError(_("Write a street (and number), or pick a point on the map."))
        candidates = travel.streets().search(cleaned["address"])
        if not candidates:
            self.add_error(
                "address",
                _("No street of the map matches “%(q)s”; check the spelling or write only the street name.")
                % {"q": cleaned["address"]},
            )
            return cleaned
        best = candidates[0]
        cleaned.update(lat=best.lat, lon=best.lon, label=best.label)
        return cleaned


def nearby(request):
    where = WhereForm(request.GET or None, initial={"mode": "walk", "minutes": 15})
    filters = PlaceFilterForm(request.GET or None)
    context = {"where": where, "filters": filters, "results": None}
    if where.is_bound and where.is_valid() and filters.is_valid():
        data = where.cleaned_data
        try:
            reached = travel.reachable_places(data["lat"], data["lon"], data["mode"], data["minutes"])
        except travel.TravelError as error:
            where.add_error(None, str(error))
        else:
            places = filter_places(Place.objects.listed().filter(public_id__in=reached), filters.cleaned_data)
            places = sorted(
                places.prefetch_related("amenities"), key=lambda p: (reached[p.public_id], p.public_id)
            )
            for place in places:
                place.minutes = reached[place.public_id]
            query = urlencode({k: data[k] for k in ("lat", "lon", "mode", "minutes")})
            context.update(
                results=places,
                origin=data,
                isochrone_url=f"/api/v1/isochrone?{query}",
                map_places=[map_marker(p) for p in places],
            )
    return render(request, "web/nearby.html", context)


def coverage(request):
    mode = request.GET.get("mode", "walk")
    try:
        minutes = int(request.GET.get("minutes", 15))
        rows = travel.coverage(mode, minutes)
        error = None
    except (ValueError, travel.TravelError) as problem:
        rows, minutes, error = (
            [],
            15,
            str(problem) if isinstance(problem, travel.TravelError) else _("Minutes must be a whole number."),
        )
    mapped = [r for r in rows if r.share is not None]
    population = sum(r.population for r in mapped)
    covered = sum(r.population * r.share for r in mapped)
    features = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": r.outline,
                "properties": {"name": r.name, "share": r.share, "population": r.population},
            }
            for r in rows
        ],
    }
    return render(
        request,
        "web/coverage.html",
        {
            "rows": sorted(
                rows, key=lambda r: (r.share is None, r.share if r.share is not None else 0, r.name)
            ),
            "mode": mode,
            "minutes": minutes,
            "modes": MODES,
            "error": error,
            "features": features,
            "city_share": covered / population if population else None,
            "population": population,
        },
    )
