"""A line break or a control character in a one-line field is refused on the page, next to the field (issue 18,
findings 9 and 10: CRLF in a name broke e-mails silently)."""

from __future__ import annotations

import pytest

from vicinato.register.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["Cowork\r\nBcc: all@evil.example", "Cowork\x07"])
def test_a_place_name_with_a_line_break_is_a_field_message(client, people, place, name):
    client.force_login(people["org_admin"])
    url = f"/en/gestione/luoghi/{place.public_id}/modifica/"
    data = {"kind": "coworking", "name_it": name, "address": "Via Torino 1", "lat": "45.465", "lon": "9.18"}
    response = client.post(url, {**data, "desks": "12"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "without line breaks" in page or "not valid" in page
    place.refresh_from_db()
    assert place.name_it == "Cowork Duomo"


def test_an_organisation_name_with_a_line_break_is_a_field_message(client, people):
    client.force_login(people["worker"])
    data = {
        "kind": "association",
        "legal_name": "Amici\r\ndel Quartiere",
        "codice_fiscale": "rssmra85t10a562s",
    }
    response = client.post("/en/gestione/organizzazioni/nuova/", data)
    assert response.status_code == 200
    assert "without line breaks" in response.content.decode()
    assert not Organisation.objects.filter(codice_fiscale="RSSMRA85T10A562S").exists()
