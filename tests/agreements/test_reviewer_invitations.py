"""A programme's reviewers consent: naming an e-mail address on the funder's desk or through the API sends an
invitation to it, and only an account of that address, accepting it in time, becomes a reviewer. The answer is
the same whether or not an account of the address exists, and a username adds nobody."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from tests.api.agreements.test_api import client_for
from vicinato.agreements import consent, vouchers
from vicinato.agreements.forms import programme_data
from vicinato.agreements.models import ReviewerInvitation
from vicinato.lib import ratelimit
from vicinato.lib.errors import Conflict

from .conftest import make_programme

pytestmark = pytest.mark.django_db
V = "/api/v1/agreements/vouchers"


@pytest.fixture
def programme(city_hall, funder_people):
    programme = make_programme(city_hall)
    programme.reviewers.add(funder_people["checker"])
    return programme


NO_DOCUMENTS = {
    "documents-TOTAL_FORMS": "0",
    "documents-INITIAL_FORMS": "0",
    "documents-MIN_NUM_FORMS": "0",
    "documents-MAX_NUM_FORMS": "1000",
}


def name_reviewers(actor, programme, text: str):
    data = {**programme_data(programme), **NO_DOCUMENTS, "reviewers": text, "registers": [], "places": []}
    return vouchers.save_programme(actor, programme.funder, data, programme)


def without_tokens(text: str) -> str:
    """The page without what changes at every answer (the form's CSRF token, the CSP nonce)."""
    return re.sub(r'(nonce="|Token": "|value=")[^"]{20,}"', r"\1TOKEN", text)


def test_a_reviewer_named_is_invited_and_becomes_one_only_by_accepting(
    client, city_admin, programme, funder_people, django_capture_on_commit_callbacks
):
    marta, checker = funder_people["marta"], funder_people["checker"]
    with django_capture_on_commit_callbacks(execute=True):
        name_reviewers(city_admin, programme, "checker\nMarta@Example.org")
    assert list(programme.reviewers.all()) == [checker]  # the one already there stays; Marta is not one yet
    invitation = ReviewerInvitation.objects.get()
    assert (invitation.email, invitation.created_by) == ("Marta@Example.org", city_admin)
    assert mail.outbox[-1].to == ["Marta@Example.org"]
    assert f"/voucher/inviti-revisori/{invitation.token}/" in mail.outbox[-1].body
    link = f"/en/voucher/inviti-revisori/{invitation.token}/"
    # The link's page asks before anything changes (mail scanners open links).
    client.force_login(marta)
    page = client.get(link)
    assert page.status_code == 200
    assert "Comune di Milano invites you to review the applications to its voucher programme" in page.text
    italian = client.get(link.removeprefix("/en")).text
    assert "Comune di Milano ti invita a esaminare le domande del suo programma voucher" in italian
    assert not programme.reviewers.filter(pk=marta.pk).exists()
    accepted = client.post(link)
    assert accepted.status_code == 302 and accepted.url == f"/en/voucher/{programme.pk}/sportello/"
    assert set(programme.reviewers.all()) == {checker, marta}
    assert client.get(accepted.url).status_code == 200  # Marta now sees the desk
    assert client.post(link).status_code == 409  # single use


def test_another_account_cannot_accept_it(client, city_admin, programme, funder_people, user_factory):
    name_reviewers(city_admin, programme, "marta@example.org")
    token = ReviewerInvitation.objects.get().token
    intruder = user_factory("intruder")
    with pytest.raises(Conflict, match="sent to another e-mail address"):
        consent.accept_reviewer(token, intruder)
    client.force_login(intruder)
    refused = client.post(f"/en/voucher/inviti-revisori/{token}/")
    assert refused.status_code == 409 and "sent to another e-mail address" in refused.text
    assert not programme.reviewers.filter(pk=intruder.pk).exists()
    assert ReviewerInvitation.objects.get().accepted_at is None


def test_an_expired_invitation_admits_nobody_and_a_new_one_can_be_sent(
    client, city_admin, programme, funder_people
):
    name_reviewers(city_admin, programme, "checker marta@example.org")
    old = ReviewerInvitation.objects.get()
    later = timezone.now() + timedelta(days=consent.REVIEWER_INVITATION_DAYS, hours=1)
    with time_machine.travel(later):
        client.force_login(funder_people["marta"])
        refused = client.post(f"/en/voucher/inviti-revisori/{old.token}/")
        assert refused.status_code == 409 and "expired" in refused.text
        assert not programme.reviewers.filter(pk=funder_people["marta"].pk).exists()
        # No longer listed as waiting; naming the address again sends a new link.
        assert programme_data(programme)["reviewers"] == "checker"
        name_reviewers(city_admin, programme, "checker marta@example.org")
        fresh = ReviewerInvitation.objects.exclude(pk=old.pk).get()
        consent.accept_reviewer(fresh.token, funder_people["marta"])
    assert programme.reviewers.filter(pk=funder_people["marta"].pk).exists()


def test_removing_a_reviewer_and_taking_back_an_invitation(client, city_admin, programme):
    name_reviewers(city_admin, programme, "checker marta@example.org")
    token = ReviewerInvitation.objects.get().token
    name_reviewers(city_admin, programme, "")
    assert not programme.reviewers.exists() and not ReviewerInvitation.objects.exists()
    client.force_login(city_admin)
    assert client.get(f"/en/voucher/inviti-revisori/{token}/").status_code == 400


def test_naming_an_address_tells_nothing_of_its_account(client, city_admin, programme):
    """The page and the API answer alike for the address of an account and for one that has none."""
    client.force_login(city_admin)
    edit = f"/en/voucher/{programme.pk}/modifica/"
    pages = []
    for address in ("marta@example.org", "nobody@example.org"):
        data = {**programme_data(programme), **NO_DOCUMENTS, "registers": [], "places": []}
        answer = client.post(edit, {**data, "reviewers": f"checker\n{address}"}, follow=True)
        assert answer.status_code == 200 and address in answer.text
        pages.append(without_tokens(answer.text.replace(address, "ADDRESS")))
        ReviewerInvitation.objects.all().delete()
    assert pages[0] == pages[1]
    api = client_for(city_admin)
    bodies = []
    for address in ("marta@example.org", "nobody@example.org"):
        answer = api.patch(
            f"{V}/programmes/{programme.pk}",
            {"reviewers": ["checker", address]},
            content_type="application/json",
        )
        assert answer.status_code == 200
        body = answer.json()
        assert (body["reviewers"], body["invited_reviewers"]) == (["checker"], [address])
        bodies.append({k: v for k, v in body.items() if k != "invited_reviewers"})
    assert bodies[0] == bodies[1]


@pytest.mark.parametrize("name", ["marta", "ghost"])
def test_a_username_adds_nobody_whether_or_not_the_account_exists(city_admin, programme, name):
    answer = client_for(city_admin).patch(
        f"{V}/programmes/{programme.pk}", {"reviewers": ["checker", name]}, content_type="application/json"
    )
    assert answer.status_code == 422 and answer.json()["errors"] == {
        "reviewers": [
            f"{name}: not an e-mail address. A username no longer adds a reviewer: enter their e-mail address, "
            "and they become a reviewer by accepting the invitation sent there."
        ]
    }
    assert list(programme.reviewers.values_list("username", flat=True)) == ["checker"]
    assert not ReviewerInvitation.objects.exists()


def test_the_page_and_the_api_list_the_addresses_waiting(client, city_admin, programme, funder_people):
    name_reviewers(city_admin, programme, "checker marta@example.org")
    client.force_login(city_admin)
    desk = client.get(f"/en/voucher/{programme.pk}/sportello/").text
    assert "Invited, not accepted yet" in desk and "marta@example.org (until" in desk
    shown = client_for(city_admin).get(f"{V}/programmes/{programme.pk}").json()
    assert (shown["reviewers"], shown["invited_reviewers"]) == (["checker"], ["marta@example.org"])
    # Those who do not change the programme see neither.
    other = client_for(funder_people["checker"]).get(f"{V}/programmes/{programme.pk}").json()
    assert (other["reviewers"], other["invited_reviewers"]) == (None, None)
    # A partial change keeps the invitation waiting (and sends no new one).
    client_for(city_admin).patch(
        f"{V}/programmes/{programme.pk}", {"name_en": "X"}, content_type="application/json"
    )
    assert ReviewerInvitation.objects.count() == 1


def test_invitations_to_one_address_are_limited_and_the_api_says_429(city_hall, city_admin, funder_people):
    for n in range(consent.REVIEWER_INVITATIONS_TO_ADDRESS.count):
        name_reviewers(city_admin, make_programme(city_hall, name_it=f"P{n}"), "marta@example.org")
    programme = make_programme(city_hall, name_it="Troppi")
    with pytest.raises(ratelimit.RateLimited):
        name_reviewers(city_admin, programme, "marta@example.org")
    answer = client_for(city_admin).patch(
        f"{V}/programmes/{programme.pk}",
        {"reviewers": ["marta@example.org"]},
        content_type="application/json",
    )
    assert answer.status_code == 429 and "Too many requests" in answer.json()["detail"]
    assert not programme.reviewer_invitations.exists()


def test_the_openapi_document_declares_429(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "429" in paths[f"{V}/programmes"]["post"]["responses"]
    assert "429" in paths[f"{V}/programmes/{{pk}}"]["patch"]["responses"]
