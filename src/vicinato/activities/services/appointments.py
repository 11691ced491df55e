"""Appointments: book, reschedule, cancel, the waiting list and its offers, the advisor's day, marking done or
no-show, counts for the organisation, and deleting old reasons. Every change of an advisor's appointments
takes the advisor's row lock first: an advisor is never booked twice at the same time, at any place."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from vicinato.lib.transitions import record_step
from vicinato.register.models import Place

from .. import signals
from ..models import AdviceService, Advisor, Appointment, AppointmentChange, AppointmentWait, Mode
from ..permissions import Action, can, require
from .availability import bookable_period, free_slots, slot_refusal
from .common import (
    ActivityError,
    add_months,
    apply_transition,
    field_error,
    machine,
    midnight,
    require_aware,
    when,
)

S = Appointment.State
MACHINE = machine(Appointment.TRANSITIONS, S, gettext_lazy("an appointment"))
MAX_REASON = 2000


def deadline(appointment: Appointment) -> datetime:
    """Until when the person may change or cancel the appointment."""
    return appointment.start - timedelta(hours=appointment.service.notice_hours)


def _record(appointment: Appointment, action: str, source: str, actor, at: datetime, note: str = "") -> None:
    record_step(
        AppointmentChange, action, source, appointment.state, actor, at, note, appointment=appointment
    )
    signals.appointment_changed.send(
        sender=Appointment, appointment=appointment, action=action, actor=actor, note=note
    )


def _lock_advisor(pk: int) -> Advisor:
    """The advisor's row lock: serialises every change of their appointments, at every place."""
    return Advisor.objects.select_for_update().get(pk=pk)


def _check_mode(service: AdviceService, mode: str, phone: str) -> None:
    """A mode the service offers, with the number to call for a phone appointment."""
    if mode not in service.modes:
        raise field_error(
            "mode",
            _("This service is offered %(modes)s; choose one of these.")
            % {"modes": ", ".join(service.mode_labels())},
            "mode",
        )
    if mode == Mode.PHONE and not phone.strip():
        raise field_error("phone", _("Give the phone number the advisor should call."), "phone")


def _check_request(
    service: AdviceService,
    advisor_id: int,
    place_id: int,
    start: datetime,
    mode: str,
    reason: str,
    phone: str,
    now: datetime,
) -> datetime:
    """The checks that need no lock; gives back the end of the appointment."""
    require_aware(start=start)
    if not service.is_active:
        raise ActivityError(_("This service is not taking appointments now; choose another service."))
    _check_mode(service, mode, phone)
    if len(reason) > MAX_REASON:
        raise field_error(
            "reason", _("Write the reason in at most %(n)d characters.") % {"n": MAX_REASON}, "reason_length"
        )
    if not service.places.filter(pk=place_id).exists():
        raise field_error(
            "place", _("This service is not offered at this place; choose one of its places."), "place"
        )
    if not service.advisors.filter(pk=advisor_id).exists():
        raise field_error(
            "advisor", _("This advisor does not give this service; choose a free time shown."), "advisor"
        )
    earliest, last_day = bookable_period(service, now)
    if start < earliest:
        raise field_error(
            "start",
            ngettext(
                "Appointments are booked at least %(hours)d hour ahead; choose a later time.",
                "Appointments are booked at least %(hours)d hours ahead; choose a later time.",
                service.notice_hours,
            )
            % {"hours": service.notice_hours},
            "notice",
        )
    if timezone.localtime(start).date() > last_day:
        raise field_error(
            "start",
            _("Appointments open %(days)d days ahead; choose a date until %(date)s.")
            % {"days": service.days_ahead, "date": last_day.isoformat()},
            "days_ahead",
        )
    end = start + service.length
    refusal = slot_refusal(service, advisor_id, place_id, start, end)
    if refusal is not None:
        raise refusal
    return end


