"""Ids no database can hold (above 2^63) in the agreements' forms and the ids their buttons post: a message
next to the field or a 404, never a 500 (SQLite cannot even be asked about them)."""

from __future__ import annotations

import re

import pytest

from vicinato.agreements.models import Agreement

pytestmark = pytest.mark.django_db
HUGE = 2**64


def test_the_agreement_form_refuses_huge_guests_and_resources(client, host, host_admin, desks, company):
    client.force_login(host_admin)
    answer = client.post(
        f"/en/gestione/organizzazioni/{host.pk}/convenzioni/nuova/",
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


def test_joining_and_the_members_page_refuse_huge_ids(client, user_factory, company, company_admin):
    person = user_factory("newbie")
    client.force_login(person)
    answer = client.post(
        "/en/le-mie-convenzioni/", {"join-organisation": str(HUGE), "join-kind": "employee", "join": "1"}
    )
    assert answer.status_code == 200
    assert re.search(r'id="id_join-organisation-error">Select a valid choice', answer.content.decode())
    client.force_login(company_admin)
    for value in (str(HUGE), "abc", "", "²"):
        for button in ("decide", "revoke", "remove_domain"):
            answer = client.post(
                f"/en/gestione/organizzazioni/{company.pk}/membri/", {button: value, "approve": "1"}
            )
            assert answer.status_code == 404, (button, value)


def test_the_statement_page_ignores_a_year_that_is_not_one(client, user_factory):
    client.force_login(user_factory("reader"))
    for year in ("²", str(HUGE), "abc"):
        assert client.get("/en/voucher/estratto-conto/", {"year": year}).status_code == 200
        assert client.get("/en/voucher/estratto-conto.csv", {"year": year}).status_code == 200


def test_an_empty_post_to_the_agreement_and_community_forms_says_what_is_missing(
    client, host, host_admin, association, association_admin
):
    client.force_login(host_admin)
    answer = client.post(f"/en/gestione/organizzazioni/{host.pk}/convenzioni/nuova/", {})
    assert answer.status_code == 200 and "This field is required." in answer.content.decode()
    assert not Agreement.objects.exists()
    client.force_login(association_admin)
    answer = client.post(f"/en/gestione/organizzazioni/{association.pk}/comunita/nuova/", {})
    assert answer.status_code == 200 and "This field is required." in answer.content.decode()
