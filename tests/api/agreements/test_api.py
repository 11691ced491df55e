"""The agreements and vouchers API: the same rules as the services, refusals as 4xx with clear messages."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.agreements.conftest import NOW, at, beneficiary, make_programme, make_resource
from tests.api.bearer import client_for
from vicinato.agreements import consent, memberships
from vicinato.agreements.models import Affiliation
from vicinato.booking.services import check_in, reserve

pytestmark = pytest.mark.django_db
URL = "/api/v1/agreements"


def parse_csv(response) -> list[dict]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def terms(desks, *guests, **extra) -> dict:
    return {
        "name": "Pilota",
        "guests": [g.pk for g in guests],
        "resources": [desks.pk],
        "desks_per_day": 2,
        "weekdays": [0, 1, 2, 3, 4],
        "starts_on": "2030-03-01",
        "ends_on": "2030-06-30",
        "price_per_day": "7.50",
        **extra,
    }


@pytest.mark.parametrize("path", ["me/affiliations", "me/memberships"])
def test_the_api_needs_a_sign_in(path):
    answer = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"{URL}/{path}")
    assert answer.status_code == 401 and "Sign in" in answer.json()["detail"]


def test_draft_change_and_activate_an_agreement(host, host_admin, company_admin, desks, company):
    api = client_for(host_admin)
    created = api.post(URL, {"host": host.pk, **terms(desks, company)}, content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    # The guest named is invited: a guest once its administrator accepts.
    assert (body["state"], body["price_per_day"], body["guests"], body["invited_guests"]) == (
        "draft",
        "7.50",
        [],
        ["Lombarda Software S.p.A."],
    )
    assert body["allowed_actions"] == ["activate", "end"]
    pk = body["id"]
    consent.answer(company_admin, consent.pending(agreement=pk).get(), accept=True)
    assert api.get(f"{URL}/{pk}").json()["guests"] == ["Lombarda Software S.p.A."]
    changed = api.patch(
        f"{URL}/{pk}", {"desks_per_day": 4, "closes_at": "18:00"}, content_type="application/json"
    )
    assert changed.status_code == 200
    assert (
        changed.json()["desks_per_day"],
        changed.json()["closes_at"],
        changed.json()["resources"][0]["id"],
    ) == (
        4,
        "18:00",
        desks.pk,
    )
    moved = api.post(f"{URL}/{pk}/transitions", {"action": "activate"}, content_type="application/json")
    assert moved.status_code == 200 and moved.json()["agreement"]["state"] == "active"
    guest = client_for(company_admin)
    assert guest.get(f"{URL}/{pk}").json()["allowed_actions"] == []
    assert (
        guest.post(
            f"{URL}/{pk}/transitions", {"action": "end", "note": "x"}, content_type="application/json"
        ).status_code
        == 403
    )


def test_refusals_of_agreements_say_what_to_fix(
    host, host_admin, company_admin, desks, company, user_factory, agreement
):
    api = client_for(host_admin)
    bad = api.post(
        URL,
        {"host": host.pk, **terms(desks, company, closes_at="08:00", opens_at="09:00", desks_per_day=0)},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["errors"]["closes_at"] == ["The end of the bookable hours must come after their start."]
    assert "desks_per_day" in bad.json()["errors"]
    assert api.post(URL, terms(desks, company), content_type="application/json").json()["errors"] == {
        "host": ["Give the id of the organisation that hosts the agreement."]
    }
    assert (
        client_for(company_admin)
        .post(URL, {"host": host.pk, **terms(desks, company)}, content_type="application/json")
        .status_code
        == 403
    )
    no_note = api.post(
        f"{URL}/{agreement.pk}/transitions", {"action": "suspend"}, content_type="application/json"
    )
    assert no_note.status_code == 422 and no_note.json()["errors"]["note"]
    wrong = api.post(
        f"{URL}/{agreement.pk}/transitions", {"action": "activate"}, content_type="application/json"
    )
    assert (
        wrong.status_code == 409 and "'activate' is not possible for an agreement" in wrong.json()["detail"]
    )
    assert client_for(user_factory("nosy")).get(f"{URL}/{agreement.pk}").status_code == 404


def test_suspending_offers_to_cancel_the_bookings_to_come(host_admin, agreement, desks, employee):
    booked = reserve(employee, desks, at("09:00"), at("10:00"), now=NOW)
    api = client_for(host_admin)
    assert [b["reservation"] for b in api.get(f"{URL}/{agreement.pk}/affected-bookings").json()] == [
        booked.pk
    ]
    answer = api.post(
        f"{URL}/{agreement.pk}/transitions",
        {"action": "suspend", "note": "Works", "cancel_bookings": True},
        content_type="application/json",
    )
    assert answer.status_code == 200
    assert [(b["reservation"], b["outcome"]) for b in answer.json()["cancelled"]] == [
        (booked.pk, "cancelled")
    ]


def test_usage_and_bookings_show_names_only_to_the_right_side(
    host_staff, company_admin, city_admin, agreement, desks, employee, clerk
):
    first = reserve(employee, desks, at("09:00"), at("10:00"), now=NOW)
    reserve(clerk, desks, at("09:00"), at("10:00"), now=NOW)
    check_in(first.checkin_code, host_staff, now=at("09:00"))
    usage = client_for(city_admin).get(f"{URL}/{agreement.pk}/usage").json()
    assert {(u["guest"], u["bookings"], u["check_ins"], u["amount"]) for u in usage} == {
        ("Lombarda Software S.p.A.", 1, 1, "0.00"),
        ("Comune di Milano", 1, 0, "0.00"),
    }
    people = {
        who: {b["guest"]: b["person"] for b in client_for(user).get(f"{URL}/{agreement.pk}/bookings").json()}
        for who, user in (("host", host_staff), ("company", company_admin), ("city", city_admin))
    }
    assert people["host"] == {"Lombarda Software S.p.A.": "Giulia Verdi", "Comune di Milano": "Marco Neri"}
    # A guest's operators see their own guest's bookings only (finding 11); every guest's totals are in usage.
    assert people["company"] == {"Lombarda Software S.p.A.": "Giulia Verdi"}
    assert people["city"] == {"Comune di Milano": "Marco Neri"}
    rows = parse_csv(client_for(company_admin).get(f"{URL}/{agreement.pk}/bookings.csv"))
    assert {r["guest"]: r["person"] for r in rows} == {"Lombarda Software S.p.A.": "Giulia Verdi"}
    usage_rows = parse_csv(
        client_for(host_staff).get(f"{URL}/{agreement.pk}/usage.csv", {"first_day": "2030-03-05"})
    )
    assert [
        (r["day"], r["place"], r["check_ins"]) for r in usage_rows if r["guest"].startswith("Lombarda")
    ] == [("2030-03-05", "Duomo Cowork", "1")]
    assert client_for(employee).get(f"{URL}/{agreement.pk}/usage").status_code == 403


# A person's link to an organisation is an affiliation; its first paths, named "memberships", are deprecated
# aliases that answer the same: these tests run through both.
PATHS = pytest.mark.parametrize("links", ["affiliations", "memberships"])


@PATHS
def test_joining_by_request_invitation_and_email(
    user_factory, company, company_admin, mailoutbox, django_capture_on_commit_callbacks, links
):
    person = user_factory("anna")
    api, admin = client_for(person), client_for(company_admin)
    asked = api.post(f"{URL}/{links}", {"organisation": company.pk}, content_type="application/json")
    assert asked.status_code == 201 and asked.json()["state"] == "pending"
    again = api.post(f"{URL}/{links}", {"organisation": company.pk}, content_type="application/json")
    assert again.status_code == 409 and "waiting for verification" in again.json()["detail"]
    pending = admin.get(f"{URL}/organisations/{company.pk}/{links}", {"state": "pending"}).json()
    assert [m["person"] for m in pending] == ["anna"]
    refused = admin.post(
        f"{URL}/organisations/{company.pk}/{links}/{pending[0]['id']}/decision",
        {"approve": False},
        content_type="application/json",
    )
    assert refused.status_code == 422 and refused.json()["errors"] == {
        "note": ["Write the reason for the person who asked."]
    }
    assert api.get(f"{URL}/organisations/{company.pk}/{links}").status_code == 404

    invitation = admin.post(
        f"{URL}/organisations/{company.pk}/invitations", {"kind": "member"}, content_type="application/json"
    )
    assert invitation.status_code == 201
    token = re.search(r"/invito/([^/]+)/$", invitation.json()["link"]).group(1)
    other = client_for(user_factory("bea"))
    assert (
        other.post(f"{URL}/invitations/accept", {"token": token}, content_type="application/json").json()[
            "method"
        ]
        == "invitation"
    )
    used = other.post(f"{URL}/invitations/accept", {"token": token}, content_type="application/json")
    assert used.status_code == 409 and "already been used" in used.json()["detail"]

    assert (
        admin.post(
            f"{URL}/organisations/{company.pk}/domains",
            {"domain": "bad domain"},
            content_type="application/json",
        ).status_code
        == 422
    )
    with django_capture_on_commit_callbacks(execute=True):
        claimed = admin.post(
            f"{URL}/organisations/{company.pk}/domains",
            {"domain": "lombarda.example", "address": "it@lombarda.example"},
            content_type="application/json",
        )
    assert claimed.status_code == 201 and claimed.json()["verified"] is False
    # The link mailed to the address at the domain proves it (finding 3).
    domain_token = re.search(r"/conferma-dominio/([^/\s]+)/", mailoutbox[-1].body).group(1)
    memberships.confirm_domain(domain_token)
    unknown = api.post(
        f"{URL}/{links}/by-email", {"email": "anna@elsewhere.example"}, content_type="application/json"
    )
    assert unknown.status_code == 422 and "@elsewhere.example" in unknown.json()["errors"]["email"][0]
    third = user_factory("carla")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(third).post(
            f"{URL}/{links}/by-email",
            {"email": "carla@lombarda.example"},
            content_type="application/json",
        )
    email_token = re.search(r"/conferma-email/([^/\s]+)/", mailoutbox[-1].body).group(1)
    confirmed = client_for(third).post(
        f"{URL}/{links}/confirm-email", {"token": email_token}, content_type="application/json"
    )
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "active"


@PATHS
def test_leaving_through_the_api(agreement, desks, employee, user_factory, links):
    booked = reserve(employee, desks, at("09:00"), at("10:00"), now=NOW)
    membership = Affiliation.objects.get(person=employee)
    api = client_for(employee)
    assert [m["id"] for m in api.get(f"{URL}/me/{links}").json()] == [membership.pk]
    preview = api.get(f"{URL}/{links}/{membership.pk}/leaving").json()
    assert [(b["reservation"], b["outcome"]) for b in preview] == [(booked.pk, "cancelled")]
    assert (
        client_for(user_factory("nosy"))
        .post(f"{URL}/{links}/{membership.pk}/end", {}, content_type="application/json")
        .status_code
        == 404
    )
    ended = api.post(
        f"{URL}/{links}/{membership.pk}/end", {"note": "New job"}, content_type="application/json"
    )
    assert ended.status_code == 200 and ended.json()["membership"]["state"] == "ended"
    assert api.get(f"{URL}/me/bookable").json() == []


def test_bookable_agreements_list_the_resources(agreement, employee, desks):
    [bookable] = client_for(employee).get(f"{URL}/me/bookable").json()
    assert bookable["resources"] == [
        {"id": desks.pk, "name": "Desk room", "place": desks.place.public_id, "place_name": "Duomo Cowork"}
    ]
    assert [a["id"] for a in client_for(employee).get(URL).json()] == [agreement.pk]


def test_vouchers_apply_upload_review_and_statement(
    user_factory, city_hall, city_admin, listed, register, place, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    programme = make_programme(
        city_hall,
        younger_than=35,
        documents=[("Carta d'identità", "Identity card")],
        applications_from=date(2020, 1, 1),
    )
    [identity] = programme.required_documents.all()
    programme.registers.add(register)
    person = user_factory("young")
    api, funder = client_for(person), client_for(city_admin)
    V = f"{URL}/vouchers"
    too_old = api.post(
        f"{V}/programmes/{programme.pk}/applications",
        {"birth_date": "1970-01-01", "audience": "freelancers"},
        content_type="application/json",
    )
    assert too_old.status_code == 422 and too_old.json()["errors"] == {
        "birth_date": ["This programme is for people younger than 35."]
    }
    applied = api.post(
        f"{V}/programmes/{programme.pk}/applications",
        {"birth_date": "2001-01-01", "audience": "freelancers"},
        content_type="application/json",
    )
    assert applied.status_code == 201
    pk = applied.json()["id"]
    bad_file = api.post(
        f"{V}/applications/{pk}/documents", {"description": "x", "file": SimpleUploadedFile("a.exe", b"MZ")}
    )
    assert bad_file.status_code == 422 and "file" in bad_file.json()["errors"]
    uploaded = api.post(
        f"{V}/applications/{pk}/documents",
        {"requirement": identity.pk, "file": SimpleUploadedFile("id.pdf", b"%PDF-1.4")},
    )
    assert uploaded.status_code == 201
    assert [(d["filename"], d["requirement"], d["description"]) for d in uploaded.json()["documents"]] == [
        ("id.pdf", identity.pk, "Identity card")
    ]
    assert uploaded.json()["required_documents"][0]["state"] == "uploaded"
    assert (
        api.post(
            f"{V}/applications/{pk}/transitions", {"action": "approve"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert [a["id"] for a in funder.get(f"{V}/programmes/{programme.pk}/applications").json()] == [pk]
    unticked = funder.post(
        f"{V}/applications/{pk}/transitions", {"action": "approve"}, content_type="application/json"
    )
    assert unticked.status_code == 409 and unticked.json()["detail"] == (
        "Tick the remaining documents before approving: Identity card."
    )
    checks = f"{V}/applications/{pk}/document-checks"
    assert api.post(checks, {"requirement": identity.pk}, content_type="application/json").status_code == 403
    ticked = funder.post(checks, {"requirement": identity.pk}, content_type="application/json")
    assert ticked.status_code == 200 and ticked.json()["required_documents"][0]["state"] == "checked"
    assert ticked.json()["required_documents"][0]["checked_by"] == city_admin.username
    approved = funder.post(
        f"{V}/applications/{pk}/transitions", {"action": "approve"}, content_type="application/json"
    )
    assert approved.status_code == 200 and [h["action"] for h in approved.json()["history"]] == [
        "submit",
        "approve",
    ]

    paid = make_resource(place, price_cents_per_slot=300)
    reserve(person, paid, at("09:00"), at("10:00"), now=NOW)  # 6.00 EUR, half covered
    statement = api.get(f"{V}/statement").json()
    assert [(e["price"], e["amount"], e["state"]) for e in statement["entries"]] == [
        ("6.00", "3.00", "reserved")
    ]
    assert statement["years"][0]["left"] == "1497.00"
    assert parse_csv(api.get(f"{V}/statement.csv"))[0]["subsidy_eur"] == "3.00"
    report = funder.get(f"{V}/programmes/{programme.pk}/report", {"month": "2030-03"}).json()
    assert [(r["month"], r["place"], r["reserved"]) for r in report] == [("2030-03", "Duomo Cowork", "3.00")]
    assert funder.get(f"{V}/programmes/{programme.pk}/report", {"month": "March"}).status_code == 422
    assert api.get(f"{V}/programmes/{programme.pk}/report").status_code == 403
    assert api.get(f"{V}/programmes/{programme.pk}").json()["status"] is None
    assert funder.get(f"{V}/programmes/{programme.pk}").json()["status"]["reserved"] == "3.00"


def test_the_operators_report_of_subsidised_bookings(
    host_staff, host, place, city_hall, user_factory, company_admin
):
    programme = make_programme(city_hall)
    programme.places.add(place)
    person = user_factory("coworker")
    beneficiary(programme, person)
    reserve(person, make_resource(place, price_cents_per_slot=1000), at("09:00"), at("10:00"), now=NOW)
    rows = parse_csv(client_for(host_staff).get(f"{URL}/vouchers/organisations/{host.pk}/report.csv"))
    assert [(r["month"], r["bookings"], r["price_eur"], r["reserved_eur"]) for r in rows] == [
        ("2030-03", "1", "20.00", "10.00")
    ]
    assert client_for(company_admin).get(f"{URL}/vouchers/organisations/{host.pk}/report").status_code == 404
    assert Decimal(rows[0]["reserved_eur"]) * 2 == Decimal(rows[0]["price_eur"])