def _conflicts(
    advisor_id: int,
    person,
    service: AdviceService,
    start: datetime,
    end: datetime,
    now: datetime,
    exclude: int | None,
) -> None:
    """Refuse a time the advisor has taken, or a second appointment of the person (read under the lock)."""
    holding = Q(state=S.BOOKED) | Q(state=S.OFFERED, offer_expires_at__gt=now)
    rows = (
        Appointment.objects.filter(holding)
        .filter(
            Q(advisor_id=advisor_id, start__lt=end, end__gt=start)
            | Q(person=person, start__lt=end, end__gt=start)
            | Q(person=person, service=service, end__gt=now)
        )
        .exclude(pk=exclude)
        .values_list("advisor_id", "service_id", "start", "end")
    )
    for row_advisor, _service, s, e in rows:
        if row_advisor == advisor_id and s < end and e > start:
            raise ActivityError(_("This time has just been taken; choose another free time."))
    for _advisor, row_service, s, _e in rows:
        if row_service == service.pk:
            raise ActivityError(
                _("You already have an appointment for this service on %(time)s; change that one instead.")
                % {"time": when(s)}
            )
        raise ActivityError(
            _("You already have another appointment at %(time)s; choose another time.") % {"time": when(s)}
        )


def book(
    person,
    service: AdviceService,
    advisor_id: int,
    place_id: int,
    start: datetime,
    mode: str = Mode.IN_PERSON,
    reason: str = "",
    phone: str = "",
    now: datetime | None = None,
) -> Appointment:
    """Book a free slot of a service with an advisor at a place, or refuse it: ValidationError (422) naming
    the field, ActivityError (409) when the time was taken or the person has one already."""
    now = now or timezone.now()
    reason, phone = (reason or "").strip(), (phone or "").strip()
    end = _check_request(service, advisor_id, place_id, start, mode, reason, phone, now)
    with transaction.atomic():
        _lock_advisor(advisor_id)
        _conflicts(advisor_id, person, service, start, end, now, None)
        appointment = Appointment.objects.create(
            service=service,
            advisor_id=advisor_id,
            place_id=place_id,
            person=person,
            mode=mode,
            start=start,
            end=end,
            state=S.BOOKED,
            reason=reason,
            phone=phone,
            created_at=now,
            changed_at=now,
        )
        _record(appointment, "book", "", person, now)
    return appointment


def _staff(actor, appointment: Appointment) -> bool:
    """The advisor or the organisation's staff, who act at any time (the person only until the deadline)."""
    return appointment.person_id != actor.pk and can(actor, Action.CANCEL_APPOINTMENT, appointment)


