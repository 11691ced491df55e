"""Booking a resource: the locking read, every rule and the capacity, the insert, the idempotency key."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.db.models import (
    CharField,
    Exists,
    OuterRef,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vicinato.lib.errors import Conflict
from vicinato.lib.prepared import Param, Prepared, PreparedInsert
from vicinato.register.models import Application

from .. import signals
from ..models import (
    MonthlyPass,
    Reservation,
    ReservationEvent,
    ReservationSeries,
    Resource,
    Unit,
)
from .capacity import _booked, _peak, active_units
from .common import (
    _DATETIME,
    _INT,
    RESOURCE_COLUMNS,
    BookingError,
    Refusal,
    S,
    _local_midnight,
    _minutes,
    _validation_error,
    declare,
    resource_from_columns,
)
from .passes import holding_pass, month_of
from .rules import (
    _PERIOD_COLUMNS,
    Attempt,
    _limits,
    _Period,
    _period_columns,
    _period_values,
    _refusals,
)
from .unit_choice import UNIT, _choose_unit

IDEMPOTENCY_KEY = declare("idempotency_key", "an Idempotency-Key already used for another booking")


# --- reserving -------------------------------------------------------------------------------------------------
# What a booking made with an idempotency key was; run on every refused booking that sends a key.
_KEYED = Prepared(
    lambda: Reservation.objects.filter(
        person_id=Param("person", _INT), idempotency_key=Param("key", CharField())
    ).values_list("pk", "resource_id", "start", "end", "units", "unit_id")
)


def _replay(
    person, key: str, resource: Resource, start, end, units: int, unit: int | None = None
) -> Reservation | None:
    rows = _KEYED.rows(person=person.pk, key=key)
    if not rows:
        return None
    [(pk, *made, unit_id)] = rows
    if tuple(made) != (resource.pk, start, end, units) or (unit is not None and unit_id != unit):
        raise ValidationError(
            {
                "idempotency_key": [
                    ValidationError(
                        _("This Idempotency-Key was used for another booking; send a new key."),
                        code=IDEMPOTENCY_KEY,
                    )
                ]
            }
        )
    return Reservation.objects.get(pk=pk)


def _day_slots(resource: Resource, start: datetime, end: datetime) -> list[tuple[date, int]]:
    """Each Rome calendar day a booking of [start, end) covers, with the slots it lasts on it (a slot begun
    counts)."""
    slot, counts = resource.slot_minutes, []
    moment, end = timezone.localtime(start), timezone.localtime(end)
    while moment < end:
        midnight = _local_midnight(moment.date() + timedelta(days=1))
        part_end = min(end, midnight)
        counts.append((moment.date(), -(-_minutes(moment, part_end) // slot)))
        moment = part_end
    return counts


def price_cents(
    resource: Resource,
    start: datetime,
    end: datetime,
    units: int = 1,
    monthly_pass: MonthlyPass | None = None,
) -> int:
    """What a booking costs: the price per slot for each slot, but for each Rome calendar day it covers never
    more than the price per day (a day pass); with a price per day and none per slot, the price per day for
    each day. Times `units`, less one unit on the days of `monthly_pass`'s month (the person's pass)."""
    per_slot, per_day = resource.price_cents_per_slot, resource.price_cents_per_day
    total = 0
    for day, slots in _day_slots(resource, start, end):
        if per_day is None:
            cost = per_slot * slots
        elif per_slot:
            cost = min(per_slot * slots, per_day)
        else:
            cost = per_day
        covered = monthly_pass is not None and month_of(day) == monthly_pass.month
        total += cost * (units - 1 if covered else units)
    return total


def _capacity_error(resource: Resource, free: int) -> BookingError:
    if free <= 0:
        return BookingError(
            _("No unit of this resource is free at that time; choose another time or join the waiting list.")
        )
    return BookingError(
        ngettext(
            "Only %(free)d unit is free at that time; book fewer units or choose another time.",
            "Only %(free)d units are free at that time; book fewer units or choose another time.",
            free,
        )
        % {"free": free}
    )


_INSERT_EVENT = PreparedInsert(
    ReservationEvent, ("reservation", "action", "from_state", "to_state", "actor", "at", "note")
)


def _record(reservation: Reservation, action: str, source: str, actor, at: datetime, note: str = "") -> None:
    _INSERT_EVENT.run(
        reservation=reservation.pk,
        action=action,
        from_state=source,
        to_state=reservation.state,
        actor=actor.pk if actor is not None else None,
        at=at,
        note=note,
    )
    signals.reservation_changed.send(
        sender=Reservation,
        reservation=reservation,
        action=action,
        source=source,
        actor=actor,
        at=at,
        note=note,
    )


# The resource with its place and the columns of `_Period`. Only the resource's row is locked: locking its
# place too would queue the bookings of all its resources.
# Called with a resource just read and whether its place is listed; raises to refuse to show it (Http404).
Visible = Callable[[Resource, bool], None]


def listed_column(place: str) -> Exists:
    """Whether the place the field `place` points to is listed now (as `Place.objects.listed()`), as a column
    of the same query (the parameter `now`)."""
    return Exists(Application.objects.listed(Param("now", _DATETIME)).filter(place_id=OuterRef(place)))


# The last column says whether its place is listed: `reserve(visible=...)` decides with it who may see it.
_LOCK_RESOURCE = Prepared(
    lambda: (
        Resource.objects.select_for_update(of=("self",))
        .filter(pk=Param("resource", _INT))
        .annotate(**_period_columns(), listed=listed_column("place_id"))
        .order_by()
        .values_list(*RESOURCE_COLUMNS, *_PERIOD_COLUMNS, "listed")
    )
)
_LOCK_PERSON = Prepared(
    lambda: get_user_model().objects.select_for_update().filter(pk=Param("person", _INT)).values_list("pk")
)
_INSERT_RESERVATION = PreparedInsert(
    Reservation,
    (
        "resource",
        "person",
        "start",
        "end",
        "units",
        "unit",
        "state",
        "price_cents",
        "idempotency_key",
        "series",
        "monthly_pass",
        "created_at",
    ),
)


def _lock_resource(pk: int, start: datetime, end: datetime, now: datetime) -> tuple[Resource, _Period, bool]:
    """Take the resource's row lock; gives it back as it is now, with its place, its `_Period` and whether
    the place is listed."""
    rows = _LOCK_RESOURCE.rows(resource=pk, now=now, **_period_values(start, end))
    if not rows:
        raise Resource.DoesNotExist(f"Resource {pk} does not exist.")
    [row] = rows
    return resource_from_columns(row), _Period.from_columns(*row[len(RESOURCE_COLUMNS) : -1]), row[-1]


def _check_locked(
    attempt: Attempt,
    *,
    exclude_offer: int | None = None,
    unit: int | None = None,
    prefer: int | None = None,
    visible: Visible | None = None,
) -> tuple[Resource, Unit | None]:
    """Take the resource's row lock and check the attempted booking against every rule and the capacity
    (`attempt.exclude`: a reservation not to count, the one being moved); gives back the resource as it is now
    and the named unit to hold: `unit` if it is free, else (None) `prefer` or the first free one.

    It reads what the rules and the capacity need in two queries (one with the lock), so that a booking costs
    a few queries whatever the number of rules; a resource with named units reads them too (one more query).
    The lock serialises the bookings of the resource, so two never take the same unit. `visible(resource,
    listed)`, called once the resource is read, may refuse to show it (the API's 404): then `attempt.resource`
    may be a bare `Resource(pk=...)`, and the one read of the resource is the locking one."""
    person, start, end, now = attempt.person, attempt.start, attempt.end, attempt.now
    if timezone.is_naive(start) or timezone.is_naive(end) or end <= start:
        if visible is not None:  # the resource may be bare: read it (a refusal, the rare path)
            attempt.resource, _period_, listed = _lock_resource(
                attempt.resource.pk, now, now + timedelta(minutes=1), now
            )
            visible(attempt.resource, listed)
        raise _validation_error(_refusals(attempt))  # the times stop the rules: no query needed
    resource, attempt.known_period, listed = _lock_resource(attempt.resource.pk, start, end, now)
    attempt.resource = resource
    if visible is not None:
        visible(resource, listed)
    limits = _limits(resource)
    if limits:
        # The person's limits span the place: serialise this person's bookings too.
        _LOCK_PERSON.rows(person=person.pk)
    window_end = end + resource.buffer
    booked = attempt.known_booked = _booked(
        resource,
        start,
        window_end,
        now,
        person if limits else None,
        attempt.exclude,
        exclude_offer=exclude_offer,
        me=person.pk,
    )
    refusals = _refusals(attempt)
    if unit is not None and not resource.has_named_units:
        refusals.append(
            Refusal(UNIT, "unit", _("This resource has no named units; leave the unit out to book one."))
        )
    if refusals:
        raise _validation_error(refusals)
    if resource.has_named_units:
        return resource, _choose_unit(
            resource, active_units(resource), booked.by_unit, start, window_end, unit, prefer
        )
    free = resource.capacity - _peak(booked.held, start, window_end)
    if attempt.units > free:
        raise _capacity_error(resource, free)
    return resource, None


def _reserve_locked(
    attempt: Attempt,
    idempotency_key: str | None = None,
    series: ReservationSeries | None = None,
    **hold,
) -> Reservation:
    """Check (`_check_locked`, given `hold`: its keyword arguments) and insert a reservation, in a
    transaction."""
    resource, held_unit = _check_locked(attempt, **hold)
    person, start, end, units, now = attempt.person, attempt.start, attempt.end, attempt.units, attempt.now
    monthly_pass = holding_pass(person, resource, start)
    reservation = Reservation(
        resource=resource,
        person=person,
        start=start,
        end=end,
        units=units,
        unit=held_unit,
        state=S.REQUESTED if resource.requires_approval else S.CONFIRMED,
        price_cents=price_cents(resource, start, end, units, monthly_pass),
        idempotency_key=idempotency_key or None,
        series=series,
        monthly_pass=monthly_pass,
        created_at=timezone.now(),
    )
    reservation.pk = _INSERT_RESERVATION.run(
        **{
            name: getattr(reservation, Reservation._meta.get_field(name).attname)
            for name in _INSERT_RESERVATION.fields
        }
    )
    reservation._state.adding, reservation._state.db = False, DEFAULT_DB_ALIAS
    _record(reservation, "create", "", person, now)
    return reservation


def reserve(
    person,
    resource: Resource,
    start: datetime,
    end: datetime,
    units: int = 1,
    idempotency_key: str | None = None,
    *,
    series: ReservationSeries | None = None,
    unit: int | None = None,
    prefer: int | None = None,
    now: datetime | None = None,
    visible: Visible | None = None,
) -> Reservation:
    """Book `units` of `resource` from `start` to `end`, or refuse: ValidationError naming the rule (422),
    BookingError when no unit is free (409). The same idempotency key gives back the same reservation.
    With `visible` (see `_check_locked`) `resource` may be a bare `Resource(pk=...)`.

    A resource with named units is booked one unit at a time: `unit` (its id) if it is free, or, without
    it, `prefer` if free, else the first free one in the units' order."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return _reserve_locked(
                Attempt(person, resource, start, end, units, now),
                idempotency_key,
                series,
                unit=unit,
                prefer=prefer,
                visible=visible,
            )
    except (IntegrityError, ValidationError, Conflict):
        # A key already used: its booking stands. The unique key refused this insert, or the rules or the
        # capacity (which count that booking) refused it first. Looked up on failures only: new keys, the
        # usual case, cost no query.
        if idempotency_key and (
            existing := _replay(person, idempotency_key, resource, start, end, units, unit)
        ):
            return existing
        raise
