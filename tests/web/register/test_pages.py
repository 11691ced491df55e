"""The register's pages in both languages: what a person sees, the workflow by form, errors next to fields."""

import json
import re
from datetime import time, timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.web.pages import NOT_IDS
from vicinato.geo import travel
from vicinato.geo.models import Stop
from vicinato.register.models import (
    Application,
    ApplicationDocument,
    Closure,
    OpeningHours,
    Organisation,
    Place,
    Requirement,
)


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


def test_opening_hours_are_a_weekly_grid_where_empty_rows_are_nothing(client, people, place):
    client.force_login(people["org_staff"])
    url = f"/en/gestione/luoghi/{place.public_id}/orari/"
    page = client.get(url).content.decode()
    for day in ("Monday", "Sunday"):
        assert f'<th scope="row">{day}</th>' in page
    assert 'id="id_d6_opens2"' in page  # a second interval on every day, Sunday included
    # Monday with a break, Friday mornings only; every other field left empty: those days are closed.
    data = {"form": "hours", "d0_opens1": "09:00", "d0_closes1": "13:00", "d0_opens2": "12:00"}
    data["d0_closes2"] = "18:00"
    data.update({"d4_opens1": "09:00", "d4_closes1": "12:30"})
    before = place.opening_hours.count()
    response = client.post(url, data, follow=True)
    assert "overlap" in response.content.decode() and place.opening_hours.count() == before
    data["d0_opens2"] = "14:00"
    client.post(url, data)
    hours = [
        (h.weekday, h.opens.strftime("%H:%M"), h.closes.strftime("%H:%M")) for h in place.opening_hours.all()
    ]
    assert sorted(hours) == [(0, "09:00", "13:00"), (0, "14:00", "18:00"), (4, "09:00", "12:30")]
    # The grid shows what is saved.
    page = client.get(url).content.decode()
    assert 'name="d0_opens2" value="14:00"' in page and 'name="d4_closes1" value="12:30"' in page


def test_half_an_interval_is_refused_next_to_its_field_and_the_rest_is_kept(client, people, place):
    client.force_login(people["org_staff"])
    url = f"/en/gestione/luoghi/{place.public_id}/orari/"
    page = client.post(
        url, {"form": "hours", "d1_opens1": "09:00", "d2_opens1": "08:00", "d2_closes1": "17:00"}
    )
    text = page.content.decode()
    assert 'id="id_d1_closes1-error">Give both times of this interval, or leave both empty.<' in text
    assert 'name="d2_closes1" value="17:00"' in text
    assert not place.opening_hours.filter(opens=time(8)).exists()  # nothing saved


def test_a_day_with_three_intervals_keeps_them_all_in_the_grid(client, people, place):
    place.opening_hours.all().delete()
    for opens, closes in ((7, 9), (10, 12), (15, 19)):
        OpeningHours.objects.create(place=place, weekday=2, opens=time(opens), closes=time(closes))
    client.force_login(people["org_staff"])
    url = f"/en/gestione/luoghi/{place.public_id}/orari/"
    page = client.get(url).content.decode()
    assert 'name="d2_opens3" value="15:00"' in page
    client.post(
        url,
        {
            "form": "hours",
            "d2_opens1": "07:00",
            "d2_closes1": "09:00",
            "d2_opens2": "10:00",
            "d2_closes2": "12:00",
            "d2_opens3": "15:00",
            "d2_closes3": "19:00",
        },
    )
    assert place.opening_hours.count() == 3


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


def test_closures_are_added_checked_and_removed(client, people, place):
    client.force_login(people["org_staff"])
    url = f"/en/gestione/luoghi/{place.public_id}/orari/"
    page = client.post(
        url, {"form": "closure", "start_date": "2026-12-26", "end_date": "2026-12-24"}
    ).content.decode()
    assert "The closure must end on or after the day it starts." in page and not place.closures.exists()
    client.post(
        url, {"form": "closure", "start_date": "2026-12-24", "end_date": "2026-12-26", "reason_it": "Natale"}
    )
    closure = place.closures.get()
    assert (closure.start_date.day, closure.end_date.day, closure.reason) == (24, 26, "Natale")
    client.post(url, {"form": "closure", "delete_closure": closure.pk})
    assert not place.closures.exists()


