"""The public-sector pages every Italian public site must have, linked from every page's footer: the privacy
notice, the accessibility statement in AgID's model (with its feedback form) and the legal notes, each in the
reader's language only."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

PAGES = {
    "privacy": {"": "Informativa sul trattamento dei dati personali", "/en": "Privacy notice"},
    "accessibilita": {"": "Dichiarazione di accessibilità", "/en": "Accessibility statement"},
    "note-legali": {"": "Note legali", "/en": "Legal notes"},
}


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_every_page_links_the_legal_pages_and_a_contact_from_its_footer(client, prefix):
    for address in (f"{prefix}/", f"{prefix}/registro/", f"{prefix}/crediti/"):
        footer = client.get(address).content.decode().split('<footer class="it-footer">')[1]
        for slug in PAGES:
            assert f'href="{prefix}/{slug}/"' in footer, (address, slug)
        assert 'href="mailto:info@vicinato.example"' in footer


@pytest.mark.parametrize("slug", PAGES)
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_each_legal_page_is_in_the_readers_language_only(client, prefix, slug):
    page = client.get(f"{prefix}/{slug}/").content.decode()
    heading = re.search(r"<h1>(.*?)</h1>", page).group(1)
    assert heading == PAGES[slug][prefix]
    other = PAGES[slug]["/en" if prefix == "" else ""]
    assert other not in page.split("<main")[1].split("</main>")[0]


@override_settings(
    SITE_OWNER="Comune di Seregno",
    CONTACT_EMAIL="urp@comune.seregno.example",
    DPO_EMAIL="rpd@comune.seregno.example",
)
def test_the_privacy_notice_names_the_controller_and_the_dpo_of_this_installation(client):
    page = client.get("/privacy/").content.decode()
    assert "Il titolare del trattamento è <strong>Comune di Seregno</strong>" in page
    assert 'href="mailto:rpd@comune.seregno.example"' in page
    assert "garanteprivacy.it" in page
    # The commute profile: consent, coarse points, withdrawal.
    assert "cella di 250 metri" in page and "revochi il consenso" in page


@pytest.mark.parametrize(
    ("tiles", "said"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", True),
        ("/tiles/{z}/{x}/{y}.png", False),
        ("", False),
    ],
)
def test_the_privacy_notice_says_when_map_tiles_come_from_a_third_party(client, tiles, said):
    with override_settings(MAP_TILE_URL=tiles):
        page = client.get("/en/privacy/").content.decode()
    assert ("your browser tells it your IP address" in page) is said


@override_settings(ACCESSIBILITY_REVIEWED="2026-12-07")
def test_the_accessibility_statement_follows_agids_model(client):
    page = client.get("/accessibilita/").content.decode()
    for section in (
        "Stato di conformità",
        "Contenuti non accessibili",
        "Redazione della dichiarazione",
        "Meccanismo di feedback e informazioni di contatto",
        "Procedura di attuazione",
    ):
        assert f">{section}</h2>" in page, section
    assert "7 dicembre 2026" in page
    assert 'href="https://form.agid.gov.it/"' in page
    english = client.get("/en/accessibilita/").content.decode()
    assert "7 December 2026" in english and ">Enforcement procedure</h2>" in english


def test_the_feedback_form_starts_from_the_page_the_person_came_from(client):
    page = client.get("/en/accessibilita/", HTTP_REFERER="http://testserver/en/registro/").content.decode()
    assert 'value="http://testserver/en/registro/"' in page
    elsewhere = client.get("/en/accessibilita/", HTTP_REFERER="https://evil.example/x").content.decode()
    assert "evil.example" not in elsewhere


@override_settings(ACCESSIBILITY_EMAIL="accessibilita@comune.example")
def test_an_accessibility_report_reaches_the_contact_in_both_languages(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/en/accessibilita/",
            {
                "page": "/en/registro/",
                "description": "The map's zoom buttons are not announced by my screen reader.",
                "email": "lettrice@example.org",
            },
            follow=True,
        )
    assert "We answer at lettrice@example.org within 30 days" in response.content.decode()
    [sent] = mailoutbox
    assert sent.to == ["accessibilita@comune.example"] and sent.reply_to == ["lettrice@example.org"]
    assert "Segnalazione di accessibilità dal sito" in sent.subject
    assert "Accessibility report from the site" in sent.subject
    assert "not announced by my screen reader" in sent.body and "/en/registro/" in sent.body


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"description": ""}, "description", "This field is required."),
        ({"description": "x", "email": "not-an-address"}, "email", "Enter a valid email address."),
        (
            {"description": "x", "page": "a\r\nBcc: someone@example.org"},
            "page",
            "Write the page on one line.",
        ),
    ],
)
def test_a_bad_report_is_kept_and_says_what_to_fix(client, mailoutbox, data, field, message):
    response = client.post("/en/accessibilita/", data)
    page = response.content.decode()
    assert response.status_code == 200 and not mailoutbox
    assert re.search(rf'id="id_{field}-error">{re.escape(message)}<', page), page[-3000:]
    if data.get("description"):
        assert f">\n{data['description']}</textarea>" in page
