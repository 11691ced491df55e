"""People make, name, scope, expire and revoke their own API tokens on their account page; only a digest is
stored, and a read-only token cannot change anything (issue 18, finding 6)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from vicinato.register.models import ApiToken, token_digest

pytestmark = pytest.mark.django_db


def api(key: str) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Bearer {key}")


def make_on_the_account_page(client, person, scope="write", days=30) -> str:
    client.force_login(person)
    page = client.post(reverse("web:token_create"), {"name": "my script", "scope": scope, "days": days})
    key = re.search(r'id="new-token".*?<code>([^<]+)</code>', page.content.decode(), re.S).group(1)
    assert key not in client.get(reverse("web:account")).content.decode()  # shown once
    return key


def test_a_token_is_shown_once_and_stored_as_a_digest(client, user_factory):
    key = make_on_the_account_page(client, user_factory("ada"))
    token = ApiToken.objects.get()
    assert token.digest == token_digest(key) and key not in (token.digest, token.prefix, token.name)
    assert (token.name, token.scope) == ("my script", "write")
    assert api(key).get("/api/v1/applications").status_code == 200


def test_a_read_only_token_reads_and_cannot_write(client, user_factory):
    key = make_on_the_account_page(client, user_factory("ada"), scope="read")
    assert api(key).get("/api/v1/applications").status_code == 200
    answer = api(key).post("/api/v1/applications", {}, content_type="application/json")
    assert answer.status_code == 403 and "may only read" in answer.json()["detail"]


def test_a_revoked_or_expired_token_no_longer_works(client, user_factory):
    person = user_factory("ada")
    key = make_on_the_account_page(client, person, days=30)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert api(key).get("/api/v1/applications").status_code == 401
    other = make_on_the_account_page(client, person)
    client.post(
        reverse("web:token_revoke", kwargs={"pk": ApiToken.objects.get(digest=token_digest(other)).pk})
    )
    assert api(other).get("/api/v1/applications").status_code == 401


def test_nobody_revokes_someone_elses_token(client, user_factory):
    mine = ApiToken.objects.create(user=user_factory("ada"))
    client.force_login(user_factory("eve"))
    client.post(reverse("web:token_revoke", kwargs={"pk": mine.pk}))
    mine.refresh_from_db()
    assert mine.revoked_at is None


def test_guessing_tokens_is_stopped_after_twenty_wrong_ones_from_one_address(client, user_factory):
    """Finding 6: wrong bearer tokens were answered 401 for ever. After 20 from one network address in ten minutes,
    every token from it is refused with 429 and Retry-After, the right one too (else a 200 among the 429s would
    tell a guesser it found one); other addresses are not held back, and the next window lets the address in."""
    key = make_on_the_account_page(client, user_factory("ada"))
    with time_machine.travel(timezone.now().replace(minute=1, second=0), tick=False):
        for n in range(20):
            wrong = Client(HTTP_AUTHORIZATION=f"Bearer guess-{n}", REMOTE_ADDR="203.0.113.9")
            assert wrong.get("/api/v1/applications").status_code == 401
        guesser = Client(
            HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR="203.0.113.9"
        )
        refused = guesser.get("/api/v1/applications")
        assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
        assert "Too many requests" in refused.json()["detail"]
        elsewhere = Client(HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR="198.51.100.7")
        assert elsewhere.get("/api/v1/applications").status_code == 200
    with time_machine.travel(timezone.now().replace(minute=1, second=0) + timedelta(minutes=10), tick=False):
        assert guesser.get("/api/v1/applications").status_code == 200


def test_the_openapi_document_declares_the_429_of_authenticated_operations(client):
    document = client.get("/api/v1/openapi.json").json()
    secured = [op for ops in document["paths"].values() for op in ops.values() if op.get("security")]
    assert secured and all("429" in op["responses"] for op in secured)
