"""What a page is sent is refused before any view reads it when it holds a NUL character, which no text can hold:
a 400 page in the person's language that says so, nothing done. PostgreSQL stores no NUL: a reason posted with
one was a 500 there. Other control characters are said next to their field (tests/web/register/test_text_fields.py)."""

from __future__ import annotations

import pytest
from django.test import override_settings

REFUSED = "holds a NUL character"


@pytest.mark.django_db
@override_settings(ACCESSIBILITY_EMAIL="accessibilita@comune.example")
def test_a_form_with_a_nul_is_refused_and_nothing_done(client, mailoutbox):
    data = {"page": "/en/registro/", "description": "The map\x00", "email": "lettrice@example.org"}
    response = client.post("/en/accessibilita/", data)
    assert response.status_code == 400 and REFUSED in response.content.decode()
    assert not mailoutbox


@pytest.mark.django_db
def test_a_query_string_or_a_name_with_one_is_refused_in_the_person_s_language(client):
    response = client.get("/registro/", {"q": "Via\x00Roma"})
    assert response.status_code == 400 and "contiene un carattere NUL" in response.content.decode()
    response = client.post("/en/accessibilita/", {"page\x00": "/"})
    assert response.status_code == 400 and REFUSED in response.content.decode()


@pytest.mark.django_db
def test_tabs_line_breaks_and_other_text_go_to_the_page(client):
    assert client.get("/en/registro/", {"q": "Via\tRoma\r\n"}).status_code == 200
    assert client.get("/en/registro/", {"q": "Via\x07Roma"}).status_code == 200
