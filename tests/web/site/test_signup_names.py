"""Signing up tells nobody which accounts exist (issue 18, findings 4 and 6): there is no username to choose
(the confirmed e-mail address is the name to sign in with), one address has one account whatever its case,
and an address that already has an account gets the same page as a new one, while its mailbox learns the
truth. An address that passes for another (letters of two alphabets that look alike, e.g. a Cyrillic а in
the domain) is refused."""

import pytest
from django.contrib.admin.sites import site
from django.contrib.auth import get_user_model
from django.db import IntegrityError

from .test_pages import SIGNUP, confirmation_link

pytestmark = pytest.mark.django_db
User = get_user_model()


def sign_up(client, capture, **changes):
    with capture(execute=True):
        return client.post("/en/registrati/", {**SIGNUP, **changes})


def test_the_form_asks_for_no_username(client):
    form = client.get("/en/registrati/").content.decode()
    assert 'name="email"' in form and 'name="username"' not in form


@pytest.mark.parametrize("address", ["worker@example.org", "Worker@Example.org", "old.name@example.org"])
def test_an_address_with_an_account_gets_the_same_answer_and_a_mail(
    client, people, mailoutbox, django_capture_on_commit_callbacks, address
):
    """`worker` has worker@example.org; an older account signs in with old.name@example.org as its username."""
    User.objects.create_user("old.name@example.org", email="renamed@example.org")
    new = sign_up(client, django_capture_on_commit_callbacks, email="someone.new@example.org")
    assert new.status_code == 302
    existing = sign_up(client, django_capture_on_commit_callbacks, email=address)
    assert (existing.status_code, existing["Location"]) == (new.status_code, new["Location"])
    assert not User.objects.filter(email__iexact=address, is_active=False).exists()
    told = mailoutbox[-1]
    assert told.to == [address] and "You already have a Vicinato account" in told.subject
    assert "/accedi/" in told.body and "/password/" in told.body and "/registrati/" not in told.body


def test_signing_up_again_before_confirming_sends_the_link_again(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    sign_up(client, django_capture_on_commit_callbacks)
    sign_up(client, django_capture_on_commit_callbacks, email="N@example.org", first_name="Altra")
    assert User.objects.get().first_name == "Nina"  # the first sign-up's, untouched
    assert len(mailoutbox) == 2 and confirmation_link(mailoutbox)
    assert client.post(confirmation_link(mailoutbox)).status_code == 302


def test_one_address_has_one_account_whatever_its_case(people):
    with pytest.raises(IntegrityError):
        User.objects.create_user("another", email="WORKER@example.org")


def test_mails_about_one_address_are_limited(client, mailoutbox, django_capture_on_commit_callbacks):
    for _ in range(3):
        assert sign_up(client, django_capture_on_commit_callbacks).status_code == 302
    refused = sign_up(client, django_capture_on_commit_callbacks, email="N@EXAMPLE.org")
    assert refused.status_code == 429 and "Too many" in refused.content.decode() and len(mailoutbox) == 3


def test_a_lookalike_address_is_refused(client):
    page = client.post("/en/registrati/", {**SIGNUP, "email": "admin@ex\u0430mple.org"}).content.decode()
    assert "Use letters of one alphabet" in page
    assert not User.objects.exists()


@pytest.mark.parametrize("address", ["mario@città.it", "mario.rossi@example.org"])
def test_an_address_in_one_alphabet_is_taken(client, mailoutbox, django_capture_on_commit_callbacks, address):
    assert sign_up(client, django_capture_on_commit_callbacks, email=address).status_code == 302
    assert User.objects.filter(username=address, is_active=False).exists()


def test_the_administration_refuses_an_address_another_account_has(people):
    form_class = site._registry[User].form
    worker, staff = people["worker"], people["org_staff"]
    data = {"username": staff.username, "email": "WORKER@example.org", "date_joined": "2026-01-01 10:00:00"}
    form = form_class(data, instance=staff)
    assert not form.is_valid()
    assert form.errors["email"] == ["Another account has this e-mail address; each has its own."]
    form = form_class({**data, "email": worker.email}, instance=worker)
    assert "email" not in form.errors
