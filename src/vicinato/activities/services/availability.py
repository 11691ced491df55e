"""Advisors' availability: weekly hours per place and exceptions, checked against the place's opening hours
and against themselves, and the free slots of a service computed from them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from vicinato.register.models import Closure, OpeningHours, Place

from ..models import AdviceService, Advisor, Appointment, AvailabilityException, WeeklyAvailability
from ..permissions import Action, require
from .common import field_error, hm, local, midnight, require_aware, when

WEEKDAYS = OpeningHours.Weekday


@dataclass(frozen=True)
class Window:
    """A stretch of time an advisor receives at a place."""

    advisor_id: int
    place_id: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Slot:
    """A free appointment of a service: an advisor at a place from `start` to `end`."""

    advisor_id: int
    place_id: int
    start: datetime
    end: datetime


def _opening_text(place: Place, weekday: int) -> str:
    hours = OpeningHours.objects.filter(place=place, weekday=weekday).order_by("opens")
    return ", ".join(f"{hm(h.opens)}–{hm(h.closes)}" for h in hours)


def _within_opening(place: Place, weekday: int, start: time, end: time, field: str) -> None:
    """Refuse a stretch of [start, end) on `weekday` that is not inside one opening interval of the place."""
    if OpeningHours.objects.filter(place=place, weekday=weekday, opens__lte=start, closes__gte=end).exists():
        return
    hours = _opening_text(place, weekday)
    values = {"place": place.name, "weekday": WEEKDAYS(weekday).label, "hours": hours}
    if hours:
        message = _("%(place)s is open on %(weekday)s %(hours)s; choose times within its opening hours.")
    else:
        message = _("%(place)s is closed on %(weekday)s; choose another day.")
    raise field_error(field, message % values, "opening_hours")


def _advisor_places(advisor: Advisor) -> set[int]:
    return set(Place.objects.filter(advice_services__advisors=advisor).values_list("pk", flat=True))


def add_weekly(
    actor,
    advisor: Advisor,
    place: Place,
    weekday: int,
    start_time: time,
    end_time: time,
    valid_from: date,
    valid_until: date | None = None,
) -> WeeklyAvailability:
    """Add the hours an advisor receives at a place every `weekday`; refused outside the place's opening hours
    and when they overlap the advisor's own hours on that weekday (at any place) in the same period."""
    require(actor, Action.MANAGE_AVAILABILITY, advisor)
    if weekday not in range(7):
        raise field_error("weekday", _("Choose a weekday from 0 (Monday) to 6 (Sunday)."))
    if end_time <= start_time:
        raise field_error("end_time", _("The end must come after the start; choose a later end."), "order")
    if valid_until is not None and valid_until < valid_from:
        raise field_error(
            "valid_until", _("The last date must not come before the first; choose a later one."), "order"
        )
    if place.pk not in _advisor_places(advisor):
        raise field_error(
            "place",
            _("None of this advisor's services is offered at this place; add the place to a service first."),
        )
    _within_opening(place, weekday, start_time, end_time, "start_time")
    same_period = Q(valid_until__isnull=True) | Q(valid_until__gte=valid_from)
    if valid_until is not None:
        same_period &= Q(valid_from__lte=valid_until)
    clash = (
        WeeklyAvailability.objects.filter(
            same_period, advisor=advisor, weekday=weekday, start_time__lt=end_time, end_time__gt=start_time
        )
        .select_related("place")
        .first()
    )
    if clash:
        raise field_error(
            "start_time",
            _(
                "This overlaps the hours already given on %(weekday)s from %(start)s to %(end)s at %(place)s; "
                "choose other times, or end those hours first."
            )
            % {
                "weekday": WEEKDAYS(weekday).label,
                "start": hm(clash.start_time),
                "end": hm(clash.end_time),
                "place": clash.place.name,
            },
            "overlap",
        )
    return WeeklyAvailability.objects.create(
        advisor=advisor,
        place=place,
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
        valid_from=valid_from,
        valid_until=valid_until,
    )


def remove_weekly(actor, rule: WeeklyAvailability) -> None:
    """Remove weekly hours; the appointments already booked in them stay."""
    require(actor, Action.MANAGE_AVAILABILITY, rule.advisor)
    rule.delete()


