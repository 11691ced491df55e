"""Events and courses: creating and changing them, their sessions (each holding its room through a block of
the booking engine), capacity and questions, publishing and cancelling."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vicinato.booking import permissions as booking_permissions
from vicinato.booking import services as booking
from vicinato.booking.models import Resource
from vicinato.register.models import Audience, Organisation, Place

from ..models import Event, Language, Question, Registration, Session
from ..permissions import Action, require
from .common import ActivityError, field_error, hm, local, require_aware, when

ROOM_KINDS = (Resource.Kind.TRAINING_ROOM, Resource.Kind.MEETING_ROOM, Resource.Kind.OTHER)
EDITABLE = (
    "kind",
    "title_it",
    "title_en",
    "description_it",
    "description_en",
    "place",
    "online_url",
    "language",
    "audiences",
    "price_cents",
    "is_public",
    "registration",
    "registration_deadline",
    "offer_hours",
    "certificate_percent",
)
MAX_SERIES_DAYS = 366
MAX_PLACES = 100_000


def _check_capacity(capacity: int | None) -> None:
    """An event's places: empty (no limit), or from 1 to MAX_PLACES."""
    if capacity is not None and not 1 <= capacity <= MAX_PLACES:
        raise field_error(
            "capacity",
            _("Give from 1 to %(max)d places, or leave it empty for no limit.") % {"max": MAX_PLACES},
            "capacity",
        )


def rooms_of(place: Place):
    """The resources of a place that an event may hold: training and meeting rooms, and others."""
    return Resource.objects.filter(place=place, kind__in=ROOM_KINDS, is_active=True).order_by("name_it")


def _clean(values: dict) -> dict:
    errors: dict[str, list[str]] = {}
    if "kind" in values and values["kind"] not in Event.Kind.values:
        errors["kind"] = [
            _("Choose the kind of event: course, workshop, assembly, co-design meeting, talk or other.")
        ]
    if "title_it" in values and not (values["title_it"] or "").strip():
        errors["title_it"] = [_("Give the event a title in Italian.")]
    if "language" in values and values["language"] not in Language.values:
        errors["language"] = [_("Choose the language the event is held in.")]
    bad = [a for a in values.get("audiences") or [] if a not in Audience.values]
    if bad:
        errors["audiences"] = [
            _("Choose audiences among: %(codes)s.") % {"codes": ", ".join(Audience.values)}
        ]
    if values.get("registration_deadline") is not None and timezone.is_naive(values["registration_deadline"]):
        errors["registration_deadline"] = [_("Give the time with its offset, e.g. 2030-03-05T09:00+01:00.")]
    if errors:
        raise ValidationError(errors)
    return values


def _check_where(event: Event) -> None:
    if event.place_id is None and not event.online_url:
        raise field_error(
            "online_url", _("Give the link to join online, or choose the place where it is held."), "where"
        )


def create_event(actor, organiser: Organisation, capacity: int | None = None, **values) -> Event:
    """A draft event of `organiser` (published once it has sessions: `publish`)."""
    require(actor, Action.MANAGE_EVENT, organiser)
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"Unknown event fields: {', '.join(sorted(unknown))}")
    values = _clean({"kind": values.get("kind", ""), "title_it": values.get("title_it", ""), **values})
    _check_capacity(capacity)
    event = Event(organiser=organiser, capacity=capacity, created_by=actor, **values)
    _check_where(event)
    event.save()
    return event


def update_event(actor, event: Event, **values) -> Event:
    """Change an event's details (capacity: `set_capacity`; the place only while it has no sessions)."""
    require(actor, Action.MANAGE_EVENT, event)
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"Unknown event fields: {', '.join(sorted(unknown))}")
    values = _clean(values)
    if (
        "place" in values
        and values["place"] != event.place
        and event.sessions.filter(is_cancelled=False).exists()
    ):
        raise field_error(
            "place",
            _("The sessions hold rooms at the current place; cancel them before moving the event."),
            "place",
        )
    for name, value in values.items():
        setattr(event, name, value)
    _check_where(event)
    event.save()
    return event


def holding_count(event: Event, now: datetime | None = None) -> int:
    """The places taken: confirmed registrations and offers not expired."""
    now = now or timezone.now()
    return (
        event.registrations.filter(state=Registration.State.CONFIRMED).count()
        + event.registrations.filter(state=Registration.State.OFFERED, offer_expires_at__gt=now).count()
    )


def set_capacity(actor, event: Event, capacity: int | None, now: datetime | None = None) -> Event:
    """Change the number of places; never below the people registered. More places go to the waiting list."""
    from .registrations import promote

    require(actor, Action.MANAGE_EVENT, event)
    now = now or timezone.now()
    _check_capacity(capacity)
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        taken = holding_count(event, now)
        if capacity is not None and capacity < taken:
            raise field_error(
                "capacity",
                ngettext(
                    "%(n)d person is registered; choose at least %(n)d place, or cancel registrations first.",
                    "%(n)d people are registered; choose at least %(n)d places, or cancel registrations first.",
                    taken,
                )
                % {"n": taken},
                "capacity_below_registered",
            )
        event.capacity = capacity
        event.save(update_fields=["capacity", "updated_at"])
        promote(event, now)
    return event


