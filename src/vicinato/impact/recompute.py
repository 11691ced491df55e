"""Recomputing the results in batch (`vicinato impact-recompute`): new emission factors applied in one UPDATE,
the missing results computed, or everything routed again after a change of map, timetable or profile."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import FloatField, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from vicinato.booking.models import Reservation

from . import factors as factor_files
from .models import BookingImpact
from .services import BatchReport, _happened, compute_reservations


def apply_factors(queryset=None) -> int:
    """Bring results to the current emission factors, in one UPDATE: grams are linear in the signed km by mode
    that each result keeps, so no routing is needed. Returns the number of rows updated."""
    table = factor_files.current()
    queryset = BookingImpact.objects.all() if queryset is None else queryset
    keys = set(table.grams) | set(table.aliases)  # every key trips.py writes is one of these

    def grams(pollutant: str):
        expression = Value(0.0)
        for key in sorted(keys):
            factor = table.per_km(key)[pollutant]
            if factor:
                km = Coalesce(Cast(KT(f"km_by_mode__{key}"), FloatField()), Value(0.0))
                expression = expression + km * Value(factor)
        return expression

    return queryset.update(
        co2_g=grams("co2"),
        nox_g=grams("nox"),
        pm10_g=grams("pm10"),
        factors_version=table.version,
        computed_at=timezone.now(),
    )


def missing(queryset=None):
    """Bookings that happened, of people with a profile, without a result."""
    queryset = Reservation.objects.all() if queryset is None else queryset
    return _happened(queryset).filter(person__commute_profile__isnull=False, impact__isnull=True)


CHUNK = 200_000


def recompute(*, reroute: bool = False, now: datetime | None = None, progress=None) -> dict:
    """Bring every result to the current factors; compute the missing results; with reroute, route every
    result of a person who still has a profile again (after a change of map, timetable or profile)."""
    started = timezone.now()
    now = now or started
    stale = BookingImpact.objects.exclude(factors_version=factor_files.current().version)
    updated = 0 if reroute else apply_factors(stale)
    todo = missing()
    rerouted = 0
    if reroute:
        todo = _happened(Reservation.objects.all()).filter(person__commute_profile__isnull=False)
    report = BatchReport()
    ids = list(todo.values_list("pk", flat=True).order_by("pk"))
    for start in range(0, len(ids), CHUNK):
        chunk = list(_happened(Reservation.objects.filter(pk__in=ids[start : start + CHUNK])))
        impacts, part = compute_reservations(chunk, now)
        report.computed += part.computed
        report.unroutable += part.unroutable
        with transaction.atomic():
            if reroute:
                rerouted += BookingImpact.objects.filter(reservation__in=chunk).delete()[0]
            BookingImpact.objects.bulk_create(impacts, batch_size=5000)
        if progress:
            progress(min(start + CHUNK, len(ids)), len(ids))
    if reroute:
        updated = apply_factors(stale.exclude(reservation__isnull=False))  # results no longer linked
    return {
        "factors_version": factor_files.current().version,
        "factors_applied": updated,
        "computed": report.computed,
        "unroutable": report.unroutable,
        "replaced": rerouted,
        "seconds": round((timezone.now() - started).total_seconds(), 2),
    }