def add_exception(
    actor,
    advisor: Advisor,
    kind: str,
    start: datetime,
    end: datetime,
    place: Place | None = None,
    note: str = "",
) -> AvailabilityException:
    """Time off (no appointments then), or a one-off session at a place (inside its opening hours, never
    overlapping the advisor's other hours)."""
    require(actor, Action.MANAGE_AVAILABILITY, advisor)
    require_aware(start=start, end=end)
    if kind not in AvailabilityException.Kind.values:
        raise field_error("kind", _("Choose time off or a one-off session."))
    if end <= start:
        raise field_error("end", _("The end must come after the start; choose a later end."), "order")
    if kind == AvailabilityException.Kind.EXTRA:
        if place is None:
            raise field_error("place", _("Choose the place of the one-off session."))
        if place.pk not in _advisor_places(advisor):
            raise field_error(
                "place",
                _(
                    "None of this advisor's services is offered at this place; add the place to a service first."
                ),
            )
        local_start, local_end = timezone.localtime(start), timezone.localtime(end)
        if local_start.date() != local_end.date():
            raise field_error("end", _("A one-off session starts and ends on the same day."), "order")
        if Closure.objects.filter(
            place=place, start_date__lte=local_start.date(), end_date__gte=local_start.date()
        ).exists():
            raise field_error("start", _("The place is closed on that day; choose another day."), "closure")
        _within_opening(place, local_start.weekday(), local_start.time(), local_end.time(), "start")
        clash = next(
            (
                w
                for w in windows([advisor.pk], local_start.date(), 1)[advisor.pk]
                if w.start < end and w.end > start
            ),
            None,
        )
        if clash:
            raise field_error(
                "start",
                _("This overlaps the advisor's hours from %(start)s to %(end)s; choose another time.")
                % {"start": when(clash.start), "end": hm(clash.end)},
                "overlap",
            )
    else:
        place = None
    return AvailabilityException.objects.create(
        advisor=advisor, kind=kind, place=place, start=start, end=end, note=note.strip()
    )


def remove_exception(actor, exception: AvailabilityException) -> None:
    require(actor, Action.MANAGE_AVAILABILITY, exception.advisor)
    exception.delete()


def _subtract(
    start: datetime, end: datetime, holes: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    pieces = [(start, end)]
    for h_start, h_end in holes:
        pieces = [
            part
            for s, e in pieces
            for part in ((s, min(e, h_start)), (max(s, h_end), e))
            if part[0] < part[1]
        ]
    return pieces


def windows(advisor_ids: list[int], first_day: date, count: int) -> dict[int, list[Window]]:
    """The stretches each advisor receives, day by day for `count` days from `first_day`: the weekly hours in
    force, without time off and the places' closures, with the one-off sessions. Four queries."""
    last_day = first_day + timedelta(days=count - 1)
    period_start, period_end = midnight(first_day), midnight(last_day + timedelta(days=1))
    rules = list(
        WeeklyAvailability.objects.filter(advisor_id__in=advisor_ids, valid_from__lte=last_day).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=first_day)
        )
    )
    exceptions = list(
        AvailabilityException.objects.filter(
            advisor_id__in=advisor_ids, start__lt=period_end, end__gt=period_start
        )
    )
    place_ids = {r.place_id for r in rules} | {e.place_id for e in exceptions if e.place_id}
    closed: set[tuple[int, date]] = set()
    for place_id, start_date, end_date in Closure.objects.filter(
        place_id__in=place_ids, start_date__lte=last_day, end_date__gte=first_day
    ).values_list("place_id", "start_date", "end_date"):
        for n in range((end_date - start_date).days + 1):
            closed.add((place_id, start_date + timedelta(days=n)))
    off: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    found: dict[int, list[Window]] = {pk: [] for pk in advisor_ids}
    for e in exceptions:
        if e.kind == AvailabilityException.Kind.OFF:
            off[e.advisor_id].append((e.start, e.end))
    by_weekday: dict[int, list[WeeklyAvailability]] = defaultdict(list)
    for rule in rules:
        by_weekday[rule.weekday].append(rule)
    for n in range(count):
        day = first_day + timedelta(days=n)
        for rule in by_weekday[day.weekday()]:
            if rule.valid_from > day or (rule.valid_until and rule.valid_until < day):
                continue
            if (rule.place_id, day) in closed:
                continue
            start, end = local(day, rule.start_time), local(day, rule.end_time)
            for s, e in _subtract(start, end, off[rule.advisor_id]):
                found[rule.advisor_id].append(Window(rule.advisor_id, rule.place_id, s, e))
    for e in exceptions:
        if (
            e.kind == AvailabilityException.Kind.EXTRA
            and (e.place_id, timezone.localtime(e.start).date()) not in closed
        ):
            for s, end in _subtract(e.start, e.end, off[e.advisor_id]):
                found[e.advisor_id].append(Window(e.advisor_id, e.place_id, s, end))
    for advisor_windows in found.values():
        advisor_windows.sort(key=lambda w: w.start)
    return found


