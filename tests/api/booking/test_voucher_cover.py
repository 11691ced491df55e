"""The person's reservations in the API (the list, one reservation, a series' dates) say what a voucher covers,
as the booking page does: the share and what is left to pay in cents with their currency, or that the date falls
outside the programme's period."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.agreements.conftest import NOW, TUESDAY, at, beneficiary, make_programme, make_resource
from vicinato.booking.services import reserve

from ..bearer import client_for as api_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("at_now")]
URL = "/api/v1/booking/reservations"


@pytest.fixture
def paid(listed):
    """Desks at 2.50 EUR a 30-minute slot."""
    return make_resource(listed, capacity=5, price_cents_per_slot=250, max_days_ahead=60)


def holder(person, funder, place, **terms):
    """`person` is a beneficiary of `funder`'s programme covering `place` (all 2030 unless `terms` say
    otherwise)."""
    programme = make_programme(funder, **terms)
    programme.places.add(place)
    beneficiary(programme, person)


def test_the_list_and_the_reservation_give_the_share_and_what_is_left_in_cents(
    person, city_hall, paid, listed
):
    holder(person, city_hall, listed)
    reservation = reserve(person, paid, at("09:00"), at("11:00"), now=NOW)  # 4 slots: 10.00 EUR
    api = api_for(person)
    listed_answer = api.get(URL)
    assert listed_answer.status_code == 200
    [item] = listed_answer.json()
    voucher = item["voucher"]
    assert {key: voucher[key] for key in ("covered", "outside_period", "currency")} == {
        "covered": True,
        "outside_period": False,
        "currency": "EUR",
    }
    assert (voucher["price_cents"], voucher["subsidy_cents"], voucher["pays_cents"]) == (1000, 500, 500)
    assert api.get(f"{URL}/{reservation.pk}").json()["voucher"] == voucher


def test_a_date_outside_the_programme_is_said_not_covered(person, city_hall, paid, listed):
    holder(person, city_hall, listed, valid_until=date(2030, 3, 4))  # ends the day before the booking
    reserve(person, paid, at("09:00"), at("10:00"), now=NOW)
    [item] = api_for(person).get(URL).json()
    voucher = item["voucher"]
    assert (voucher["covered"], voucher["outside_period"], voucher["valid_until"]) == (
        False,
        True,
        "2030-03-04",
    )
    assert (voucher["subsidy_cents"], voucher["pays_cents"], voucher["currency"]) == (0, 500, "EUR")


def test_a_cancelled_booking_is_not_covered_but_not_outside_the_period(person, city_hall, paid, listed):
    holder(person, city_hall, listed)
    reservation = reserve(person, paid, at("09:00"), at("10:00"), now=NOW)
    api = api_for(person)
    assert api.post(f"{URL}/{reservation.pk}/cancel", {}, content_type="application/json").status_code == 200
    voucher = api.get(URL).json()[0]["voucher"]
    assert (voucher["covered"], voucher["outside_period"], voucher["pays_cents"]) == (False, False, 500)


def test_without_a_programme_or_a_price_the_voucher_is_null(person, city_hall, paid, listed):
    free = make_resource(listed, name_it="Gratis", name_en="Free", price_cents_per_slot=0)
    reserve(person, paid, at("09:00"), at("10:00"), now=NOW)
    holder(person, city_hall, listed)
    reserve(person, free, at("09:00"), at("10:00"), now=NOW)
    answer = api_for(person).get(URL).json()
    assert [(item["price_cents"], item["voucher"]) for item in answer] == [(500, None), (0, None)]


def test_the_list_reads_the_vouchers_together(person, city_hall, paid, listed):
    """Twice the bookings, the same number of queries: not two more a booking."""
    holder(person, city_hall, listed)
    api = api_for(person)

    def queries_for(days: range) -> int:
        for offset in days:
            day = TUESDAY + timedelta(days=offset)
            reserve(person, paid, at("09:00", day), at("10:00", day), now=NOW)
        with CaptureQueriesContext(connection) as captured:
            assert len(api.get(URL).json()) == days.stop
        return len(captured)

    assert queries_for(range(0, 2)) == queries_for(range(2, 4))  # 2 then 4 bookings, Tuesday to Friday


def test_a_series_dates_carry_their_voucher(person, city_hall, paid, listed):
    holder(person, city_hall, listed)
    api = api_for(person)
    series = {
        "resource": paid.pk,
        "weekdays": [1],
        "start_time": "09:00",
        "end_time": "10:00",
        "first_date": "2030-03-05",
        "until_date": "2030-03-12",
    }
    made = api.post("/api/v1/booking/series", series, content_type="application/json")
    assert made.status_code == 201, made.content
    dates = api.get(f"/api/v1/booking/series/{made.json()['id']}").json()["reservations"]
    assert [(d["voucher"]["covered"], d["voucher"]["subsidy_cents"]) for d in dates] == [
        (True, 250),
        (True, 250),
    ]


def test_the_openapi_document_declares_the_voucher_of_the_list(client):
    document = client.get("/api/v1/openapi.json").json()
    answer = document["paths"]["/api/v1/booking/reservations"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"]["items"]["$ref"].endswith("/ReservationDetailOut")
    cover = document["components"]["schemas"]["VoucherCoverOut"]["properties"]
    assert {"outside_period", "price_cents", "subsidy_cents", "pays_cents", "currency"} <= set(cover)
