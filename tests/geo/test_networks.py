"""Networks per municipality: another town's extract imported next to Milan's changes no Milan answer and serves
searches in that town; a town without one gets places by straight-line distance; the state is in the database
and a change made there (by any process) reaches this process's caches without a restart."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from vicinato.geo import networks, reach, travel
from vicinato.geo.models import Municipality, MunicipalNetwork, RoutingVersion, StreetNetwork
from vicinato.geo.services import clear_location_cache
from vicinato.register.models import Place

from ..conftest import DUOMO, list_place
from .osm_grid import NAMES
from .osm_grid import town_extract as write_extract

TOWN = "108039"  # Seregno's ISTAT code
TOWN_CENTRE = (45.6530, 9.2040)
NORTH = "108033"  # Monza's: a town with a boundary and no network


def square(west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def town_extract(path, names=NAMES):
    return write_extract(path, TOWN_CENTRE, names)


@pytest.fixture
def town(db):
    clear_location_cache()
    return Municipality.objects.create(
        name="Seregno", slug="seregno", istat_code=TOWN, boundary=square(9.19, 45.64, 9.22, 45.665)
    )


@pytest.fixture
def town_place(town, organisation, register):
    place = Place.objects.create(
        operator=organisation, kind=Place.Kind.COWORKING, name_it="Snodo Seregno", address="Via Verdi 1",
        lat=TOWN_CENTRE[0] + 0.002, lon=TOWN_CENTRE[1] + 0.002, municipality=town, desks=8,
    )  # fmt: skip
    list_place(place, register)
    return place


def milan_answers() -> dict:
    """Everything a Milan search answers, to compare before and after another town's import."""
    return {
        "walk": reach.reachable_places(*DUOMO, "walk", 15),
        "bike": reach.reachable_places(*DUOMO, "bike", 10),
        "isochrone": reach.isochrone(*DUOMO, "walk", 10)["properties"]["area_km2"],
        "coverage": [(row.code, row.share) for row in reach.coverage("walk", 10)],
        "geocode": [(c.label, c.lat, c.lon) for c in travel.streets().search("Corso Buenos Aires 33")],
        "metro": travel.nearest_station_walk(*DUOMO),
    }


def test_another_towns_extract_leaves_milan_unchanged_and_serves_the_town(
    tmp_path, listed_pair, city, town, town_place
):
    before = milan_answers()
    assert before["walk"] and before["geocode"]
    with pytest.raises(travel.NoNetworkError):  # no network of its own yet: not Milan's streets either
        reach.reachable_places(*TOWN_CENTRE, "walk", 15)

    call_command(
        "import-osm", str(town_extract(tmp_path / "seregno.osm")), "--municipality", TOWN, verbosity=0
    )

    assert list(MunicipalNetwork.objects.values_list("istat_code", flat=True)) == [TOWN]
    assert milan_answers() == before
    found = reach.reachable_places(*TOWN_CENTRE, "walk", 15)
    assert list(found) == [town_place.public_id] and 0 < found[town_place.public_id] < 15
    assert (
        reach.coverage("walk", 10) and reach.isochrone(*TOWN_CENTRE, "walk", 5)["properties"]["area_km2"] > 0
    )
    # The same street name: the town's when the town is chosen, Milan's by default.
    in_town = travel.streets(town).search("Corso Buenos Aires")[0]
    assert abs(in_town.lat - TOWN_CENTRE[0]) < 0.01 and abs(in_town.lon - TOWN_CENTRE[1]) < 0.01
    assert travel.streets().search("Corso Buenos Aires")[0].lat < 45.5
    # Milan's places are not on the town's streets, nor the town's on Milan's.
    assert town_place.public_id not in reach.reachable_places(*DUOMO, "walk", 30)


def test_importing_the_town_again_replaces_only_its_network(tmp_path, town):
    call_command("import-osm", str(town_extract(tmp_path / "a.osm")), "--municipality", TOWN, verbosity=0)
    first = networks.state().by_code[TOWN]
    other = town_extract(tmp_path / "b.osm", names=("Via Verdi", "Via Nuova", "Via Roma"))
    call_command("import-osm", str(other), "--municipality", TOWN, verbosity=0)
    second = networks.state().by_code[TOWN]
    assert first.sha256 != second.sha256
    assert StreetNetwork.objects.count() == 1  # the network no municipality uses any more is gone
    assert travel.streets(town).search("Via Nuova")[0].label.startswith("Via Nuova")


def test_an_import_names_municipalities_by_istat_code(tmp_path, town):
    extract = town_extract(tmp_path / "town.osm")
    with pytest.raises(CommandError, match="not an ISTAT code") as refused:
        call_command("import-osm", str(extract), "--municipality", "seregno", verbosity=0)
    assert "\n" not in str(refused.value)
    with pytest.raises(CommandError, match="No municipality has ISTAT code 999999"):
        call_command("import-osm", str(extract), "--municipality", "999999", verbosity=0)
    assert not MunicipalNetwork.objects.exists()


def test_public_transport_needs_the_municipalitys_network_first(town):
    feed = settings.SOURCE_DATA_DIR / "milano" / "milano_small_gtfs.zip"
    with pytest.raises(CommandError, match=f"Municipality {TOWN} has no street network; import its extract"):
        call_command("import-gtfs", str(feed), "--municipality", TOWN, verbosity=0)
    assert not StreetNetwork.objects.exists()


