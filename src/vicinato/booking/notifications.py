"""E-mails to the person who booked, in Italian and English, sent after the change is committed."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import signals

SUBJECTS = {
    "create": lambda r: _("Booking confirmed") if r.state == "confirmed" else _("Booking request received"),
    "confirm": lambda r: _("Booking confirmed"),
    "reject": lambda r: _("Booking request rejected"),
    "cancel": lambda r: _("Booking cancelled"),
    "no_show": lambda r: _("Booking released: no check-in"),
}


def _both(render) -> tuple[str, str]:
    texts = []
    for language in ("it", "en"):
        with translation.override(language):
            texts.append(render())
    subjects, bodies = zip(*texts, strict=True)
    return " / ".join(subjects), "\n\n----------\n\n".join(bodies)


def _send(person, render) -> None:
    if not person.email:
        return
    subject, body = _both(render)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email], fail_silently=True)


def _period(obj) -> str:
    start, end = timezone.localtime(obj.start), timezone.localtime(obj.end)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"


def reservation_changed(reservation, action: str, note: str = "") -> None:
    subject = SUBJECTS.get(action)
    if subject is None:
        return

    def render():
        lines = [
            f"{reservation.resource.name}, {reservation.resource.place.name}",
            _period(reservation),
            _("State: %(state)s") % {"state": reservation.get_state_display()},
        ]
        if reservation.state == "confirmed":
            lines.append(_("Check-in code: %(code)s") % {"code": reservation.checkin_code})
        if note:
            lines.append(_("Note from the place: %(note)s") % {"note": note})
        return str(subject(reservation)), "\n".join(lines)

    _send(reservation.person, render)


def offer_made(entry) -> None:
    def render():
        return _("A place freed up for you"), "\n".join(
            [
                f"{entry.resource.name}, {entry.resource.place.name}",
                _period(entry),
                _("Accept the offer by %(time)s, or it goes to the next person in line.")
                % {"time": f"{timezone.localtime(entry.offer_expires_at):%Y-%m-%d %H:%M}"},
            ]
        )

    _send(entry.person, render)


@receiver(signals.reservation_changed, dispatch_uid="booking.notifications.reservation")
def _on_reservation_changed(sender, reservation, action, note="", **kwargs) -> None:
    transaction.on_commit(lambda: reservation_changed(reservation, action, note))


@receiver(signals.offer_made, dispatch_uid="booking.notifications.offer")
def _on_offer_made(sender, entry, **kwargs) -> None:
    transaction.on_commit(lambda: offer_made(entry))
