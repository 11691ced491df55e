"""One price model: a place's page states its prices from its resources' rules (what the booking charges),
and the register's results say what a place costs at the least."""

import pytest

from tests.booking.conftest import make_resource
from vicinato.booking.queries import LowestPrice, lowest_prices

pytestmark = pytest.mark.django_db


def test_lowest_price_of_each_place(place):
    make_resource(place, name_it="Scrivanie", price_cents_per_slot=200, price_cents_per_day=1200)
    make_resource(place, name_it="Sala", price_cents_per_slot=0, price_cents_per_day=1500)
    make_resource(place, name_it="Chiusa", price_cents_per_slot=50, is_active=False)  # not taking bookings
    assert lowest_prices([place.pk]) == {place.pk: LowestPrice(200, False)}
    make_resource(place, name_it="Doccia", price_cents_per_slot=0)
    assert lowest_prices([place.pk]) == {place.pk: LowestPrice(200, True)}


def test_a_place_with_nothing_to_book_has_no_price(place):
    assert lowest_prices([place.pk]) == {}


def test_place_page_prices_come_from_the_resources(client, listed):
    make_resource(
        listed, name_en="Desks", slot_minutes=60, price_cents_per_slot=200, price_cents_per_day=1200
    )
    make_resource(listed, name_en="Lockers", kind="locker", price_cents_per_slot=0)
    make_resource(
        listed, name_en="Room", kind="meeting_room", price_cents_per_slot=0, price_cents_per_day=1500
    )
    html = client.get(f"/en/luoghi/{listed.public_id}/").content.decode()
    prices = html.split('id="place-prices"')[1].split("</ul>")[0]
    assert "€ 2.00 per slot of 1 h. At most € 12.00 per day." in prices
    assert "€ 15.00 per day." in prices
    assert "Free of charge." in prices
    italian = client.get(f"/luoghi/{listed.public_id}/").content.decode()
    assert "€ 2,00 per fascia di 1 h. Al massimo € 12,00 al giorno." in italian


def test_register_results_say_from_what_price(client, listed):
    make_resource(listed, name_en="Desks", price_cents_per_slot=250)
    html = client.get("/en/registro/").content.decode()
    assert "From € 2.50" in html
    make_resource(listed, name_en="Shower", kind="shower", price_cents_per_slot=0)
    assert "Free of charge, or from € 2.50" in client.get("/en/registro/").content.decode()
