"""Travel times in the API, on the real Milan street network: nearby search, isochrones, coverage, geocoding."""

import pytest
from shapely.geometry import Point, shape

from tests.geo.conftest import DUOMO
from vicinato.geo import travel
from vicinato.register.models import Application


def nearby(client, lat, lon, mode="walk", minutes=15, **filters):
    query = {"lat": lat, "lon": lon, "mode": mode, "minutes": minutes, **filters}
    return client.get("/api/v1/places/nearby", query, HTTP_ACCEPT_LANGUAGE="en")


def test_nearby_lists_reachable_places_nearest_first(client, listed_pair):
    near, far = listed_pair
    short = nearby(client, *DUOMO, minutes=5).json()
    assert [p["id"] for p in short] == [near.public_id]
    assert short[0]["minutes"] < 2
    walk = nearby(client, *DUOMO, minutes=30).json()
    assert [p["id"] for p in walk] == [near.public_id, far.public_id]
    # About 1.6 km at 4.8 km/h: 20 minutes give or take the street pattern.
    assert 17 < walk[1]["minutes"] < 30
    bike = nearby(client, *DUOMO, mode="bike", minutes=30).json()
    # Faster by bike, though the pedestrian streets around the Duomo are walked with the bike.
    assert bike[1]["minutes"] < walk[1]["minutes"] * 0.75
    assert [p["id"] for p in nearby(client, *DUOMO, minutes=30, kind="officina").json()] == [far.public_id]


def test_cutoff_boundary(client, listed_pair):
    _near, far = listed_pair
    walk = {p["id"]: p["minutes"] for p in nearby(client, *DUOMO, minutes=30).json()}
    minutes = walk[far.public_id]
    assert far.public_id in {p["id"] for p in nearby(client, *DUOMO, minutes=int(minutes) + 1).json()}
    assert far.public_id not in {p["id"] for p in nearby(client, *DUOMO, minutes=int(minutes) - 1).json()}


def test_index_follows_places_moved_unlisted_and_deleted(
    client, listed_pair, django_capture_on_commit_callbacks
):
    near, far = listed_pair
    assert len(nearby(client, *DUOMO, minutes=30).json()) == 2  # builds the index
    with django_capture_on_commit_callbacks(execute=True):
        far.lat, far.lon = DUOMO[0] + 0.001, DUOMO[1]
        far.save()
    # Now about 110 m north of the Duomo (across the square's pedestrian streets): well within 8 minutes.
    assert far.public_id in {p["id"] for p in nearby(client, *DUOMO, minutes=8).json()}
    with django_capture_on_commit_callbacks(execute=True):
        Application.objects.filter(place=far).update(state=Application.State.SUSPENDED)
        far.applications.get().save()
    assert {p["id"] for p in nearby(client, *DUOMO, minutes=30).json()} == {near.public_id}
    with django_capture_on_commit_callbacks(execute=True):
        near.delete()
    assert nearby(client, *DUOMO, minutes=30).json() == []
    index = travel.reach_index("walk")
    assert near.public_id not in index and far.public_id not in index


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"mode": "car"}, "mode", "Unknown mode 'car'"),
        ({"minutes": 0}, "minutes", "between 1 and 30"),
        ({"lat": 46.5, "lon": 9.19}, "lat", "from the nearest street"),
        ({"lat": 123}, "lat", "between -90 and 90"),
    ],
)
def test_nearby_bad_input_is_422_with_field_messages(client, listed_pair, query, field, message):
    response = nearby(client, **{"lat": DUOMO[0], "lon": DUOMO[1], **query})
    assert response.status_code == 422
    assert message in response.json()["errors"][field][0]


def test_isochrone_is_a_polygon_around_the_origin(client, city):
    response = client.get(
        "/api/v1/isochrone", {"lat": DUOMO[0], "lon": DUOMO[1], "mode": "walk", "minutes": 10}
    )
    feature = response.json()
    area = shape(feature["geometry"])
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert area.contains(Point(DUOMO[1], DUOMO[0]))
    # 10 minutes on foot is about 800 m: the area lies within a 1.2 km radius and is not a tiny blob.
    assert 0.3 < feature["properties"]["area_km2"] < 3.14 * 1.2**2
    bike = client.get(
        "/api/v1/isochrone", {"lat": DUOMO[0], "lon": DUOMO[1], "mode": "bike", "minutes": 10}
    ).json()
    assert bike["properties"]["area_km2"] > 3 * feature["properties"]["area_km2"]


def test_geocode_finds_streets_and_numbers(client, db):
    candidates = client.get("/api/v1/geocode", {"q": "via torino"}).json()
    assert candidates and candidates[0]["label"].lower().startswith("via torino")
    assert 45.45 < candidates[0]["lat"] < 45.47


def test_coverage_by_neighbourhood(client, listed_pair):
    rows = {r["code"]: r for r in client.get("/api/v1/coverage", {"mode": "walk", "minutes": 15}).json()}
    # Both test neighbourhoods are 1.6 km wide boxes with a place each: most residents are within 15 minutes.
    assert rows["10"]["share"] > 0.4 and rows["20"]["share"] > 0.3
    small = {r["code"]: r for r in client.get("/api/v1/coverage", {"mode": "walk", "minutes": 2}).json()}
    assert small["10"]["share"] < rows["10"]["share"]


def test_a_street_map_that_cannot_be_read_gives_straight_lines_and_422s_never_a_500(
    client, listed_pair, map_gone, caplog
):
    near, far = listed_pair
    response = nearby(client, *DUOMO, minutes=30)
    assert response.status_code == 200 and response["X-Travel-Times"] == "straight-line"
    places = response.json()
    assert [p["id"] for p in places] == [near.public_id, far.public_id]
    assert places[0]["minutes"] is None and "street map cannot be read" in places[0]["note"]
    # The operator learns which file: the server's log names it, the people's message does not.
    assert str(map_gone) in caplog.text and str(map_gone) not in places[0]["note"]
    query = {"lat": DUOMO[0], "lon": DUOMO[1], "mode": "walk", "minutes": 10}
    isochrone = client.get("/api/v1/isochrone", query, HTTP_ACCEPT_LANGUAGE="en")
    assert isochrone.status_code == 422
    assert "street map cannot be read" in isochrone.json()["errors"]["lat"][0]
    geocode = client.get("/api/v1/geocode", {"q": "Via Torino"}, HTTP_ACCEPT_LANGUAGE="en")
    assert geocode.status_code == 422
    assert "street map cannot be read" in geocode.json()["errors"]["municipality"][0]
