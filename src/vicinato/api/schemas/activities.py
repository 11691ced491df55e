"""Shapes of the activities' API: advice services, slots, appointments, events and registrations."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema


class PlaceRef(Schema):
    id: str
    name: str
    address: str
    nil: str | None = None
    municipio: str | None = None


class ServiceOut(Schema):
    id: int
    kind: str
    name: str
    description: str
    organisation: str
    places: list[PlaceRef]
    modes: list[str] = Field(description="in_person, phone, video")
    minutes: int
    price_cents: int
    audiences: list[str]
    notice_hours: int = Field(description="Book, change and cancel until this many hours before")
    days_ahead: int


class SlotOut(Schema):
    start: datetime
    end: datetime
    advisor: int
    advisor_name: str
    place: str = Field(description="Place id")


class AppointmentIn(Schema):
    advisor: int
    place: str = Field(description="Place id")
    start: datetime
    mode: str = "in_person"
    reason: str = Field("", max_length=2000, description="Private: only the advisor and you see it")
    phone: str = ""


class RescheduleIn(Schema):
    start: datetime
    advisor: int | None = None
    place: str | None = None


class ReasonIn(Schema):
    reason: str = ""


class MarkIn(Schema):
    outcome: str = Field(description="done or no_show")


class WaitIn(Schema):
    place: str | None = Field(None, description="Place id; empty: any place of the service")
    mode: str = "in_person"
    reason: str = ""
    phone: str = ""


class WaitOut(Schema):
    id: int
    service: int
    place: str | None
    state: str


class AppointmentOut(Schema):
    id: int
    service: int
    service_name: str
    advisor: str
    place: str
    mode: str
    start: datetime
    end: datetime
    state: str
    reason: str | None = Field(None, description="Only for the person and the advisor")
    offer_expires_at: datetime | None = None
    change_until: datetime = Field(description="The person may change or cancel it until then")
    url: str


class SessionOut(Schema):
    start: datetime
    end: datetime
    room: str | None
    cancelled: bool


class QuestionOut(Schema):
    id: int
    label: str
    kind: str
    choices: list[str]
    required: bool


class EventOut(Schema):
    id: str
    kind: str
    title: str
    title_en: str
    description: str
    organiser: str
    place: PlaceRef | None
    online_url: str
    language: str
    audiences: list[str]
    free: bool
    price_cents: int
    capacity: int | None
    registration: bool
    registration_closes: datetime | None
    state: str
    starts_at: datetime
    ends_at: datetime
    url: str


class EventDetailOut(EventOut):
    sessions: list[SessionOut]
    questions: list[QuestionOut]
    places_left: int | None = Field(None, description="Empty: no limit")


class RegistrationIn(Schema):
    answers: dict[str, str] = Field(default_factory=dict, description="Answers by question id")


class RegistrationOut(Schema):
    id: int
    event: str
    state: str = Field(description="confirmed, waiting, offered, cancelled, expired")
    position: int | None = Field(None, description="Turn on the waiting list")
    offer_expires_at: datetime | None = None


class AgendaQuery(Schema):
    kind: str = ""
    since: date | None = Field(None, alias="from")
    until: date | None = Field(None, alias="to")
    municipio: str = ""
    nil: str = ""
    audience: str = ""
    free: bool = False
    language: str = ""
    place: str = ""
    organiser: int | None = None
    q: str = ""