def set_questions(actor, event: Event, questions: list[dict]) -> list[Question]:
    """Replace the questions registrants answer: dicts of label_it, label_en, kind, choices, required."""
    require(actor, Action.MANAGE_EVENT, event)
    made = []
    for order, spec in enumerate(questions):
        question = Question(event=event, order=order, **spec)
        if not question.label_it.strip():
            raise field_error(f"questions.{order}.label_it", _("Write the question in Italian."))
        if question.kind not in Question.Kind.values:
            raise field_error(
                f"questions.{order}.kind", _("Choose free text, one of the choices, or yes or no.")
            )
        if question.kind == Question.Kind.CHOICE and len(question.choices) < 2:
            raise field_error(f"questions.{order}.choices", _("Give at least two choices."))
        made.append(question)
    with transaction.atomic():
        event.questions.all().delete()
        return Question.objects.bulk_create(made)


def refresh_dates(event: Event) -> None:
    dates = event.sessions.filter(is_cancelled=False).aggregate(first=Min("start"), last=Max("end"))
    Event.objects.filter(pk=event.pk).update(starts_at=dates["first"], ends_at=dates["last"])
    event.starts_at, event.ends_at = dates["first"], dates["last"]


def _check_session_time(event: Event, start: datetime, end: datetime, now: datetime) -> None:
    require_aware(start=start, end=end)
    if end <= start:
        raise field_error("end", _("The end must come after the start; choose a later end."), "order")
    if start < now:
        raise field_error("start", _("This time has already begun; choose a later start."), "past")
    if timezone.localtime(start).date() != timezone.localtime(end).date():
        raise field_error(
            "end", _("A session starts and ends on the same day; add one session per day."), "order"
        )
    if event.place_id is None:
        return
    day = timezone.localtime(start).date()
    intervals = booking.opening_intervals(event.place, day)
    if any(opens <= start and end <= closes for opens, closes in intervals):
        return
    if not intervals:
        message = _("%(place)s is closed on %(date)s; choose another day.") % {
            "place": event.place.name,
            "date": day.isoformat(),
        }
    else:
        message = _("%(place)s is open on %(date)s %(hours)s; choose a time within its opening hours.") % {
            "place": event.place.name,
            "date": day.isoformat(),
            "hours": ", ".join(f"{hm(o)}–{hm(c)}" for o, c in intervals),
        }
    raise field_error("start", message, "opening_hours")


def _hold_room(actor, event: Event, room: Resource, start: datetime, end: datetime):
    """Close the room for the session through the booking engine; refused when bookings or another block hold
    it then. Runs in the caller's transaction: the room's row lock (the one every booking of the room takes
    first) keeps a booking from slipping in between the check and the block."""
    if not booking_permissions.can(actor, booking_permissions.Action.BLOCK_RESOURCE, room):
        raise field_error(
            "room",
            _("Only the staff of %(operator)s can hold %(room)s for an event; ask them to add this session.")
            % {"operator": event.place.operator, "room": room.name},
            "room_permission",
        )
    Resource.objects.select_for_update(of=("self",)).filter(pk=room.pk).first()
    other = room.blocks.filter(start__lt=end, end__gt=start).first()
    if other:
        raise ActivityError(
            _("%(room)s is already taken from %(start)s to %(end)s%(reason)s; choose another time or room.")
            % {
                "room": room.name,
                "start": when(other.start),
                "end": hm(other.end),
                "reason": f" ({other.reason})" if other.reason else "",
            }
        )
    reasons = {}
    for language in ("it", "en"):
        with translation.override(language):
            reasons[language] = f"{event.get_kind_display()}: {event.title}"[:200]
    block, booked = booking.block_resource(room, start, end, reasons["it"], actor, reason_en=reasons["en"])
    if booked:
        first = booked[0]
        raise ActivityError(
            ngettext(
                "%(room)s has %(n)d booking from %(start)s to %(end)s; choose another time, or ask the place to move it.",
                "%(room)s has %(n)d bookings then, the first from %(start)s to %(end)s; choose another time, or ask the place to move them.",
                len(booked),
            )
            % {"room": room.name, "n": len(booked), "start": when(first.start), "end": hm(first.end)}
        )
    return block


