"""The register's pages in both languages: what a person sees, the workflow by form, errors next to fields."""

from datetime import timedelta

import pytest
from django.utils import timezone

from vicinato.register.models import Application, Place, Requirement


def test_home_and_register_in_both_languages(client, listed, place):
    italian = client.get("/").content.decode()
    english = client.get("/en/").content.decode()
    assert 'lang="it"' in italian and 'lang="en"' in english
    page = client.get("/registro/").content.decode()
    assert place.name_it in page and place.get_absolute_url() in page
    assert "Duomo Cowork" in client.get("/en/registro/").content.decode()


def test_register_filters(client, listed, place):
    assert (
        place.name_it in client.get("/registro/?kind=coworking&amenity=printer&district=1").content.decode()
    )
    assert place.name_it not in client.get("/registro/?kind=library").content.decode()
    assert place.name_it not in client.get("/registro/?amenity=showers").content.decode()
    bad = client.get("/en/registro/?kind=castle")
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()


def test_open_now_filter(client, listed, place):
    # 10:00 on a Monday in Rome: open; 22:00: closed.
    from unittest import mock

    monday_10 = timezone.make_aware(timezone.datetime(2026, 11, 23, 10, 0))
    with mock.patch("django.utils.timezone.now", return_value=monday_10):
        assert place.name_it in client.get("/registro/?open_now=on").content.decode()
    with mock.patch("django.utils.timezone.now", return_value=monday_10 + timedelta(hours=12)):
        assert place.name_it not in client.get("/registro/?open_now=on").content.decode()


def test_place_page_shows_facts(client, listed, place):
    page = client.get(f"/en/luoghi/{place.public_id}/").content.decode()
    for text in [
        "Duomo Cowork",
        "Via Torino 1",
        "20 desks",
        "Printer",
        "Freelancers",
        "08:30",
        "Qualified register",
    ]:
        assert text in page, text


def test_unlisted_place_is_hidden_from_the_public_but_not_from_its_operator(client, place, people):
    url = f"/luoghi/{place.public_id}/"
    assert client.get(url).status_code == 404
    client.force_login(people["org_staff"])
    assert client.get(url).status_code == 200


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


@pytest.mark.urls("tests.web.errors_urls")
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


def test_operator_edits_place_with_field_errors(client, people, place):
    client.force_login(people["org_admin"])
    url = f"/en/gestione/luoghi/{place.public_id}/modifica/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "kind": "coworking",
            "name_it": "",
            "address": "Via Torino 1",
            "lat": "45.60",
            "lon": "9.30",
            "desks": "12",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in page and "fall outside every municipality" in page
    assert 'aria-invalid="true"' in page
    place.refresh_from_db()
    assert place.name_it == "Cowork Duomo"


def test_other_organisation_cannot_edit(client, people, place):
    client.force_login(people["other_admin"])
    response = client.get(f"/en/gestione/luoghi/{place.public_id}/modifica/")
    assert response.status_code == 403 and "not allowed" in response.content.decode()


def test_opening_hours_form(client, people, place):
    client.force_login(people["org_staff"])
    url = f"/en/gestione/luoghi/{place.public_id}/orari/"
    data = {
        "form": "hours",
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "0",
        "form-0-weekday": "0",
        "form-0-opens": "09:00",
        "form-0-closes": "13:00",
        "form-1-weekday": "0",
        "form-1-opens": "12:00",
        "form-1-closes": "18:00",
    }
    response = client.post(url, data, follow=True)
    assert "overlap" in response.content.decode()
    data["form-1-opens"] = "14:00"
    client.post(url, data)
    assert [(h.opens.hour, h.closes.hour) for h in place.opening_hours.all()] == [(9, 13), (14, 18)]


def test_apply_submit_fail_fix_and_approve_by_pages(client, people, place, register):
    client.force_login(people["org_admin"])
    place.desks = 4
    place.save()
    response = client.post(f"/en/gestione/luoghi/{place.public_id}/candidatura/", {"register": "milano"})
    application = Application.objects.get()
    assert response["Location"].endswith(f"/candidature/{application.pk}/")
    page = client.post(
        f"/en/gestione/candidature/{application.pk}/azione/", {"action": "submit"}, follow=True
    ).content.decode()
    assert "The place has 4 desks; this register requires at least 11." in page
    Place.objects.filter(pk=place.pk).update(desks=12)
    page = client.post(
        f"/en/gestione/candidature/{application.pk}/azione/", {"action": "submit"}, follow=True
    ).content.decode()
    assert "Submitted" in page
    client.force_login(people["reviewer"])
    queue = client.get("/en/revisione/").content.decode()
    assert place.name_en in queue
    check = register.requirements.get(kind=Requirement.Kind.REVIEWER_CHECK)
    client.post(f"/en/revisione/candidature/{application.pk}/", {"requirement": check.pk, "ticked": "1"})
    page = client.post(
        f"/en/gestione/candidature/{application.pk}/azione/",
        {"action": "approve", "note": "Tutto ok", "from": "review"},
        follow=True,
    ).content.decode()
    assert "Approved (listed)" in page and "Tutto ok" in page
    assert place.name_it in client.get("/registro/").content.decode()


