"""Ids no database can hold (above 2^63) in the agreements' API: a message for the field or a 4xx, never a 500
(SQLite cannot even be asked about them). The pages: tests/web/agreements/test_huge_ids.py."""

from __future__ import annotations

import pytest

from tests.api.agreements.test_api import URL, client_for, terms
from vicinato.agreements.models import Agreement, VoucherApplication

from .conftest import make_programme

pytestmark = pytest.mark.django_db
HUGE = 2**64


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


def test_joining_through_the_api_refuses_a_huge_id(user_factory, company):
    person = user_factory("newbie")
    answer = client_for(person).post(
        f"{URL}/affiliations", {"organisation": HUGE}, content_type="application/json"
    )
    # An identifier in the body that names nothing is a field to correct (422), not a missing address (404).
    assert answer.status_code == 422 and answer.json()["codes"] == {"organisation": ["not_found"]}


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
