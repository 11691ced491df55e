"""The booking engine tells impact when a booking happened (booking.signals.reservation_changed): on check-in,
or on completion when there was no check-in, its savings are computed (for people with a commute profile).

Computed after the booking's transaction commits, so that a routing problem never undoes a check-in; a
failure is logged and the booking is left for `vicinato impact-recompute`, which computes missing results.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.dispatch import receiver

from vicinato.booking.models import Reservation
from vicinato.booking.signals import reservation_changed

from .services import record

logger = logging.getLogger(__name__)
_paused: ContextVar[bool] = ContextVar("impact_paused", default=False)


@contextmanager
def paused() -> Iterator[None]:
    """Bookings checked in meanwhile are left for a batch (`services.recompute`): loaders of many bookings
    (the demo) compute them all at once, routing each distinct trip once."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


@receiver(reservation_changed, dispatch_uid="impact.booking_happened")
def booking_happened(sender, reservation, action, source="", at=None, **kwargs) -> None:
    if _paused.get():
        return
    if action == "check_in" or (action == "complete" and source != "checked_in"):
        pk = reservation.pk
        transaction.on_commit(lambda: _record(pk, at))


def _record(pk: int, at) -> None:
    try:
        record(Reservation(pk=pk), now=at)
    except Exception:  # noqa: BLE001  (never let the savings break a check-in; recompute catches up)
        logger.exception("impact: the savings of reservation %s were not computed", pk)
