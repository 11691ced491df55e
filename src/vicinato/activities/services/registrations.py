"""Registrations to events: the last place taken by exactly one person, a waiting list promoted automatically
with a time to confirm, cancellations, attendance per session and the right to a certificate.

Registering is a hot path (a popular course opens and hundreds register in a minute): one locking query that
reads the event, one that counts its places, one insert, and the e-mail's task row in the same commit, each a
prepared statement (`vicinato.lib.prepared`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import CharField, Count, DateTimeField, Exists, IntegerField, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vicinato.lib.prepared import Param, Prepared, PreparedInsert
from vicinato.lib.transitions import record_step

from .. import signals
from ..models import Attendance, Event, Question, Registration, RegistrationChange, Session
from ..permissions import Action, require
from .common import ActivityError, apply_transition, field_error, machine, when

R = Registration.State
MACHINE = machine(Registration.TRANSITIONS, R, gettext_lazy("a registration"))
_INT, _DATETIME = IntegerField(), DateTimeField()
EVENT_COLUMNS = tuple(f.attname for f in Event._meta.concrete_fields)
MAX_ANSWER = 1000

# The event's row, locked: every change of its places takes this lock first, so two people never take the
# last one. Only the event's row (not its place or organiser).
_LOCK_EVENT = {
    by: Prepared(
        lambda by=by: (
            Event.objects.select_for_update(of=("self",))
            .filter(**{by: Param("event", CharField() if by == "public_id" else _INT)})
            .annotate(has_questions=Exists(Question.objects.filter(event_id=OuterRef("pk"))))
            .order_by()
            .values_list(*EVENT_COLUMNS, "has_questions")
        )
    )
    for by in ("public_id", "pk")
}
# Read after the lock (a new snapshot): the places held, whether the person is registered, the last turn.
_PLACES = Prepared(
    lambda: (
        Registration.objects.filter(event_id=Param("event", _INT), state__in=Registration.ACTIVE)
        .order_by()
        .values("event_id")
        .annotate(
            held=Count(
                "pk",
                filter=Q(state=R.CONFIRMED)
                | Q(state=R.OFFERED, offer_expires_at__gt=Param("now", _DATETIME)),
            ),
            mine=Count("pk", filter=Q(person_id=Param("person", _INT))),
            last=Max("position"),
        )
        .values_list("held", "mine", "last")
    )
)
_INSERT = PreparedInsert(
    Registration, ("event", "person", "state", "position", "answers", "created_at", "changed_at")
)


def _lock(event: Event | str) -> tuple[Event, bool]:
    """Lock the event's row; gives it back as it is now and whether it has questions."""
    by, key = ("public_id", event) if isinstance(event, str) else ("pk", event.pk)
    rows = _LOCK_EVENT[by].rows(event=key)
    if not rows:
        raise Event.DoesNotExist(f"No event {key}.")
    locked = Event.from_db(DEFAULT_DB_ALIAS, EVENT_COLUMNS, rows[0][:-1])
    return locked, rows[0][-1]


def registration_refusal(event: Event, now: datetime) -> str | None:
    """Why nobody may register now (None: they may)."""
    from .events import registration_closes

    if event.state == Event.State.CANCELLED:
        return _("This event is cancelled.")
    if event.state != Event.State.PUBLISHED:
        return _("This event is not published yet; registration opens when it is.")
    if not event.registration:
        return _("This event needs no registration: just come.")
    closes = registration_closes(event)
    if closes is None or now >= closes:
        return (
            _("Registration closed at %(time)s.") % {"time": when(closes)}
            if closes
            else _("Registration is closed.")
        )
    return None


def clean_answers(questions: list[Question], answers: dict) -> dict:
    """The answers to keep, by question id (as text); refused with a message next to each question."""
    errors, kept = {}, {}
    for question in questions:
        key = str(question.pk)
        value = answers.get(key, answers.get(question.pk))
        value = "" if value is None else str(value).strip()
        if not value:
            if question.required:
                errors[f"answers.{key}"] = [_("Answer this question: %(q)s") % {"q": question.label}]
            continue
        if question.kind == Question.Kind.CHOICE and value not in question.choices:
            errors[f"answers.{key}"] = [
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(question.choices)}
            ]
        elif question.kind == Question.Kind.YES_NO and value not in ("yes", "no"):
            errors[f"answers.{key}"] = [_("Answer yes or no.")]
        elif len(value) > MAX_ANSWER:
            errors[f"answers.{key}"] = [_("Answer in at most %(n)d characters.") % {"n": MAX_ANSWER}]
        else:
            kept[key] = value
    if errors:
        raise ValidationError(errors)
    return kept


