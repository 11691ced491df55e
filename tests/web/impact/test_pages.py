"""Impact's pages: the calculator on a place's page (no JavaScript, nothing stored), the commute profile with
consent and withdrawal, the mode to a booked place, the savings on a booking's page and the month's total."""

from __future__ import annotations

import re
from datetime import time

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from vicinato.booking.models import Reservation
from vicinato.booking.services import reserve, transition
from vicinato.impact.models import BookingImpact, CommuteProfile, TripChoice
from vicinato.register.models import Place

from ...conftest import list_place
from ...impact.conftest import CADORNA, LORETO, NOW, OUTSIDE_MAP, TUESDAY, at, make_profile


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def shown(near_home, register):
    list_place(near_home, register)
    return near_home


def test_the_calculator_answers_on_the_place_page(client, shown, city):
    url = shown.get_absolute_url()
    page = client.get(url).content.decode()
    assert "What working here would save" in page and 'name="calc-home"' in page
    body = {
        "impatto": "1",
        "calc-home": "Corso Magenta",
        "calc-work": "Piazzale Loreto",
        "calc-mode": "car_driver",
    }
    page = client.post(url, body).content.decode()
    assert "Working here instead of at your office would save" in page and "kg of CO2 a day" in page
    assert re.search(
        r"Computed from where you live, Corso Magenta[^,]*, and your workplace, Piazzale Loreto", page
    )
    assert not CommuteProfile.objects.exists() and not BookingImpact.objects.exists()


@pytest.mark.parametrize("home", ["²", "91,181", "-91,0"])
def test_a_home_without_a_street_name_is_asked_again(client, shown, city, home):
    body = {"impatto": "1", "calc-home": home, "calc-work": "Piazzale Loreto", "calc-mode": "car_driver"}
    page = client.post(shown.get_absolute_url(), body).content.decode()
    assert "Write the name of the street" in page and "instead of at your office" not in page


def test_the_calculator_says_what_is_wrong(client, shown, city):
    body = {"impatto": "1", "calc-home": "Qwxz Zzyq", "calc-work": "", "calc-mode": "car_driver"}
    page = client.post(shown.get_absolute_url(), body).content.decode()
    assert "No street of the map matches" in page and "This field is required." in page
    assert "instead of at your office" not in page


def test_a_place_off_the_map_shows_why_there_is_no_calculator(client, shown, city):
    Place.objects.filter(pk=shown.pk).update(lat=OUTSIDE_MAP[0], lon=OUTSIDE_MAP[1])
    page = client.get(shown.get_absolute_url()).content.decode()
    assert "outside the street map of the city, so the calculator cannot compute" in page
    assert 'name="calc-home"' not in page


def test_an_unreadable_street_map_is_a_message_on_the_calculator_never_a_500(
    client, shown, city, user_factory, map_gone
):
    url = shown.get_absolute_url()
    body = {"impatto": "1", "calc-home": "Corso Magenta", "calc-work": "Piazzale Loreto", "calc-mode": "walk"}
    response = client.post(url, body)
    assert response.status_code == 200
    assert "street map cannot be read" in response.content.decode()
    person = user_factory("pia")
    CommuteProfile.objects.create(
        person=person,
        home_lat=CADORNA[0],
        home_lon=CADORNA[1],
        work_lat=LORETO[0],
        work_lon=LORETO[1],
        usual_mode="walk",
        office_days=5,
        arrival_time=time(9),
        consented_at=NOW,
    )
    client.force_login(person)
    response = client.post(url, {"impatto": "1", "profilo": "1"})
    assert response.status_code == 200
    assert "street map cannot be read" in response.content.decode()


