"""Geography's endpoints: areas, stations, places reachable from a point, isochrones, coverage, geocoding."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Query, Router

from vicinato.geo import addresses, networks, reach, transit, travel
from vicinato.geo.models import Area, Municipality, Stop
from vicinato.geo.transit import TRANSIT, When
from vicinato.lib.forms import form_errors
from vicinato.register import opendata
from vicinato.register.forms import PlaceFilterForm
from vicinato.register.models import Application, Place
from vicinato.register.services import filter_places

from .register import place_out
from .schemas.common import ErrorOut
from .schemas.geo import AreaOut, NearbyOut, StationOut

router = Router(tags=["areas and stations"])


DEPART_AT = Query(None, description="By public transport: leave at this time (Milan's clock if no offset)")
ARRIVE_BY = Query(
    None, description="By public transport: arrive by this time (default: 09:00 on the next weekday)"
)


def _travel_params(
    mode: str,
    minutes: int,
    lat: float = 0.0,
    lon: float = 0.0,
    depart_at: datetime | None = None,
    arrive_by: datetime | None = None,
) -> When | None:
    """The request's travel parameters checked, all the refusals at once (422); by public transport, when."""
    errors = {}
    if not -90 <= lat <= 90:
        errors["lat"] = [_("Latitude must be between -90 and 90.")]
    if not -180 <= lon <= 180:
        errors["lon"] = [_("Longitude must be between -180 and 180.")]
    for field, check, value in (
        ("mode", reach.check_mode, mode),
        ("minutes", travel.check_minutes, minutes),
    ):
        try:
            check(value)
        except travel.TravelError as error:
            errors[field] = [str(error)]
    when = None
    if mode == TRANSIT:
        try:
            when = When.of(depart_at=depart_at, arrive_by=arrive_by)
        except travel.TravelError as error:
            errors["depart_at" if depart_at is not None else "arrive_by"] = [str(error)]
    if errors:
        raise ValidationError(errors)
    return when


def _service_headers(response: HttpResponse, when: When | None) -> HttpResponse:
    """By public transport, which date of the timetable answered (also in each item of the answer)."""
    if when is not None:
        service = transit.service(when)
        response["X-Service-Date"] = service["service_date"]
        response["X-Requested-Date"] = service["requested_date"]
    return response


# --- places reachable from a point ---------------------------------------------------------------------------
class _NearbyRecords:
    """The listed places' records as ready JSON, for the nearby search (a hot path: no query, no encoding).

    Built from the open-data records and reused until the listed places' version changes (a place saved,
    listed or unlisted, here or in another process) or the index does, a listing expires, or MAX_AGE_S pass (changes that
    touch no index, such as opening hours or an operator's name).
    """

    MAX_AGE_S = 5.0

    def __init__(self) -> None:
        self._index = None
        self._fragments: dict[str, bytes] = {}
        self._valid_until = 0.0
        self._lock = threading.Lock()

    def get(self, index) -> dict[str, bytes]:
        now = time.time()
        version = (id(index), networks.state().places)
        if self._index == version and now < self._valid_until:
            return self._fragments
        with self._lock:
            if self._index == version and now < self._valid_until:  # built by another thread meanwhile
                return self._fragments
            records = opendata.listed_records()
            fragments = {}
            for record in records:
                # The record without its closing brace: the answer adds ', "minutes": m}'.
                fragments[record["id"]] = json.dumps(place_out(record), cls=DjangoJSONEncoder)[:-1].encode()
            expiry = Application.objects.listed().aggregate(first=Min("expires_at"))["first"]
            self._fragments = fragments
            self._valid_until = min(now + self.MAX_AGE_S, expiry.timestamp() if expiry else float("inf"))
            self._index = version
            return fragments


nearby_records = _NearbyRecords()
_FILTERS = frozenset(PlaceFilterForm.base_fields)


