"""A paid booking tells its person what a voucher covers and what is left to pay, on its page and in the API's
answer; a day outside the programme's period is said not to be covered."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils.formats import date_format

from vicinato.agreements.cover import booking_cover
from vicinato.booking.services import cancel, reserve
from vicinato.register.models import ApiToken, Organisation

from .conftest import NOW, at, beneficiary, make_programme, make_resource

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(place):
    """Desks at 2.50 EUR a 30-minute slot."""
    return make_resource(place, capacity=5, price_cents_per_slot=250, max_days_ahead=60)


@pytest.fixture
def funder(db):
    return Organisation.objects.create(kind=Organisation.Kind.PUBLIC_BODY, legal_name="Comune di Milano")


def programme_at(funder, place, **terms):
    programme = make_programme(funder, **terms)
    programme.places.add(place)
    return programme


@pytest.fixture
def coworker(user_factory, funder, place):
    person = user_factory("cora", first_name="Cora")
    beneficiary(programme_at(funder, place), person)
    return person


def test_a_covered_booking_shows_the_share_and_what_is_left(coworker, paid):
    reservation = reserve(coworker, paid, at("09:00"), at("11:00"), now=NOW)  # 4 slots: 10.00 EUR
    cover = booking_cover(reservation)
    assert (cover.covered, cover.price, cover.subsidy, cover.pays) == (
        True,
        Decimal("10.00"),
        Decimal("5.00"),
        Decimal("5.00"),
    )


def test_a_cancelled_booking_is_covered_no_more(coworker, paid):
    reservation = reserve(coworker, paid, at("09:00"), at("11:00"), now=NOW)
    cancel(reservation, coworker, now=NOW)
    cover = booking_cover(reservation)
    assert (cover.covered, cover.subsidy, cover.pays) == (False, Decimal("0.00"), Decimal("10.00"))


def test_a_day_after_the_programme_is_said_not_covered(user_factory, funder, place, paid):
    person = user_factory("late")
    beneficiary(programme_at(funder, place, valid_until=date(2030, 3, 4)), person)  # ends the day before
    reservation = reserve(person, paid, at("09:00"), at("10:00"), now=NOW)
    cover = booking_cover(reservation)
    assert (cover.covered, cover.pays, cover.valid_until) == (False, Decimal("5.00"), date(2030, 3, 4))


def test_no_programme_no_cover_and_free_bookings_have_none(user_factory, paid, funder, place):
    person, free = user_factory("ada"), make_resource(place, name_it="Gratis", price_cents_per_slot=0)
    assert booking_cover(reserve(person, paid, at("09:00"), at("10:00"), now=NOW)) is None
    beneficiary(programme_at(funder, place), person)
    assert booking_cover(reserve(person, free, at("09:00"), at("10:00"), now=NOW)) is None


# The pages and the API at the real time (as a person books): a listed place, a programme around `day`.
def real_booking(person, resource, day, funder, place, **terms):
    valid = {"valid_from": day - timedelta(days=30), "valid_until": day + timedelta(days=30), **terms}
    beneficiary(programme_at(funder, place, **valid), person)
    return reserve(person, resource, at("09:00", day), at("11:00", day))


def test_the_booking_page_shows_the_voucher_and_what_the_person_pays(
    client, user_factory, listed, paid, funder, day
):
    person = user_factory("cora")
    reservation = real_booking(person, paid, day, funder, listed)
    client.force_login(person)
    html = client.get(f"/en/prenotazioni/{reservation.pk}/").content.decode()
    assert 'id="booking-voucher">Coworking voucher covers € 5.00' in html
    assert "€ 5.00</strong>" in html.split('id="booking-pays"')[1][:80]


def test_the_booking_page_says_a_date_is_outside_the_programme(
    client, user_factory, listed, paid, funder, day
):
    person = user_factory("late")
    ended = day - timedelta(days=1)
    reservation = real_booking(person, paid, day, funder, listed, valid_until=ended)
    client.force_login(person)
    html = client.get(f"/en/prenotazioni/{reservation.pk}/").content.decode()
    assert "Not covered: Coworking voucher covers bookings from " in html
    assert f"to {date_format(ended, 'DATE_FORMAT')} only, and this date falls outside." in html


def test_the_api_answer_carries_the_voucher(user_factory, listed, paid, funder, day):
    person = user_factory("cora")
    beneficiary(
        programme_at(
            funder, listed, valid_from=day - timedelta(days=30), valid_until=day + timedelta(days=30)
        ),
        person,
    )
    token = ApiToken.objects.create(user=person).key
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    booking = {
        "resource": paid.pk,
        "start": at("09:00", day).isoformat(),
        "end": at("11:00", day).isoformat(),
    }
    made = api.post("/api/v1/booking/reservations", booking, content_type="application/json")
    assert made.status_code == 201, made.content
    read = api.get(f"/api/v1/booking/reservations/{made.json()['id']}")
    voucher = made.json()["voucher"]
    assert (voucher["covered"], voucher["price"], voucher["subsidy"], voucher["pays"]) == (
        True,
        "10.00",
        "5.00",
        "5.00",
    )
    assert read.json()["voucher"] == voucher
