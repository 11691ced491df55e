"""Advice pages: a service's free times and booking, errors next to their fields, the waiting list, the
appointment's page (the reason only for the person and the advisor), the advisor's day and availability,
the place operator's view (taken times only), the organisation's counts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.activities.conftest import NOW, TUESDAY, at
from tests.web.pages import NOT_IDS
from vicinato.activities.models import Appointment, AppointmentWait
from vicinato.activities.services import appointments, availability

pytestmark = pytest.mark.django_db


def _key(advisor, place, start) -> str:
    return f"{advisor.pk}_{place.pk}_{start.isoformat()}"


def test_the_service_page_lists_free_times_in_both_languages(client, service, advisor, clock):
    page = client.get(f"/en/consulenze/{service.pk}/?giorno={TUESDAY.isoformat()}").content.decode()
    assert "Pension advice" in page and "09:30" in page and "Free times" in page
    assert "Orari liberi" in client.get(f"/consulenze/{service.pk}/").content.decode()
    link = f'href="/en/consulenze/{service.pk}/"'
    assert link in client.get("/en/consulenze/?tipo=pension").content.decode()
    assert link not in client.get("/en/consulenze/?tipo=legal").content.decode()


def test_booking_a_chosen_time_with_a_private_reason(client, service, advisor, place, person, clock):
    client.force_login(person)
    key = _key(advisor, place, at("09:30"))
    page = client.get(f"/en/consulenze/{service.pk}/", {"slot": key}).content.decode()
    assert "Your appointment" in page and "09:30–10:00" in page
    response = client.post(
        f"/en/consulenze/{service.pk}/", {"slot": key, "mode": "in_person", "reason": "Riscatto"}
    )
    appointment = Appointment.objects.get()
    assert response.status_code == 302 and response["Location"] == appointment.get_absolute_url()
    assert appointment.reason == "Riscatto"
    detail = client.get(appointment.get_absolute_url()).content.decode()
    assert "Riscatto" in detail and "Reason (private)" in detail


def test_a_missing_phone_number_is_refused_next_to_its_field(client, service, advisor, place, person, clock):
    client.force_login(person)
    key = _key(advisor, place, at("09:30"))
    page = client.post(f"/en/consulenze/{service.pk}/", {"slot": key, "mode": "phone"}).content.decode()
    assert 'id="id_phone-error"' in page and "Give the phone number the advisor should call." in page
    assert not Appointment.objects.exists()


def test_the_waiting_list_is_offered_when_the_weeks_are_full(
    client, service, advisor, place, person, user_factory, clock
):
    service.days_ahead = 6
    service.save()
    for n, slot in enumerate(appointments.free_slots(service, TUESDAY, 7, now=NOW)):
        appointments.book(user_factory(f"p{n}"), service, slot.advisor_id, slot.place_id, slot.start, now=NOW)
    client.force_login(person)
    page = client.get(f"/en/consulenze/{service.pk}/").content.decode()
    assert "The next weeks are full" in page
    client.post(f"/en/consulenze/{service.pk}/", {"wait": "1", "mode": "in_person", "reason": "Urgente"})
    assert AppointmentWait.objects.get().person == person


def test_others_never_see_an_appointment_or_its_reason(
    client, service, advisor, place, person, other_person, place_admin, union_admin, clock
):
    appointment = appointments.book(
        person, service, advisor.pk, place.pk, at("09:30"), reason="Debiti", now=NOW
    )
    client.force_login(other_person)
    assert client.get(appointment.get_absolute_url()).status_code == 404
    client.force_login(union_admin)
    page = client.get(appointment.get_absolute_url()).content.decode()
    assert "Debiti" not in page and "Pension advice" in page
    client.force_login(place_admin)
    assert client.get(appointment.get_absolute_url()).status_code == 404
    day = client.get(
        f"/en/gestione/luoghi/{place.public_id}/appuntamenti/?giorno={TUESDAY.isoformat()}"
    ).content.decode()
    assert "09:30–10:00" in day and "Debiti" not in day and "Lovelace" not in day


def test_the_person_cancels_from_the_appointment_page(client, service, advisor, place, person, clock):
    appointment = appointments.book(person, service, advisor.pk, place.pk, at("09:30"), now=NOW)
    client.force_login(person)
    client.post(f"/en/appuntamenti/{appointment.pk}/annulla/", {"reason": ""})
    appointment.refresh_from_db()
    assert appointment.state == "cancelled"


def test_the_advisor_marks_the_day(client, service, advisor, place, person, time_machine):
    time_machine.move_to(NOW)
    appointment = appointments.book(
        person, service, advisor.pk, place.pk, at("09:30"), reason="Debiti", now=NOW
    )
    time_machine.move_to(at("09:45"))
    client.force_login(advisor.user)
    page = client.get(f"/en/gestione/consulente/?giorno={TUESDAY.isoformat()}").content.decode()
    assert "Debiti" in page and "Did not come" in page
    client.post(f"/en/gestione/consulente/appuntamenti/{appointment.pk}/esito/", {"outcome": "done"})
    appointment.refresh_from_db()
    assert appointment.state == "done"


def test_an_overlapping_availability_is_refused_on_the_page(client, advisor, place, clock):
    client.force_login(advisor.user)
    page = client.post(
        "/en/gestione/consulente/disponibilita/",
        {
            "weekly": "1",
            "place": place.pk,
            "weekday": 1,
            "start_time": "11:00",
            "end_time": "13:00",
            "valid_from": "2030-03-01",
        },
    ).content.decode()
    assert 'id="id_start_time-error"' in page and "This overlaps the hours already given on Tuesday" in page
    page = client.post(
        "/en/gestione/consulente/disponibilita/",
        {
            "weekly": "1",
            "place": place.pk,
            "weekday": 0,
            "start_time": "07:00",
            "end_time": "09:00",
            "valid_from": "2030-03-01",
        },
    ).content.decode()
    assert "choose times within its opening hours" in page


@pytest.mark.parametrize("value", NOT_IDS)
@pytest.mark.parametrize("tail", ["", "disponibilita/"])
def test_an_advisor_that_is_not_an_id_is_a_404(client, advisor, tail, value, clock):
    client.force_login(advisor.user)
    response = client.get(f"/en/gestione/consulente/{tail}", {"consulente": value})
    assert response.status_code == (200 if value == "" else 404)  # empty: the advisor's own page


@pytest.mark.parametrize("value", NOT_IDS)
@pytest.mark.parametrize("button", ["remove_weekly", "remove_exception"])
def test_hours_that_are_not_an_id_are_a_404_and_none_are_removed(
    client, advisor, union_admin, button, value, clock
):
    availability.add_exception(union_admin, advisor, "off", at("09:00"), at("12:00"))
    client.force_login(advisor.user)
    assert client.post("/en/gestione/consulente/disponibilita/", {button: value}).status_code == 404
    assert advisor.weekly.count() == 1 and advisor.exceptions.count() == 1


def test_the_organisation_sees_counts_per_service_and_month(
    client, service, advisor, place, person, union_admin, other_organisation, clock
):
    appointments.book(person, service, advisor.pk, place.pk, at("09:30"), now=NOW)
    client.force_login(union_admin)
    page = client.get(f"/en/gestione/organizzazioni/{other_organisation.pk}/attivita/").content.decode()
    assert "2030-03" in page and "booked 1" in page
    client.force_login(person)
    assert client.get(f"/en/gestione/organizzazioni/{other_organisation.pk}/attivita/").status_code == 404


def test_an_offered_time_is_accepted_from_my_activities(
    client, service, advisor, place, person, user_factory, clock
):
    service.days_ahead = 6
    service.save()
    taken = [
        appointments.book(user_factory(f"p{n}"), service, s.advisor_id, s.place_id, s.start, now=NOW)
        for n, s in enumerate(appointments.free_slots(service, TUESDAY, 7, now=NOW))
    ]
    appointments.join_waiting_list(person, service, now=NOW)
    appointments.cancel(taken[0], taken[0].person, now=NOW)
    client.force_login(person)
    page = client.get("/en/attivita/").content.decode()
    assert "Accept this time" in page
    offer = Appointment.objects.get(state="offered")
    client.post(f"/en/appuntamenti/{offer.pk}/accetta/")
    offer.refresh_from_db()
    assert offer.state == "booked" and offer.start == taken[0].start
    assert offer.start - NOW > timedelta(hours=1)


def test_an_administrator_creates_a_service_and_an_advisor(
    client, clock, union_admin, other_organisation, listed, advisor_user
):
    client.force_login(union_admin)
    url = f"/en/gestione/organizzazioni/{other_organisation.pk}/consulenze/nuova/"
    page = client.post(url, {"kind": "legal", "name_it": "Legale", "minutes": 45}).content.decode()
    assert 'id="id_places-error"' in page and 'id="id_modes-error"' in page
    response = client.post(
        url,
        {
            "kind": "legal",
            "name_it": "Legale",
            "minutes": 45,
            "price_cents": 0,
            "notice_hours": 2,
            "days_ahead": 28,
            "offer_hours": 12,
            "reason_months": 6,
            "is_active": "on",
            "places": [listed.pk],
            "modes": ["video"],
        },
    )
    assert response.status_code == 302
    service = other_organisation.advice_services.get()
    assert service.modes == ["video"] and list(service.places.all()) == [listed]
    client.post(
        f"/en/gestione/organizzazioni/{other_organisation.pk}/attivita/",
        {
            "advisor": "1",
            "username": advisor_user.username,
            "display_name": "Avv. Rossi",
            "services": [service.pk],
        },
    )
    assert service.advisors.get().display_name == "Avv. Rossi"
    for huge in (str(2**64), str(-(2**63) - 1)):  # no database holds such an id: said, never a 500
        answer = client.post(
            f"/en/gestione/organizzazioni/{other_organisation.pk}/attivita/",
            {"advisor": "1", "username": advisor_user.username, "display_name": "Avv. B", "services": [huge]},
        )
        assert answer.status_code == 200 and "Select a valid choice." in answer.content.decode()
    assert service.advisors.count() == 1
