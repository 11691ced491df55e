"""What every family of booking actions shares: the refusals, times in words, the resource as the locking query reads it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS
from django.db.models import (
    DateField,
    DateTimeField,
    IntegerField,
    TimeField,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vicinato.lib.errors import Conflict
from vicinato.register.models import Place

from ..models import (
    Reservation,
    Resource,
    WaitingListEntry,
)

S = Reservation.State
W = WaitingListEntry.State


class BookingError(Conflict):
    """A booking that cannot be made or changed now (no free unit, a refused move); the API answers 409."""


# Every code a refusal of the booking services gives (a rule's, or another refused input's) and what it means:
# the API gives them in `codes` and lists them in its docs. Each is declared next to what gives it.
RULE_CODES: dict[str, str] = {}


def declare(code: str, means: str) -> str:
    """Declare a refusal code (once, where it is given) and what it means; gives back the code."""
    RULE_CODES[code] = means
    return code


@dataclass(frozen=True)
class Refusal:
    rule: str  # which rule refused: "opening_hours", "notice", "per_day", ... (declared in RULE_CODES)
    field: str  # the input to change
    message: str

    def __post_init__(self):
        if self.rule not in RULE_CODES:
            raise ValueError(f"Declare the refusal code '{self.rule}' with declare() where it is given.")


# --- small helpers ---------------------------------------------------------------------------------------------
def _minutes(start: datetime, end: datetime) -> int:
    return int((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() // 60)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _hm(value: time | datetime) -> str:
    return value.strftime("%H:%M")


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def duration_text(minutes: int) -> str:
    """'2 hours', '30 minutes', '1 hour 30 minutes'."""
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if rest or not hours:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", rest) % {"n": rest})
    return " ".join(parts)


REASON_REQUIRED = declare(
    "reason_required", "the place's staff cancel or reject without the reason the person is told"
)


def reason_required() -> ValidationError:
    """A missing reason for the people whose bookings the place's staff cancel."""
    return ValidationError(_("Write the reason for the people who booked."), code=REASON_REQUIRED)


def _validation_error(refusals: list[Refusal]) -> ValidationError:
    errors: dict[str, list[ValidationError]] = defaultdict(list)
    for refusal in refusals:
        errors[refusal.field].append(ValidationError(refusal.message, code=refusal.rule))
    return ValidationError(dict(errors))


# --- resources read by prepared queries ------------------------------------------------------------------------
_RESOURCE_FIELDS = tuple(f.attname for f in Resource._meta.concrete_fields)
PLACE_COLUMNS = tuple(f.attname for f in Place._meta.concrete_fields)
RESOURCE_COLUMNS = (*_RESOURCE_FIELDS, *(f"place__{name}" for name in PLACE_COLUMNS))


def place_from_columns(values) -> Place:
    """The place whose row a query gave as `PLACE_COLUMNS` first (e.g. in a `Prepared` values_list)."""
    return Place.from_db(DEFAULT_DB_ALIAS, PLACE_COLUMNS, values[: len(PLACE_COLUMNS)])


def resource_from_columns(values) -> Resource:
    """The resource with its place, from `RESOURCE_COLUMNS` first (as `select_related("place")` gives it)."""
    resource = Resource.from_db(DEFAULT_DB_ALIAS, _RESOURCE_FIELDS, values[: len(_RESOURCE_FIELDS)])
    resource.place = place_from_columns(values[len(_RESOURCE_FIELDS) :])
    return resource


_INT, _DATE, _TIME, _DATETIME = IntegerField(), DateField(), TimeField(), DateTimeField()


def _refusal_text(error: ValidationError | BookingError) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
