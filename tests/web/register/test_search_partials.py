"""The register's list updates its results in place with htmx (partial answers), and stays a whole page
without it."""

import json
import re
from datetime import date, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import another_place, list_place
from tests.web.htmx import HTMX, partial, status_text
from vicinato.register.models import Closure, Place, Register


@pytest.fixture
def officina(listed, organisation, city, register):
    other = another_place(
        listed,
        kind=Place.Kind.OFFICINA,
        name_it="Officina Sud",
        address="Via Meda 2",
        lat=45.466,
        lon=9.181,
        desks=15,
    )
    list_place(other, register)
    return other


def test_register_whole_page_without_htmx(client, listed, officina):
    response = client.get("/en/registro/?kind=coworking")
    page = response.content.decode()
    assert response.status_code == 200 and page.lstrip().startswith("<!DOCTYPE html>")
    # A plain GET form that works without JavaScript, and htmx attributes for when it runs.
    assert 'method="get" action="/en/registro/"' in page and 'hx-get="/en/registro/"' in page
    assert 'hx-target="#register-results"' in page and 'hx-push-url="true"' in page
    # The results region, and the count above it: a polite live region, announced when htmx changes it.
    assert '<div id="register-results">' in page
    assert '<p id="register-count" role="status" aria-live="polite" aria-atomic="true" tabindex="-1"' in page
    assert "1 place found" in page and listed.name_en in page and officina.name_it not in page
    assert "HX-Request" in response.headers["Vary"]


def test_register_partial_is_the_results_only_with_filters_applied(client, listed, officina):
    response = partial(client, "/en/registro/?kind=officina", "register-results")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<form" not in html and "<h1" not in html
    assert officina.name_it in html and listed.name_en not in html
    assert status_text(html, "register-count") == "1 place found"
    # The map's data come along, for the map to show the same places.
    data = json.loads(
        re.search(r'<script id="places-data" type="application/json">(.*?)</script>', html).group(1)
    )
    assert [p["id"] for p in data] == [officina.public_id]
    both = partial(client, "/en/registro/", "register-results").content.decode()
    assert status_text(both, "register-count") == "2 places found"
    assert "HX-Target" in response.headers["Vary"]


def test_register_partial_in_italian(client, listed, officina):
    html = partial(client, "/registro/?amenity=printer", "register-results").content.decode()
    assert status_text(html, "register-count") == "1 luogo trovato"
    assert listed.name_it in html and 'href="/luoghi/' in html


def test_other_htmx_requests_and_history_restores_get_the_whole_page(client, listed):
    # htmx without a target of ours (e.g. a boosted link), and the browser going back with no copy of the page.
    other = client.get("/en/registro/", headers=HTMX).content.decode()
    restore = partial(client, "/en/registro/", "register-results", **{"HX-History-Restore-Request": "true"})
    for html in (other, restore.content.decode()):
        assert html.lstrip().startswith("<!DOCTYPE html>") and "<form" in html


def test_register_pagination_links_update_in_place(client, listed, organisation, city, register):
    for i in range(25):
        place = Place.objects.create(
            operator=organisation,
            kind="library",
            name_it=f"Biblioteca {i:02d}",
            address="Via X",
            municipality=city,
            lat=45.46,
            lon=9.19,
        )
        list_place(place, register)
    html = partial(client, "/en/registro/?kind=library&page=2", "register-results").content.decode()
    # The list shows the page; the map all the places found.
    assert "Page 2 of 2" in html and ">Biblioteca 24</a>" in html and ">Biblioteca 00</a>" not in html
    assert '"name": "Biblioteca 00"' in html
    assert (
        'hx-get="/en/registro/?kind=library&amp;page=1"' in html and 'href="?kind=library&amp;page=1"' in html
    )
    assert status_text(html, "register-count") == "25 places found"


def test_cached_filters_follow_the_query_the_language_and_new_registers(client, listed):
    def selected_kind(url):
        page = client.get(url).content.decode()
        return re.findall(r'<option value="(\w+)" selected>', page)

    assert selected_kind("/en/registro/?kind=coworking") == ["coworking"]
    assert selected_kind("/en/registro/?kind=library") == ["library"]
    assert "Tutti i tipi" in client.get("/registro/").content.decode()
    assert "All kinds" in client.get("/en/registro/").content.decode()
    assert "Registro nuovo" not in client.get("/registro/").content.decode()
    Register.objects.create(slug="nuovo", name_it="Registro nuovo", owner="Comune")
    assert "Registro nuovo" in client.get("/registro/").content.decode()


def test_register_page_queries_stay_few(client, listed, officina):
    client.get("/en/registro/")  # fills the cache of the filters
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/en/registro/").status_code == 200
    # count, page, amenities, hours, closures, map markers
    assert len(queries) <= 6, [q["sql"][:80] for q in queries.captured_queries]
    with CaptureQueriesContext(connection) as queries:
        partial(client, "/en/registro/?kind=coworking", "register-results")
    assert len(queries) <= 6


def test_register_open_now_badges_follow_the_hours_and_closures(client, listed):
    monday_10 = timezone.make_aware(timezone.datetime(2026, 11, 23, 10, 0))

    def badge(moment):
        with mock.patch("django.utils.timezone.now", return_value=moment):
            html = partial(client, "/en/registro/", "register-results").content.decode()
        return re.search(r'badge bg-(?:success|secondary)">(.*?)<', html).group(1)

    assert badge(monday_10) == "Open now"
    assert badge(monday_10 + timedelta(hours=12)) == "Closed now"
    assert badge(monday_10 + timedelta(days=5)) == "Closed now"  # Saturday
    Closure.objects.create(place=listed, start_date=date(2026, 11, 23), end_date=date(2026, 11, 24))
    assert badge(monday_10) == "Closed now"
