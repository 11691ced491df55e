"""What a booking costs its person once vouchers are counted: the programme's share, what is left to pay, or
why a voucher the person holds does not cover it (the day falls outside the programme's period)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from vicinato.booking.models import Reservation

from .models import LedgerEntry, VoucherApplication, VoucherProgramme, cents_to_euros
from .vouchers import covers_place


@dataclass(frozen=True)
class Cover:
    """`covered`: the programme holds `subsidy` of the price for this booking (possibly less than its share,
    `note` says why; nothing once released). Not covered: the person's programme covers the place, but only
    bookings from `valid_from` to `valid_until`."""

    programme: VoucherProgramme
    price: Decimal
    subsidy: Decimal
    covered: bool
    note: str = ""
    valid_from: date | None = None
    valid_until: date | None = None

    @property
    def pays(self) -> Decimal:
        return self.price - self.subsidy


def booking_cover(reservation: Reservation) -> Cover | None:
    """The voucher's part in a paid booking, or None when no programme of the person's has anything to say."""
    if reservation.price_cents <= 0:
        return None
    price = cents_to_euros(reservation.price_cents)
    entry = LedgerEntry.objects.select_related("programme").filter(reservation=reservation).first()
    if entry is not None:
        counted = entry.state in LedgerEntry.COUNTING
        subsidy = entry.amount if counted else Decimal("0.00")
        return Cover(entry.programme, price, subsidy, covered=counted, note=entry.note)
    day = timezone.localdate(reservation.start)
    approved = VoucherApplication.objects.filter(
        person_id=reservation.person_id, state=VoucherApplication.State.APPROVED
    ).select_related("programme")
    for application in approved.order_by("programme_id"):
        programme = application.programme
        outside = not programme.valid_from <= day <= programme.valid_until
        place = reservation.resource.place
        if outside and covers_place(programme, place, reservation.created_at or timezone.now()):
            return Cover(
                programme,
                price,
                Decimal("0.00"),
                covered=False,
                valid_from=programme.valid_from,
                valid_until=programme.valid_until,
            )
    return None
