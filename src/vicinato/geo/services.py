"""Importing boundary and stop files, and finding which areas a point falls in."""

from __future__ import annotations

import csv
import json
import threading
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Count
from django.utils.text import slugify
from django.utils.translation import gettext as _
from shapely import STRtree, make_valid
from shapely.geometry import Point, mapping, shape
from shapely.ops import unary_union

from .models import Area, Municipality, Stop
from .names import tidy_name


class GeoImportError(Exception):
    """A boundary or stop file that cannot be imported; the message says what to fix."""


@dataclass
class Location:
    municipality: Municipality | None
    district: Area | None
    neighbourhood: Area | None

    @property
    def inside(self) -> bool:
        return self.municipality is not None


def _read_features(path: Path, geometry_types: set[str]) -> list[dict]:
    path = Path(path)
    if not path.exists():
        raise GeoImportError(_("File %(path)s does not exist; check the path.") % {"path": path})
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GeoImportError(
            _("%(path)s is not valid GeoJSON (%(error)s); export it again as GeoJSON in WGS84.")
            % {"path": path.name, "error": exc}
        ) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise GeoImportError(
            _("%(path)s is not a GeoJSON FeatureCollection; export the layer as a FeatureCollection.")
            % {"path": path.name}
        )
    features = data.get("features") or []
    if not features:
        raise GeoImportError(_("%(path)s contains no features.") % {"path": path.name})
    for number, feature in enumerate(features, start=1):
        geometry = (feature or {}).get("geometry")
        if not geometry or geometry.get("type") not in geometry_types:
            raise GeoImportError(
                _("Feature %(n)d of %(path)s has geometry %(kind)s; expected %(expected)s.")
                % {
                    "n": number,
                    "path": path.name,
                    "kind": (geometry or {}).get("type", "none"),
                    "expected": " or ".join(sorted(geometry_types)),
                }
            )
        minx, miny, maxx, maxy = shape(geometry).bounds
        if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
            raise GeoImportError(
                _(
                    "Feature %(n)d of %(path)s has coordinates outside longitude/latitude ranges; "
                    "the file must be in WGS84 (EPSG:4326), reproject it first."
                )
                % {"n": number, "path": path.name}
            )
    return features


def _property(feature: dict, field: str, number: int, path: Path) -> str:
    properties = feature.get("properties") or {}
    if field not in properties or properties[field] in (None, ""):
        available = ", ".join(sorted(properties)) or _("none")
        raise GeoImportError(
            _("Feature %(n)d of %(path)s has no field '%(field)s'; available fields: %(available)s.")
            % {"n": number, "path": Path(path).name, "field": field, "available": available}
        )
    value = properties[field]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def check_new_code(code: str, seen: set[str], path: Path) -> None:
    """Refuse a code met before in the file; remember it."""
    if code in seen:
        raise GeoImportError(
            _("Code %(code)s appears twice in %(path)s; each area needs its own code.")
            % {"code": code, "path": Path(path).name}
        )
    seen.add(code)


def valid_shape(feature: dict):
    """The feature's geometry, repaired where it is invalid (a ring that crosses itself)."""
    geometry = shape(feature["geometry"])
    return geometry if geometry.is_valid else make_valid(geometry)


def read_population(path: Path, code_field: str, population_field: str) -> dict[str, int]:
    path = Path(path)
    if not path.exists():
        raise GeoImportError(_("File %(path)s does not exist; check the path.") % {"path": path})
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [f for f in (code_field, population_field) if f not in (reader.fieldnames or [])]
        if missing:
            raise GeoImportError(
                _("%(path)s has no column %(missing)s; columns are: %(columns)s.")
                % {
                    "path": path.name,
                    "missing": ", ".join(missing),
                    "columns": ", ".join(reader.fieldnames or []),
                }
            )
        population = {}
        for line, row in enumerate(reader, start=2):
            try:
                population[row[code_field].strip()] = int(float(row[population_field]))
            except (TypeError, ValueError) as exc:
                raise GeoImportError(
                    _("Line %(line)d of %(path)s: '%(value)s' is not a number of residents.")
                    % {"line": line, "path": path.name, "value": row[population_field]}
                ) from exc
    return population


def get_or_create_municipality(slug: str, name: str | None = None) -> Municipality:
    municipality, _created = Municipality.objects.get_or_create(
        slug=slugify(slug), defaults={"name": name or slug.title()}
    )
    if name and municipality.name != name:
        municipality.name = name
        municipality.save(update_fields=["name"])
    return municipality


