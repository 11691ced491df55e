"""The REST API (/api/v1/): thin endpoints over the register's services, with OpenAPI 3 docs."""

from __future__ import annotations

import json
import threading
import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Min, Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Router
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from vicinato.agreements.api import router as agreements_router
from vicinato.booking.api import RULE_CODES
from vicinato.booking.api import router as booking_router
from vicinato.booking.services import BookingError
from vicinato.geo import travel
from vicinato.geo.models import Area, Stop
from vicinato.register import opendata
from vicinato.register.forms import PlaceFilterForm
from vicinato.register.models import Application, Place, Register, Requirement
from vicinato.register.permissions import Action, managed_organisations, require, reviewed_registers
from vicinato.register.services import filter_places, save_place, set_opening_hours
from vicinato.register.workflow import (
    WorkflowError,
    allowed_actions,
    check_requirements,
    pending_reviewer_checks,
    start_application,
    tick_check,
    transition,
)

from . import schemas
from .auth import AUTH

api = NinjaAPI(
    title="Vicinato API",
    version="1",
    description="Public register of places for proximity work: registers, places, areas, stations, applications.",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(request, status: int, detail: str, errors: dict | None = None, **extra):
    return api.create_response(request, {"detail": detail, "errors": errors or {}, **extra}, status=status)


# The error answers, in the API's description (docs at /api/v1/docs).
ERRORS_DOC = """

## Errors

Refusals answer `{"detail": ..., "errors": {field: [messages]}}`, in the language asked for
(`Accept-Language`: it, en): 401 sign in; 403 not allowed; 404 not found (also what is another person's);
409 the state or the capacity refuses (e.g. no unit free); 422 a field or a rule refuses.

A 422 also gives `"codes": {field: [codes]}`, one code per message, in the same order, for programs to act on:

- the booking rules: %(rules)s;
- the shape of a field (wrong type, missing, out of bounds): the validator's error type, e.g. `missing`,
  `int_parsing`, `datetime_from_date_parsing`, `greater_than_equal`, `less_than_equal`;
- `out_of_range`: a date or number so far out that it cannot be used (e.g. year 9999);
- `invalid`: any other refusal (read its message).
"""
api.description += ERRORS_DOC % {
    "rules": ", ".join(f"`{code}` ({text})" for code, text in RULE_CODES.items())
}


def _invalid(request, errors: dict[str, list[str]], codes: dict[str, list[str]]):
    detail = _("Some fields are not valid; see the messages per field.")
    return _error(request, 422, detail, errors, codes=codes)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request, exc: NinjaValidationError):
    errors: dict[str, list[str]] = {}
    codes: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [
            str(p) for p in error.get("loc", []) if p not in ("body", "query", "path", "payload", "filters")
        ]
        field = ".".join(location) or "__all__"
        errors.setdefault(field, []).append(error.get("msg", _("Invalid value.")))
        codes.setdefault(field, []).append(error.get("type") or "invalid")
    return _invalid(request, errors, codes)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    """The messages per field, and their codes: the refusing rule's (`Refusal.rule`), else 'invalid'."""
    if hasattr(exc, "error_dict"):
        errors = exc.message_dict
        codes = {field: [e.code or "invalid" for e in found] for field, found in exc.error_dict.items()}
    else:
        errors = {"__all__": exc.messages}
        codes = {"__all__": [e.code or "invalid" for e in exc.error_list]}
    return _invalid(request, errors, codes)


@api.exception_handler(OverflowError)
def on_overflow(request, exc: OverflowError):
    """Dates or amounts so far out (year 9999, year 1) that time arithmetic on them overflows."""
    message = _("A date or number is out of range; choose a date within the next few years.")
    return _invalid(request, {"__all__": [message]}, {"__all__": ["out_of_range"]})


@api.exception_handler(WorkflowError)
def on_workflow_error(request, exc: WorkflowError):
    failures = [
        {"requirement": f.requirement.pk, "label": f.requirement.label, "message": f.message}
        for f in exc.failures
    ]
    return _error(request, 409, str(exc), failures=failures)


@api.exception_handler(BookingError)
def on_booking_error(request, exc: BookingError):
    return _error(request, 409, str(exc))


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return _error(request, 403, str(exc) or _("You are not allowed to do this."))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return _error(request, 401, _("Sign in, or send a token as 'Authorization: Bearer <token>'."))


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, str(exc) or _("Not found."))


def _place_out(record: dict) -> dict:
    return {**record, "registers": record["register"]}


def _listed_out(queryset) -> list[dict]:
    """Records of the listed places in `queryset` (ids first: one small query, then cached records)."""
    return [_place_out(r) for r in opendata.listed_records(queryset.values_list("public_id", flat=True))]


