"""The place form finds the coordinates from the address when none are given, with the project's own geocoder
(on a real street map): one match is saved, same-named streets are offered to choose from (never chosen
silently) and an address that matches nothing is refused next to its field."""

from __future__ import annotations

import pytest

from vicinato.geo import addresses
from vicinato.register.models import Place

from ...geo.test_addresses import ROMA_EAST, ROMA_WEST, town  # noqa: F401 (the town with its street map)
from ...geo.test_networks import TOWN

pytestmark = pytest.mark.django_db


@pytest.fixture
def form_url(client, people, organisation, settings):
    settings.SITE_MUNICIPALITY = TOWN  # a new place's address is searched in the site's municipality
    client.force_login(people["org_admin"])
    return f"/en/gestione/organizzazioni/{organisation.pk}/luoghi/nuovo/"


def fields(address: str, **more) -> dict:
    return {"kind": "coworking", "name_it": "Spazio Verdi", "address": address, "desks": "8", **more}


def test_one_match_fills_the_coordinates_and_says_when_the_number_is_not_known(client, town, form_url):  # noqa: F811
    response = client.post(form_url, fields("Via Monza 5"), follow=True)
    place = Place.objects.get(name_it="Spazio Verdi")
    [street] = [m for m in addresses.geocode("Via Monza", town) if m.kind == "street"]
    assert (place.lat, place.lon) == (pytest.approx(street.lat), pytest.approx(street.lon))
    assert place.municipality == town
    page = response.content.decode()
    assert "The place has been saved." in page
    assert "House numbers of Via Monza are not known" in page


def test_typed_coordinates_are_kept_as_they_are(client, town, form_url):  # noqa: F811
    client.post(form_url, fields("Via Monza 5", lat="45.6401", lon="9.1705"))
    place = Place.objects.get(name_it="Spazio Verdi")
    assert (place.lat, place.lon) == (45.6401, 9.1705)


def test_same_named_streets_are_offered_and_nothing_is_saved_until_one_is_chosen(client, town, form_url):  # noqa: F811
    response = client.post(form_url, fields("Via Roma"))
    page = response.content.decode()
    assert response.status_code == 200
    assert not Place.objects.filter(name_it="Spazio Verdi").exists()
    assert "2 streets match “Via Roma”" in page
    choices = addresses.same_name(addresses.geocode("Via Roma", town))
    assert len(choices) == 2
    for match in choices:
        assert f'value="{match.lat:.6f},{match.lon:.6f}"' in page
        assert f"Via Roma ({match.area})" in page
    east = next(m for m in choices if m.lon > ROMA_WEST[1][1])
    assert ROMA_EAST[0][1] <= east.lon <= ROMA_EAST[1][1]

    response = client.post(form_url, fields("Via Roma", point=f"{east.lat:.6f},{east.lon:.6f}"))
    assert response.status_code == 302
    place = Place.objects.get(name_it="Spazio Verdi")
    assert (place.lat, place.lon) == (pytest.approx(east.lat), pytest.approx(east.lon))


def test_a_point_not_among_the_matches_is_not_taken(client, town, form_url):  # noqa: F811
    response = client.post(form_url, fields("Via Roma", point="45.000000,9.000000"))
    assert response.status_code == 200
    assert "2 streets match" in response.content.decode()
    assert not Place.objects.filter(name_it="Spazio Verdi").exists()


def test_an_address_that_matches_nothing_asks_to_check_it_or_pick_the_point(client, town, form_url):  # noqa: F811
    response = client.post(form_url, fields("Via Inesistente 4"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "No street of the map matches “Via Inesistente 4”" in page
    assert "pick the point on the map" in page
    assert 'id="id_address-error"' in page
    assert not Place.objects.filter(name_it="Spazio Verdi").exists()


def test_half_the_coordinates_is_refused(client, town, form_url):  # noqa: F811
    response = client.post(form_url, fields("Via Monza 5", lat="45.64"))
    assert "Give both coordinates, or neither." in response.content.decode()
    assert not Place.objects.filter(name_it="Spazio Verdi").exists()
