"""What the activities' services share: their errors, transitions and the wall clock of Milan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.db.models import Model
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from vicinato.lib.errors import Conflict, field_error
from vicinato.lib.transitions import StateMachine, Transition


class ActivityError(Conflict):
    """A request the state or the capacity refuses now (no place left, a slot taken, a closed registration):
    the API answers 409, pages show the message above the form."""


def local(day: date, at: time) -> datetime:
    """`at` on `day` on Milan's wall clock (a time skipped by the clocks going forward moves on by the gap)."""
    return datetime.combine(day, at, tzinfo=timezone.get_current_timezone())


def midnight(day: date) -> datetime:
    return local(day, time.min)


def when(moment: datetime) -> str:
    """A date and time for a message, in the active language, on Milan's clock."""
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def hm(moment: datetime | time) -> str:
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment)
    return moment.strftime("%H:%M")


def require_aware(**moments: datetime | None) -> None:
    for name, moment in moments.items():
        if moment is not None and timezone.is_naive(moment):
            raise field_error(
                name, _("Give the time with its offset, e.g. 2030-03-05T09:00+01:00."), "time_zone"
            )


def add_months(moment: datetime, months: int) -> datetime:
    """The same wall-clock instant `months` later (the last day of a shorter month for the 31st)."""
    local_moment = timezone.localtime(moment)
    month_index = local_moment.month - 1 + months
    year, month = local_moment.year + month_index // 12, month_index % 12 + 1
    for day in range(local_moment.day, 27, -1):
        try:
            return local_moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return local_moment.replace(year=year, month=month, day=min(local_moment.day, 28))


def machine(table: dict[str, dict[str, str]], states, subject) -> StateMachine:
    """The state machine of a table of transitions ({action: {from: to}}) whose permissions the service checks
    itself: the same refusals (409 for an action not allowed now) as every workflow of the site."""
    return StateMachine(
        {action: Transition(moves, by=action) for action, moves in table.items()},
        lambda state: states(state).label,
        subject,
        conflict=ActivityError,
    )


def apply_transition(
    obj: Model, machine: StateMachine, action: str, record: Callable[[str, str], None]
) -> str:
    """Move `obj.state` by `action` and record it (`record(action, source)`), or refuse it; gives back the
    state before."""
    _spec, target = machine.check(action, obj.state)
    source = obj.state
    obj.state = target
    record(action, source)
    return source


def days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(count)]
