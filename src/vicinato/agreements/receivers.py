"""What the app does when the booking engine changes a reservation: inside the booking's transaction, so that
a refusal here undoes the booking and the ledger never disagrees with the reservations."""

from django.dispatch import receiver

from vicinato.booking.models import Resource
from vicinato.booking.signals import reservation_changed

from . import services, vouchers


@receiver(reservation_changed, dispatch_uid="agreements.receivers.reservation_changed")
def _on_reservation_changed(sender, reservation, action, at, **kwargs) -> None:
    if action in ("create", "move") and reservation.resource.who_may_book == Resource.WhoMayBook.AGREEMENT:
        services.record_booking(reservation, moved=action == "move")
    vouchers.on_reservation_changed(reservation, action, at)