def register(
    person, event: Event | str, answers: dict | None = None, now: datetime | None = None, visible=None
) -> Registration:
    """Register `person` (an Event or its public id): a place while there is one, else a turn on the waiting
    list. `visible(event)`, called once the event is read, may refuse to show it (the API's 404).
    Refused with ActivityError (409) when registration is closed or the person is registered already, with a
    ValidationError (422) for a missing or wrong answer."""
    now = now or timezone.now()
    with transaction.atomic():
        event, has_questions = _lock(event)
        if visible is not None:
            visible(event)
        refusal = registration_refusal(event, now)
        if refusal:
            raise ActivityError(refusal)
        kept = clean_answers(list(event.questions.all()), answers or {}) if has_questions else {}
        held, mine, last = (_PLACES.rows(event=event.pk, person=person.pk, now=now) or [(0, 0, None)])[0]
        if mine:
            raise ActivityError(_("You are already registered for this event (or on its waiting list)."))
        full = event.capacity is not None and held >= event.capacity
        registration = Registration(
            event=event,
            person=person,
            state=R.WAITING if full else R.CONFIRMED,
            position=(last or 0) + 1 if full else None,
            answers=kept,
            created_at=now,
            changed_at=now,
        )
        registration.pk = _INSERT.run(
            **{
                name: getattr(registration, Registration._meta.get_field(name).attname)
                for name in _INSERT.fields
            }
        )
        registration._state.adding, registration._state.db = False, DEFAULT_DB_ALIAS
        signals.registration_changed.send(
            sender=Registration, registration=registration, action="register", actor=person, note=""
        )
    return registration


def _record(
    registration: Registration, action: str, source: str, actor, now: datetime, note: str = ""
) -> None:
    registration.changed_at = now
    registration.save(update_fields=["state", "position", "offer_expires_at", "changed_at"])
    record_step(
        RegistrationChange, action, source, registration.state, actor, now, note, registration=registration
    )
    signals.registration_changed.send(
        sender=Registration, registration=registration, action=action, actor=actor, note=note
    )


def _move(registration: Registration, action: str, actor, now: datetime, note: str = "") -> None:
    apply_transition(
        registration,
        MACHINE,
        action,
        lambda action, source: _record(registration, action, source, actor, now, note),
    )


def promote(event: Event, now: datetime) -> list[Registration]:
    """Offer the free places to the waiting list, first turn first (the caller holds the event's lock); an
    offer holds its place for the event's time to confirm, never past the event's end."""
    if (
        event.capacity is None
        or event.ends_at is None
        or event.ends_at <= now
        or event.state != Event.State.PUBLISHED
    ):
        return []
    held = event.registrations.filter(
        Q(state=R.CONFIRMED) | Q(state=R.OFFERED, offer_expires_at__gt=now)
    ).count()
    free = event.capacity - held
    if free <= 0:
        return []
    offered = []
    expires = min(now + timedelta(hours=event.offer_hours), event.ends_at)
    for registration in event.registrations.filter(state=R.WAITING).order_by("position", "pk")[:free]:
        registration.offer_expires_at = expires
        registration.event = event
        _move(registration, "offer", None, now)
        offered.append(registration)
    return offered


def _locked_registration(registration: Registration) -> tuple[Event, Registration]:
    event, _questions = _lock(Event(pk=registration.event_id))
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    registration.event = event
    return event, registration


def confirm(registration: Registration, person, now: datetime | None = None) -> Registration:
    """Take the place offered from the waiting list, before the offer expires."""
    now = now or timezone.now()
    require(person, Action.CONFIRM_REGISTRATION, registration)
    if registration.person_id != person.pk:
        raise PermissionDenied(_("Only the person it is offered to may confirm this place."))
    with transaction.atomic():
        event, registration = _locked_registration(registration)
        if registration.state == R.OFFERED and registration.offer_expires_at <= now:
            raise ActivityError(
                _("This offer expired at %(time)s; register again to join the waiting list.")
                % {"time": when(registration.offer_expires_at)}
            )
        registration.offer_expires_at = None
        registration.position = None
        _move(registration, "confirm", person, now)
    return registration


