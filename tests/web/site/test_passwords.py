"""A forgotten password is reset by a link mailed in both languages, a known one is changed on the account page;
asking for links is rate-limited and never says whether an account has the address (issue 18, finding 6)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db
NEW = "un-altra-Password-99"


def ask_reset(client, email: str, capture):
    with capture(execute=True):
        return client.post(reverse("web:password_reset"), {"email": email})


def test_a_forgotten_password_is_reset_by_a_mailed_link(
    client, user_factory, mailoutbox, django_capture_on_commit_callbacks
):
    person = user_factory("ada")
    answer = ask_reset(client, "ada@example.org", django_capture_on_commit_callbacks)
    assert answer["Location"] == reverse("web:password_reset_sent")
    [sent] = mailoutbox
    assert sent.subject == "Scegli una nuova password per Vicinato / Choose a new password for Vicinato"
    assert "Qualcuno ha chiesto" in sent.body and "Someone asked" in sent.body
    link = re.search(r"https?://\S+/password/\S+/", sent.body).group(0)
    path = link.split("://", 1)[1].partition("/")[2]
    form_page = client.get("/" + path, follow=True)
    assert form_page.status_code == 200 and "new_password1" in form_page.content.decode()
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done["Location"] == reverse("web:login")
    person.refresh_from_db()
    assert person.check_password(NEW)


def test_an_unknown_address_reads_the_same_and_sends_nothing(
    client, db, mailoutbox, django_capture_on_commit_callbacks
):
    answer = ask_reset(client, "nobody@example.org", django_capture_on_commit_callbacks)
    assert answer["Location"] == reverse("web:password_reset_sent") and mailoutbox == []


def test_reset_links_are_rate_limited(client, user_factory, mailoutbox, django_capture_on_commit_callbacks):
    user_factory("ada")
    for _ in range(3):
        ask_reset(client, "ada@example.org", django_capture_on_commit_callbacks)
    answer = ask_reset(client, "ada@example.org", django_capture_on_commit_callbacks)
    assert answer.status_code == 429 and len(mailoutbox) == 3


def test_a_password_is_changed_on_the_account_page_and_checked_in_full(client, user_factory):
    person = user_factory("ada")
    client.force_login(person)
    url = reverse("web:password_change")
    weak = client.post(
        url, {"old_password": "pw-12345!", "new_password1": "12345678", "new_password2": "12345678"}
    )
    page = weak.content.decode()
    assert "This password is too common." in page and "entirely numeric" in page
    answer = client.post(url, {"old_password": "pw-12345!", "new_password1": NEW, "new_password2": NEW})
    assert answer["Location"] == reverse("web:account")
    assert get_user_model().objects.get(pk=person.pk).check_password(NEW)