def test_review_queue_is_for_reviewers_only(client, people):
    client.force_login(people["worker"])
    assert client.get("/en/revisione/").status_code == 403


def test_signup_and_login(client, db):
    response = client.post(
        "/en/registrati/",
        {
            "username": "nuova",
            "email": "n@example.org",
            "password1": "una-Password-lunga-42",
            "password2": "una-Password-lunga-42",
        },
    )
    assert response.status_code == 302
    assert client.get("/en/gestione/").status_code == 200


def test_language_switch(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/registro/"})
    assert response.status_code == 302 and response["Location"] == "/en/registro/"


def test_closures_are_added_checked_and_removed(client, people, place):
    client.force_login(people["org_staff"])
    url = f"/en/gestione/luoghi/{place.public_id}/orari/"
    page = client.post(
        url, {"form": "closure", "start_date": "2026-12-26", "end_date": "2026-12-24"}
    ).content.decode()
    assert "The closure must end on or after the day it starts." in page and not place.closures.exists()
    client.post(
        url, {"form": "closure", "start_date": "2026-12-24", "end_date": "2026-12-26", "reason": "Natale"}
    )
    closure = place.closures.get()
    assert (closure.start_date.day, closure.end_date.day, closure.reason) == (24, 26, "Natale")
    client.post(url, {"form": "closure", "delete_closure": closure.pk})
    assert not place.closures.exists()


def test_register_organisation_with_tax_code_checks(client, people):
    client.force_login(people["worker"])
    data = {
        "kind": "association",
        "legal_name": "Amici del Quartiere",
        "partita_iva": "12345678901",
        "codice_fiscale": "",
    }
    page = client.post("/en/gestione/organizzazioni/nuova/", data).content.decode()
    assert "This partita IVA is not valid" in page
    data.update(partita_iva="", codice_fiscale="")
    page = client.post("/en/gestione/organizzazioni/nuova/", data).content.decode()
    assert "Give the partita IVA or the codice fiscale" in page
    data.update(codice_fiscale="rssmra85t10a562s")
    response = client.post("/en/gestione/organizzazioni/nuova/", data)
    from vicinato.register.models import Organisation

    organisation = Organisation.objects.get(legal_name="Amici del Quartiere")
    assert response["Location"].endswith(f"/gestione/organizzazioni/{organisation.pk}/")
    assert organisation.codice_fiscale == "RSSMRA85T10A562S"
    assert organisation.memberships.get().user == people["worker"]


def test_members_are_managed_by_admins_and_one_admin_stays(client, people, organisation):
    url = f"/en/gestione/organizzazioni/{organisation.pk}/"
    client.force_login(people["org_staff"])
    assert client.get(url).status_code == 200
    assert client.post(url, {"user": "worker", "role": "staff"}).status_code == 403
    client.force_login(people["org_admin"])
    client.post(url, {"user": "worker@example.org", "role": "staff"})
    assert organisation.memberships.filter(user=people["worker"], role="staff").exists()
    page = client.post(url, {"user": "nobody", "role": "staff"}).content.decode()
    assert "Nobody has the username or e-mail" in page
    page = client.post(url, {"remove": "orgadmin"}).content.decode()
    assert "only administrator" in page
    client.post(url, {"remove": "worker"})
    assert not organisation.memberships.filter(user=people["worker"]).exists()
    client.force_login(people["other_admin"])
    assert client.get(url).status_code == 403


def test_maps_get_the_places_and_a_list_equivalent(client, listed, place):
    import json
    import re

    page = client.get("/en/registro/").content.decode()
    data = json.loads(
        re.search(r'<script id="places-data" type="application/json">(.*?)</script>', page).group(1)
    )
    assert [p["id"] for p in data] == [place.public_id]
    assert data[0]["url"] == f"/en/luoghi/{place.public_id}/"
    assert 'class="vicinato-map' in page and place.name_en in page  # the list beside the map