def reschedule(
    appointment: Appointment,
    actor,
    start: datetime,
    advisor_id: int | None = None,
    place_id: int | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Move a booked appointment to another free slot (same id); the person until the deadline, the advisor
    and the organisation at any time. The freed slot goes to the waiting list."""
    now = now or timezone.now()
    require(actor, Action.RESCHEDULE_APPOINTMENT, appointment)
    advisor_id = advisor_id or appointment.advisor_id
    place_id = place_id or appointment.place_id
    if appointment.state != S.BOOKED:
        raise ActivityError(
            _("An appointment that is “%(state)s” cannot be changed; book a new one instead.")
            % {"state": appointment.get_state_display()}
        )
    if not _staff(actor, appointment) and now > deadline(appointment):
        raise ActivityError(
            _("This appointment could be changed until %(time)s; call the service if you cannot come.")
            % {"time": when(deadline(appointment))}
        )
    service = appointment.service
    if (start, advisor_id, place_id) == (appointment.start, appointment.advisor_id, appointment.place_id):
        raise field_error(
            "start", _("The appointment is already at this time; choose another time."), "unchanged"
        )
    end = _check_request(
        service,
        advisor_id,
        place_id,
        start,
        appointment.mode,
        appointment.reason,
        appointment.phone or "-",
        now,
    )
    before = (appointment.advisor_id, appointment.place_id, appointment.start, appointment.end)
    with transaction.atomic():
        # Both advisors' locks, in the order of their ids, so that two moves never wait for each other.
        for pk in sorted({advisor_id, appointment.advisor_id}):
            _lock_advisor(pk)
        appointment = Appointment.objects.select_for_update().select_related("service").get(pk=appointment.pk)
        if appointment.state != S.BOOKED:
            raise ActivityError(_("This appointment has just changed; open it again."))
        _conflicts(advisor_id, appointment.person, service, start, end, now, appointment.pk)
        note = f"{when(appointment.start)} → {when(start)}"
        appointment.advisor_id, appointment.place_id, appointment.start, appointment.end = (
            advisor_id,
            place_id,
            start,
            end,
        )
        appointment.changed_at, appointment.reminded_at = now, None
        appointment.save(update_fields=["advisor", "place", "start", "end", "changed_at", "reminded_at"])
        _record(appointment, "reschedule", S.BOOKED, actor, now, note)
        _offer_freed(service, *before, now)
    return appointment


def transition(
    appointment: Appointment, action: str, actor=None, note: str = "", now: datetime | None = None
) -> Appointment:
    """Apply one move of `Appointment.TRANSITIONS` with its rules, record who/when/why."""
    now = now or timezone.now()
    note = (note or "").strip()
    with transaction.atomic():
        _lock_advisor(appointment.advisor_id)
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("service", "advisor")
            .get(pk=appointment.pk)
        )
        _refuse(appointment, action, actor, note, now)
        source = apply_transition(appointment, MACHINE, action, lambda action, source: None)
        appointment.changed_at = now
        appointment.save(update_fields=["state", "changed_at"])
        _record(appointment, action, source, actor, now, note)
        if appointment.state in (S.CANCELLED, S.EXPIRED) and appointment.start > now:
            AppointmentWait.objects.filter(offer=appointment).update(state=AppointmentWait.State.DONE)
            _offer_freed(
                appointment.service,
                appointment.advisor_id,
                appointment.place_id,
                appointment.start,
                appointment.end,
                now,
            )
    return appointment


def _refuse(appointment: Appointment, action: str, actor, note: str, now: datetime) -> None:
    """Who may apply each action, and when."""
    if action == "expire":
        if actor is not None:
            raise PermissionDenied(_("Only the scheduled jobs may let an offer expire."))
        return
    if action == "accept":
        if actor is None or actor.pk != appointment.person_id:
            raise PermissionDenied(_("Only the person it is offered to may accept this time."))
        if appointment.state == S.OFFERED and appointment.offer_expires_at <= now:
            raise ActivityError(
                _("This offer expired at %(time)s; join the waiting list again.")
                % {"time": when(appointment.offer_expires_at)}
            )
        return
    if action == "cancel":
        require(actor, Action.CANCEL_APPOINTMENT, appointment)
        if _staff(actor, appointment):
            if not note:
                raise field_error(
                    "reason", _("Write the reason for the person who booked."), "reason_required"
                )
        elif appointment.state == S.BOOKED and now > deadline(appointment):
            raise ActivityError(
                _("This appointment could be cancelled until %(time)s; call the service if you cannot come.")
                % {"time": when(deadline(appointment))}
            )
        return
    require(actor, Action.MARK_APPOINTMENT, appointment)
    if now < appointment.start:
        raise ActivityError(
            _("The appointment starts at %(time)s; mark it once it has begun.")
            % {"time": when(appointment.start)}
        )


def cancel(appointment: Appointment, actor, reason: str = "", now: datetime | None = None) -> Appointment:
    """The person cancels until the deadline; the advisor and the organisation at any time, with a reason."""
    return transition(appointment, "cancel", actor, reason, now)


def accept_offer(appointment: Appointment, person, now: datetime | None = None) -> Appointment:
    """Take a time offered from the waiting list."""
    return transition(appointment, "accept", person, now=now)


def mark(appointment: Appointment, actor, outcome: str, now: datetime | None = None) -> Appointment:
    """The advisor marks an appointment done or no-show (and may correct it)."""
    if outcome not in ("done", "no_show"):
        raise field_error("outcome", _("Choose done or no-show."))
    return transition(appointment, outcome, actor, now=now)


# --- waiting list ---------------------------------------------------------------------------------------------
def join_waiting_list(
    person,
    service: AdviceService,
    place: Place | None = None,
    mode: str = Mode.IN_PERSON,
    reason: str = "",
    phone: str = "",
    now: datetime | None = None,
) -> AppointmentWait:
    """Wait for a slot when none is free in the bookable weeks; refused while one is free."""
    now = now or timezone.now()
    reason, phone = (reason or "").strip(), (phone or "").strip()
    _check_mode(service, mode, phone)
    if len(reason) > MAX_REASON:
        raise field_error(
            "reason", _("Write the reason in at most %(n)d characters.") % {"n": MAX_REASON}, "reason_length"
        )
    if place is not None and not service.places.filter(pk=place.pk).exists():
        raise field_error(
            "place", _("This service is not offered at this place; choose one of its places."), "place"
        )
    if AppointmentWait.objects.filter(
        service=service, person=person, state__in=["waiting", "offered"]
    ).exists():
        raise ActivityError(_("You are already on the waiting list of this service."))
    free = free_slots(service, timezone.localdate(now), service.days_ahead + 1, place, now)
    if free:
        raise ActivityError(
            _("A time is free on %(time)s; book it instead of waiting.") % {"time": when(free[0].start)}
        )
    return AppointmentWait.objects.create(
        service=service, person=person, place=place, mode=mode, reason=reason, phone=phone, created_at=now
    )


def leave_waiting_list(wait: AppointmentWait, person) -> None:
    if wait.person_id != person.pk:
        raise PermissionDenied(_("Only the person waiting may leave the waiting list."))
    if wait.state != AppointmentWait.State.WAITING:
        raise ActivityError(_("You are no longer waiting: a time was offered to you; accept or cancel it."))
    wait.state = AppointmentWait.State.DONE
    wait.save(update_fields=["state"])


def _offer_freed(
    service: AdviceService, advisor_id: int, place_id: int, start: datetime, end: datetime, now: datetime
) -> Appointment | None:
    """Offer a freed slot (the advisor's lock held) to the first person waiting for it, for the service's offer
    time and never past the deadline to book it."""
    expires = min(now + timedelta(hours=service.offer_hours), start - timedelta(hours=service.notice_hours))
    if expires <= now:
        return None
    waiting = (
        AppointmentWait.objects.select_for_update()
        .filter(service=service, state=AppointmentWait.State.WAITING)
        .filter(Q(place__isnull=True) | Q(place_id=place_id))
        .select_related("person")
        .order_by("created_at", "pk")
    )
    holding = Q(state=S.BOOKED) | Q(state=S.OFFERED, offer_expires_at__gt=now)
    if Appointment.objects.filter(holding, advisor_id=advisor_id, start__lt=end, end__gt=start).exists():
        return None  # offered or booked again already
    for wait in waiting:
        if Appointment.objects.filter(holding, person=wait.person, start__lt=end, end__gt=start).exists():
            continue  # busy then: the next in line gets it
        offer = Appointment.objects.create(
            service=service,
            advisor_id=advisor_id,
            place_id=place_id,
            person=wait.person,
            mode=wait.mode,
            start=start,
            end=end,
            state=S.OFFERED,
            reason=wait.reason,
            phone=wait.phone,
            offer_expires_at=expires,
            created_at=now,
            changed_at=now,
        )
        wait.state, wait.offer = AppointmentWait.State.OFFERED, offer
        wait.save(update_fields=["state", "offer"])
        _record(offer, "offer", "", None, now)
        return offer
    return None


def expire_offers(now: datetime | None = None) -> int:
    """Let the offers not accepted in time expire; each freed time goes to the next in line."""
    now = now or timezone.now()
    expired = 0
    for appointment in Appointment.objects.filter(state=S.OFFERED, offer_expires_at__lte=now):
        try:
            transition(appointment, "expire", now=now)
        except ActivityError:
            continue  # changed meanwhile
        expired += 1
    return expired


# --- views of the day and counts ------------------------------------------------------------------------------
def advisor_day(advisor: Advisor, day: date, actor) -> list[Appointment]:
    """The advisor's appointments of a day at every place (with their reasons: only the advisor sees them)."""
    require(actor, Action.MANAGE_AVAILABILITY, advisor)
    return list(
        Appointment.objects.filter(
            advisor=advisor,
            start__gte=midnight(day),
            start__lt=midnight(day + timedelta(days=1)),
            state__in=[S.BOOKED, S.DONE, S.NO_SHOW, S.OFFERED],
        )
        .select_related("service", "place", "person")
        .order_by("start")
    )


@dataclass(frozen=True)
class TakenSlot:
    """What a place's operator sees of an appointment at the place: that the time is taken, no more."""

    start: datetime
    end: datetime
    service: str
    mode: str


def place_day(place: Place, day: date, actor) -> list[TakenSlot]:
    """The times taken at a place on a day, for its operator: never who booked or why."""
    require(actor, Action.VIEW_PLACE_SLOTS, place)
    rows = (
        Appointment.objects.filter(
            place=place,
            start__gte=midnight(day),
            start__lt=midnight(day + timedelta(days=1)),
            state__in=[S.BOOKED, S.OFFERED, S.DONE, S.NO_SHOW],
        )
        .select_related("service")
        .order_by("start")
    )
    return [TakenSlot(a.start, a.end, a.service.name, a.get_mode_display()) for a in rows]


def monthly_counts(organisation, actor, since: date, until: date) -> dict[tuple[int, str], Counter]:
    """Appointments per service and month (YYYY-MM, Rome time) by state, for the organisation's staff."""
    require(actor, Action.VIEW_STATS, organisation)
    counts: dict[tuple[int, str], Counter] = {}
    rows = Appointment.objects.filter(
        service__organisation=organisation,
        start__gte=midnight(since),
        start__lt=midnight(until + timedelta(days=1)),
        state__in=[S.BOOKED, S.DONE, S.NO_SHOW, S.CANCELLED],
    ).values_list("service_id", "start", "state")
    for service_id, start, state in rows:
        month = timezone.localtime(start).strftime("%Y-%m")
        counts.setdefault((service_id, month), Counter())[state] += 1
    return counts


# --- what time does -------------------------------------------------------------------------------------------
def purge_reasons(now: datetime | None = None) -> int:
    """Delete the reasons of appointments that ended more than their service's months ago, and of waits
    closed as long ago; gives back how many appointments lost theirs."""
    now = now or timezone.now()
    purged = 0
    for months in set(AdviceService.objects.values_list("reason_months", flat=True)):
        cutoff = add_months(now, -months)
        purged += (
            Appointment.objects.filter(service__reason_months=months, end__lt=cutoff)
            .exclude(reason="")
            .update(reason="", reason_deleted_at=now)
        )
        AppointmentWait.objects.filter(
            service__reason_months=months, state=AppointmentWait.State.DONE, created_at__lt=cutoff
        ).exclude(reason="").update(reason="")
    return purged


def due_reminders(now: datetime, hours: int) -> list[int]:
    """Mark, once, the booked appointments starting within `hours` (booked before that window) as reminded;
    gives back their ids."""
    lead = timedelta(hours=hours)
    due = Appointment.objects.filter(
        state=S.BOOKED,
        reminded_at__isnull=True,
        start__gt=now,
        start__lte=now + lead,
        created_at__lte=F("start") - lead,
    )
    reminded = []
    for pk in due.values_list("pk", flat=True):
        # The conditional update wins once even when two job runs overlap.
        if Appointment.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now):
            reminded.append(pk)
    return reminded