# --- registers -----------------------------------------------------------------------------------------------
registers_router = Router(tags=["registers"])


def _register_out(register: Register) -> dict:
    return {
        "slug": register.slug,
        "name": register.name_it,
        "name_en": register.name_en or register.name_it,
        "owner": register.owner,
        "municipality": str(register.municipality) if register.municipality else None,
        "validity_months": register.validity_months,
        "is_open": register.is_open,
        "requirements": [
            {
                "id": r.pk,
                "kind": r.kind,
                "label": r.label,
                "checked_by": "machine" if r.is_machine_checked else "reviewer",
            }
            for r in register.requirements.all()
        ],
    }


@registers_router.get("", response=list[schemas.RegisterOut], summary="List registers")
def list_registers(request):
    return [
        _register_out(r)
        for r in Register.objects.select_related("municipality").prefetch_related("requirements")
    ]


@registers_router.get("/{slug}", response=schemas.RegisterOut, summary="One register with its requirements")
def get_register(request, slug: str):
    return _register_out(get_object_or_404(Register, slug=slug))


# --- places --------------------------------------------------------------------------------------------------
places_router = Router(tags=["places"])


@places_router.get("", response={200: list[schemas.PlaceOut], 422: schemas.ErrorOut}, summary="Listed places")
def list_places(request: HttpRequest, limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0)):
    """Approved places; filter with q, register, kind, amenity (repeatable), audience, district, neighbourhood,
    open_now — the same filters as the register page."""
    form = PlaceFilterForm(request.GET)
    if not form.is_valid():
        raise ValidationError(
            {field: [e["message"] for e in errs] for field, errs in form.errors.get_json_data().items()}
        )
    return _listed_out(filter_places(Place.objects.listed(), form.cleaned_data))[offset : offset + limit]


class NearbyOut(schemas.PlaceOut):
    minutes: float


def _travel_params(mode: str, minutes: int, lat: float = 0.0, lon: float = 0.0) -> None:
    errors = {}
    if not -90 <= lat <= 90:
        errors["lat"] = [_("Latitude must be between -90 and 90.")]
    if not -180 <= lon <= 180:
        errors["lon"] = [_("Longitude must be between -180 and 180.")]
    for field, check, value in (
        ("mode", travel.check_mode, mode),
        ("minutes", travel.check_minutes, minutes),
    ):
        try:
            check(value)
        except travel.TravelError as error:
            errors[field] = [str(error)]
    if errors:
        raise ValidationError(errors)


