"""Commuters by main mode per neighbourhood, read from the census table (Comune di Milano ds1490 and alike)."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from vicinato.geo.models import Area

from .models import CommuterCount

# The census table's columns for each mode.
COLUMNS = {
    CommuterCount.Mode.WALK_BIKE: "piedi_bici",
    CommuterCount.Mode.TRANSIT: "pubblici",
    CommuterCount.Mode.CAR: "auto",
    CommuterCount.Mode.OTHER: "altro",
}


class CommuterImportError(ValueError):
    """A file that cannot be read as the table of commuters; the message says what to fix."""


@transaction.atomic
def import_commuters(path: Path, code_field: str = "id_nil", year_field: str = "anno") -> dict[str, int]:
    """Replace the commuters of the neighbourhoods in the file; {"imported": NILs, "unknown": codes not found}."""
    path = Path(path)
    if not path.exists():
        raise CommuterImportError(_("File %(path)s does not exist; check the path.") % {"path": path})
    areas = {a.code: a for a in Area.objects.filter(level=Area.Level.NEIGHBOURHOOD)}
    if not areas:
        raise CommuterImportError(_("There are no neighbourhoods yet; import the areas first."))
    imported = unknown = 0
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [
            c for c in (code_field, year_field, *COLUMNS.values()) if c not in (reader.fieldnames or [])
        ]
        if missing:
            raise CommuterImportError(
                _("%(path)s has no column %(missing)s; columns are: %(columns)s.")
                % {
                    "path": path.name,
                    "missing": ", ".join(missing),
                    "columns": ", ".join(reader.fieldnames or []),
                }
            )
        for line, row in enumerate(reader, start=2):
            area = areas.get(str(row[code_field]).strip())
            if area is None:
                unknown += 1
                continue
            try:
                year = int(row[year_field])
                counts = {mode: int(float(row[column])) for mode, column in COLUMNS.items()}
            except (TypeError, ValueError):
                raise CommuterImportError(
                    _("Line %(line)d of %(path)s: the counts must be whole numbers.")
                    % {"line": line, "path": path.name}
                ) from None
            for mode, count in counts.items():
                CommuterCount.objects.update_or_create(
                    neighbourhood=area, mode=mode, defaults={"count": max(count, 0), "year": year}
                )
            imported += 1
    return {"imported": imported, "unknown": unknown}
