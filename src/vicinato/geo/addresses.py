"""House numbers: importing a municipality's official list of civic numbers, and geocoding with it.

Geocoding never invents a house number: a number found in the list (or in the street map) gives its point; a
number that is not known gives the street, saying so (`number_known` False), and same-named streets are all
returned with the area each lies in, for people to choose.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import Point

from vicinato.routing.geocode import normalise, split_query

from . import travel
from .models import Address, Municipality
from .services import GeoImportError, _property, _read_features, locate


def number_key(number: str) -> str:
    return normalise(number).replace(" ", "")


def read_addresses(path: Path, street_field: str, number_field: str, lat_field: str, lon_field: str) -> list:
    """(street, number, lat, lon) rows of a CSV file (with latitude and longitude columns) or a GeoJSON file of
    points; a bad file raises GeoImportError saying what to fix."""
    path = Path(path)
    if path.suffix.lower() in (".geojson", ".json"):
        features = _read_features(path, {"Point"})
        return [
            (
                _property(feature, street_field, n, path),
                _property(feature, number_field, n, path),
                *reversed(feature["geometry"]["coordinates"][:2]),
            )
            for n, feature in enumerate(features, start=1)
        ]
    if not path.exists():
        raise GeoImportError(_("File %(path)s does not exist; check the path.") % {"path": path})
    rows = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        missing = [f for f in (street_field, number_field, lat_field, lon_field) if f not in columns]
        if missing:
            raise GeoImportError(
                _("%(path)s has no column %(missing)s; columns are: %(columns)s.")
                % {"path": path.name, "missing": ", ".join(missing), "columns": ", ".join(columns)}
            )
        for line, row in enumerate(reader, start=2):
            try:
                lat, lon = float(row[lat_field]), float(row[lon_field])
            except (TypeError, ValueError):
                lat = lon = None
            if lat is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise GeoImportError(
                    _(
                        "Line %(line)d of %(path)s: '%(lat)s, %(lon)s' is not a latitude and longitude in WGS84."
                    )
                    % {"line": line, "path": path.name, "lat": row[lat_field], "lon": row[lon_field]}
                )
            street, number = (row[street_field] or "").strip(), (row[number_field] or "").strip()
            if not street or not number:
                raise GeoImportError(
                    _("Line %(line)d of %(path)s has no street or no house number.")
                    % {"line": line, "path": path.name}
                )
            rows.append((street, number, lat, lon))
    if not rows:
        raise GeoImportError(_("%(path)s contains no addresses.") % {"path": path.name})
    return rows


@transaction.atomic
def import_addresses(municipality: Municipality, rows: list) -> int:
    """Make `rows` the municipality's house numbers (the previous list goes); returns how many were kept
    (a number given twice for a street counts once: the first point is kept)."""
    kept: dict[tuple[str, str], Address] = {}
    for street, number, lat, lon in rows:
        key = (normalise(street), number_key(number))
        if key[0] and key[1] and key not in kept:
            kept[key] = Address(
                municipality=municipality,
                street=street,
                street_key=key[0],
                number=number,
                number_key=key[1],
                lat=lat,
                lon=lon,
            )
    municipality.addresses.all().delete()
    Address.objects.bulk_create(kept.values(), batch_size=2000)
    return len(kept)


@dataclass(frozen=True)
class Match:
    """A place a text may mean: its label, point, score (0-1), kind ("address": this house number; "street":
    the street, its number not known; "near_address": the nearest known number), the area it lies in, and
    whether the house number asked for is known (None: none was asked)."""

    label: str
    lat: float
    lon: float
    score: float
    kind: str
    area: str
    number_known: bool | None


def area_of(lat: float, lon: float) -> str:
    where = locate(lat, lon)
    parts = [where.neighbourhood.label if where.neighbourhood else None]
    parts.append(where.district.label if where.district else None)
    if not any(parts) and where.municipality:
        parts = [where.municipality.name]
    return ", ".join(p for p in parts if p)


def geocode(query: str, municipality: Municipality | None = None, limit: int = 10) -> list[Match]:
    """Every street or address of the municipality (default: the site's) that `query` may mean, best first; a
    house number from the official list where it has one. Streets of the extract outside the municipality's
    boundary (other towns' streets of the same name) are left out."""
    _street, number = split_query(query)
    place = municipality or Municipality.objects.filter(istat_code=settings.SITE_MUNICIPALITY).first()
    inside = place.shape.covers if place is not None and place.boundary else None
    matches: dict[tuple, Match] = {}
    for found in travel.streets(municipality).search(query, limit=limit):
        if inside is not None and not inside(Point(found.lon, found.lat)):
            continue
        street = found.label.rsplit(" ", 1)[0] if found.kind != "street" else found.label
        official = None
        if number and place is not None:
            official = place.addresses.filter(
                street_key=normalise(street), number_key=number_key(number)
            ).first()
        if official is not None:
            label, lat, lon, kind = f"{street} {official.number}", official.lat, official.lon, "address"
        else:
            label, lat, lon, kind = found.label, found.lat, found.lon, found.kind
        known = None if not number else kind == "address"
        match = Match(label, lat, lon, found.score, kind, area_of(lat, lon), known)
        matches.setdefault((label, round(lat, 5), round(lon, 5)), match)
    return sorted(matches.values(), key=lambda m: -m.score)


def same_name(matches: list[Match]) -> list[Match]:
    """The best matches when several streets share the best one's name (in different areas): all of them, for
    a person to choose; otherwise none."""
    if not matches:
        return []
    alike = [m for m in matches if m.label == matches[0].label and m.score >= matches[0].score - 0.05]
    by_area = {m.area: m for m in reversed(alike)}  # one a area, the best
    return sorted(by_area.values(), key=lambda m: -m.score) if len(by_area) > 1 else []


def unknown_number_note(match: Match) -> str:
    return _(
        "House numbers of %(street)s are not known: the search starts from a point of the street. For a precise "
        "answer, give the coordinates of your door."
    ) % {"street": match.label}
