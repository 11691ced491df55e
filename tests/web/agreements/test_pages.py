"""The pages of memberships, agreements and vouchers: what each side sees, forms with errors next to their
fields, names hidden from the wrong side, and CSV downloads that parse."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.agreements.conftest import NOW, at, beneficiary, make_programme, make_resource
from vicinato.agreements import memberships, vouchers
from vicinato.agreements.models import Affiliation, Agreement, VoucherApplication
from vicinato.booking.models import Reservation
from vicinato.booking.services import check_in, reserve

pytestmark = pytest.mark.django_db


def page(client, user, url: str, status: int = 200) -> str:
    client.force_login(user)
    answer = client.get(url)
    assert answer.status_code == status, url
    return answer.content.decode()


def csv_rows(answer) -> list[dict]:
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(answer.content.decode())))


def test_a_person_sees_memberships_and_the_agreements_to_book_under(client, employee, agreement, desks):
    text = page(client, employee, "/en/le-mie-convenzioni/")
    for expected in (
        "Lombarda Software S.p.A.",
        "Smart Working Community",
        "Duomo Cowork",
        "Desk room",
        "Leave",
    ):
        assert expected in text, expected
    italian = page(client, employee, "/le-mie-convenzioni/")
    assert 'lang="it"' in italian and "Le mie organizzazioni e convenzioni" in italian
    assert "Convenzioni con cui puoi prenotare" in italian


def test_joining_from_the_page_and_errors_next_to_the_field(client, user_factory, company, company_admin):
    person = user_factory("newbie")
    client.force_login(person)
    answer = client.post("/en/le-mie-convenzioni/", {"email-email": "newbie@unknown.example", "email": "1"})
    assert answer.status_code == 200
    assert re.search(
        r"invalid-feedback[^>]*>No organisation on Vicinato verifies addresses at @unknown.example",
        answer.content.decode(),
    )
    answer = client.post(
        "/en/le-mie-convenzioni/",
        {"join-organisation": company.pk, "join-kind": "employee", "join": "1"},
        follow=True,
    )
    assert "Request sent" in answer.content.decode()
    text = page(client, company_admin, f"/en/gestione/organizzazioni/{company.pk}/membri/")
    assert "Waiting for verification" in text and "newbie" in text
    affiliation = Affiliation.objects.get(person=person)
    answer = client.post(
        f"/en/gestione/organizzazioni/{company.pk}/membri/",
        {"decide": affiliation.pk, "approve": "1", "note": ""},
        follow=True,
    )
    assert "Decision saved" in answer.content.decode()
    affiliation.refresh_from_db()
    assert affiliation.state == "active"


def test_members_page_is_for_the_organisations_operators(
    client, company, employee, user_factory, company_admin
):
    assert page(client, employee, f"/en/gestione/organizzazioni/{company.pk}/membri/", 403)
    text = page(client, company_admin, f"/en/gestione/organizzazioni/{company.pk}/membri/")
    assert "Giulia Verdi" in text and "Invitations" in text
    client.post(
        f"/en/gestione/organizzazioni/{company.pk}/membri/",
        {"invite-email": "", "invite-kind": "member", "invite": "1"},
    )
    assert "/invito/" in page(client, company_admin, f"/en/gestione/organizzazioni/{company.pk}/membri/")


def test_an_invitation_link_opens_a_page_and_joins_on_confirmation(
    client, company, company_admin, user_factory
):
    invitation = memberships.invite(company_admin, company)
    person = user_factory("invited")
    client.force_login(person)
    url = f"/en/invito/{invitation.token}/"
    assert "Lombarda Software S.p.A. invites you to join as employee" in client.get(url).content.decode()
    assert not Affiliation.objects.filter(person=person).exists()  # opening the link is not accepting it
    client.post(url)
    assert Affiliation.objects.get(person=person).state == "active"
    assert client.get("/en/invito/not-a-token/").status_code == 400


def test_leaving_shows_what_happens_then_does_it(client, employee, agreement, desks):
    booked = reserve(employee, desks, at("09:00"), at("10:00"), now=NOW)
    affiliation = Affiliation.objects.get(person=employee)
    text = page(client, employee, f"/en/appartenenze/{affiliation.pk}/fine/")
    assert "Leave Lombarda Software S.p.A." in text and "cancelled" in text
    answer = client.post(f"/en/appartenenze/{affiliation.pk}/fine/", {"note": ""}, follow=True)
    assert "The membership has ended. Bookings: 1 cancelled, 0 kept." in answer.content.decode()
    booked.refresh_from_db()
    assert booked.state == Reservation.State.CANCELLED


def test_the_host_drafts_an_agreement_with_errors_next_to_the_fields(
    client, host, host_admin, desks, company
):
    url = f"/en/gestione/organizzazioni/{host.pk}/convenzioni/nuova/"
    text = page(client, host_admin, url)
    assert "Duomo Cowork — Desk room" in text
    answer = client.post(
        url,
        {
            "name": "",
            "resources": [desks.pk],
            "desks_per_day": 1,
            "weekdays": ["1"],
            "starts_on": "2030-03-01",
            "ends_on": "2030-02-01",
            "price": "0",
            "approval": "automatic",
        },
    )
    body = answer.content.decode()
    assert answer.status_code == 200 and "The agreement was not saved" in body
    assert re.search(r'id="id_ends_on-error">The last day must not come before the first', body)
    answer = client.post(
        url,
        {
            "name": "Pilota",
            "resources": [desks.pk],
            "guests": [company.pk],
            "desks_per_day": 1,
            "weekdays": ["1"],
            "starts_on": "2030-03-01",
            "ends_on": "2030-05-01",
            "price": "2.50",
            "approval": "automatic",
        },
    )
    agreement = Agreement.objects.get(name="Pilota")
    assert answer.status_code == 302 and agreement.price_cents_per_day == 250
    assert (
        page(client, host_admin, f"/en/gestione/organizzazioni/{host.pk}/convenzioni/").count("Pilota") == 1
    )


def test_the_host_suspends_from_the_page_and_the_bookings_are_cancelled(
    client, host_admin, agreement, desks, employee
):
    booked = reserve(employee, desks, at("09:00"), at("10:00"), now=NOW)
    text = page(client, host_admin, f"/en/convenzioni/{agreement.pk}/")
    assert "Cancel the 1 booking still to come, and tell the person" in text
    answer = client.post(
        f"/en/convenzioni/{agreement.pk}/",
        {"action": "suspend", "note": "", "cancel_bookings": "on"},
        follow=True,
    )
    assert "Write a note for the people who book under the agreement." in answer.content.decode()
    answer = client.post(
        f"/en/convenzioni/{agreement.pk}/",
        {"action": "suspend", "note": "Works", "cancel_bookings": "on"},
        follow=True,
    )
    assert "1 of 1 booking still to come was cancelled" in answer.content.decode()
    booked.refresh_from_db()
    assert booked.state == Reservation.State.CANCELLED


def test_usage_page_hides_names_from_the_other_guest(
    client, host_staff, company_admin, city_admin, agreement, desks, employee, clerk
):
    first = reserve(employee, desks, at("09:00"), at("10:00"), now=NOW)
    reserve(clerk, desks, at("11:00"), at("12:00"), now=NOW)
    check_in(first.checkin_code, host_staff, now=at("09:00"))
    host_view = page(client, host_staff, f"/en/convenzioni/{agreement.pk}/")
    assert "Giulia Verdi" in host_view and "Marco Neri" in host_view
    company_view = page(client, company_admin, f"/en/convenzioni/{agreement.pk}/")
    assert "Giulia Verdi" in company_view and "Marco Neri" not in company_view
    city_view = page(client, city_admin, f"/en/convenzioni/{agreement.pk}/")
    assert "Marco Neri" in city_view and "Giulia Verdi" not in city_view
    # A guest's operators list their own guest's bookings only (issue 18, finding 11).
    rows = csv_rows(client.get(f"/en/convenzioni/{agreement.pk}/prenotazioni.csv"))
    assert {r["guest"]: r["person"] for r in rows} == {"Comune di Milano": "Marco Neri"}
    usage = csv_rows(
        client.get(f"/en/convenzioni/{agreement.pk}/utilizzo.csv?first_day=2030-03-05&last_day=2030-03-05")
    )
    assert sorted((r["guest"], r["bookings"], r["check_ins"]) for r in usage) == [
        ("Comune di Milano", "1", "0"),
        ("Lombarda Software S.p.A.", "1", "1"),
    ]


def test_an_employee_sees_the_agreement_but_not_its_usage(client, employee, agreement, user_factory):
    text = page(client, employee, f"/en/convenzioni/{agreement.pk}/")
    assert "Terms" in text and "Usage" not in text
    assert page(client, user_factory("stranger"), f"/en/convenzioni/{agreement.pk}/", 403)
    client.force_login(employee)
    assert client.get(f"/en/convenzioni/{agreement.pk}/utilizzo.csv").status_code == 403


def test_applying_for_a_voucher_uploading_and_the_review(
    client, user_factory, city_hall, city_admin, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    programme = make_programme(city_hall, applications_from=date(2020, 1, 1), younger_than=35)
    person = user_factory("applicant")
    assert "Coworking voucher" in page(client, person, "/en/voucher/")
    answer = client.post(
        f"/en/voucher/{programme.pk}/domanda/", {"birth_date": "1970-01-01", "audience": "freelancers"}
    )
    assert re.search(
        r'id="id_birth_date-error">This programme is for people younger than 35.', answer.content.decode()
    )
    answer = client.post(
        f"/en/voucher/{programme.pk}/domanda/", {"birth_date": "2000-01-01", "audience": "freelancers"}
    )
    application = VoucherApplication.objects.get(person=person)
    assert answer.url == f"/en/voucher/domande/{application.pk}/"
    client.post(
        answer.url, {"description": "Identity card", "file": SimpleUploadedFile("id.pdf", b"%PDF-1.4")}
    )
    document = application.documents.get()
    assert client.get(f"/en/voucher/documenti/{document.pk}/").status_code == 200
    stranger = user_factory("stranger")
    assert page(client, stranger, f"/en/voucher/documenti/{document.pk}/", 403)
    desk = page(client, city_admin, f"/en/voucher/{programme.pk}/sportello/")
    assert "1 application to review" in desk and "applicant" in desk
    client.post(f"/en/voucher/domande/{application.pk}/", {"action": "approve", "note": ""})
    application.refresh_from_db()
    assert application.state == "approved"


def test_statement_and_reports_pages_and_csv(
    client, user_factory, city_hall, city_admin, place, host, host_staff
):
    programme = make_programme(city_hall)
    programme.places.add(place)
    person = user_factory("coworker")
    beneficiary(programme, person)
    reserve(person, make_resource(place, price_cents_per_slot=1000), at("09:00"), at("10:00"), now=NOW)
    text = page(client, person, "/en/voucher/estratto-conto/")
    assert "20.00" in text and "10.00" in text and "1490.00" in text
    assert csv_rows(client.get("/en/voucher/estratto-conto.csv"))[0]["subsidy_eur"] == "10.00"
    desk = page(client, city_admin, f"/en/voucher/{programme.pk}/sportello/?month=2030-03")
    assert "Duomo Cowork" in desk and "990.00" in desk
    assert (
        csv_rows(client.get(f"/en/voucher/{programme.pk}/resoconto.csv?month=2030-03"))[0]["reserved_eur"]
        == "10.00"
    )
    bad_month = page(client, city_admin, f"/en/voucher/{programme.pk}/sportello/?month=marzo")
    assert "Give the month as YYYY-MM" in bad_month
    operator = page(client, host_staff, f"/en/gestione/organizzazioni/{host.pk}/voucher/")
    assert "Duomo Cowork" in operator
    assert (
        csv_rows(client.get(f"/en/gestione/organizzazioni/{host.pk}/voucher.csv"))[0]["price_eur"] == "20.00"
    )
    assert page(client, person, f"/en/voucher/{programme.pk}/sportello/", 403)


# --- what the pages offer is what the services accept --------------------------------------------------------
def test_an_ended_agreement_offers_no_change_of_its_terms(client, host_admin, agreement):
    assert "Change the terms" in page(client, host_admin, f"/en/convenzioni/{agreement.pk}/")
    Agreement.objects.filter(pk=agreement.pk).update(state=Agreement.State.ENDED)
    assert "Change the terms" not in page(client, host_admin, f"/en/convenzioni/{agreement.pk}/")
    answer = client.post(f"/en/convenzioni/{agreement.pk}/modifica/", {"name": "Changed"})
    assert "This agreement has ended and cannot change" in answer.content.decode()


def test_programmes_offer_to_apply_only_while_they_take_applications(client, user_factory, city_hall):
    open_one = make_programme(city_hall, name_en="Open voucher", applications_from=date(2020, 1, 1))
    later = make_programme(city_hall, name_en="Later voucher", applications_from=date(2030, 1, 1))
    person = user_factory("applicant")
    text = page(client, person, "/en/voucher/")
    assert f'href="/en/voucher/{open_one.pk}/domanda/"' in text
    assert f'href="/en/voucher/{later.pk}/domanda/"' not in text and "Applications are open from" in text
    answer = client.post(
        f"/en/voucher/{later.pk}/domanda/", {"birth_date": "2000-01-01", "audience": "freelancers"}
    )
    assert "Applications to this programme are open from" in answer.content.decode()
    assert not VoucherApplication.objects.exists()


def test_a_decided_application_offers_no_upload_and_no_ticks(
    client, user_factory, city_hall, city_admin, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    programme = make_programme(city_hall, documents=[("ISEE", "ISEE")])
    person = user_factory("applicant")
    application = VoucherApplication.objects.create(
        programme=programme, person=person, birth_date=date(1995, 5, 17), audience="freelancers"
    )
    isee = SimpleUploadedFile("isee.pdf", b"%PDF-1.4")
    vouchers.add_document(application, person, isee, requirement=programme.required_documents.get())
    url = f"/en/voucher/domande/{application.pk}/"
    assert 'id="id_file"' in page(client, person, url)
    assert "Mark as checked" in page(client, city_admin, url)
    VoucherApplication.objects.filter(pk=application.pk).update(state=VoucherApplication.State.APPROVED)
    assert 'id="id_file"' not in page(client, person, url)
    assert "Mark as checked" not in page(client, city_admin, url)