def _slots_of(window: Window, length: timedelta) -> list[tuple[datetime, datetime]]:
    """The slots of `length` in a window, counted from its start (on the absolute clock: a window across a
    change of the clocks keeps slots of the real length)."""
    slots, start = [], window.start
    while start + length <= window.end:
        slots.append((start, start + length))
        start += length
    return slots


def held(
    advisor_ids: list[int], since: datetime, until: datetime, now: datetime
) -> dict[int, list[tuple[datetime, datetime]]]:
    """The stretches of each advisor's time held by appointments (booked, or offered and not expired)."""
    found: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    rows = Appointment.objects.filter(
        Q(state=Appointment.State.BOOKED) | Q(state=Appointment.State.OFFERED, offer_expires_at__gt=now),
        advisor_id__in=advisor_ids,
        start__lt=until,
        end__gt=since,
    ).values_list("advisor_id", "start", "end")
    for advisor_id, start, end in rows:
        found[advisor_id].append((start, end))
    return found


def bookable_period(service: AdviceService, now: datetime) -> tuple[datetime, date]:
    """The earliest start a person may book now and the last day they may book."""
    return now + timedelta(hours=service.notice_hours), timezone.localdate(now) + timedelta(
        days=service.days_ahead
    )


def free_slots(
    service: AdviceService,
    first_day: date,
    count: int,
    place: Place | None = None,
    now: datetime | None = None,
    advisor: Advisor | None = None,
) -> list[Slot]:
    """The free slots of a service for `count` days from `first_day` (at `place`, or at any of its places),
    within what a person may book now (the notice and the days ahead). Six queries whatever the days."""
    now = now or timezone.now()
    earliest, last_day = bookable_period(service, now)
    count = min(count, (last_day - first_day).days + 1)
    if count <= 0 or not service.is_active:
        return []
    advisors = [advisor.pk] if advisor else list(service.advisors.values_list("pk", flat=True))
    if not advisors:
        return []
    places = set(service.places.values_list("pk", flat=True))
    if place is not None:
        places &= {place.pk}
    stretches = windows(advisors, first_day, count)
    taken = held(advisors, midnight(first_day), midnight(first_day + timedelta(days=count)), now)
    slots = []
    for advisor_id, advisor_windows in stretches.items():
        for window in advisor_windows:
            if window.place_id not in places:
                continue
            for start, end in _slots_of(window, service.length):
                if start < earliest or any(s < end and e > start for s, e in taken[advisor_id]):
                    continue
                slots.append(Slot(advisor_id, window.place_id, start, end))
    slots.sort(key=lambda s: (s.start, s.place_id, s.advisor_id))
    return slots


def slot_refusal(
    service: AdviceService, advisor_id: int, place_id: int, start: datetime, end: datetime
) -> ValidationError | None:
    """Why [start, end) is not a slot of the service with this advisor at this place (None: it is one); the
    advisor's other appointments aside."""
    day = timezone.localtime(start).date()
    for window in windows([advisor_id], day, 1)[advisor_id]:
        if window.place_id == place_id and (start, end) in _slots_of(window, service.length):
            return None
    return field_error(
        "start",
        _("The advisor does not receive at this place at %(time)s; choose one of the free times shown.")
        % {"time": when(start)},
        "not_a_slot",
    )
