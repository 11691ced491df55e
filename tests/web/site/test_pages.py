"""The site's own pages in both languages: home, signing up and in, the dashboard, the language switch, and
the error pages in the site's frame."""

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.template import Context, Template
from django.utils import formats, timezone, translation

from vicinato.register.models import Application, Place, Register


def test_home_and_register_in_both_languages(client, listed, place):
    italian = client.get("/").content.decode()
    english = client.get("/en/").content.decode()
    assert 'lang="it"' in italian and 'lang="en"' in english
    page = client.get("/registro/").content.decode()
    assert place.name_it in page and place.get_absolute_url() in page
    assert "Duomo Cowork" in client.get("/en/registro/").content.decode()


@pytest.mark.parametrize(
    ("prefix", "title", "skip_link"),
    [
        ("", "Pagina non trovata", "Vai al contenuto principale"),
        ("/en", "Page not found", "Skip to main content"),
    ],
)
def test_404_in_style_and_language(client, db, prefix, title, skip_link):
    response = client.get(f"{prefix}/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404 and title in page
    # The site's own frame: skip link, header and the Bootstrap Italia stylesheet.
    assert skip_link in page and "bootstrap-italia" in page


@pytest.mark.parametrize(("prefix", "title"), [("", "Accesso negato"), ("/en", "Access denied")])
def test_403_says_why_in_both_languages(client, people, other_organisation, prefix, title):
    client.force_login(people["worker"])
    response = client.get(f"{prefix}/gestione/organizzazioni/{other_organisation.pk}/")
    page = response.content.decode()
    assert response.status_code == 403 and title in page and "bootstrap-italia" in page


@pytest.mark.urls("tests.web.site.errors_urls")
@pytest.mark.parametrize(
    ("prefix", "title"), [("", "Qualcosa non ha funzionato"), ("/en", "Something went wrong")]
)
def test_500_in_style_without_a_traceback(client, db, prefix, title):
    client.raise_request_exception = False
    response = client.get(f"{prefix}/guasto/")
    page = response.content.decode()
    assert response.status_code == 500 and title in page and "bootstrap-italia" in page
    assert "Traceback" not in page and "a bug" not in page


def test_management_needs_login(client, db):
    response = client.get("/gestione/")
    assert response.status_code == 302 and "/accedi/" in response["Location"]


SIGNUP = {
    "first_name": " Nina ",
    "last_name": "Ferri",
    "email": "n@example.org",
    "password1": "una-Password-lunga-42",
    "password2": "una-Password-lunga-42",
}


def confirmation_link(mailoutbox) -> str:
    """The link of the last mail, without the site's address."""
    return re.search(r"http://[^/\s]+(/registrati/\S+)", mailoutbox[-1].body).group(1)


def test_a_signup_link_expires_after_three_days(client, db, mailoutbox, django_capture_on_commit_callbacks):
    """Finding 1: a link that grants something expires (PASSWORD_RESET_TIMEOUT, three days) as well as working once."""
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/en/registrati/", SIGNUP)
        link = confirmation_link(mailoutbox)
    with time_machine.travel(start + timedelta(days=3, hours=1), tick=False):
        assert client.post(link).status_code == 400
    assert User.objects.get(email="n@example.org").is_active is False
    with time_machine.travel(start + timedelta(days=2, hours=23), tick=False):
        assert client.post(link).status_code == 302  # within the three days it still works
    assert User.objects.get(email="n@example.org").is_active is True


def test_signup_asks_for_a_name_confirms_the_address_and_lands_on_ones_bookings(
    client, db, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/registrati/", SIGNUP)
    assert response.status_code == 302 and response["Location"] == "/en/registrati/inviata/"
    assert "Check your mail" in client.get(response["Location"]).content.decode()
    user = User.objects.get(email="n@example.org")
    # The address is the name to sign in with; the account waits for the link.
    assert (user.first_name, user.last_name, user.username, user.is_active) == (
        "Nina",
        "Ferri",
        "n@example.org",
        False,
    )
    assert client.get("/en/prenotazioni/").status_code == 302
    link = confirmation_link(mailoutbox)
    assert mailoutbox[-1].to == ["n@example.org"]
    shown = client.get(link).content.decode()
    assert "Conferma n@example.org" in shown and User.objects.get(pk=user.pk).is_active is False
    confirmed = client.post(link)  # the mail's link is in the site's language
    assert confirmed.status_code == 302 and confirmed["Location"] == "/prenotazioni/"
    assert client.get("/en/prenotazioni/").status_code == 200
    # The link works once.
    client.logout()
    assert client.post(link).status_code == 400
    # The address signs in, whatever its case.
    assert (
        client.post("/en/accedi/", {"username": "N@Example.org", "password": SIGNUP["password1"]}).status_code
        == 302
    )


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_signup_without_a_name_says_so_and_keeps_the_rest(client, db, field):
    page = client.post("/en/registrati/", {**SIGNUP, field: "   "}).content.decode()
    assert f'id="id_{field}-error">This field is required.<' in page
    assert 'value="n@example.org"' in page and not User.objects.exists()


def test_signup_from_a_booking_page_returns_to_it(client, db, mailoutbox, django_capture_on_commit_callbacks):
    booking = "/en/luoghi/abc123/prenota/?giorno=2027-01-12"
    form = client.get("/en/registrati/", {"next": booking}).content.decode()
    assert f'name="next" value="{booking}"' in form.replace("&amp;", "&")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/en/registrati/", {**SIGNUP, "next": booking})
    response = client.post(confirmation_link(mailoutbox))
    assert response["Location"] == booking


def test_signup_never_sends_a_person_to_another_site(
    client, db, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/registrati/", {**SIGNUP, "next": "https://evil.example/"})
    assert response["Location"] == "/en/registrati/inviata/" and "evil" not in mailoutbox[-1].body
    assert (
        client.post(confirmation_link(mailoutbox) + "?next=https://evil.example/")["Location"]
        == "/prenotazioni/"
    )


@pytest.mark.parametrize(
    ("who", "lands_on"),
    [("worker", "/en/prenotazioni/"), ("org_admin", "/en/gestione/"), ("reviewer", "/en/gestione/")],
)
def test_signing_in_lands_on_what_the_person_does_here(client, people, who, lands_on):
    response = client.post("/en/accedi/", {"username": people[who].username, "password": "pw-12345!"})
    assert response.status_code == 302 and response["Location"] == lands_on


def test_signing_in_returns_to_the_page_the_person_was_on(client, people):
    response = client.post(
        "/en/accedi/",
        {"username": "worker", "password": "pw-12345!", "next": "/en/vicino-a-te/?q=Via+Padova"},
    )
    assert response["Location"] == "/en/vicino-a-te/?q=Via+Padova"
    assert "next=/en/prenotazioni/" in client.get(
        "/en/accedi/?next=/en/prenotazioni/"
    ).content.decode().replace("%2F", "/")


@pytest.mark.parametrize(
    ("who", "manage", "review"),
    [
        ("worker", False, False),
        ("org_staff", True, False),
        ("reviewer", False, True),
        ("site_admin", True, True),
    ],
)
def test_the_menu_offers_only_what_the_persons_roles_allow(client, people, who, manage, review):
    client.force_login(people[who])
    menu = client.get("/en/registro/").content.decode().split('id="main-nav"')[1].split("</nav>")[0]
    assert ('href="/en/gestione/"' in menu) is manage
    assert ('href="/en/revisione/"' in menu) is review
    assert 'href="/en/copertura/"' in menu and 'href="/en/prenotazioni/"' in menu


def test_the_coverage_page_is_in_everyones_menu(client, db):
    menu = client.get("/").content.decode().split('id="main-nav"')[1].split("</nav>")[0]
    assert 'href="/copertura/"' in menu and ">Copertura<" in menu


def test_language_switch(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/registro/"})
    assert response.status_code == 302 and response["Location"] == "/en/registro/"


def test_home_counts_each_registers_entries_listed_now(client, listed, register, organisation, city):
    """A register's count is the register's own rule of a listed entry: approved and not expired."""
    other = Register.objects.create(
        slug="altro", name_it="Altro registro", name_en="Other register", owner="X"
    )
    for name, state, days in (("Scaduto", "approved", -1), ("In revisione", "submitted", 300)):
        place = Place.objects.create(
            operator=organisation, kind="coworking", name_it=name, lat=45.465, lon=9.18, municipality=city
        )
        Application.objects.create(
            place=place, register=other, state=state, expires_at=timezone.now() + timedelta(days=days)
        )
        Application.objects.create(place=place, register=register, state="draft")

    def count_of(page: str, name: str) -> str:
        card = re.search(rf"{name}</h3>.*?· (\d+ entr(?:y|ies))</small>", page, re.S)
        return card.group(1)

    page = client.get("/en/").content.decode()
    assert count_of(page, "Qualified register") == "1 entry"
    assert count_of(page, "Other register") == "0 entries"
    assert "1 place listed, 20 desks." in page


def test_italian_dates_are_written_as_italian_writes_them():
    """Month and weekday names are common nouns in Italian (lower case mid-sentence), and no leading zero."""
    moment = datetime(2026, 12, 7, 9, 30)
    with translation.override("it"):
        assert formats.date_format(moment.date(), "DATE_FORMAT") == "7 dicembre 2026"
        assert formats.date_format(moment, "DATETIME_FORMAT") == "lunedì 7 dicembre 2026, 09:30"
        heading = Template('{{ day|date:"l j F Y"|capfirst }}').render(Context({"day": moment.date()}))
        assert heading == "Lunedì 7 dicembre 2026"
    with translation.override("en"):
        assert formats.date_format(moment.date(), "DATE_FORMAT") == "Dec. 7, 2026"
