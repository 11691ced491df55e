"""A booking moved to another time under an agreement or a voucher: the day's quota and the monthly days count
it on its new day only (never against itself), and its voucher share follows the new price and day."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from vicinato.agreements.models import AgreementBooking, LedgerEntry
from vicinato.booking.services import reschedule, reserve

from .conftest import NOW, TUESDAY, affiliate, at
from .test_ledger import coworker, funder, paid, programme  # noqa: F401

pytestmark = pytest.mark.django_db
WEDNESDAY = TUESDAY + timedelta(days=1)


def test_a_move_within_a_full_day_does_not_count_the_booking_itself(agreement, desks, employee, clerk):
    first = reserve(employee, desks, at("09:00"), at("10:00"), now=NOW)
    reserve(clerk, desks, at("14:00"), at("15:00"), now=NOW)  # the 2 desks of the day are taken
    reschedule(first, at("11:00"), at("12:00"), employee, now=NOW)
    assert AgreementBooking.objects.get(reservation=first).day == TUESDAY


def test_a_move_to_another_day_counts_on_the_new_day(
    agreement, desks, employee, clerk, user_factory, company
):
    third = user_factory("third")
    affiliate(third, company)
    first = reserve(employee, desks, at("09:00"), at("10:00"), now=NOW)
    reserve(clerk, desks, at("09:00", WEDNESDAY), at("10:00", WEDNESDAY), now=NOW)
    reserve(third, desks, at("11:00", WEDNESDAY), at("12:00", WEDNESDAY), now=NOW)
    # Wednesday's quota is full: refused, naming the agreement's quota.
    with pytest.raises(ValidationError, match="All 2 desks a day"):
        reschedule(first, at("14:00", WEDNESDAY), at("15:00", WEDNESDAY), employee, now=NOW)
    assert AgreementBooking.objects.get(reservation=first).day == TUESDAY
    # Tuesday has room again: the moved booking no longer counts there once it is on Thursday.
    reschedule(
        first,
        at("09:00", TUESDAY + timedelta(days=2)),
        at("10:00", TUESDAY + timedelta(days=2)),
        employee,
        now=NOW,
    )
    assert AgreementBooking.objects.get(reservation=first).day == TUESDAY + timedelta(days=2)
    assert reserve(third, desks, at("09:00"), at("10:00"), now=NOW)


def test_the_voucher_share_follows_the_new_price_and_day(coworker, paid):  # noqa: F811
    reservation = reserve(coworker, paid, at("09:00"), at("11:00"), now=NOW)  # 10.00 EUR, 5.00 reserved
    reschedule(reservation, at("09:00", WEDNESDAY), at("10:00", WEDNESDAY), coworker, now=NOW)
    [entry] = LedgerEntry.objects.filter(reservation=reservation)
    assert (entry.day, entry.price, entry.amount, entry.state) == (
        WEDNESDAY,
        Decimal("5.00"),
        Decimal("2.50"),
        LedgerEntry.State.RESERVED,
    )
