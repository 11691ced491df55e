"""The pages about where places are, in both languages: places near you (by street or point, with filters,
updated in place with htmx) and the coverage of the city by neighbourhood."""

import json
import re

import pytest

from tests.conftest import DUOMO
from tests.web.htmx import HTMX, status_text
from vicinato.register.models import Place


@pytest.fixture
def at_duomo(listed):
    Place.objects.filter(pk=listed.pk).update(lat=DUOMO[0], lon=DUOMO[1])
    return listed


def test_nearby_whole_page_without_htmx(client, at_duomo):
    page = client.get(
        "/en/vicino-a-te/", {"lat": DUOMO[0], "lon": DUOMO[1], "mode": "walk", "minutes": 10}
    ).content.decode()
    assert page.lstrip().startswith("<!DOCTYPE html>") and "<h1>Places near you</h1>" in page
    assert 'hx-get="/en/vicino-a-te/" hx-target="#nearby-search"' in page
    assert 'id="nearby-status" role="status" aria-live="polite"' in page
    assert "1 place within 10 minutes of 45.46420, 9.19000" in page and at_duomo.name_en in page
    assert "hx-swap-oob" not in page


def test_nearby_partial_has_the_form_and_results_with_filters(client, at_duomo):
    url = "/en/vicino-a-te/"
    query = {"lat": DUOMO[0], "lon": DUOMO[1], "mode": "walk", "minutes": 10}
    html = client.get(url, query, headers={**HTMX, "HX-Target": "nearby-search"}).content.decode()
    assert "<html" not in html and "<h1" not in html
    # The form comes along (its fields keep their ids, so htmx gives the focus back), then the results.
    assert 'id="id_address"' in html and 'id="nearby-submit"' in html
    assert at_duomo.name_en in html and "min</strong>" in html
    assert status_text(html, "nearby-status") == "1 place within 10 minutes of 45.46420, 9.19000"
    filtered = client.get(url, {**query, "kind": "library"}, headers={**HTMX, "HX-Target": "nearby-search"})
    html = filtered.content.decode()
    assert at_duomo.name_en not in html
    assert status_text(html, "nearby-status") == "0 places within 10 minutes of 45.46420, 9.19000"
    assert '<option value="library" selected>' in html


def test_nearby_partial_shows_errors_next_to_the_fields(client, at_duomo):
    response = client.get(
        "/en/vicino-a-te/",
        {"address": "Via Che Non Esiste", "mode": "walk", "minutes": 15},
        headers={**HTMX, "HX-Target": "nearby-search"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="id_address-error"' in html and "No street of the map matches" in html
    assert (
        status_text(html, "nearby-status")
        == "The search could not be made: see the messages next to the fields."
    )


def test_coverage_map_data_follow_the_choice(client, listed):
    def shares(url):
        page = client.get(url).content.decode()
        data = json.loads(
            re.search(r'<script id="coverage-data" type="application/json">(.*?)</script>', page).group(1)
        )
        return {f["properties"]["name"]: f["properties"]["share"] for f in data["features"]}

    wide, narrow = shares("/en/copertura/?minutes=15"), shares("/en/copertura/?minutes=2")
    assert set(wide) == {"Area 10", "Area 20"}
    assert wide["Area 10"] > narrow["Area 10"]
    assert shares("/en/copertura/?minutes=15") == wide  # from the cache, same data
    assert shares("/en/copertura/?mode=car") == {}


def test_nearby_page_by_street_name(client, listed_pair):
    near, _far = listed_pair
    page = client.get(
        "/en/vicino-a-te/", {"address": "Piazza del Duomo", "mode": "walk", "minutes": 10}
    ).content.decode()
    assert near.name_en in page and "min" in page
    page = client.get("/en/vicino-a-te/", {"address": "Via Che Non Esiste", "mode": "walk", "minutes": 10})
    assert "No street of the map matches" in page.content.decode()


def test_coverage_page(client, listed_pair):
    page = client.get("/en/copertura/?mode=bike&minutes=10").content.decode()
    assert "Area 10" in page and "coverage-data" in page
    assert "Choose between 1 and 30 minutes" in client.get("/en/copertura/?minutes=99").content.decode()


def test_nearby_with_a_street_map_that_cannot_be_read_lists_places_by_straight_line(
    client, at_duomo, settings, tmp_path, monkeypatch
):
    from vicinato.geo import networks

    monkeypatch.setattr(networks, "_graphs", {})
    monkeypatch.setattr(networks, "_streets", {})
    settings.ROUTING_OSM_FILE = tmp_path / "moved-away.osm.pbf"
    query = {"lat": DUOMO[0], "lon": DUOMO[1], "mode": "walk", "minutes": 10}
    response = client.get("/en/vicino-a-te/", query)
    page = response.content.decode()
    assert response.status_code == 200 and at_duomo.name_en in page
    assert "The street map cannot be read on this server right now" in page
    italian = client.get("/vicino-a-te/", query).content.decode()
    assert "La mappa delle strade non si può leggere" in italian
    by_street = client.get("/en/vicino-a-te/", {"address": "Via Torino 1", "mode": "walk", "minutes": 10})
    assert by_street.status_code == 200
    assert "The street map cannot be read on this server right now" in by_street.content.decode()
