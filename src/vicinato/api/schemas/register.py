"""Shapes of the register's requests and answers: registers, places, applications."""

from __future__ import annotations

import warnings
from datetime import datetime

from ninja import Field, Schema

from .common import EventOut, OpeningInterval

# "register" is a domain word here; pydantic only warns that BaseModel once had such a method.
warnings.filterwarnings("ignore", message='Field name "register"', category=UserWarning)


class RegisterOut(Schema):
    slug: str
    name: str
    name_en: str
    owner: str
    municipality: str | None
    validity_months: int
    is_open: bool
    requirements: list[RequirementOut]


class RequirementOut(Schema):
    id: int
    kind: str
    label: str
    checked_by: str = Field(description="'machine' (at submission) or 'reviewer'")


class PlaceOut(Schema):
    id: str
    name: str
    name_en: str
    kind: str
    operator: str
    address: str
    postcode: str
    municipality: str
    municipio: str | None
    nil: str | None
    desks: int
    amenities: list[str]
    audiences: list[str]
    accessibility: list[str]
    opening_hours: str
    lat: float
    lon: float
    url: str
    registers: list[str]
    demo: bool


class PlaceIn(Schema):
    organisation: int | None = Field(None, description="Operator organisation id (required to create)")
    kind: str | None = None
    name_it: str | None = None
    name_en: str | None = None
    description_it: str | None = None
    description_en: str | None = None
    address: str | None = None
    postcode: str | None = None
    lat: float | None = None
    lon: float | None = None
    desks: int | None = None
    amenities: list[str] | None = None
    audiences: list[str] | None = None
    accessibility: list[str] | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    opening_hours: list[OpeningInterval] | None = None


class ApplicationIn(Schema):
    place: str = Field(description="Place id")
    register: str = Field(description="Register slug")


class TransitionIn(Schema):
    action: str = Field(
        description="submit, request_changes, approve, reject, suspend, reinstate, withdraw, renew, reopen"
    )
    note: str = ""


class CheckIn(Schema):
    requirement: int
    ticked: bool = True


class CheckResultOut(Schema):
    requirement: int
    label: str
    passed: bool
    message: str


class ApplicationOut(Schema):
    id: int
    place: str
    register: str = Field(..., description="Register slug")
    state: str
    submitted_at: datetime | None
    expires_at: datetime | None
    allowed_actions: list[str]
    requirements: list[CheckResultOut]
    pending_checks: list[int]
    history: list[EventOut]


RegisterOut.model_rebuild()