@transaction.atomic
def import_areas(
    municipality: Municipality,
    path: Path,
    level: str,
    code_field: str,
    name_field: str | None = None,
    population: dict[str, int] | None = None,
) -> int:
    """Create or update the areas of one level from a GeoJSON file; returns how many were imported."""
    if level not in Area.Level.values:
        raise GeoImportError(
            _("Unknown level '%(level)s'; use one of: %(levels)s.")
            % {"level": level, "levels": ", ".join(Area.Level.values)}
        )
    features = _read_features(path, {"Polygon", "MultiPolygon"})
    seen: set[str] = set()
    rows = []
    for number, feature in enumerate(features, start=1):
        code = _property(feature, code_field, number, path)
        check_new_code(code, seen, path)
        name = _property(feature, name_field, number, path) if name_field else code
        rows.append((code, tidy_name(name), mapping(valid_shape(feature))))

    districts = list(municipality.areas.filter(level=Area.Level.DISTRICT))
    for code, name, geometry in rows:
        area = Area.objects.filter(municipality=municipality, level=level, code=code).first() or Area(
            municipality=municipality, level=level, code=code
        )
        area.name = name
        area.set_geometry(json.loads(json.dumps(geometry)))
        if population is not None:
            area.population = population.get(code)
        if level == Area.Level.NEIGHBOURHOOD:
            centre = area.shape.representative_point()
            area.parent = next((d for d in districts if d.shape.contains(centre)), None)
        area.save()
    if level == Area.Level.DISTRICT or not municipality.boundary:
        _set_boundary_from_areas(municipality, level)
    return len(rows)


def _set_boundary_from_areas(municipality: Municipality, level: str) -> None:
    shapes = [a.shape for a in municipality.areas.filter(level=level)]
    # A tiny buffer closes the slivers between neighbouring polygons digitised separately.
    outline = unary_union([s.buffer(1e-7) for s in shapes]).buffer(-1e-7)
    municipality.boundary = json.loads(json.dumps(mapping(outline.simplify(1e-6))))
    municipality.save(update_fields=["boundary"])
    municipality.__dict__.pop("shape", None)
    clear_location_cache()


@transaction.atomic
def import_stops(
    municipality: Municipality,
    path: Path,
    kind: str,
    code_field: str,
    name_field: str,
    lines_field: str | None = None,
) -> int:
    if kind not in Stop.Kind.values:
        raise GeoImportError(
            _("Unknown stop kind '%(kind)s'; use one of: %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(Stop.Kind.values)}
        )
    features = _read_features(path, {"Point"})
    count = 0
    for number, feature in enumerate(features, start=1):
        code = _property(feature, code_field, number, path)
        lon, lat = feature["geometry"]["coordinates"][:2]
        Stop.objects.update_or_create(
            municipality=municipality,
            kind=kind,
            code=code,
            defaults={
                "name": tidy_name(_property(feature, name_field, number, path)),
                "lines": _property(feature, lines_field, number, path) if lines_field else "",
                "lat": lat,
                "lon": lon,
            },
        )
        count += 1
    return count


# The municipalities, their tree and the areas, read once: one whole dict, replaced and never changed in place, so
# that a thread reading it while another clears or builds it (threaded servers) always sees all three.
_location_cache: dict[str, list] | None = None
_location_lock = threading.Lock()


def clear_location_cache() -> None:
    global _location_cache
    _location_cache = None


def _candidates() -> dict:
    global _location_cache
    held = _location_cache
    if held is not None:
        return held
    with _location_lock:
        if _location_cache is None:
            # Those with their own areas first: their boundary is the finer one where two overlap.
            municipalities = sorted(
                (m for m in Municipality.objects.annotate(n_areas=Count("areas")) if m.boundary),
                key=lambda m: (m.n_areas == 0, m.name),
            )
            _location_cache = {
                "municipalities": municipalities,
                # About 200 municipalities in the metropolitan area: only those whose box holds the point are tested.
                "tree": STRtree([m.shape for m in municipalities]),
                "areas": list(Area.objects.select_related("parent")),
            }
        return _location_cache


def areas() -> list[Area]:
    """Every area with its parent, read once and kept until clear_location_cache() (an import calls it)."""
    return _candidates()["areas"]


def locate(lat: float, lon: float) -> Location:
    """The municipality, district and neighbourhood a point falls in (None where it falls in none)."""
    cache = _candidates()
    point = Point(lon, lat)
    found = sorted(cache["tree"].query(point, predicate="intersects"))
    municipality = cache["municipalities"][found[0]] if found else None
    district = neighbourhood = None
    for area in cache["areas"]:
        if not (area.min_lon <= lon <= area.max_lon and area.min_lat <= lat <= area.max_lat):
            continue
        if area.shape.covers(point):
            if area.level == Area.Level.DISTRICT:
                district = area
            else:
                neighbourhood = area
    if municipality is None and (district or neighbourhood):
        municipality = (district or neighbourhood).municipality
    return Location(municipality, district, neighbourhood)