@pytest.mark.parametrize("value", NOT_IDS)
def test_a_closure_that_is_not_an_id_is_a_404_and_none_is_removed(client, people, place, value):
    for day in (24, 31):
        Closure.objects.create(place=place, start_date=f"2026-12-{day}", end_date=f"2026-12-{day}")
    client.force_login(people["org_staff"])
    url = f"/en/gestione/luoghi/{place.public_id}/orari/"
    assert client.post(url, {"form": "closure", "delete_closure": value}).status_code == 404
    assert place.closures.count() == 2


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
    assert not organisation.memberships.filter(user=people["worker"]).exists()  # invited, not added
    client.force_login(people["worker"])
    token = organisation.staff_invitations.get().token
    client.post(reverse("web:staff_invitation", kwargs={"token": token}))
    assert organisation.memberships.filter(user=people["worker"], role="staff").exists()
    client.force_login(people["org_admin"])
    page = client.post(url, {"user": "nobody", "role": "staff"}).content.decode()
    assert "Enter the e-mail address of the person to invite" in page
    page = client.post(url, {"remove": "orgadmin"}).content.decode()
    assert "only administrator" in page
    client.post(url, {"remove": "worker"})
    assert not organisation.memberships.filter(user=people["worker"]).exists()
    client.force_login(people["other_admin"])
    assert client.get(url).status_code == 403


def test_maps_get_the_places_and_a_list_equivalent(client, listed, place):
    page = client.get("/en/registro/").content.decode()
    data = json.loads(
        re.search(r'<script id="places-data" type="application/json">(.*?)</script>', page).group(1)
    )
    assert [p["id"] for p in data] == [place.public_id]
    assert data[0]["url"] == f"/en/luoghi/{place.public_id}/"
    assert 'class="vicinato-map' in page and place.name_en in page  # the list beside the map


def test_place_page_shows_walk_to_the_metro(client, listed_pair, city):
    near, _far = listed_pair
    Stop.objects.create(
        municipality=city, kind="metro", code="1", name="Duomo", lines="1,3", lat=45.4641, lon=9.1897
    )
    travel.forget()
    page = client.get(f"/en/luoghi/{near.public_id}/").content.decode()
    assert "Nearest metro station: Duomo (line 1,3)" in page


def test_the_review_offers_ticks_only_while_the_workflow_takes_them(client, people, place, register):
    application = Application.objects.create(
        place=place, register=register, state=Application.State.SUBMITTED
    )
    client.force_login(people["reviewer"])
    url = f"/en/revisione/candidature/{application.pk}/"
    assert "Checks to tick" in client.get(url).content.decode()
    Application.objects.filter(pk=application.pk).update(state=Application.State.CHANGES_REQUESTED)
    assert "Checks to tick" not in client.get(url).content.decode()


@pytest.mark.parametrize("value", NOT_IDS)
def test_a_check_that_is_not_an_id_is_a_404_for_documents_and_ticks(client, people, place, register, value):
    application = Application.objects.create(
        place=place, register=register, state=Application.State.SUBMITTED
    )
    client.force_login(people["org_admin"])
    upload = f"/en/gestione/candidature/{application.pk}/documenti/"
    assert client.post(upload, {"requirement": value}).status_code == 404
    client.force_login(people["reviewer"])
    review = f"/en/revisione/candidature/{application.pk}/"
    assert client.post(review, {"requirement": value, "ticked": "1"}).status_code == 404
    assert not ApplicationDocument.objects.exists() and not application.checks.exists()
