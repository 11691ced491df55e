"""E-mails to the person who booked, sent by background tasks once the change is committed.

The receivers of the booking signals enqueue a task that only the committed change releases, so a change
that is rolled back sends nothing: the database queue stores it as a row of the change's own transaction (one
commit for both), any other backend gets it when the transaction commits. The worker (`vicinato db_worker`)
runs the task, which reads the booking again and sends one mail in Italian with English below (people have no
stored language), times on Rome's wall clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from vicinato.lib import mail
from vicinato.lib.tasks import enqueue_with_the_change

from . import calendar, signals
from .models import Reservation, WaitingListEntry
from .services.transitions import cancellation_deadline, checkin_window

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
def _render(kind: str, context: dict, links) -> mail.Render:
    """The mail of `kind`; `links()` gives the addresses in the active language."""

    def render() -> tuple[str, str]:
        return SUBJECTS[kind], render_to_string(f"booking/email/{kind}.txt", {**context, **links()})

    return render


def _send(person, place, render: mail.Render, attachments=()) -> bool:
    message = mail.message(person.email, render, reply_to=place.email or None, attachments=attachments)
    if message is None:
        return False
    message.send()  # a failure fails the task: the worker records it
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
    checkin_opens, checkin_closes = checkin_window(reservation)
    context = {
        "person": reservation.person,
        "booking": reservation,
        "resource": resource,
        "place": place,
        "note": note,
        "checkin_opens": checkin_opens,
        "checkin_closes": checkin_closes,
        "cancel_until": cancellation_deadline(reservation),
    }

    def links() -> dict:
        return {
            "booking_url": mail.url("web:booking", pk=reservation.pk),
            "ics_url": mail.url("web:booking_ics", pk=reservation.pk),
            "place_url": mail.url("web:place", public_id=place.public_id),
        }

    attachments = []
    if kind in WITH_CALENDAR:
        attachments.append(
            (f"vicinato-{reservation.pk}.ics", calendar.reservation_ics(reservation), "text/calendar")
        )
    return _send(reservation.person, place, _render(kind, context, links), attachments)


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
        return {"offer_url": mail.url("web:my_bookings")}

    return _send(entry.person, place, _render("offer", context, links))


@receiver(signals.reservation_changed, dispatch_uid="booking.notifications.reservation")
def _on_reservation_changed(sender, reservation, action, actor=None, note="", **kwargs) -> None:
    kind = mail_kind(reservation, action, actor)
    if kind:
        enqueue_with_the_change(send_reservation_mail, reservation.pk, kind, note)


@receiver(signals.offer_made, dispatch_uid="booking.notifications.offer")
def _on_offer_made(sender, entry, **kwargs) -> None:
    enqueue_with_the_change(send_offer_mail, entry.pk)


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
            enqueue_with_the_change(send_reservation_mail, pk, "reminder")
            sent += 1
    return sent