@pytest.fixture
def north(db, organisation, register):
    """A town with a boundary and two listed places, and no network."""
    clear_location_cache()
    municipality = Municipality.objects.create(
        name="Monza", slug="monza", istat_code=NORTH, boundary=square(9.25, 45.57, 9.30, 45.61)
    )
    near = Place.objects.create(
        operator=organisation, kind=Place.Kind.COWORKING, name_it="Vicino", address="Via Italia 1",
        lat=45.5850, lon=9.2750, municipality=municipality, desks=5,
    )  # fmt: skip
    far = Place.objects.create(
        operator=organisation, kind=Place.Kind.COWORKING, name_it="Lontano", address="Via Lecco 9",
        lat=45.6050, lon=9.2950, municipality=municipality, desks=5,
    )  # fmt: skip
    for place in (near, far):
        list_place(place, register)
    return municipality, near, far


def test_a_point_without_a_network_gets_places_by_straight_line_distance(north):
    municipality, near, far = north
    with pytest.raises(travel.NoNetworkError) as refused:
        reach.reachable_places(45.5800, 9.2700, "walk", 15)
    assert "Monza has no street map yet" in str(refused.value) and NORTH in str(refused.value)
    # 15 minutes on foot: 1.2 km as the crow flies; 0.68 km to the near place, 3.4 km to the far one.
    assert travel.straight_line_places(45.5800, 9.2700, "walk", 15) == {near.public_id: 0.68}
    assert list(travel.straight_line_places(45.5800, 9.2700, "bike", 15)) == [near.public_id, far.public_id]
    assert travel.nearest_station_walk(45.5800, 9.2700) is None
    with pytest.raises(travel.NoNetworkError):
        travel.streets(municipality)


def test_the_api_and_the_page_say_the_distances_are_straight_lines(client, north):
    _municipality, near, _far = north
    query = {"lat": 45.58, "lon": 9.27, "mode": "walk", "minutes": 15}
    answer = client.get("/api/v1/places/nearby", query, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 200 and answer["X-Travel-Times"] == "straight-line"
    [item] = answer.json()
    assert (item["id"], item["minutes"], item["straight_line_km"]) == (near.public_id, None, 0.68)
    assert "travel times cannot be computed" in item["note"]
    page = client.get("/en/vicino-a-te/", {"lat": 45.58, "lon": 9.27, "mode": "walk", "minutes": 15})
    text = page.content.decode()
    assert "1 place near 45.58000, 9.27000, by straight-line distance" in text
    assert "0.7 km in a straight line" in text and "Monza has no street map yet" in text
    refused = client.get(
        "/api/v1/geocode", {"q": "Via Italia", "municipality": NORTH}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 422 and "no street map" in refused.json()["errors"]["municipality"][0]


def test_in_italian_the_note_says_travel_times_need_an_extract(client, north):
    page = client.get("/vicino-a-te/", {"lat": 45.58, "lon": 9.27, "mode": "walk", "minutes": 15})
    text = page.content.decode()
    assert "in linea d&#x27;aria" in text or "in linea d'aria" in text
    assert "Monza non ha ancora una mappa delle strade" in text


def test_a_change_of_the_rows_reaches_this_process_within_a_second(
    monkeypatch, listed_pair, organisation, register
):
    """As another process's change: rows written without this process's functions (no signal, no expiry)."""
    near, _far = listed_pair
    assert near.public_id in reach.reachable_places(*DUOMO, "walk", 15)
    # Another process takes the place off the list and bumps the places' version.
    Place.objects.filter(pk=near.pk).update(lat=45.60, lon=9.30)
    RoutingVersion.objects.filter(name=networks.PLACES).update(token="from-another-process")
    assert near.public_id in reach.reachable_places(*DUOMO, "walk", 15)  # not looked at yet
    monkeypatch.setattr(networks, "_checked_at", networks._checked_at - networks.CHECK_EVERY_S)  # a second on
    assert near.public_id not in reach.reachable_places(*DUOMO, "walk", 15)
    assert networks.state().places == "from-another-process"


def test_a_network_imported_by_another_process_is_used_without_a_restart(
    monkeypatch, tmp_path, town, town_place
):
    with pytest.raises(travel.NoNetworkError):
        reach.reachable_places(*TOWN_CENTRE, "walk", 15)
    # Another process imports the town's extract: the rows and the token, nothing in this process.
    extract = town_extract(tmp_path / "seregno.osm")
    monkeypatch.setattr(networks, "expire", lambda: None)
    networks.import_network(extract, [TOWN])
    with pytest.raises(travel.NoNetworkError):  # not looked at yet
        reach.reachable_places(*TOWN_CENTRE, "walk", 15)
    monkeypatch.setattr(networks, "_checked_at", networks._checked_at - networks.CHECK_EVERY_S)  # a second on
    assert town_place.public_id in reach.reachable_places(*TOWN_CENTRE, "walk", 15)


def test_a_municipality_without_an_istat_code_keeps_the_sites_network(listed_pair, city):
    """It cannot be given a network of its own (areas imported without a code): searched as before."""
    Municipality.objects.filter(pk=city.pk).update(istat_code="")
    clear_location_cache()
    assert listed_pair[0].public_id in reach.reachable_places(*DUOMO, "walk", 15)
