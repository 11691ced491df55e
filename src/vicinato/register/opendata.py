"""Open data of the register: approved places as CSV, GeoJSON and JSON, with DCAT-AP_IT metadata."""

from __future__ import annotations

import io

from django.conf import settings
from django.db.models import Max
from django.utils import timezone, translation

from vicinato.lib import spreadsheet
from vicinato.lib.dcat import bilingual, distributions

from .models import Application, Place
from .services import osm_opening_hours

LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
FIELDS = [
    "id",
    "name",
    "name_en",
    "kind",
    "register",
    "operator",
    "address",
    "postcode",
    "municipality",
    "municipio",
    "nil",
    "desks",
    "amenities",
    "audiences",
    "accessibility",
    "opening_hours",
    "url",
    "lat",
    "lon",
    "listed_until",
    "demo",
    "updated",
]


def _place_fields(place: Place) -> dict:
    with translation.override(settings.LANGUAGE_CODE):
        url = settings.SITE_URL.rstrip("/") + place.get_absolute_url()
    return {
        "id": place.public_id,
        "name": place.name_it,
        "name_en": place.name_en or place.name_it,
        "kind": place.kind,
        "operator": place.operator.legal_name,
        "address": place.address,
        "postcode": place.postcode,
        "municipality": place.municipality.name,
        "municipio": place.district.code if place.district else None,
        "nil": place.neighbourhood.name if place.neighbourhood else None,
        "desks": place.desks,
        "amenities": sorted(a.code for a in place.amenities.all()),
        "audiences": list(place.audiences),
        "accessibility": list(place.accessibility),
        "opening_hours": osm_opening_hours(place),
        "url": url,
        "lat": round(place.lat, 6),
        "lon": round(place.lon, 6),
        "demo": place.is_demo,
        "updated": place.updated_at.isoformat(timespec="seconds"),
    }


# Records of places by (pk, updated_at): reused until the place changes, so that lists and the nearby
# search cost one small query for the listings instead of loading every place again.
_records: dict[tuple[int, object], dict] = {}


def listed_records(public_ids=None) -> list[dict]:
    """Open-data records of the listed places (or of those among `public_ids`), ordered by id."""
    entries = Application.objects.listed().values_list(
        "place_id", "place__updated_at", "register__slug", "expires_at"
    )
    if public_ids is not None:
        entries = entries.filter(place__public_id__in=list(public_ids))
    listings: dict[int, tuple] = {}
    for pk, updated, register, expires in entries.order_by("register__slug"):
        _updated, registers, until = listings.get(pk, (updated, [], expires))
        listings[pk] = (updated, [*registers, register], min(until, expires))
    missing = [pk for pk, (updated, _r, _u) in listings.items() if (pk, updated) not in _records]
    if missing:
        if len(_records) > 4 * len(listings) + 1000:
            _records.clear()
        for place in (
            Place.objects.filter(pk__in=missing).with_areas().prefetch_related("amenities", "opening_hours")
        ):
            _records[(place.pk, place.updated_at)] = _place_fields(place)
    records = []
    for pk, (updated, registers, until) in listings.items():
        record = _records.get((pk, updated))
        if record is not None:  # changed between the two queries: listed again on the next request
            records.append({**record, "register": registers, "listed_until": until.date().isoformat()})
    return sorted(records, key=lambda r: r["id"])


def places_json() -> dict:
    records = listed_records()
    return {"licence": "CC-BY-4.0", "count": len(records), "places": records}


def places_geojson() -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": record["id"],
                "geometry": {"type": "Point", "coordinates": [record["lon"], record["lat"]]},
                "properties": {k: v for k, v in record.items() if k not in ("lat", "lon")},
            }
            for record in listed_records()
        ],
    }


def places_csv() -> str:
    buffer = io.StringIO()
    writer = spreadsheet.dict_writer(buffer, fieldnames=FIELDS)
    writer.writeheader()
    for record in listed_records():
        for key in ("register", "amenities", "audiences", "accessibility"):
            record[key] = ";".join(record[key])
        writer.writerow(record)
    return buffer.getvalue()


def dcat_dataset(base: str) -> dict:
    """The places' dataset for the DCAT-AP_IT catalog, with its three distributions."""
    modified = Place.objects.listed().aggregate(latest=Max("updated_at"))["latest"] or timezone.now()
    formats = [
        ("csv", "text/csv", "CSV"),
        ("geojson", "application/geo+json", "GEOJSON"),
        ("json", "application/json", "JSON"),
    ]
    licence = {
        "@id": LICENCE_URL,
        "@type": ["dct:LicenseDocument", "dcatapit:LicenseDocument"],
        "foaf:name": "CC BY 4.0",
    }
    return {
        "@id": f"{base}/opendata/places",
        "@type": ["dcat:Dataset", "dcatapit:Dataset"],
        "dct:identifier": "vicinato:places",
        "dct:title": bilingual("Luoghi del lavoro di prossimità", "Places for proximity work"),
        "dct:description": bilingual(
            "Coworking, officine territoriali, snodi e altri luoghi approvati nei registri pubblici, con servizi, "
            "orari e coordinate.",
            "Coworking spaces, officine territoriali, community nodes and other places approved in the public "
            "registers, with amenities, hours and coordinates.",
        ),
        "dcat:theme": {"@id": "http://publications.europa.eu/resource/authority/data-theme/ECON"},
        "dct:accrualPeriodicity": {"@id": "http://publications.europa.eu/resource/authority/frequency/CONT"},
        "dct:modified": timezone.localtime(modified).date().isoformat(),
        "dct:rightsHolder": {"@type": ["foaf:Agent", "dcatapit:Agent"], "foaf:name": "Vicinato"},
        "dct:publisher": {"@type": ["foaf:Agent", "dcatapit:Agent"], "foaf:name": "Vicinato"},
        "dcat:contactPoint": {
            "@type": ["vcard:Organization", "dcatapit:Organization"],
            "vcard:fn": "Vicinato open data",
            "vcard:hasEmail": {"@id": "mailto:" + settings.DEFAULT_FROM_EMAIL.split("<")[-1].rstrip(">")},
        },
        "dct:spatial": {
            "@type": "dct:Location",
            "dct:identifier": "015146",
            "skos:prefLabel": "Milano",
        },
        "dcat:keyword": [
            "coworking",
            "lavoro di prossimità",
            "smart working",
            "officine territoriali",
        ],
        "dcat:distribution": [
            {**download, "dct:title": f"places.{ext}"}
            for download, (ext, _media, _fmt) in zip(
                distributions(base, "places", formats, licence), formats, strict=True
            )
        ],
    }
