"""House numbers: `vicinato import-addresses` (CSV or GeoJSON, refusing bad files in one line) and geocoding with
them: a known number gives its door, an unknown one the street saying so (never an invented point), and
same-named streets are all offered with their area."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from vicinato.geo import addresses, networks
from vicinato.geo.models import Address, Area, Municipality
from vicinato.geo.services import clear_location_cache

from ..conftest import make_area
from .osm_grid import town_extract
from .test_networks import TOWN, TOWN_CENTRE, square

# Two streets called Via Roma 2.7 km apart, each in a neighbourhood of its own.
ROMA_WEST = ((45.6400, 9.1700), (45.6400, 9.1720))
ROMA_EAST = ((45.6400, 9.2050), (45.6400, 9.2070))


@pytest.fixture
def town(db, tmp_path):
    clear_location_cache()
    town = Municipality.objects.create(
        name="Seregno", slug="seregno", istat_code=TOWN, boundary=square(9.16, 45.63, 9.22, 45.665)
    )
    make_area(town, Area.Level.NEIGHBOURHOOD, "W", square(9.16, 45.63, 9.19, 45.645))
    make_area(town, Area.Level.NEIGHBOURHOOD, "E", square(9.19, 45.63, 9.22, 45.645))
    extract = town_extract(
        tmp_path / "town.osm",
        TOWN_CENTRE,
        names=("Via Verdi", "Via Monza"),
        extra=(("Via Roma", ROMA_WEST), ("Via Roma", ROMA_EAST)),
    )
    networks.import_network(extract, [TOWN])
    return town


def write_csv(path, rows, header="via,civico,lat,lon"):
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_known_house_number_gives_its_door_and_an_unknown_one_the_street(town, tmp_path, client):
    door = (TOWN_CENTRE[0] - 0.0005, TOWN_CENTRE[1] + 0.0013)
    path = write_csv(tmp_path / "civici.csv", [f"VIA VERDI,12,{door[0]},{door[1]}", "Via Verdi,12,45,9"])
    call_command(
        "import-addresses", str(path), "--municipality", TOWN, "--street-field", "via", "--number-field", "civico",
        verbosity=0,
    )  # fmt: skip
    assert Address.objects.count() == 1  # the same number twice: the first point is kept
    [found] = [m for m in addresses.geocode("Via Verdi 12", town) if m.kind == "address"]
    assert (found.lat, found.lon, found.number_known) == (*door, True) and found.label == "Via Verdi 12"
    unknown = addresses.geocode("Via Verdi 99", town)[0]
    assert unknown.kind == "street" and unknown.number_known is False
    assert (unknown.lat, unknown.lon) != door
    assert "House numbers of Via Verdi are not known" in addresses.unknown_number_note(unknown)
    assert addresses.geocode("Via Verdi", town)[0].number_known is None
    query = {"address": "Via Verdi 99", "municipality": TOWN, "mode": "walk", "minutes": 15}
    page = client.get("/en/vicino-a-te/", query).content.decode()
    assert 'id="nearby-number-note"' in page and "House numbers of Via Verdi are not known" in page


def test_house_numbers_from_geojson_replace_the_previous_list(town, tmp_path):
    write = tmp_path / "civici.geojson"
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [9.205, 45.653]},
         "properties": {"strada": "Via Monza", "numero": "3/A"}},
    ]  # fmt: skip
    write.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    Address.objects.create(
        municipality=town,
        street="Via Verdi",
        street_key="via verdi",
        number="1",
        number_key="1",
        lat=1,
        lon=1,
    )
    call_command(
        "import-addresses", str(write), "--municipality", TOWN, "--street-field", "strada", "--number-field", "numero",
        verbosity=0,
    )  # fmt: skip
    assert list(Address.objects.values_list("street", "number_key", "lat", "lon")) == [
        ("Via Monza", "3/a", 45.653, 9.205)
    ]
    assert addresses.geocode("via monza 3/a", town)[0].kind == "address"


@pytest.mark.parametrize(
    ("rows", "options", "message"),
    [
        (None, [], "does not exist"),
        (
            ["Via Verdi,1,45.65,9.2"],
            ["--street-field", "strada"],
            "has no column strada; columns are: via, civico",
        ),
        (["Via Verdi,1,north,9.2"], [], "Line 2 of civici.csv: 'north, 9.2' is not a latitude and longitude"),
        (["Via Verdi,,45.65,9.2"], [], "Line 2 of civici.csv has no street or no house number"),
        ([], [], "contains no addresses"),
    ],
)
def test_bad_address_files_are_refused_in_one_line(town, tmp_path, rows, options, message):
    path = tmp_path / "civici.csv"
    if rows is not None:
        write_csv(path, rows)
    base = ["--street-field", "via", "--number-field", "civico"]
    with pytest.raises(CommandError, match=message) as refused:
        call_command("import-addresses", str(path), "--municipality", TOWN, *base, *options, verbosity=0)
    assert "\n" not in str(refused.value) and not Address.objects.exists()


def test_a_municipality_is_named_by_its_istat_code(town, tmp_path):
    path = write_csv(tmp_path / "civici.csv", ["Via Verdi,1,45.65,9.2"])
    with pytest.raises(CommandError, match="not an ISTAT code"):
        call_command("import-addresses", str(path), "--municipality", "seregno", verbosity=0)
    with pytest.raises(CommandError, match="No municipality has ISTAT code 999999"):
        call_command("import-addresses", str(path), "--municipality", "999999", verbosity=0)


def test_streets_outside_the_municipality_are_not_its_own(town):
    """The extract reaches beyond the boundary: a same-named street there is another town's."""
    Municipality.objects.filter(pk=town.pk).update(boundary=square(9.19, 45.63, 9.22, 45.665))
    found = addresses.geocode("Via Roma", Municipality.objects.get(pk=town.pk))
    assert [(m.label, m.area) for m in found if m.label == "Via Roma"] == [("Via Roma", "Area E")]
    assert addresses.same_name(found) == []


def test_same_named_streets_are_all_offered_with_their_area(town, client):
    found = addresses.geocode("Via Roma", town)
    roma = [m for m in found if m.label == "Via Roma"]
    assert sorted(m.area for m in roma) == ["Area E", "Area W"]
    assert len(addresses.same_name(found)) == 2
    answer = client.get("/api/v1/geocode", {"q": "Via Roma", "municipality": TOWN}).json()
    assert sorted(item["area"] for item in answer if item["label"] == "Via Roma") == ["Area E", "Area W"]
    assert {"score", "kind", "number_known"} <= set(answer[0])
    page = client.get(
        "/en/vicino-a-te/", {"address": "Via Roma", "municipality": TOWN, "mode": "walk", "minutes": 15}
    ).content.decode()
    assert "2 streets match “Via Roma”; choose yours below." in page
    assert (
        page.count('id="street-choices"') == 1 and "Via Roma (Area W)" in page and "Via Roma (Area E)" in page
    )