def add_session(
    actor,
    event: Event,
    start: datetime,
    end: datetime,
    room: Resource | None = None,
    now: datetime | None = None,
) -> Session:
    """Add a date to an event: at a place it holds one of its rooms (`rooms_of`) for the whole session."""
    require(actor, Action.MANAGE_EVENT, event)
    now = now or timezone.now()
    if event.state == Event.State.CANCELLED:
        raise ActivityError(_("This event is cancelled; create a new one."))
    _check_session_time(event, start, end, now)
    if event.place_id is not None:
        if room is None or room.place_id != event.place_id or room.kind not in ROOM_KINDS:
            names = ", ".join(r.name for r in rooms_of(event.place)) or _("none: ask the place to add one")
            raise field_error(
                "room",
                _("Choose the room of the place the session uses (%(names)s).") % {"names": names},
                "room",
            )
    elif room is not None:
        raise field_error("room", _("An online event holds no room; leave the room empty."), "room")
    with transaction.atomic():
        block = _hold_room(actor, event, room, start, end) if room is not None else None
        session = Session.objects.create(event=event, start=start, end=end, room=room, block=block)
        refresh_dates(event)
    return session


@dataclass
class SeriesResult:
    sessions: list[Session] = field(default_factory=list)
    conflicts: list[tuple[date, str]] = field(default_factory=list)  # dates not added, with the reason


def add_series(
    actor,
    event: Event,
    weekdays: list[int],
    start_time: time,
    end_time: time,
    first_date: date,
    until_date: date,
    room: Resource | None = None,
    now: datetime | None = None,
) -> SeriesResult:
    """A session on every chosen weekday from `first_date` to `until_date`; the dates that cannot be added
    (the place closed, the room booked) are reported with their reason instead of failing the whole series."""
    require(actor, Action.MANAGE_EVENT, event)
    errors = {}
    if not weekdays or any(d not in range(7) for d in weekdays):
        errors["weekdays"] = [_("Choose at least one weekday, from 0 (Monday) to 6 (Sunday).")]
    if until_date < first_date:
        errors["until_date"] = [_("The last date must not come before the first; choose a later one.")]
    elif (until_date - first_date).days >= MAX_SERIES_DAYS:
        errors["until_date"] = [_("A series may span at most one year; choose an earlier last date.")]
    if end_time <= start_time:
        errors["end_time"] = [_("The end must come after the start; choose a later end.")]
    if errors:
        raise ValidationError(errors)
    result = SeriesResult()
    for offset in range((until_date - first_date).days + 1):
        day = first_date + timedelta(days=offset)
        if day.weekday() not in weekdays:
            continue
        try:
            result.sessions.append(
                add_session(actor, event, local(day, start_time), local(day, end_time), room, now)
            )
        except ValidationError as error:
            result.conflicts.append((day, " ".join(error.messages)))
        except ActivityError as error:
            result.conflicts.append((day, str(error)))
    return result


def cancel_session(actor, session: Session, now: datetime | None = None) -> Session:
    """Cancel one date: its room is given back to the place."""
    require(actor, Action.MANAGE_EVENT, session)
    now = now or timezone.now()
    if session.is_cancelled:
        raise ActivityError(_("This session is already cancelled."))
    if session.end <= now:
        raise ActivityError(_("This session has already taken place; it cannot be cancelled."))
    with transaction.atomic():
        if session.block_id:
            booking.lift_block(session.block, actor, now)
        session.is_cancelled, session.block = True, None
        session.save(update_fields=["is_cancelled", "block"])
        refresh_dates(session.event)
    return session


def publish(actor, event: Event) -> Event:
    require(actor, Action.MANAGE_EVENT, event)
    if event.state != Event.State.DRAFT:
        raise ActivityError(
            _("Only a draft can be published; this event is “%(state)s”.")
            % {"state": event.get_state_display()}
        )
    if not event.sessions.filter(is_cancelled=False).exists():
        raise field_error(
            "sessions", _("Add at least one session before publishing the event."), "no_sessions"
        )
    event.state = Event.State.PUBLISHED
    event.save(update_fields=["state", "updated_at"])
    return event


def cancel_event(actor, event: Event, reason: str, now: datetime | None = None) -> Event:
    """Cancel the event: its coming sessions give back their rooms, every registration is cancelled (and told)."""
    from .registrations import cancel_all

    require(actor, Action.MANAGE_EVENT, event)
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", _("Write the reason for the people registered."), "reason_required")
    if event.state == Event.State.CANCELLED:
        raise ActivityError(_("This event is already cancelled."))
    with transaction.atomic():
        for session in event.sessions.filter(is_cancelled=False, end__gt=now).select_related("block"):
            cancel_session(actor, session, now)
        event.state = Event.State.CANCELLED
        event.save(update_fields=["state", "updated_at"])
        cancel_all(event, actor, reason, now)
    return event


def registration_closes(event: Event) -> datetime | None:
    """When registration closes: the deadline, or the start of the first session."""
    return event.registration_deadline or event.starts_at


def session_summary(event: Event) -> str:
    """'12 sessions from 3 March' / 'One date' for lists."""
    count = event.sessions.filter(is_cancelled=False).count()
    return ngettext("%(n)d session", "%(n)d sessions", count) % {"n": count}
