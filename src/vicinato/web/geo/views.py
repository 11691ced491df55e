"""Finding places near where you are, and the city's coverage by neighbourhood."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.shortcuts import render
from django.utils.html import json_script
from django.utils.translation import gettext as _

from vicinato.booking.queries import lowest_prices
from vicinato.geo import reach, transit, travel
from vicinato.register.forms import PlaceFilterForm
from vicinato.register.models import Place
from vicinato.register.services import filter_places

from ..search import FILTERS_CACHE_S, filters_version, map_marker, render_search
from .forms import MODES, WhenFields, WhereForm

# The trip itself is shown for the nearest places by public transport (a search each, a few milliseconds).
TRIPS_SHOWN = 20


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
    valid = where.is_bound and where.is_valid()
    if where.is_bound and where.choices:
        # Same-named streets: each a link to the same search from that street.
        asked = [(k, v) for k, v in request.GET.lists() if k not in ("address", "lat", "lon")]
        query = [(k, v) for k, values in asked for v in values]
        context["choices"] = [
            (m, urlencode([*query, ("address", m.label), ("lat", m.lat), ("lon", m.lon)]))
            for m in where.choices
        ]
    if valid and filters.is_valid():
        data = where.cleaned_data
        context["number_note"] = data.get("number_note")
        when = data.get("when")
        try:
            reached = reach.reachable_places(data["lat"], data["lon"], data["mode"], data["minutes"], when)
        except travel.NoNetworkError as error:
            # No street map where the point is: the places by straight-line distance, never another town's streets.
            distances = travel.straight_line_places(data["lat"], data["lon"], data["mode"], data["minutes"])
            places = _listed(distances, filters)
            prices = lowest_prices(p.pk for p in places)
            for place in places:
                place.km = distances[place.public_id]
                place.lowest_price = prices.get(place.pk)
            context.update(
                results=places,
                origin=data,
                straight_line=True,
                straight_line_note=str(error),
                map_places=[map_marker(p) for p in places],
            )
        except travel.TravelError as error:
            where.add_error(None, str(error))
        else:
            places = _listed(reached, filters)
            prices = lowest_prices(p.pk for p in places)
            for number, place in enumerate(places):
                place.minutes = reached[place.public_id]
                place.lowest_price = prices.get(place.pk)
                if when is not None and number < TRIPS_SHOWN:
                    place.trip = transit.itinerary((data["lat"], data["lon"]), (place.lat, place.lon), when)
            query = {k: data[k] for k in ("lat", "lon", "mode", "minutes")}
            if when is not None:
                query[when.kind] = when.minute
                context["service"] = transit.service(when)
                context["when"] = when
            context.update(
                results=places,
                origin=data,
                isochrone_url=f"/api/v1/isochrone?{urlencode(query)}",
                map_places=[map_marker(p) for p in places],
            )
    return render_search(
        request, "web/nearby.html", "web/partials/nearby_search.html", "nearby-search", context
    )


def _listed(found: dict[str, float], filters: PlaceFilterForm) -> list[Place]:
    """The listed places among `found` ({public id: minutes or km}) that pass the filters, nearest first."""
    places = filter_places(Place.objects.listed().filter(public_id__in=found), filters.cleaned_data)
    return sorted(places, key=lambda p: (found[p.public_id], p.public_id))


# The map's data of the last coverage shown (about 100 kB of outlines): made again only when the rows change.
_coverage_map: dict[str, tuple[list, str]] = {}


def _coverage_features(mode: str, rows: list) -> str:
    cached = _coverage_map.get(mode) if mode != transit.TRANSIT else None
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


def _side_by_side(minutes: int, when) -> dict[str, dict[str, float | None]]:
    """Each neighbourhood's share by every mode a person may choose, for the same minutes: {code: {mode: share}}."""
    shares: dict[str, dict[str, float | None]] = {}
    for mode, _label in MODES:
        if mode == transit.TRANSIT and not transit.available():
            continue
        for row in reach.coverage(mode, minutes, when if mode == transit.TRANSIT else None):
            shares.setdefault(row.code, {})[mode] = row.share
    return shares


def coverage(request):
    mode = request.GET.get("mode", "walk")
    timing = WhenFields(request.GET or None)
    when = None
    try:
        minutes = int(request.GET.get("minutes", 15))
        if not timing.is_bound or timing.is_valid():
            when = timing.when() if timing.is_bound else transit.When.default()
        rows = reach.coverage(mode, minutes, when)
        shares = _side_by_side(minutes, when)
        error = None
    except (ValueError, travel.TravelError, forms.ValidationError) as problem:
        rows, shares, minutes, error = (
            [],
            {},
            15,
            _("Minutes must be a whole number.")
            if isinstance(problem, ValueError)
            else " ".join(getattr(problem, "messages", [str(problem)])),
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
            "shares": shares,
            "timing": timing,
            "when": when,
            "service": transit.service(when) if when is not None and mode == transit.TRANSIT else None,
        },
    )