# Under /places, next to the register's places (mounted before them: `/places/{public_id}` would take "nearby").
@router.get(
    "/places/nearby",
    response={200: list[NearbyOut], 422: ErrorOut},
    summary="Places reachable from a point",
    tags=["places"],
)
def nearby_places(
    request: HttpRequest,
    lat: float,
    lon: float,
    mode: str = "walk",
    minutes: int = 15,
    depart_at: datetime | None = DEPART_AT,
    arrive_by: datetime | None = ARRIVE_BY,
    itineraries: bool = Query(False, description="By public transport: the trip to each place, leg by leg"),
):
    """Listed places reachable from (lat, lon) within `minutes` on foot, by bike (the street network) or by
    public transport (`mode=transit`: walking and the timetable, arriving by `arrive_by` — by default 09:00 on
    the next weekday — or leaving at `depart_at`), nearest first; combine with the register filters (kind,
    amenity, audience, register, district, ...). By public transport each place also says which date of the
    timetable answered (`service_date`; `fallback` when the timetable does not cover the date asked for and
    the same weekday of its period answered), and with `itineraries=true` the trip itself."""
    when = _travel_params(mode, minutes, lat, lon, depart_at, arrive_by)
    # Only the filters present in the query (usually none) are looked at; empty ones, as forms send them, are none.
    filtered = any(value for name, values in request.GET.lists() if name in _FILTERS for value in values)
    if filtered:
        form = PlaceFilterForm(request.GET)
        if not form.is_valid():
            raise form_errors(form)
    try:
        source = travel.source_at(lat, lon)
        if when is None:
            index = travel.reach_index(mode, source)
            reached = travel.reachable_places(lat, lon, mode, minutes, index=index)
        else:
            index = transit.reach(when, source)
            reached = transit.reachable_places(lat, lon, minutes, when)
    except travel.NoNetworkError as error:
        distances = travel.straight_line_places(lat, lon, mode, minutes)
        return _straight_line(_filtered(distances, form if filtered else None), str(error))
    except travel.TravelError as error:
        raise ValidationError({"lat": [str(error)]}) from error
    fragments = nearby_records.get(index)
    reached = _filtered(reached, form if filtered else None)
    # Answered directly, in the documented shape: validating the records again would cost more than the search.
    # %a of a float is its shortest repr, as JSON writes it.
    answers = sorted((m, pid) for pid, m in reached.items() if pid in fragments)
    if when is None:
        body = b", ".join(b'%b, "minutes": %a}' % (fragments[pid], m) for m, pid in answers)
        return HttpResponse(b"[" + body + b"]", content_type="application/json")
    service = transit.service(when)
    extra = json.dumps({"service_date": service["service_date"], "fallback": service["fallback"]})[1:-1]
    points = {}
    if itineraries:
        places = Place.objects.filter(public_id__in=[pid for _m, pid in answers])
        points = {pid: (plat, plon) for pid, plat, plon in places.values_list("public_id", "lat", "lon")}
    items = []
    for m, pid in answers:
        trip = b""
        if itineraries:
            found = transit.itinerary((lat, lon), points[pid], when)
            trip = b', "itinerary": ' + json.dumps(found["itinerary"] if found else None).encode()
        items.append(b'%b, "minutes": %a, %b%b}' % (fragments[pid], m, extra.encode(), trip))
    response = HttpResponse(b"[" + b", ".join(items) + b"]", content_type="application/json")
    return _service_headers(response, when)


def _filtered(found: dict[str, float], form: PlaceFilterForm | None) -> dict[str, float]:
    """The places of `found` that pass the register filters (all of them without a form)."""
    if form is None or not found:
        return found
    places = filter_places(Place.objects.filter(public_id__in=found), form.cleaned_data)
    kept = set(places.values_list("public_id", flat=True))
    return {k: v for k, v in found.items() if k in kept}


def _straight_line(distances: dict[str, float], note: str) -> HttpResponse:
    """Where no street map serves the point: the places by straight-line distance, each saying so."""
    records = {r["id"]: r for r in opendata.listed_records(list(distances))}
    items = [
        {**place_out(records[pid]), "minutes": None, "straight_line_km": km, "note": note}
        for pid, km in distances.items()
        if pid in records
    ]
    response = JsonResponse(items, safe=False, encoder=DjangoJSONEncoder)
    response["X-Travel-Times"] = "straight-line"
    return response


# --- areas and stations --------------------------------------------------------------------------------------
@router.get("/areas", response=list[AreaOut], summary="Districts (Municipi) and neighbourhoods (NIL)")
def list_areas(request, level: Area.Level | None = None):
    areas = Area.objects.select_related("parent")
    if level:
        areas = areas.filter(level=level)
    return [
        {
            "code": a.code,
            "name": a.label,
            "level": a.level,
            "population": a.population,
            "district": a.parent.code if a.parent else None,
        }
        for a in areas.defer("geometry")
    ]


