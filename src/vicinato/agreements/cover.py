"""What a booking costs its person once vouchers are counted: the programme's share, what is left to pay, or
why a voucher the person holds does not cover it (the day falls outside the programme's period)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from vicinato.booking.models import Reservation

from .models import LedgerEntry, VoucherApplication, VoucherProgramme, cents_to_euros, euros_to_cents
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

    @property
    def outside_period(self) -> bool:
        """Not covered because the booking's day falls outside the programme's period."""
        return self.valid_from is not None

    @property
    def price_cents(self) -> int:
        return euros_to_cents(self.price)

    @property
    def subsidy_cents(self) -> int:
        return euros_to_cents(self.subsidy)

    @property
    def pays_cents(self) -> int:
        return euros_to_cents(self.pays)


def booking_cover(reservation: Reservation) -> Cover | None:
    """The voucher's part in a paid booking, or None when no programme of the person's has anything to say."""
    return booking_covers([reservation])[reservation.pk]


def booking_covers(reservations: Iterable[Reservation]) -> dict[int, Cover | None]:
    """`booking_cover` of each reservation, by id, in two queries for the lot (their resources' places loaded):
    a list of bookings asks once, not once a booking."""
    reservations = list(reservations)
    covers: dict[int, Cover | None] = {r.pk: None for r in reservations}
    paid = [r for r in reservations if r.price_cents > 0]
    if not paid:
        return covers
    entries = LedgerEntry.objects.select_related("programme").filter(reservation__in=[r.pk for r in paid])
    by_reservation = {entry.reservation_id: entry for entry in entries}
    unheld = [r for r in paid if r.pk not in by_reservation]
    approved: dict[int, list[VoucherApplication]] = {}
    if unheld:
        applications = VoucherApplication.objects.filter(
            person_id__in={r.person_id for r in unheld}, state=VoucherApplication.State.APPROVED
        ).select_related("programme")
        for application in applications.order_by("programme_id"):
            approved.setdefault(application.person_id, []).append(application)
    for reservation in paid:
        price = cents_to_euros(reservation.price_cents)
        entry = by_reservation.get(reservation.pk)
        if entry is not None:
            counted = entry.state in LedgerEntry.COUNTING
            subsidy = entry.amount if counted else Decimal("0.00")
            covers[reservation.pk] = Cover(entry.programme, price, subsidy, covered=counted, note=entry.note)
        else:
            covers[reservation.pk] = _outside(reservation, price, approved.get(reservation.person_id, []))
    return covers


def _outside(reservation: Reservation, price: Decimal, approved: list[VoucherApplication]) -> Cover | None:
    """Not covered: a programme of the person's covers the place, but the booking's day is outside its period."""
    day = timezone.localdate(reservation.start)
    for application in approved:
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
