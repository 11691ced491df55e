"""Finding places near where you are, and the city's coverage by neighbourhood."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.core.signals import setting_changed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.html import json_script
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vicinato.geo import travel
from vicinato.geo.models import Area
from vicinato.register.forms import PlaceFilterForm
from vicinato.register.models import Amenity, Place, Register
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


# The filter forms' HTML (their choices: registers, amenities, areas) is cached by the templates for FILTERS_CACHE_S
# under a key with this version; it changes when this process saves or deletes one of those (other processes
# see the change when the cache expires).
FILTERS_CACHE_S = 120
_filters_version = [0]


def filters_version() -> int:
    return _filters_version[0]


@receiver(post_save, sender=Register)
@receiver(post_delete, sender=Register)
@receiver(post_save, sender=Amenity)
@receiver(post_delete, sender=Amenity)
@receiver(post_save, sender=Area)
@receiver(post_delete, sender=Area)
@receiver(setting_changed)
def _filters_changed(**kwargs) -> None:
    _filters_version[0] += 1


def htmx_partial(request, target: str) -> bool:
    """Whether htmx asks for the part of the page that fills `target` (by id), not for the whole page.

    A history restore (the browser went back and htmx had no copy of the page) needs the whole page.
    """
    return request.headers.get("HX-Target") == target and "HX-History-Restore-Request" not in request.headers


def render_search(request, template: str, partial: str, target: str, context: dict):
    """The whole page, or only its results when htmx updates them in place (then `htmx` is true in them)."""
    context["htmx"] = htmx_partial(request, target)
    response = render(request, partial if context["htmx"] else template, context)
    # The same address answers a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def nearby(request):
    where = WhereForm(request.GET or None, initial={"mode": "walk", "minutes": 15})
    filters = PlaceFilterForm(request.GET or None)
    # The filters' HTML is cached per language and filter values (see the template): the key holds them.
    filter_names = ("kind", "audience", "register", "amenity")
    context = {
        "where": where,
        "filters": filters,
        "results": None,
        "filters_key": urlencode([(k, v) for k in filter_names for v in request.GET.getlist(k)]),
        "filters_version": filters_version(),
        "filters_cache_s": FILTERS_CACHE_S,
    }
    if where.is_bound and where.is_valid() and filters.is_valid():
        data = where.cleaned_data
        try:
            reached = travel.reachable_places(data["lat"], data["lon"], data["mode"], data["minutes"])
        except travel.TravelError as error:
            where.add_error(None, str(error))
        else:
            places = filter_places(Place.objects.listed().filter(public_id__in=reached), filters.cleaned_data)
            places = sorted(places, key=lambda p: (reached[p.public_id], p.public_id))
            for place in places:
                place.minutes = reached[place.public_id]
            query = urlencode({k: data[k] for k in ("lat", "lon", "mode", "minutes")})
            context.update(
                results=places,
                origin=data,
                isochrone_url=f"/api/v1/isochrone?{query}",
                map_places=[map_marker(p) for p in places],
            )
    return render_search(
        request, "web/nearby.html", "web/partials/nearby_search.html", "nearby-search", context
    )


# The map's data of the last coverage shown (about 100 kB of outlines): made again only when the rows change.
_coverage_map: dict[str, tuple[list, str]] = {}


def _coverage_features(mode: str, rows: list) -> str:
    cached = _coverage_map.get(mode)
    if cached is None or cached[0] is not rows or not rows:
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
        cached = (rows, json_script(features, "coverage-data"))
        if rows:  # only the modes that exist have rows
            _coverage_map[mode] = cached
    return cached[1]


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
            "features_script": _coverage_features(mode, rows),
            "city_share": covered / population if population else None,
            "population": population,
        },
    )
