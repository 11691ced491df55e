"""Importing municipalities (comuni) with their boundary and residents from one GeoJSON file, such as ISTAT's
boundaries of a province."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from shapely.geometry import mapping

from . import networks
from .models import Municipality
from .names import tidy_name
from .services import (
    GeoImportError,
    _property,
    _read_features,
    check_new_code,
    clear_location_cache,
    valid_shape,
)

ISTAT_CODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class MunicipalityRow:
    code: str
    name: str
    population: int | None
    boundary: dict


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    kept_boundaries: int  # municipalities whose boundary is the union of their own districts


def _population(feature: dict, field: str, number: int, path: Path) -> int:
    value = _property(feature, field, number, path)
    try:
        number_of_residents = float(value)
    except ValueError:
        number_of_residents = -1.0
    if number_of_residents < 0 or not number_of_residents.is_integer():
        raise GeoImportError(
            _("Feature %(n)d of %(path)s: '%(value)s' is not a number of residents.")
            % {"n": number, "path": Path(path).name, "value": value}
        )
    return int(number_of_residents)


def read_municipalities(
    path: Path, code_field: str, name_field: str, population_field: str | None = None
) -> list[MunicipalityRow]:
    """The file's municipalities, every one checked before anything is imported."""
    rows, seen = [], set()
    for number, feature in enumerate(_read_features(path, {"Polygon", "MultiPolygon"}), start=1):
        code = _property(feature, code_field, number, path)
        code = code.zfill(6) if code.isdigit() else code  # a code read as a number lost its leading zeros
        if not ISTAT_CODE.match(code):
            raise GeoImportError(
                _(
                    "Feature %(n)d of %(path)s: '%(code)s' is not an ISTAT code (6 digits); check --code-field."
                )
                % {"n": number, "path": Path(path).name, "code": code}
            )
        check_new_code(code, seen, path)
        population = _population(feature, population_field, number, path) if population_field else None
        geometry = valid_shape(feature)
        rows.append(
            MunicipalityRow(
                code,
                tidy_name(_property(feature, name_field, number, path)),
                population,
                json.loads(json.dumps(mapping(geometry))),
            )
        )
    return rows


def _match(row: MunicipalityRow, slugs: set[str]) -> Municipality:
    """The municipality of the row's ISTAT code, else one of the same name without a code (as the demo made
    Seregno), else a new one."""
    municipality = Municipality.objects.filter(istat_code=row.code).first()
    if municipality is None:
        municipality = Municipality.objects.filter(slug=slugify(row.name), istat_code="").first()
    if municipality is None:
        slug = slugify(row.name)
        municipality = Municipality(slug=f"{slug}-{row.code}" if slug in slugs else slug)
    return municipality


def import_municipalities(
    path: Path, code_field: str, name_field: str, population_field: str | None = None
) -> ImportSummary:
    """Create or update the file's municipalities (matched by ISTAT code); running it again changes nothing.
    A municipality whose districts or neighbourhoods were imported keeps the boundary they draw, finer than a
    province's generalised one."""
    # The whole file is read and checked before the database is touched.
    rows = read_municipalities(path, code_field, name_field, population_field)
    with transaction.atomic():
        summary = _save(rows, population_field is not None)
        networks.bump(networks.NETWORKS)  # the other processes read the new boundaries again
    clear_location_cache()
    return summary


def _save(rows: list[MunicipalityRow], with_population: bool) -> ImportSummary:
    slugs = set(Municipality.objects.values_list("slug", flat=True))
    created = updated = kept = 0
    for row in rows:
        municipality = _match(row, slugs)
        is_new = municipality.pk is None
        municipality.istat_code, municipality.name = row.code, row.name
        if with_population:
            municipality.population = row.population
        if not is_new and municipality.areas.exists():
            kept += 1
        else:
            municipality.boundary = row.boundary
        municipality.save()
        slugs.add(municipality.slug)
        created += is_new
        updated += not is_new
    return ImportSummary(created, updated, kept)
