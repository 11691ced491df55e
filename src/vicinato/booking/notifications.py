"""E-mails to the person who booked, sent by background tasks once the change is committed.

The receivers of the booking signals enqueue a task that only the committed change releases, so a change
that is rolled back sends nothing: the database queue stores it as a row of the change's own transaction (one
commit for both), any other backend gets it when the transaction commits. The worker (`vicinato db_worker`)
runs the task, which reads the booking again and sends one mail in Italian with English below (people have no
stored language), times on Rome's wall clock."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import F
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_tasks import task
from django_tasks.signals import task_enqueued
from django_tasks.utils import normalize_json
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from . import calendar, signals
from .models import Reservation, WaitingListEntry
from .prepared import PreparedInsert

S = Reservation.State
SUBJECTS = {
    "confirmed": _("Booking confirmed"),
    "requested": _("Booking request received"),
    "approved": _("Booking confirmed"),
    "rejected": _("Booking request rejected"),
    "cancelled": _("Booking cancelled"),
    "cancelled_by_place": _("Booking cancelled by the place"),
    "no_show": _("Booking released: no check-in"),
    "reminder": _("Reminder of your booking"),
    "offer": _("A place freed up for you"),
    "changed": _("Booking changed"),
}
WITH_CALENDAR = {"confirmed", "approved", "changed"}  # mails that carry the booking's .ics
LANGUAGES = ("it", "en")


def mail_kind(reservation: Reservation, action: str, actor) -> str | None:
    """Which mail a change of the reservation sends (None: no mail, e.g. check-in)."""
    if action == "create":
        return "confirmed" if reservation.state == S.CONFIRMED else "requested"
    if action == "cancel":
        by_person = actor is None or actor.pk == reservation.person_id
        return "cancelled" if by_person else "cancelled_by_place"
    return {
        "confirm": "approved",
        "reject": "rejected",
        "no_show": "no_show",
        "move": "changed",
        "move_unit": "changed",
    }.get(action)


# --- rendering -------------------------------------------------------------------------------------------------
def _url(name: str, **kwargs) -> str:
    """The full address of a page, in the active language."""
    return settings.SITE_URL.rstrip("/") + reverse(name, kwargs=kwargs)


def _render(kind: str, context: dict, links) -> tuple[str, str]:
    """Subject and body in Italian then English; `links()` gives the addresses in the active language."""
    subjects, bodies = [], []
    with timezone.override(settings.TIME_ZONE):
        for language in LANGUAGES:
            with translation.override(language):
                subjects.append(str(SUBJECTS[kind]))
                body = render_to_string(f"booking/email/{kind}.txt", {**context, **links()})
                bodies.append(re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]+\n", "\n", body)).strip())
    # Until a subject is translated both languages read the same: say it once.
    return " / ".join(dict.fromkeys(subjects)), "\n\n----------\n\n".join(bodies) + "\n"


def _send(person, place, subject: str, body: str, attachments=()) -> bool:
    if not person.email:
        return False
    message = EmailMessage(
        subject,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [person.email],
        reply_to=[place.email] if place.email else None,
    )
    for attachment in attachments:
        message.attach(*attachment)
    message.send()
    return True


# --- the tasks the worker runs ---------------------------------------------------------------------------------
@task()
def send_reservation_mail(reservation_id: int, kind: str, note: str = "") -> bool:
    """Send the mail of `kind` about a reservation; False when there is nothing to send any more."""
    reservation = (
        Reservation.objects.select_related("person", "resource__place__municipality", "unit")
        .filter(pk=reservation_id)
        .first()
    )
    if reservation is None or (kind == "reminder" and reservation.state != S.CONFIRMED):
        return False
    resource, place = reservation.resource, reservation.resource.place
    window = timedelta(minutes=resource.checkin_window_minutes)
    context = {
        "person": reservation.person,
        "booking": reservation,
        "resource": resource,
        "place": place,
        "note": note,
        "checkin_opens": reservation.start - window,
        "checkin_closes": reservation.start + window,
        "cancel_until": reservation.start - timedelta(minutes=resource.cancellation_deadline_minutes),
    }

    def links() -> dict:
        return {
            "booking_url": _url("web:booking", pk=reservation.pk),
            "ics_url": _url("web:booking_ics", pk=reservation.pk),
            "place_url": _url("web:place", public_id=place.public_id),
        }

    subject, body = _render(kind, context, links)
    attachments = []
    if kind in WITH_CALENDAR:
        attachments.append(
            (f"vicinato-{reservation.pk}.ics", calendar.reservation_ics(reservation), "text/calendar")
        )
    return _send(reservation.person, place, subject, body, attachments)


@task()
def send_offer_mail(entry_id: int) -> bool:
    """Tell the person a unit they waited for is held for them; not if the offer is already gone."""
    entry = (
        WaitingListEntry.objects.select_related("person", "resource__place__municipality", "unit")
        .filter(pk=entry_id, state=WaitingListEntry.State.OFFERED, offer_expires_at__gt=timezone.now())
        .first()
    )
    if entry is None:
        return False
    place = entry.resource.place
    context = {"person": entry.person, "booking": entry, "resource": entry.resource, "place": place}

    def links() -> dict:
        # Offers are accepted on the person's bookings page.
        return {"offer_url": _url("web:my_bookings")}

    return _send(entry.person, place, *_render("offer", context, links))


# --- when they are enqueued ------------------------------------------------------------------------------------
def _enqueue(task, *args) -> None:
    """Enqueue `task` so that only the commit of the current change releases it."""
    if connections[DEFAULT_DB_ALIAS].in_atomic_block and _queued_with_the_change(task):
        # A row of the change's transaction: the worker sees it once committed, a rollback removes it, and
        # the change and its mail cost one commit instead of two.
        _enqueue_row(task, args)
    else:
        # robust: a queue that refuses the task must not turn a committed booking into an error page.
        transaction.on_commit(partial(task.enqueue, *args), robust=True)


def _queued_with_the_change(task) -> bool:
    return (
        isinstance(task.get_backend(), DatabaseBackend)
        and router.db_for_write(DBTaskResult) == DEFAULT_DB_ALIAS
    )


# Every column of the queue's row, so that the row is the one the ORM's save would write.
_INSERT_TASK = PreparedInsert(DBTaskResult, [f.name for f in DBTaskResult._meta.concrete_fields])


def _enqueue_row(task, args: tuple) -> None:
    """What `task.enqueue(*args)` does on the database queue (DatabaseBackend.enqueue), with the row inserted by
    one prepared statement instead of the ORM's save, which cost a booking a fifth of its time in Python.

    The same row: the model's defaults, `enqueued_at` (auto_now_add) and `run_after` (django-tasks-db sets it
    in a pre_save receiver, its only one: tests/booking/test_task_row.py checks) as a save sets them; the
    same validation of the task and the same `task_enqueued` signal."""
    backend = task.get_backend()
    backend.validate_task(task)
    row = DBTaskResult(
        id=backend._get_id(),
        args_kwargs=normalize_json({"args": args, "kwargs": {}}),
        priority=task.priority,
        task_path=task.module_path,
        queue_name=task.queue_name,
        run_after=task.run_after if task.run_after is not None else get_date_max(),
        backend_name=backend.alias,
        enqueued_at=timezone.now(),
    )
    _INSERT_TASK.run(**{f.name: getattr(row, f.attname) for f in DBTaskResult._meta.concrete_fields})
    row._state.adding, row._state.db = False, DEFAULT_DB_ALIAS
    task_enqueued.send(type(backend), task_result=row.task_result)


@receiver(signals.reservation_changed, dispatch_uid="booking.notifications.reservation")
def _on_reservation_changed(sender, reservation, action, actor=None, note="", **kwargs) -> None:
    kind = mail_kind(reservation, action, actor)
    if kind:
        _enqueue(send_reservation_mail, reservation.pk, kind, note)


@receiver(signals.offer_made, dispatch_uid="booking.notifications.offer")
def _on_offer_made(sender, entry, **kwargs) -> None:
    _enqueue(send_offer_mail, entry.pk)


def send_reminders(now: datetime | None = None) -> int:
    """Enqueue, once, the reminder of each confirmed booking starting within BOOKING_REMINDER_HOURS.

    Bookings made inside that window get none: their confirmation has just arrived."""
    now = now or timezone.now()
    lead = timedelta(hours=settings.BOOKING_REMINDER_HOURS)
    due = Reservation.objects.filter(
        state=S.CONFIRMED,
        reminded_at__isnull=True,
        start__gt=now,
        start__lte=now + lead,
        created_at__lte=F("start") - lead,
    )
    sent = 0
    for pk in due.values_list("pk", flat=True):
        # The conditional update wins once even when two job runs overlap.
        if Reservation.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now):
            _enqueue(send_reservation_mail, pk, "reminder")
            sent += 1
    return sent
