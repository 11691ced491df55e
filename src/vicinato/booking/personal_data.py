"""What the booking engine keeps about a person: their bookings, monthly passes, waiting-list places and calendar
address (see vicinato.lib.personal_data). Past bookings stay, pointing at the anonymised account: they are the places'
statistics and the vouchers' ledger."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vicinato.lib.personal_data import Holder

from .models import CalendarFeed, MonthlyPass, Reservation, ReservationEvent, WaitingListEntry


def _bookings(person) -> list[dict]:
    bookings = Reservation.objects.filter(person=person).select_related("resource__place").order_by("start")
    return [
        {
            "place": r.resource.place.name,
            "resource": r.resource.name,
            "from": r.start,
            "until": r.end,
            "units": r.units,
            "state": r.get_state_display(),
            "price_eur": f"{r.price_cents / 100:.2f}",
            "booked_at": r.created_at,
        }
        for r in bookings
    ]


def _waiting(person) -> list[dict]:
    entries = WaitingListEntry.objects.filter(person=person).select_related("resource").order_by("start")
    return [
        {"resource": e.resource.name, "from": e.start, "until": e.end, "state": e.get_state_display()}
        for e in entries
    ]


def _passes(person) -> list[dict]:
    passes = MonthlyPass.objects.filter(person=person).select_related("resource__place").order_by("month")
    return [
        {
            "place": p.resource.place.name,
            "resource": p.resource.name,
            "month": f"{p.month:%Y-%m}",
            "state": p.get_state_display(),
            "price_eur": f"{p.price_cents / 100:.2f}",
            "taken_at": p.created_at,
        }
        for p in passes
    ]


def _open(person) -> list[str]:
    reasons = []
    bookings = Reservation.objects.filter(
        person=person, state__in=Reservation.HOLDING_STATES, end__gt=timezone.now()
    ).count()
    if bookings:
        reasons.append(
            ngettext(
                "You have %(count)d booking still to come: cancel it first, or wait until it is over.",
                "You have %(count)d bookings still to come: cancel them first, or wait until they are over.",
                bookings,
            )
            % {"count": bookings}
        )
    waiting = WaitingListEntry.objects.filter(
        person=person, state__in=(WaitingListEntry.State.WAITING, WaitingListEntry.State.OFFERED)
    ).exists()
    if waiting:
        reasons.append(_("You are on a waiting list: leave it first."))
    return reasons


def _forget(person) -> None:
    CalendarFeed.objects.filter(person=person).delete()
    Reservation.objects.filter(person=person).update(idempotency_key=None)
    # What the person wrote when changing their bookings (e.g. why they cancelled).
    ReservationEvent.objects.filter(reservation__person=person, actor=person).update(note="")


BOOKINGS = Holder("bookings", lambda: _("Bookings"), _bookings, still_open=_open, forget=_forget)
WAITING = Holder("waiting_lists", lambda: _("Waiting lists"), _waiting)
PASSES = Holder("monthly_passes", lambda: _("Monthly passes"), _passes)
