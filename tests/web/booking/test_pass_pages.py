"""Monthly passes on the pages: the operator offers one in euros on the resource form, the place page states it
with the other prices, a person takes one on the calendar, the booking page says the pass covers it, and a pass
is cancelled in two steps from "my bookings"."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from tests.booking.conftest import MONTHLY_PASS_DESKS, NOW, at, make_resource
from tests.web.booking.conftest import page, resource_data
from vicinato.booking.models import MonthlyPass, Resource
from vicinato.booking.services import reserve

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def desks(listed) -> Resource:
    return make_resource(listed, name_en="Desks", name_it="Scrivanie", **MONTHLY_PASS_DESKS)


@pytest.fixture
def ada(user_factory):
    return user_factory("ada")


def test_the_place_page_states_the_monthly_pass_with_the_other_prices(client, desks, listed):
    html = client.get(f"/en/luoghi/{listed.public_id}/").content.decode()
    prices = html.split('id="place-prices"')[1].split("</ul>")[0]
    assert (
        "€ 2.00 per slot of 1 h. At most € 12.00 per day. Monthly pass: € 180.00 per calendar month."
        in prices
    )
    italian = client.get(f"/luoghi/{listed.public_id}/").content.decode()
    assert "Abbonamento mensile: € 180,00 per mese di calendario." in italian


def test_the_operator_offers_a_monthly_pass_in_euros(client, listed, admin):
    client.force_login(admin)
    url = page(listed, "risorse/nuova/")
    response = client.post(url, {**resource_data(), "price_cents_per_month": "150.50"})
    assert response.status_code == 302
    assert Resource.objects.get().price_cents_per_month == 15050
    refused = client.post(url, {**resource_data(who_may_book="agreement"), "price_cents_per_month": "90"})
    assert (
        "Holders of an agreement book day by day at the agreement&#x27;s price: leave the monthly pass empty"
        in refused.content.decode()
    )
    assert Resource.objects.count() == 1


def test_a_person_takes_a_pass_and_the_booking_says_it_is_covered(client, desks, listed, ada):
    client.force_login(ada)
    calendar = f"/luoghi/{listed.public_id}/prenota/?risorsa={desks.pk}"
    html = client.get(calendar).content.decode()
    assert '<option value="2030-03">Marzo 2030</option>' in html and "2030-05" in html  # 60 days ahead
    taken = client.post(f"/prenotazioni/abbonamenti/risorsa/{desks.pk}/", {"month": "2030-03"}, follow=True)
    text = taken.content.decode()
    assert "Abbonamento mensile per marzo 2030 acquistato (€ 180,00)" in text
    assert "Hai un abbonamento mensile per: marzo 2030." in text
    again = client.post(f"/prenotazioni/abbonamenti/risorsa/{desks.pk}/", {"month": "2030-03"}, follow=True)
    assert "Hai già un abbonamento mensile per marzo 2030" in again.content.decode()
    assert MonthlyPass.objects.filter(person=ada).count() == 1
    booking = reserve(ada, desks, at("08:30"), at("11:30"))
    detail = client.get(f"/en/prenotazioni/{booking.pk}/").content.decode()
    assert "€ 0.00: covered by your monthly pass for March 2030." in detail
    italian = client.get(f"/prenotazioni/{booking.pk}/").content.decode()
    assert "€ 0,00: coperta dal tuo abbonamento mensile di marzo 2030." in italian


def test_a_pass_is_cancelled_in_two_steps_before_its_month(client, desks, ada):
    client.force_login(ada)
    client.post(f"/prenotazioni/abbonamenti/risorsa/{desks.pk}/", {"month": "2030-04"})
    april = MonthlyPass.objects.get()
    mine = client.get("/en/prenotazioni/").content.decode()
    assert "Monthly passes" in mine and "April 2030" in mine and "Cancel the pass" in mine
    url = f"/en/prenotazioni/abbonamenti/{april.pk}/annulla/"
    confirm = client.post(url)
    assert confirm.status_code == 200 and "Cancel this monthly pass?" in confirm.content.decode()
    april.refresh_from_db()
    assert april.state == "active"
    done = client.post(url, {"confirm": "yes"}, follow=True)
    assert "Monthly pass cancelled." in done.content.decode()
    april.refresh_from_db()
    assert april.state == "cancelled"


def test_someone_elses_pass_is_not_found(client, desks, ada, user_factory):
    theirs = MonthlyPass.objects.create(
        person=user_factory("bruno"),
        resource=desks,
        month=date(2030, 4, 1),
        price_cents=18000,
        created_at=NOW,
    )
    client.force_login(ada)
    assert (
        client.post(f"/en/prenotazioni/abbonamenti/{theirs.pk}/annulla/", {"confirm": "yes"}).status_code
        == 404
    )


@pytest.mark.parametrize(
    "month", ["99999999999999999999-01", "2030-99999999999999999999", "١٢٠٣-٠٣", "2030-13", "2030-3", "marzo"]
)
def test_a_month_that_is_not_one_is_said_and_no_pass_taken(client, desks, listed, ada, month):
    client.force_login(ada)
    response = client.post(
        f"/prenotazioni/abbonamenti/risorsa/{desks.pk}/",
        {"month": month},
        follow=True,
    )
    assert (
        response.status_code == 200 and "Scegli il mese dell&#x27;abbonamento." in response.content.decode()
    )
    assert not MonthlyPass.objects.exists()
