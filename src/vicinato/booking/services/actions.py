"""What a person may do to a booking now, as the engine decides it: pages show these as buttons and the API as
hints, and never work a rule out again (applying one is checked once more, under the lock)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from ..models import Reservation
from ..permissions import Action, can, is_operator
from .reschedule import RESCHEDULABLE_STATES
from .transitions import MACHINE, _out_of_time, cancellation_deadline


def allowed_actions(
    reservation: Reservation, user, now: datetime | None = None, *, staff: bool | None = None
) -> list[str]:
    """The transitions `user` may apply to the reservation now (confirm, reject, cancel, check_in), in the
    table's order, then "reschedule" when they may change its time.

    `staff=True`: the caller has checked that `user` acts for the booking's place (the day plan does, once for
    all its bookings), so that no permission is read again for each booking."""
    now = now or timezone.now()

    def may(action: Action) -> bool:
        return True if staff else can(user, action, reservation)

    allowed = MACHINE.allowed(reservation.state, lambda spec: spec.by is not None and may(spec.by))
    allowed = [name for name in allowed if _out_of_time(reservation, name, user, now) is None]
    if reservation.state in RESCHEDULABLE_STATES and may(Action.RESCHEDULE_RESERVATION):
        if staff or is_operator(user, reservation) or now <= cancellation_deadline(reservation):
            allowed.append("reschedule")
    return allowed
