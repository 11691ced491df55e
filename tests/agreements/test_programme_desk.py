"""The funder's desk through the API: a funder's administrators create and change voucher programmes (budget,
coverage, cap, where it applies, who may apply, dates, documents, reviewers), with errors per field, and never
below what the ledger already holds. The desk's pages: tests/web/agreements/test_programme_desk.py."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.api.agreements.test_api import client_for

from .conftest import make_programme

pytestmark = pytest.mark.django_db
V = "/api/v1/agreements/vouchers"


def test_the_api_never_lowers_the_budget_below_what_the_ledger_holds(spent, city_admin):
    assert spent.ledger.get().amount == Decimal("10.00")
    patched = client_for(city_admin).patch(
        f"{V}/programmes/{spent.pk}", {"budget": "5.00"}, content_type="application/json"
    )
    assert patched.status_code == 422 and patched.json()["errors"] == {
        "budget": [
            "The budget cannot be lower than the 10.00 EUR already reserved and committed for bookings; "
            "enter at least that much."
        ]
    }
    spent.refresh_from_db()
    assert spent.budget == Decimal("1000.00")


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("city_admin", True), ("staff", False), ("checker", False), ("company_admin", False), ("root", True)],
)
def test_who_may_create_and_change_a_funders_programmes_through_the_api(
    who, allowed, city_hall, funder_people, programme_people
):
    """As on the desk: the funder's administrators (and the site's) only."""
    programme = make_programme(city_hall)
    programme.reviewers.add(funder_people["checker"])
    user = programme_people[who]
    api = client_for(user)
    created = api.post(
        f"{V}/programmes",
        {"funder": city_hall.pk, "name_it": "Bando", **api_terms()},
        content_type="application/json",
    )
    assert created.status_code == (201 if allowed else 403)
    changed = api.patch(f"{V}/programmes/{programme.pk}", {"name_en": "X"}, content_type="application/json")
    assert changed.status_code == (200 if allowed else 403)
    if not allowed:
        assert "not allowed" in changed.json()["detail"]
    shown = api.get(f"{V}/programmes/{programme.pk}").json()
    assert (shown["allowed_actions"], shown["reviewers"] is not None) == (
        (["edit"], True) if allowed else ([], False)
    )


def api_terms(**changes) -> dict:
    return {
        "budget": "2000",
        "coverage_percent": "50",
        "cap_per_person_year": "300",
        "applications_from": "2030-01-01",
        "applications_until": "2030-12-31",
        "valid_from": "2030-01-01",
        "valid_until": "2030-12-31",
        **changes,
    }


def test_the_api_creates_and_changes_a_programme(city_hall, city_admin, register, listed, funder_people):
    api = client_for(city_admin)
    created = api.post(
        f"{V}/programmes",
        {
            "funder": city_hall.pk,
            "name_it": "Voucher rider",
            "name_en": "Riders' voucher",
            "registers": [register.slug],
            "places": [listed.public_id],
            "audiences": ["riders"],
            "priority_younger_than": 35,
            "reviewers": ["checker@example.org"],
            "required_documents": [
                {"label_it": "ISEE"},
                {"label_it": "Contratto con la piattaforma", "label_en": "Contract with the platform"},
            ],
            **api_terms(),
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["funder_id"], body["name"], body["budget"], body["registers"], body["places"]) == (
        city_hall.pk,
        "Riders' voucher",
        "2000.00",
        [register.slug],
        [listed.public_id],
    )
    # Named, invited: a reviewer only once they accept (tests/agreements/test_reviewer_invitations.py).
    assert (body["reviewers"], body["invited_reviewers"]) == ([], ["checker@example.org"])
    assert body["documents_required"] == ("ISEE; Contract with the platform")
    isee, contract = body["required_documents"]
    assert (isee["label"], isee["label_en"]) == ("ISEE", "")  # no English name: the Italian one
    pk = body["id"]
    # A partial change leaves the rest as it was.
    renamed = api.patch(f"{V}/programmes/{pk}", {"name_en": "Rider voucher"}, content_type="application/json")
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["registers"], renamed.json()["invited_reviewers"]) == (
        "Rider voucher",
        [register.slug],
        ["checker@example.org"],
    )
    assert [d["id"] for d in renamed.json()["required_documents"]] == [isee["id"], contract["id"]]
    # The list of documents is replaced: kept by id, removed when left out, added without an id.
    changed = api.patch(
        f"{V}/programmes/{pk}",
        {
            "required_documents": [
                {"id": contract["id"], "label_it": "Contratto", "label_en": "Contract"},
                {"label_it": "Documento d'identità", "label_en": "Identity card"},
            ],
            "younger_than": 40,
            "reviewers": [],
        },
        content_type="application/json",
    )
    assert changed.status_code == 200
    assert [(d["id"] == contract["id"], d["label"]) for d in changed.json()["required_documents"]] == [
        (True, "Contract"),
        (False, "Identity card"),
    ]
    assert (changed.json()["younger_than"], changed.json()["invited_reviewers"]) == (40, [])
    cleared = api.patch(f"{V}/programmes/{pk}", {"younger_than": None}, content_type="application/json")
    assert cleared.json()["younger_than"] is None


def test_the_api_says_what_to_fix_field_by_field(city_hall, city_admin, funder_people):
    api = client_for(city_admin)
    assert api.post(f"{V}/programmes", api_terms(), content_type="application/json").json()["errors"] == {
        "funder": ["Give the id of the organisation that funds the programme."]
    }
    bad = api.post(
        f"{V}/programmes",
        {
            "funder": city_hall.pk,
            "name_it": "Bando",
            "registers": ["no-such-register"],
            "reviewers": ["ghost"],
            "required_documents": [{"label_it": "ISEE"}, {"label_it": "", "label_en": "CV"}],
            **api_terms(coverage_percent="0", applications_until="2029-12-01", younger_than=500),
        },
        content_type="application/json",
    )
    assert bad.status_code == 422
    errors = bad.json()["errors"]
    assert errors["registers"] == [
        "Select a valid choice. no-such-register is not one of the available choices."
    ]
    assert errors["reviewers"] == [
        "ghost: not an e-mail address. A username no longer adds a reviewer: enter their e-mail address, and they "
        "become a reviewer by accepting the invitation sent there."
    ]
    assert errors["required_documents.1.label_it"] == ["Name the document in Italian."]
    assert errors["applications_until"] == ["Applications must close on or after they open."]
    assert errors["younger_than"] == ["Ensure this value is less than or equal to 130."]
    assert "coverage_percent" in errors
    programme = make_programme(city_hall, documents=[("ISEE", "ISEE")])
    unknown = api.patch(
        f"{V}/programmes/{programme.pk}",
        {"required_documents": [{"id": 2**64, "label_it": "X"}]},
        content_type="application/json",
    )
    assert unknown.status_code == 422 and unknown.json()["errors"]["required_documents"] == [
        f"This programme has no required document with id {2**64}; leave out the id to add one."
    ]
    assert api.patch(f"{V}/programmes/{2**64}", {}, content_type="application/json").status_code == 404
    blank = api.patch(
        f"{V}/programmes/{programme.pk}",
        {
            "required_documents": [
                {"id": programme.required_documents.get().pk, "label_it": "ISEE"},
                {"label_it": ""},
            ]
        },
        content_type="application/json",
    )
    assert blank.status_code == 422 and blank.json()["errors"] == {
        "required_documents.1.label_it": ["Name the document in Italian."]
    }
