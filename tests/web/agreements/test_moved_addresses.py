"""An organisation's agreements pages moved from organizzazioni/<id>/ to gestione/organizzazioni/<id>/, beside
its register pages: the old addresses (in e-mails already sent) answer a permanent redirect to the new ones, in
both languages, with their query string."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

# (the address after the organisation's id, the page's name): every page that moved.
MOVED = [
    ("membri/", "members"),
    ("convenzioni/", "organisation_agreements"),
    ("convenzioni/nuova/", "agreement_create"),
    ("voucher/", "operator_vouchers"),
    ("voucher.csv", "operator_vouchers_csv"),
    ("programmi/", "organisation_programmes"),
    ("programmi/nuovo/", "programme_create"),
    ("comunita/", "organisation_communities"),
    ("comunita/nuova/", "community_create"),
]


@pytest.mark.parametrize(("tail", "name"), MOVED)
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_old_address_redirects_permanently_to_the_new_one(client, host, prefix, tail, name):
    answer = client.get(f"{prefix}/organizzazioni/{host.pk}/{tail}")
    assert answer.status_code == 301
    assert answer["Location"] == f"{prefix}/gestione/organizzazioni/{host.pk}/{tail}"
    page = client.get(answer["Location"])  # the page itself, which asks to sign in first
    assert page.status_code == 302 and f"{prefix}/accedi/?next=" in page["Location"]


@pytest.mark.parametrize(("tail", "name"), MOVED)
def test_the_page_names_give_the_new_addresses(host, tail, name):
    """The names did not change: every link made from them (pages, e-mails) goes to the new address."""
    assert reverse(f"agreements:{name}", args=[host.pk]) == f"/en/gestione/organizzazioni/{host.pk}/{tail}"
    with translation.override("it"):
        assert reverse(f"agreements:{name}", args=[host.pk]) == f"/gestione/organizzazioni/{host.pk}/{tail}"


def test_the_query_string_is_kept(client, host):
    answer = client.get(f"/en/organizzazioni/{host.pk}/voucher/", {"month": "2030-03"})
    assert answer.status_code == 301
    assert answer["Location"] == f"/en/gestione/organizzazioni/{host.pk}/voucher/?month=2030-03"


def test_a_link_from_an_old_e_mail_reaches_the_page(client, company, company_admin):
    client.force_login(company_admin)
    answer = client.get(f"/en/organizzazioni/{company.pk}/membri/", follow=True)
    assert answer.redirect_chain == [(f"/en/gestione/organizzazioni/{company.pk}/membri/", 301)]
    assert answer.status_code == 200 and "Invitations" in answer.content.decode()


def test_only_ids_are_redirected(client, db):
    assert client.get("/organizzazioni/nuova/membri/").status_code == 404