class _NearbyRecords:
    """The listed places' records as ready JSON, for the nearby search (a hot path: no query, no encoding).

    Built from the open-data records and reused until the index of reachable places changes (a place saved,
    listed or unlisted, here or in another process), a listing expires, or MAX_AGE_S pass (changes that
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
        if self._index is index and now < self._valid_until:
            return self._fragments
        with self._lock:
            if self._index is index and now < self._valid_until:  # built by another thread meanwhile
                return self._fragments
            records = opendata.listed_records()
            fragments = {}
            for record in records:
                # The record without its closing brace: the answer adds ', "minutes": m}'.
                fragments[record["id"]] = json.dumps(_place_out(record), cls=DjangoJSONEncoder)[:-1].encode()
            expiry = Application.objects.listed().aggregate(first=Min("expires_at"))["first"]
            self._fragments = fragments
            self._valid_until = min(now + self.MAX_AGE_S, expiry.timestamp() if expiry else float("inf"))
            self._index = index
            return fragments


nearby_records = _NearbyRecords()
_FILTERS = frozenset(PlaceFilterForm.base_fields)


@places_router.get(
    "/nearby", response={200: list[NearbyOut], 422: schemas.ErrorOut}, summary="Places reachable from a point"
)
def nearby_places(request: HttpRequest, lat: float, lon: float, mode: str = "walk", minutes: int = 15):
    """Listed places reachable from (lat, lon) within `minutes` on foot or by bike over the street network,
    nearest first; combine with the register filters (kind, amenity, audience, register, district, ...)."""
    _travel_params(mode, minutes, lat, lon)
    # Only the filters present in the query (usually none) are looked at; empty ones, as forms send them, are none.
    filtered = any(value for name, values in request.GET.lists() if name in _FILTERS for value in values)
    if filtered:
        form = PlaceFilterForm(request.GET)
        if not form.is_valid():
            raise ValidationError(
                {field: [e["message"] for e in errs] for field, errs in form.errors.get_json_data().items()}
            )
    index = travel.reach_index(mode)
    try:
        reached = travel.reachable_places(lat, lon, mode, minutes, index=index)
    except travel.TravelError as error:
        raise ValidationError({"lat": [str(error)]}) from error
    fragments = nearby_records.get(index)
    if filtered and reached:
        kept = set(
            filter_places(Place.objects.filter(public_id__in=reached), form.cleaned_data).values_list(
                "public_id", flat=True
            )
        )
        reached = {k: v for k, v in reached.items() if k in kept}
    # Answered directly, in the documented shape: validating the records again would cost more than the search.
    # %a of a float is its shortest repr, as JSON writes it.
    answers = sorted((m, pid) for pid, m in reached.items() if pid in fragments)
    body = b", ".join(b'%b, "minutes": %a}' % (fragments[pid], m) for m, pid in answers)
    return HttpResponse(b"[" + body + b"]", content_type="application/json")


@places_router.get("/{public_id}", response={200: schemas.PlaceOut}, summary="One listed place")
def get_place(request, public_id: str):
    records = opendata.listed_records([public_id])
    if not records:
        raise Http404(_("No listed place has id '%(id)s'.") % {"id": public_id})
    return _place_out(records[0])


def _write_place(request, payload: schemas.PlaceIn, place: Place | None) -> dict:
    data = payload.dict(exclude_unset=True)
    hours = data.pop("opening_hours", None)
    organisation_id = data.pop("organisation", None)
    if place is None:
        organisation = (
            managed_organisations(request.user, Action.CREATE_PLACE).filter(pk=organisation_id).first()
        )
        if organisation is None:
            raise ValidationError({"organisation": [_("Give the id of an organisation you administer.")]})
    else:
        organisation = place.operator
        # A partial update keeps the fields it does not mention.
        current = {
            f: getattr(place, f)
            for f in (
                "kind",
                "name_it",
                "name_en",
                "description_it",
                "description_en",
                "address",
                "postcode",
                "lat",
                "lon",
                "desks",
                "audiences",
                "accessibility",
                "price_notes_it",
                "price_notes_en",
                "email",
                "phone",
                "website",
                "photo_alt",
            )
        }
        current["amenities"] = list(place.amenities.values_list("code", flat=True))
        data = {**current, **data}
    data = {k: v for k, v in data.items() if v is not None}
    form_data = QueryDict(mutable=True)
    for key, value in data.items():
        form_data.setlist(key, [str(v) for v in value] if isinstance(value, list) else [value])
    saved = save_place(request.user, organisation, form_data, None, place)
    if hours is not None:
        set_opening_hours(request.user, saved, [(h["weekday"], h["opens"], h["closes"]) for h in hours])
    saved = Place.objects.get(pk=saved.pk)
    return {"id": saved.public_id, "url": saved.get_absolute_url(), "state": "saved"}


@places_router.post(
    "",
    auth=AUTH,
    response={201: dict, 422: schemas.ErrorOut, 403: schemas.ErrorOut},
    summary="Create a place",
)
def create_place(request, payload: schemas.PlaceIn):
    return 201, _write_place(request, payload, None)


@places_router.patch(
    "/{public_id}",
    auth=AUTH,
    response={200: dict, 422: schemas.ErrorOut, 403: schemas.ErrorOut},
    summary="Update a place",
)
def update_place(request, public_id: str, payload: schemas.PlaceIn):
    place = get_object_or_404(Place, public_id=public_id)
    require(request.user, Action.EDIT_PLACE, place)
    return _write_place(request, payload, place)


# --- areas and stations --------------------------------------------------------------------------------------
geo_router = Router(tags=["areas and stations"])


@geo_router.get(
    "/areas", response=list[schemas.AreaOut], summary="Districts (Municipi) and neighbourhoods (NIL)"
)
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


@geo_router.get("/areas.geojson", summary="Area boundaries as GeoJSON")
def areas_geojson(request, level: Area.Level = Area.Level.NEIGHBOURHOOD):
    features = [a.geojson_feature() for a in Area.objects.filter(level=level)]
    return JsonResponse(
        {"type": "FeatureCollection", "features": features}, content_type="application/geo+json"
    )


@geo_router.get("/stations", response=list[schemas.StationOut], summary="Transit stations")
def list_stations(request, kind: Stop.Kind | None = None):
    stops = Stop.objects.all()
    if kind:
        stops = stops.filter(kind=kind)
    return list(stops.values("code", "name", "kind", "lines", "lat", "lon"))


@geo_router.get("/stations.geojson", summary="Transit stations as GeoJSON")
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


@geo_router.get(
    "/isochrone", response={200: dict, 422: schemas.ErrorOut}, summary="Area reachable from a point"
)
def isochrone(request, lat: float, lon: float, mode: str = "walk", minutes: int = 15):
    """GeoJSON Feature (Polygon or MultiPolygon, WGS84) of the streets' surroundings reachable in `minutes`."""
    _travel_params(mode, minutes, lat, lon)
    try:
        feature = travel.isochrone(lat, lon, mode, minutes)
    except travel.TravelError as error:
        raise ValidationError({"lat": [str(error)]}) from error
    return JsonResponse(feature, content_type="application/geo+json")


