"""The register's endpoints: registers, places and applications (/api/v1/registers, /places, /applications)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, QueryDict
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router

from vicinato.api.lookups import named_in_body
from vicinato.lib.forms import form_errors
from vicinato.register import opendata
from vicinato.register.forms import PlaceFilterForm, PlaceForm
from vicinato.register.models import Application, Place, Register, Requirement
from vicinato.register.permissions import Action, managed_organisations, require, reviewed_applications
from vicinato.register.services import filter_places, save_place, set_opening_hours
from vicinato.register.workflow import (
    allowed_actions,
    check_requirements,
    pending_reviewer_checks,
    start_application,
    tick_check,
    transition,
)

from .auth import AUTH
from .schemas.common import ErrorOut, history
from .schemas.register import (
    ApplicationIn,
    ApplicationOut,
    CheckIn,
    PlaceIn,
    PlaceOut,
    RegisterOut,
    TransitionIn,
)


def place_out(record: dict) -> dict:
    """A listed place's open-data record as the API answers it."""
    return {**record, "registers": record["register"]}


def _listed_out(queryset) -> list[dict]:
    """Records of the listed places in `queryset` (ids first: one small query, then cached records)."""
    return [place_out(r) for r in opendata.listed_records(queryset.values_list("public_id", flat=True))]


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


@registers_router.get("", response=list[RegisterOut], summary="List registers")
def list_registers(request):
    return [
        _register_out(r)
        for r in Register.objects.select_related("municipality").prefetch_related("requirements")
    ]


@registers_router.get("/{slug}", response=RegisterOut, summary="One register with its requirements")
def get_register(request, slug: str):
    return _register_out(get_object_or_404(Register, slug=slug))


# --- places --------------------------------------------------------------------------------------------------
# The places reachable from a point (/places/nearby) are geo's (`vicinato.api.geo`).
places_router = Router(tags=["places"])


@places_router.get("", response={200: list[PlaceOut], 422: ErrorOut}, summary="Listed places")
def list_places(request: HttpRequest, limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0)):
    """Approved places; filter with q, register, kind, amenity (repeatable), audience, district, neighbourhood,
    open_now — the same filters as the register page."""
    form = PlaceFilterForm(request.GET)
    if not form.is_valid():
        raise form_errors(form)
    return _listed_out(filter_places(Place.objects.listed(), form.cleaned_data))[offset : offset + limit]


@places_router.get("/{public_id}", response={200: PlaceOut}, summary="One listed place")
def get_place(request, public_id: str):
    records = opendata.listed_records([public_id])
    if not records:
        raise Http404(_("No listed place has id '%(id)s'.") % {"id": public_id})
    return place_out(records[0])


# The fields a partial update keeps when it does not mention them: the form's, but for the photo (the API
# does not upload one) and the amenities (read from their own table).
_PLACE_FIELDS = tuple(f for f in PlaceForm._meta.fields if f not in ("amenities", "photo"))


def _write_place(request, payload: PlaceIn, place: Place | None) -> dict:
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
        current = {f: getattr(place, f) for f in _PLACE_FIELDS}
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
    response={201: dict, 422: ErrorOut, 403: ErrorOut},
    summary="Create a place",
)
def create_place(request, payload: PlaceIn):
    return 201, _write_place(request, payload, None)


@places_router.patch(
    "/{public_id}",
    auth=AUTH,
    response={200: dict, 422: ErrorOut, 403: ErrorOut},
    summary="Update a place",
)
def update_place(request, public_id: str, payload: PlaceIn):
    place = get_object_or_404(Place, public_id=public_id)
    require(request.user, Action.EDIT_PLACE, place)
    return _write_place(request, payload, place)


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
        "history": history(application.events.select_related("actor")),
    }


def _visible_application(request, pk: int) -> Application:
    application = get_object_or_404(Application.objects.select_related("place", "register"), pk=pk)
    require(request.user, Action.VIEW_APPLICATION, application)
    return application


@applications_router.get("", response=list[ApplicationOut], summary="Applications you manage or review")
def list_applications(request, state: Application.State | None = None):
    organisations = managed_organisations(request.user, Action.VIEW_APPLICATION)
    applications = Application.objects.filter(place__operator__in=organisations) | reviewed_applications(
        request.user
    )
    if state:
        applications = applications.filter(state=state)
    applications = applications.select_related("place", "register").prefetch_related(
        Prefetch("register__requirements", queryset=Requirement.objects.all())
    )
    return [_application_out(request, a) for a in applications.distinct()]


@applications_router.post(
    "",
    response={201: ApplicationOut, 409: ErrorOut, 403: ErrorOut},
    summary="Start a draft application of a place to a register",
)
def create_application(request, payload: ApplicationIn):
    place = named_in_body(Place, "place", public_id=payload.place)
    register = named_in_body(Register, "register", slug=payload.register)
    return 201, _application_out(request, start_application(place, register, request.user))


@applications_router.get("/{pk}", response=ApplicationOut, summary="One application with its history")
def get_application(request, pk: int):
    return _application_out(request, _visible_application(request, pk))


@applications_router.post(
    "/{pk}/transitions",
    response={200: ApplicationOut, 409: ErrorOut, 403: ErrorOut},
    summary="Apply a transition to an application (submit, approve, …)",
)
def apply_transition(request, pk: int, payload: TransitionIn):
    application = _visible_application(request, pk)
    return _application_out(request, transition(application, payload.action, request.user, payload.note))


@applications_router.post(
    "/{pk}/checks",
    response={200: ApplicationOut, 409: ErrorOut, 403: ErrorOut},
    summary="Tick or untick a reviewer's check",
)
def set_check(request, pk: int, payload: CheckIn):
    application = _visible_application(request, pk)
    requirement = named_in_body(Requirement, "requirement", pk=payload.requirement)
    tick_check(application, requirement, request.user, payload.ticked)
    return _application_out(request, application)