@router.get("/areas.geojson", summary="Area boundaries as GeoJSON")
def areas_geojson(request, level: Area.Level = Area.Level.NEIGHBOURHOOD):
    features = [a.geojson_feature() for a in Area.objects.filter(level=level)]
    return JsonResponse(
        {"type": "FeatureCollection", "features": features}, content_type="application/geo+json"
    )


@router.get("/stations", response=list[StationOut], summary="Transit stations")
def list_stations(request, kind: Stop.Kind | None = None):
    stops = Stop.objects.all()
    if kind:
        stops = stops.filter(kind=kind)
    return list(stops.values("code", "name", "kind", "lines", "lat", "lon"))


@router.get("/stations.geojson", summary="Transit stations as GeoJSON")
def stations_geojson(request, kind: Stop.Kind = Stop.Kind.METRO):
    features = [
        {
            "type": "Feature",
            "id": s.code,
            "geometry": {"type": "Point", "coordinates": [s.lon, s.lat]},
            "properties": {"name": s.name, "lines": s.lines},
        }
        for s in Stop.objects.filter(kind=kind)
    ]
    return JsonResponse(
        {"type": "FeatureCollection", "features": features}, content_type="application/geo+json"
    )


# --- travel ----------------------------------------------------------------------------------------------------
@router.get("/isochrone", response={200: dict, 422: ErrorOut}, summary="Area reachable from a point")
def isochrone(
    request,
    lat: float,
    lon: float,
    mode: str = "walk",
    minutes: int = 15,
    depart_at: datetime | None = DEPART_AT,
    arrive_by: datetime | None = ARRIVE_BY,
):
    """GeoJSON Feature (Polygon or MultiPolygon, WGS84) of the streets' surroundings reachable in `minutes`; by
    public transport (`mode=transit`) leaving at `depart_at`, or from which the point is reached by
    `arrive_by`, with the timetable's `service_date` in its properties."""
    when = _travel_params(mode, minutes, lat, lon, depart_at, arrive_by)
    try:
        feature = reach.isochrone(lat, lon, mode, minutes, when)
    except travel.TravelError as error:
        raise ValidationError({"lat": [str(error)]}) from error
    return _service_headers(JsonResponse(feature, content_type="application/geo+json"), when)


@router.get(
    "/geocode",
    response={200: list[dict], 422: ErrorOut},
    summary="Find a street or an address (offline)",
    description="Every street or address the text may mean, best first: label, lat, lon, score (0-1), kind "
    "(`address`: that house number; `near_address`: the nearest known number; `street`: a point of the street), "
    "area (neighbourhood and Municipio) and number_known (false when a house number was asked for and is not "
    "known: no point is invented for it). Same-named streets are all listed, each with its area.",
)
def geocode(
    request,
    q: str = Query(..., min_length=2, max_length=100),
    municipality: str | None = Query(
        None, description="ISTAT code of the municipality whose streets are searched (default: the site's)"
    ),
):
    chosen = None
    if municipality:
        chosen = Municipality.objects.filter(istat_code=municipality).first()
        if chosen is None:
            raise ValidationError({"municipality": [_("No municipality has this ISTAT code.")]})
    try:
        found = addresses.geocode(q, chosen)[:10]
    except travel.NoNetworkError as error:
        raise ValidationError({"municipality": [str(error)]}) from error
    return [{**asdict(match), "score": round(match.score, 3)} for match in found]


@router.get("/coverage", response={200: list[dict], 422: ErrorOut}, summary="Coverage by neighbourhood")
def coverage(
    request,
    mode: str = "walk",
    minutes: int = 15,
    depart_at: datetime | None = DEPART_AT,
    arrive_by: datetime | None = ARRIVE_BY,
):
    """For each neighbourhood (NIL): residents and the share within `minutes` of a listed place (null where
    the street map does not cover the neighbourhood); by public transport (`mode=transit`) arriving by
    `arrive_by` (default 09:00 on the next weekday) or leaving at `depart_at`, with the `service_date`."""
    when = _travel_params(mode, minutes, depart_at=depart_at, arrive_by=arrive_by)
    service = {} if when is None else {"service_date": transit.service(when)["service_date"]}
    return [
        {
            "code": r.code,
            "name": r.name,
            "district": r.district,
            "population": r.population,
            "share": None if r.share is None else round(r.share, 4),
            **service,
        }
        for r in reach.coverage(mode, minutes, when)
    ]