@geo_router.get("/geocode", summary="Find a street or an address in the city's map (offline)")
def geocode(request, q: str = Query(..., min_length=2, max_length=100)):
    return [
        {"label": c.label, "lat": c.lat, "lon": c.lon, "score": round(c.score, 3), "kind": c.kind}
        for c in travel.streets().search(q)[:10]
    ]


@geo_router.get(
    "/coverage", response={200: list[dict], 422: schemas.ErrorOut}, summary="Coverage by neighbourhood"
)
def coverage(request, mode: str = "walk", minutes: int = 15):
    """For each neighbourhood (NIL): residents and the share within `minutes` of a listed place
    (null where the street map does not cover the neighbourhood)."""
    _travel_params(mode, minutes)
    return [
        {
            "code": r.code,
            "name": r.name,
            "district": r.district,
            "population": r.population,
            "share": None if r.share is None else round(r.share, 4),
        }
        for r in travel.coverage(mode, minutes)
    ]


# --- applications --------------------------------------------------------------------------------------------
applications_router = Router(tags=["applications"], auth=AUTH)


def _application_out(request, application: Application) -> dict:
    return {
        "id": application.pk,
        "place": application.place.public_id,
        "register": application.register.slug,
        "state": application.state,
        "submitted_at": application.submitted_at,
        "expires_at": application.expires_at,
        "allowed_actions": allowed_actions(request.user, application),
        "requirements": [
            {
                "requirement": r.requirement.pk,
                "label": r.requirement.label,
                "passed": r.passed,
                "message": r.message,
            }
            for r in check_requirements(application.place, application.register)
        ],
        "pending_checks": [r.pk for r in pending_reviewer_checks(application)],
        "history": [
            {
                "action": e.action,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "actor": e.actor.username if e.actor else None,
                "at": e.at,
                "note": e.note,
            }
            for e in application.events.select_related("actor")
        ],
    }


def _visible_application(request, pk: int) -> Application:
    application = get_object_or_404(Application.objects.select_related("place", "register"), pk=pk)
    require(request.user, Action.VIEW_APPLICATION, application)
    return application


@applications_router.get(
    "", response=list[schemas.ApplicationOut], summary="Applications you manage or review"
)
def list_applications(request, state: Application.State | None = None):
    organisations = managed_organisations(request.user, Action.VIEW_APPLICATION)
    applications = Application.objects.filter(place__operator__in=organisations) | Application.objects.filter(
        register__in=reviewed_registers(request.user)
    )
    if state:
        applications = applications.filter(state=state)
    applications = applications.select_related("place", "register").prefetch_related(
        Prefetch("register__requirements", queryset=Requirement.objects.all())
    )
    return [_application_out(request, a) for a in applications.distinct()]


@applications_router.post(
    "",
    response={201: schemas.ApplicationOut, 409: schemas.ErrorOut, 403: schemas.ErrorOut},
    summary="Start a draft application of a place to a register",
)
def create_application(request, payload: schemas.ApplicationIn):
    place = get_object_or_404(Place, public_id=payload.place)
    register = get_object_or_404(Register, slug=payload.register)
    return 201, _application_out(request, start_application(place, register, request.user))


@applications_router.get("/{pk}", response=schemas.ApplicationOut, summary="One application with its history")
def get_application(request, pk: int):
    return _application_out(request, _visible_application(request, pk))


@applications_router.post(
    "/{pk}/transitions",
    response={200: schemas.ApplicationOut, 409: schemas.ErrorOut, 403: schemas.ErrorOut},
    summary="Move an application (submit, approve, …)",
)
def apply_transition(request, pk: int, payload: schemas.TransitionIn):
    application = _visible_application(request, pk)
    return _application_out(request, transition(application, payload.action, request.user, payload.note))


@applications_router.post(
    "/{pk}/checks",
    response={200: schemas.ApplicationOut, 409: schemas.ErrorOut, 403: schemas.ErrorOut},
    summary="Tick or untick a reviewer's check",
)
def set_check(request, pk: int, payload: schemas.CheckIn):
    application = _visible_application(request, pk)
    requirement = get_object_or_404(Requirement, pk=payload.requirement)
    tick_check(application, requirement, request.user, payload.ticked)
    return _application_out(request, application)


api.add_router("/registers", registers_router)
api.add_router("/places", places_router)
api.add_router("", geo_router)
api.add_router("/applications", applications_router)

api.add_router("/booking", booking_router)
api.add_router("/agreements", agreements_router)
