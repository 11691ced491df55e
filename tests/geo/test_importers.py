"""Importing boundaries and stops, with a clear error for each kind of bad file."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from vicinato.geo.models import Area, Stop
from vicinato.geo.names import tidy_name
from vicinato.geo.services import GeoImportError, import_areas, locate, read_population

from ..conftest import EAST, WEST


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def polygon_feature(code, geometry, **properties):
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"code": code, "name": f"N{code}", **properties},
    }


def test_import_districts_and_neighbourhoods_with_population(db, tmp_path):
    districts = write(tmp_path, "d.geojson", collection(polygon_feature(1, WEST), polygon_feature(2, EAST)))

    def import_districts():
        call_command(
            "import-areas",
            str(districts),
            "--municipality",
            "testville",
            "--level",
            "district",
            "--code-field",
            "code",
        )

    nils = write(tmp_path, "n.geojson", collection(polygon_feature(10, WEST), polygon_feature(20, EAST)))
    population = write(tmp_path, "p.csv", "code,population\n10,1500\n20,2500\n")
    import_districts()
    call_command(
        "import-areas",
        str(nils),
        "--municipality",
        "testville",
        "--level",
        "neighbourhood",
        "--code-field",
        "code",
        "--name-field",
        "name",
        "--population",
        str(population),
    )
    nil = Area.objects.get(level="neighbourhood", code="20")
    assert (nil.population, nil.parent.code, nil.name) == (2500, "2", "N20")
    location = locate(45.465, 9.20)
    assert (location.municipality.slug, location.district.code, location.neighbourhood.code) == (
        "testville",
        "2",
        "20",
    )
    assert not locate(45.60, 9.30).inside
    # Importing again updates instead of duplicating.
    import_districts()
    assert Area.objects.filter(level="district").count() == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json at all", "is not valid GeoJSON"),
        ({"type": "Feature"}, "is not a GeoJSON FeatureCollection"),
        (collection(), "contains no features"),
        (
            collection(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [9.1, 45.4]},
                    "properties": {},
                }
            ),
            "has geometry Point; expected MultiPolygon or Polygon",
        ),
        (collection({"type": "Feature", "geometry": None, "properties": {}}), "has geometry none"),
        (
            collection(
                polygon_feature(
                    1,
                    {
                        "type": "Polygon",
                        "coordinates": [
                            [[1514000, 5034000], [1515000, 5034000], [1515000, 5035000], [1514000, 5034000]]
                        ],
                    },
                )
            ),
            "must be in WGS84",
        ),
        (
            collection({"type": "Feature", "geometry": WEST, "properties": {"other": 1}}),
            "has no field 'code'; available fields: other",
        ),
        (collection(polygon_feature(1, WEST), polygon_feature(1, EAST)), "Code 1 appears twice"),
    ],
)
def test_bad_area_files_are_refused_with_a_clear_message(db, tmp_path, content, message):
    path = write(tmp_path, "bad.geojson", content)
    with pytest.raises(CommandError, match=message):
        call_command(
            "import-areas", str(path), "--municipality", "x", "--level", "district", "--code-field", "code"
        )
    assert not Area.objects.exists()


def test_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command(
            "import-areas",
            str(tmp_path / "nope.geojson"),
            "--municipality",
            "x",
            "--level",
            "district",
            "--code-field",
            "code",
        )


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        ("id,residents\n1,2\n", "has no column code, population"),
        ("code,population\n1,many\n", "is not a number"),
    ],
)
def test_bad_population_files(tmp_path, csv, message):
    with pytest.raises(GeoImportError, match=message):
        read_population(write(tmp_path, "p.csv", csv), "code", "population")


def test_import_stops_and_bad_stop_file(db, tmp_path):
    stops = write(
        tmp_path,
        "s.geojson",
        collection(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [9.19, 45.46]},
                "properties": {"id": 7, "nome": "DUOMO M1", "linee": "1"},
            }
        ),
    )
    call_command(
        "import-stops",
        str(stops),
        "--municipality",
        "testville",
        "--code-field",
        "id",
        "--name-field",
        "nome",
        "--lines-field",
        "linee",
    )
    stop = Stop.objects.get()
    assert (stop.name, stop.lines, stop.lat) == ("Duomo M1", "1", 45.46)
    polygons = write(tmp_path, "p.geojson", collection(polygon_feature(1, WEST)))
    with pytest.raises(CommandError, match="expected Point"):
        call_command(
            "import-stops",
            str(polygons),
            "--municipality",
            "testville",
            "--code-field",
            "code",
            "--name-field",
            "name",
        )


def test_import_areas_refuses_unknown_level(db, tmp_path):
    from vicinato.geo.services import get_or_create_municipality

    path = write(tmp_path, "d.geojson", collection(polygon_feature(1, WEST)))
    with pytest.raises(GeoImportError, match="Unknown level 'county'"):
        import_areas(get_or_create_municipality("x"), path, "county", "code")


@pytest.mark.parametrize(
    ("raw", "tidy"),
    [
        ("QUARTO OGGIARO - VIALBA", "Quarto Oggiaro - Vialba"),
        ("CITTA' STUDI", "Città Studi"),
        ("RONCHETTO SUL NAVIGLIO - Q.RE LODOVICO IL MORO", "Ronchetto sul Naviglio - Q.re Lodovico il Moro"),
        ("XXII MARZO", "XXII Marzo"),
        ("Già scritto bene", "Già scritto bene"),
    ],
)
def test_tidy_names(raw, tidy):
    assert tidy_name(raw) == tidy


def test_a_reader_keeps_whole_areas_while_another_thread_clears_them(city):
    """locate() in one thread of a threaded server while another clears the areas (an import, a new network): the
    reader holds all it read (it got a KeyError 'areas' when the one dict was emptied or filled in place)."""
    from vicinato.geo import services

    held = services._candidates()
    services.clear_location_cache()
    assert len(held["areas"]) == 4 and len(held["municipalities"]) == 1
    assert locate(45.465, 9.20).neighbourhood.code == "20"
    assert services._candidates() is not held  # read again after the clearing
