"""A guest organisation's operators see their own organisation's bookings under an agreement, not another
guest's; the host sees them all (issue 18, finding 11)."""

import pytest

from vicinato.agreements.services import booking_rows
from vicinato.booking.services import reserve

from .conftest import NOW, at

pytestmark = pytest.mark.django_db


def test_a_guest_admin_sees_only_their_own_guests_bookings(
    agreement, host_staff, company, company_admin, city_hall, city_admin, employee, clerk, desks
):
    reserve(employee, desks, at("09:00"), at("10:00"), now=NOW)
    reserve(clerk, desks, at("11:00"), at("12:00"), now=NOW)
    assert [r.guest for r in booking_rows(company_admin, agreement)] == [company.legal_name]
    assert [r.guest for r in booking_rows(city_admin, agreement)] == [city_hall.legal_name]
    assert sorted(r.guest for r in booking_rows(host_staff, agreement)) == sorted(
        [company.legal_name, city_hall.legal_name]
    )
