"""What a page is sent is refused before any view reads it when no text may hold it (control characters, NUL
among them, or broken Unicode): a 400 page in the person's language that says so, nothing done. PostgreSQL
stores no NUL: a reason posted with one was a 500 there."""

from __future__ import annotations

import pytest
from django.test import override_settings

REFUSED = "holds characters that are not valid"


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["a\x00b", "\x07", "\x85", "\x7f"])
@override_settings(ACCESSIBILITY_EMAIL="accessibilita@comune.example")
def test_a_form_with_a_control_character_is_refused_and_nothing_done(client, mailoutbox, text):
    data = {"page": "/en/registro/", "description": f"The map {text}", "email": "lettrice@example.org"}
    response = client.post("/en/accessibilita/", data)
    assert response.status_code == 400 and REFUSED in response.content.decode()
    assert not mailoutbox


@pytest.mark.django_db
def test_a_query_string_or_a_name_with_one_is_refused_in_the_person_s_language(client):
    response = client.get("/registro/", {"q": "Via\x00Roma"})
    assert response.status_code == 400 and "contiene caratteri non validi" in response.content.decode()
    response = client.post("/en/accessibilita/", {"page\x00": "/"})
    assert response.status_code == 400 and REFUSED in response.content.decode()


@pytest.mark.django_db
def test_tabs_and_line_breaks_are_text(client):
    response = client.get("/en/registro/", {"q": "Via\tRoma\r\n"})
    assert response.status_code == 200