def cancel(registration: Registration, actor, reason: str = "", now: datetime | None = None) -> Registration:
    """The person cancels their registration (or leaves the waiting list) until the event ends; the organiser
    at any time with a reason. A place freed goes to the waiting list."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    require(actor, Action.CANCEL_REGISTRATION, registration)
    if registration.person_id != actor.pk and not reason:
        raise field_error("reason", _("Write the reason for the person registered."), "reason_required")
    with transaction.atomic():
        event, registration = _locked_registration(registration)
        if registration.person_id == actor.pk and event.ends_at and event.ends_at <= now:
            raise ActivityError(_("This event is over; there is nothing to cancel."))
        registration.offer_expires_at, registration.position = None, None
        _move(registration, "cancel", actor, now, reason)
        promote(event, now)
    return registration


def cancel_all(event: Event, actor, reason: str, now: datetime) -> int:
    """Cancel every active registration of a cancelled event (the caller checked the permission)."""
    count = 0
    for registration in event.registrations.filter(state__in=Registration.ACTIVE):
        registration.event = event
        registration.offer_expires_at, registration.position = None, None
        _move(registration, "cancel", actor, now, reason)
        count += 1
    return count


def expire_offers(now: datetime | None = None) -> int:
    """Offers not confirmed in time expire; their places go to the next in line."""
    now = now or timezone.now()
    expired = 0
    for event_id in set(
        Registration.objects.filter(state=R.OFFERED, offer_expires_at__lte=now).values_list(
            "event_id", flat=True
        )
    ):
        with transaction.atomic():
            event, _questions = _lock(Event(pk=event_id))
            for registration in event.registrations.select_for_update().filter(
                state=R.OFFERED, offer_expires_at__lte=now
            ):
                registration.event = event
                _move(registration, "expire", None, now)
                expired += 1
            promote(event, now)
    return expired


# --- attendance and certificates ------------------------------------------------------------------------------
def mark_attendance(actor, session: Session, present: set[int], now: datetime | None = None) -> int:
    """Record who attended a session (ids of confirmed registrations; the others are absent), once it began."""
    now = now or timezone.now()
    require(actor, Action.MARK_ATTENDANCE, session)
    if session.is_cancelled:
        raise ActivityError(_("This session was cancelled; there is no attendance to mark."))
    if now < session.start:
        raise ActivityError(
            _("The session starts at %(time)s; mark attendance once it has begun.")
            % {"time": when(session.start)}
        )
    confirmed = list(session.event.registrations.filter(state=R.CONFIRMED).values_list("pk", flat=True))
    unknown = set(present) - set(confirmed)
    if unknown:
        raise field_error("present", _("Mark only people registered for this event."), "not_registered")
    with transaction.atomic():
        for pk in confirmed:
            Attendance.objects.update_or_create(
                registration_id=pk,
                session=session,
                defaults={"present": pk in present, "marked_by": actor, "marked_at": now},
            )
    return len(present)


@dataclass(frozen=True)
class CertificateStatus:
    eligible: bool
    attended: int
    sessions: int
    reason: str  # why not, for the person (empty when eligible)


def certificate_status(registration: Registration, now: datetime | None = None) -> CertificateStatus:
    """Whether a person may download the certificate of attendance of a course: the course ended and they
    attended at least its share of the sessions."""
    now = now or timezone.now()
    event = registration.event
    sessions = event.sessions.filter(is_cancelled=False).count()
    attended = Attendance.objects.filter(
        registration=registration, present=True, session__is_cancelled=False
    ).count()
    if not event.gives_certificate:
        reason = _("Only courses give a certificate of attendance.")
    elif registration.state != R.CONFIRMED:
        reason = _("Only people registered for the course get a certificate.")
    elif event.ends_at is None or event.ends_at > now:
        reason = _("The certificate is ready once the course has ended.")
    elif sessions == 0 or attended * 100 < event.certificate_percent * sessions:
        reason = _(
            "A certificate needs attendance at %(percent)d%% of the sessions; you attended %(attended)d of %(sessions)d."
        ) % {
            "percent": event.certificate_percent,
            "attended": attended,
            "sessions": sessions,
        }
    else:
        reason = ""
    return CertificateStatus(not reason, attended, sessions, reason)
