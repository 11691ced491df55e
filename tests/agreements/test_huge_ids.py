"""Ids no database can hold (above 2^63) in the agreements' forms and API: a message next to the field or a
4xx, never a 500 (SQLite cannot even be asked about them)."""

from __future__ import annotations

import re

import pytest

from vicinato.agreements.models import Agreement, VoucherApplication

from .conftest import make_programme
from .test_api import URL, client_for, terms

pytestmark = pytest.mark.django_db
HUGE = 2**64


def test_the_agreement_form_refuses_huge_guests_and_resources(client, host, host_admin, desks, company):
    client.force_login(host_admin)
    answer = client.post(
        f"/en/organizzazioni/{host.pk}/convenzioni/nuova/",
        {
            "name": "Pilota",
            "guests": [str(HUGE)],
            "communities": [str(2**63)],
            "resources": [str(HUGE), str(desks.pk)],
            "desks_per_day": "2",
            "weekdays": ["0"],
            "starts_on": "2030-03-01",
            "ends_on": "2030-06-30",
            "price": "0",
            "approval": "automatic",
        },
    )
    assert answer.status_code == 200
    text = answer.content.decode()
    for field in ("guests", "communities", "resources"):
        assert re.search(
            rf'id="id_{field}-error">Select a valid choice. \d+ is not one of the available', text
        )
    assert not Agreement.objects.exists()


@pytest.mark.parametrize("field", ["guests", "communities", "resources"])
def test_the_agreement_api_refuses_huge_ids_with_a_field_message(
    field, host, host_admin, desks, company, agreement
):
    api = client_for(host_admin)
    created = api.post(
        URL, {"host": host.pk, **terms(desks, company), field: [HUGE]}, content_type="application/json"
    )
    assert created.status_code == 422
    assert created.json()["errors"][field] == [
        f"Select a valid choice. {HUGE} is not one of the available choices."
    ]
    agreement.state = Agreement.State.DRAFT
    agreement.save()
    changed = api.patch(f"{URL}/{agreement.pk}", {field: [-HUGE]}, content_type="application/json")
    assert changed.status_code == 422 and list(changed.json()["errors"]) == [field]
    assert api.get(f"{URL}/{HUGE}").status_code == 404
    assert api.post(URL, {"host": HUGE, **terms(desks)}, content_type="application/json").status_code == 422


def test_joining_and_the_members_page_refuse_huge_ids(client, user_factory, company, company_admin):
    person = user_factory("newbie")
    client.force_login(person)
    answer = client.post(
        "/en/le-mie-convenzioni/", {"join-organisation": str(HUGE), "join-kind": "employee", "join": "1"}
    )
    assert answer.status_code == 200
    assert re.search(r'id="id_join-organisation-error">Select a valid choice', answer.content.decode())
    assert (
        client_for(person)
        .post(f"{URL}/memberships", {"organisation": HUGE}, content_type="application/json")
        .status_code
        == 404
    )
    client.force_login(company_admin)
    for value in (str(HUGE), "abc", "", "²"):
        for button in ("decide", "revoke", "remove_domain"):
            answer = client.post(f"/en/organizzazioni/{company.pk}/membri/", {button: value, "approve": "1"})
            assert answer.status_code == 404, (button, value)


def test_voucher_documents_refuse_huge_ids(city_hall, city_admin, user_factory, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    programme = make_programme(city_hall, documents=[("ISEE", "ISEE")])
    person = user_factory("applicant")
    application = VoucherApplication.objects.create(
        programme=programme, person=person, birth_date="2000-01-01", audience="freelancers"
    )
    V = f"{URL}/vouchers/applications/{application.pk}"
    upload = client_for(person).post(
        f"{V}/documents", {"requirement": HUGE, "file": SimpleUploadedFile("a.pdf", b"%PDF-1.4")}
    )
    assert upload.status_code == 422 and upload.json()["errors"] == {
        "requirement": ["Choose one of the documents this programme asks for."]
    }
    check = client_for(city_admin).post(
        f"{V}/document-checks", {"requirement": HUGE}, content_type="application/json"
    )
    assert check.status_code == 422 and list(check.json()["errors"]) == ["requirement"]
    assert client_for(person).get(f"{URL}/vouchers/applications/{HUGE}").status_code == 404
    assert client_for(person).get(f"{URL}/vouchers/statement", {"year": HUGE}).json()["entries"] == []


def test_the_statement_page_ignores_a_year_that_is_not_one(client, user_factory):
    client.force_login(user_factory("reader"))
    for year in ("²", str(HUGE), "abc"):
        assert client.get("/en/voucher/estratto-conto/", {"year": year}).status_code == 200
        assert client.get("/en/voucher/estratto-conto.csv", {"year": year}).status_code == 200