def test_the_profile_needs_consent_and_can_be_withdrawn(client, user_factory, city):
    person = user_factory("piera")
    client.force_login(person)
    url = reverse("web:impact_profile")
    page = client.get(url).content.decode()
    assert "What Vicinato keeps, and why" in page and "250 m square" in page
    body = {
        "home": "Corso Magenta",
        "work": "Piazzale Loreto",
        "usual_mode": "car_driver",
        "office_days": "4",
        "arrival_time": "08:30",
    }
    page = client.post(url, body).content.decode()
    assert "Tick the box to agree" in page and not CommuteProfile.objects.exists()
    response = client.post(url, {**body, "consent": "on"})
    assert response.status_code == 302
    profile = CommuteProfile.objects.get(person=person)
    assert profile.office_days == 4 and profile.home_area.code == "10"
    # Changing the mode keeps the squares given before.
    client.post(url, {**body, "home": "", "work": "", "usual_mode": "bike", "consent": "on"})
    profile.refresh_from_db()
    assert profile.usual_mode == "bike" and profile.home_area.code == "10"
    response = client.post(reverse("web:impact_withdraw"), follow=True)
    assert "are deleted" in response.content.decode()
    assert not CommuteProfile.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_booking_page_takes_the_mode_and_shows_the_savings(client, commuter, desks, staff, city):
    make_profile(commuter, "car_driver")
    booking = reserve(commuter, desks, at("09:00"), at("18:00"), now=NOW)
    client.force_login(commuter)
    page = client.get(reverse("web:booking", args=[booking.pk])).content.decode()
    assert "computed at check-in" in page and 'name="trip-mode"' in page
    client.post(reverse("web:impact_trip_mode", args=[booking.pk]), {"trip-mode": "bike"})
    assert TripChoice.objects.get(reservation=booking).mode == "bike"
    transition(booking, "check_in", staff, now=at("08:55"))
    page = client.get(reverse("web:booking", args=[booking.pk])).content.decode()
    assert "This booking saved" in page and "(Bike)" in page
    with pytest.MonkeyPatch.context() as patch:
        from django.utils import timezone

        patch.setattr(timezone, "localdate", lambda *a: at("20:00").date())
        page = client.get(reverse("web:my_bookings")).content.decode()
    assert "This month:" in page and "kg of CO2 saved, in 1 booking." in page


def test_someone_else_s_booking_takes_no_mode(client, user_factory, commuter, desks, city):
    booking = reserve(commuter, desks, at("09:00"), at("18:00"), now=NOW)
    client.force_login(user_factory("other"))
    response = client.post(reverse("web:impact_trip_mode", args=[booking.pk]), {"trip-mode": "bike"})
    assert response.status_code == 404 and not TripChoice.objects.exists()


def test_a_mode_that_is_not_one_is_said_and_the_choice_kept(client, commuter, desks, city):
    make_profile(commuter, "car_driver")
    booking = reserve(commuter, desks, at("09:00"), at("18:00"), now=NOW)
    client.force_login(commuter)
    url = reverse("web:impact_trip_mode", args=[booking.pk])
    client.post(url, {"trip-mode": "bike"}, follow=True)
    page = client.post(url, {"trip-mode": "zz"}, follow=True).content.decode()
    assert "Select a valid choice." in page and "Noted how you will come" not in page
    assert TripChoice.objects.get(reservation=booking).mode == "bike"


@pytest.fixture
def on_monday():
    """The clock at NOW (a Monday) before the place is listed and the desks made."""
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_booking_form_takes_the_mode_of_a_commuter(
    on_monday, client, commuter, user_factory, shown, desks, city
):
    """The way to the place is chosen when booking (default: the usual one), by people with a commute profile;
    the others are not asked."""
    url = f"/en/luoghi/{shown.public_id}/prenota/?risorsa={desks.pk}&giorno={TUESDAY.isoformat()}"
    data = {"day": TUESDAY.isoformat(), "start": "09:00", "minutes": "120", "units": "1"}
    client.force_login(user_factory("nobody"))
    page = client.get(url).content.decode()
    assert "Your booking" in page and 'name="trip_mode"' not in page
    make_profile(commuter, "car_driver")
    client.force_login(commuter)
    page = client.get(url).content.decode()
    assert 'name="trip_mode"' in page and "My usual way" in page
    assert "Select a valid choice" in client.post(url, {**data, "trip_mode": "rocket"}).content.decode()
    response = client.post(url, {**data, "trip_mode": "bike"})
    booking = Reservation.objects.get(person=commuter)
    assert response.status_code == 302 and response["Location"] == f"/en/prenotazioni/{booking.pk}/"
    assert TripChoice.objects.get(reservation=booking).mode == "bike"
