"""Signing in and up (issue 18, finding 6): repeated wrong passwords lock the sign-in for a while, with a clear
message in both languages; passwords pass all of Django's validators; sign-ups are limited per address."""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

pytestmark = pytest.mark.django_db
PASSWORD = "una-Password-lunga-42"


@pytest.fixture
def someone(db):
    user = get_user_model().objects.create_user("someone", "someone@example.org", PASSWORD)
    return user


def sign_in(client, password, prefix="/en"):
    return client.post(f"{prefix}/accedi/", {"username": "someone", "password": password})


@pytest.mark.parametrize(
    ("prefix", "message"),
    [("/en", "Too many failed sign-in attempts"), ("", "Troppi tentativi di accesso falliti")],
)
def test_repeated_wrong_passwords_lock_the_sign_in(client, someone, prefix, message):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(4):
            assert sign_in(client, "wrong-password", prefix).status_code == 200
        assert sign_in(client, "wrong-password", prefix).status_code == 429  # the fifth failure locks
        locked = sign_in(client, PASSWORD, prefix)
        assert locked.status_code == 429
        assert message in locked.content.decode()
        assert "_auth_user_id" not in client.session
        clock.shift(60 * 16)  # the lock lasts 15 minutes
        assert sign_in(client, PASSWORD, prefix).status_code == 302


def test_a_right_password_before_the_limit_resets_the_count(client, someone):
    for _ in range(4):
        sign_in(client, "wrong-password")
    assert sign_in(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert sign_in(client, "wrong-password").status_code == 200
    assert sign_in(client, PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("83920174659281", "This password is entirely numeric."),
        ("short1!", "This password is too short."),
        ("password123", "This password is too common."),
    ],
)
def test_sign_up_applies_every_password_validator(client, password, message):
    response = client.post(
        "/en/registrati/",
        {"email": "n@example.org", "password1": password, "password2": password},
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not get_user_model().objects.exists()


def test_sign_ups_from_one_address_are_limited(client, db):
    def sign_up(number):
        return client.post(
            "/en/registrati/",
            {
                "first_name": "Persona",
                "last_name": f"Numero {number}",
                "email": f"p{number}@example.org",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )

    for number in range(10):
        assert sign_up(number).status_code == 302
    refused = sign_up(10)
    assert refused.status_code == 429 and "Too many" in refused.content.decode()
    assert not get_user_model().objects.filter(email="p10@example.org").exists()
