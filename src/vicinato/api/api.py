"""The REST API (/api/v1/): one NinjaAPI with its OpenAPI 3 docs, its one error contract and its routers.

The endpoints live one module per domain (`register`, `geo`, `booking`, `agreements`), thin over each domain's
services, which decide."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.operation import Operation

from vicinato.booking.services import RULE_CODES
from vicinato.lib.errors import Conflict
from vicinato.lib.ratelimit import RateLimited

from . import activities, agreements, booking, geo, impact, impact_reports, planning, register
from .operations import operation_id
from .schemas.common import ErrorOut

# The refusals an operation may answer whatever its own entry says, and when (see VicinatoAPI.get_openapi_schema).
ERROR_ANSWERS = {
    "400": "The body is not valid JSON",
    "401": "Sign in, or send a token",
    "403": "Not allowed",
    "404": "Not found (also what is another person's)",
    "413": "The body is too large",
    "429": "Too many requests of a kind for now (e.g. wrong tokens from one address): see Retry-After",
    "422": "A field or a rule refuses (a message per field), e.g. a date outside 1900-2200",
}


class VicinatoAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        return operation_id(operation.view_func.__module__, operation.view_func.__name__)

    def get_openapi_schema(self, **kwargs):
        """Ninja's document, with the error answers every operation can give declared on each (in the API's
        error shape): 422 everywhere (the input checks of ApiInputMiddleware), 404 with a path parameter,
        401, 403 and 429 (too many wrong tokens) with authentication, 400 and 413 with a body."""
        schema = super().get_openapi_schema(**kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault(
            "ErrorOut", ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                codes = {"422"}
                if "{" in path:
                    codes.add("404")
                if operation.get("security"):
                    codes |= {"401", "403", "429"}
                if "requestBody" in operation:
                    codes |= {"400", "413"}
                responses = operation.setdefault("responses", {})
                declared = {str(code) for code in responses}  # ninja's own keys are numbers
                for code in sorted(codes - declared):
                    responses[int(code)] = {"description": ERROR_ANSWERS[code], "content": error}
        return schema


api = VicinatoAPI(
    title="Vicinato API",
    version="1",
    description="Public register of places for proximity work: registers, places, areas, stations, applications.",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


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
- a field refused as the pages' forms refuse it: the form's code, e.g. `invalid_choice`, `min_value`, `required`;
- `out_of_range`: a date or number so far out that it cannot be used (e.g. year 9999);
- `invalid`: any other refusal (read its message).
"""
api.description += ERRORS_DOC % {
    "rules": ", ".join(f"`{code}` ({text})" for code, text in RULE_CODES.items())
}


# --- the error contract: every refusal of every endpoint -------------------------------------------------------
def _error(request, status: int, detail: str, errors: dict | None = None, **extra):
    return api.create_response(request, {"detail": detail, "errors": errors or {}, **extra}, status=status)


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


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    """Ninja's own refusals (a body it cannot read: most are refused before, by ApiInputMiddleware), in the
    API's error shape."""
    return _error(request, exc.status_code, str(exc))


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


@api.exception_handler(RateLimited)
def on_rate_limited(request, exc: RateLimited):
    """Too many actions of a kind for now (e-mails sent, invitations): when to try again, in Retry-After."""
    answer = _error(request, 429, str(exc))
    answer["Retry-After"] = str(exc.retry_after)
    return answer


@api.exception_handler(Conflict)
def on_conflict(request, exc: Conflict):
    """What the state of things refuses now (a transition, no unit free, a spent budget). A register's
    transition refused by its requirements also lists them (`failures`)."""
    if not hasattr(exc, "failures"):
        return _error(request, 409, str(exc))
    failures = [
        {"requirement": f.requirement.pk, "label": f.requirement.label, "message": f.message}
        for f in exc.failures
    ]
    return _error(request, 409, str(exc), failures=failures)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return _error(request, 403, str(exc) or _("You are not allowed to do this."))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return _error(request, 401, _("Sign in, or send a token as 'Authorization: Bearer <token>'."))


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, str(exc) or _("Not found."))


# --- the routers -----------------------------------------------------------------------------------------------
api.add_router("/registers", register.registers_router)
api.add_router(
    "", geo.router
)  # before the places: it holds /places/nearby, which /places/{public_id} would take
api.add_router("/places", register.places_router)
api.add_router("/applications", register.applications_router)
api.add_router("/booking", booking.router)
api.add_router("/agreements", agreements.router)
api.add_router("/activities/", activities.router)
api.add_router("/impact", impact.router)
api.add_router("/impact", impact_reports.router)
api.add_router("/planning/", planning.router)
