"""A username that passes for another (letters of two alphabets that look alike, e.g. `аdmin` with a Cyrillic
а) is refused at sign-up; a name in one alphabet, accents included, is taken (issue 18, finding 11)."""

import pytest
from django.contrib.auth import get_user_model

from .test_pages import SIGNUP

pytestmark = pytest.mark.django_db


def test_a_lookalike_username_is_refused(client):
    page = client.post("/en/registrati/", {**SIGNUP, "username": "\u0430dmin"}).content.decode()
    assert "Use letters of one alphabet" in page
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize("username", ["niccolò", "Андрей", "mario.rossi"])
def test_a_name_in_one_alphabet_is_taken(client, username):
    assert client.post("/en/registrati/", {**SIGNUP, "username": username}).status_code == 302
    assert get_user_model().objects.filter(username=username).exists()
