"""Importing municipalities (boundary and residents) from a GeoJSON file such as ISTAT's: by ISTAT code, again
without changing anything, and bad files refused with one line."""

import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from vicinato.geo.models import Municipality
from vicinato.geo.services import import_areas, locate

from ..conftest import EAST, WEST


def write(tmp_path, features, name="comuni.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def town(code, name, geometry, population=1000):
    properties = {"istat_code": code, "name": name, "population_2023": population}
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def run(path, *extra):
    call_command("import-municipalities", str(path), "--population-field", "population_2023", *extra)


def test_import_adds_then_updates_by_istat_code(db, tmp_path, capsys):
    # Seregno as the demo used to make it: a slug, no code and no boundary.
    Municipality.objects.create(slug="ovest", name="Ovest")
    path = write(tmp_path, [town("108039", "OVEST", WEST, 44917), town("015146", "Est", EAST, 1_354_196)])
    run(path)
    assert "1 municipalities added, 1 updated" in capsys.readouterr().out
    ovest = Municipality.objects.get(slug="ovest")
    assert (ovest.istat_code, ovest.name, ovest.population) == ("108039", "Ovest", 44917)
    lat, lon = ovest.shape.representative_point().y, ovest.shape.representative_point().x
    assert locate(lat, lon).municipality == ovest

    before = list(Municipality.objects.order_by("pk").values())
    run(path)
    assert "0 municipalities added, 2 updated" in capsys.readouterr().out
    assert list(Municipality.objects.order_by("pk").values()) == before

    path = write(tmp_path, [town("108039", "Ovest", WEST, 45000), town("015146", "Est", EAST, 1_354_196)])
    run(path)
    assert Municipality.objects.get(slug="ovest").population == 45000
    assert Municipality.objects.count() == 2


def test_a_municipality_with_its_own_districts_keeps_their_boundary(db, tmp_path):
    milano = Municipality.objects.create(slug="milano", name="Milano", istat_code="015146")
    districts = tmp_path / "d.geojson"
    districts.write_text(
        json.dumps({"type": "FeatureCollection", "features": [town("1", "A", WEST)]}), encoding="utf-8"
    )
    import_areas(milano, districts, "district", "istat_code")
    boundary = Municipality.objects.get(pk=milano.pk).boundary
    run(write(tmp_path, [town("015146", "Milano", EAST, 1_354_196)]))
    milano.refresh_from_db()
    assert milano.boundary == boundary and milano.population == 1_354_196


def test_same_names_in_two_provinces_get_their_own_slugs(db, tmp_path):
    run(write(tmp_path, [town("015001", "Castello", WEST), town("108001", "Castello", EAST)]))
    assert sorted(Municipality.objects.values_list("slug", flat=True)) == ["castello", "castello-108001"]


@pytest.mark.parametrize(
    "features, message",
    [
        ([town("15146", "Milano", WEST)], None),  # a code read as a number keeps its leading zero
        ([town("ABC", "X", WEST)], "'ABC' is not an ISTAT code"),
        ([town("015146", "A", WEST), town("015146", "B", EAST)], "Code 015146 appears twice"),
        ([town("015146", "A", WEST, population="molti")], "'molti' is not a number of residents"),
        ([town("015146", "A", WEST, population=-3)], "'-3' is not a number of residents"),
        ([town("015146", "A", {"type": "Point", "coordinates": [9.1, 45.4]})], "has geometry Point"),
        ([{"type": "Feature", "geometry": WEST, "properties": {"name": "A"}}], "has no field 'istat_code'"),
    ],
)
def test_bad_files_are_refused_with_one_line_and_nothing_imported(db, tmp_path, features, message):
    path = write(tmp_path, features + [town("108039", "Good", EAST)])
    if message is None:
        run(path)
        assert Municipality.objects.get(name="Milano").istat_code == "015146"
        return
    with pytest.raises(CommandError, match=re.escape(message)):
        run(path)
    assert not Municipality.objects.exists()


def test_command_exits_non_zero_with_one_line(tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text("{not json", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "vicinato.manage", "import-municipalities", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DEBUG": "1"},
        cwd=settings.PROJECT_DIR,
    )
    assert done.returncode != 0
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("CommandError: broken.geojson") and "GeoJSON" in line
