"""Travel times in the product: importing a street network. The API's nearby search, isochrones and coverage
are tried in tests/api/geo/, the pages in tests/web/geo/."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def test_import_osm_refuses_bad_files(tmp_path, db):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("import-osm", str(tmp_path / "missing.pbf"), verbosity=0)
    corrupt = tmp_path / "corrupt.osm.pbf"
    corrupt.write_bytes(b"\x00\x01garbage" * 100)
    with pytest.raises(CommandError, match="Could not read"):
        call_command("import-osm", str(corrupt), verbosity=0)
    empty = tmp_path / "empty.osm"
    empty.write_text('<?xml version="1.0"?><osm version="0.6"></osm>')
    with pytest.raises(CommandError, match="street"):
        call_command("import-osm", str(empty), verbosity=0)
