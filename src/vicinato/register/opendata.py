"""Open data of the register: approved places as CSV, GeoJSON and JSON, with DCAT-AP_IT metadata."""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.db.models import Max
from django.http import HttpResponse, JsonResponse
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

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


def _headers(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"
    response["Link"] = f'<{LICENCE_URL}>; rel="license"'
    return response


@require_GET
def places_json(request):
    records = listed_records()
    return _headers(
        JsonResponse(
            {"licence": "CC-BY-4.0", "count": len(records), "places": records},
            json_dumps_params={"ensure_ascii": False},
        ),
        "places.json",
    )


@require_GET
def places_geojson(request):
    features = []
    for record in listed_records():
        features.append(
            {
                "type": "Feature",
                "id": record["id"],
                "geometry": {"type": "Point", "coordinates": [record["lon"], record["lat"]]},
                "properties": {k: v for k, v in record.items() if k not in ("lat", "lon")},
            }
        )
    response = JsonResponse(
        {"type": "FeatureCollection", "features": features},
        json_dumps_params={"ensure_ascii": False},
        content_type="application/geo+json",
    )
    return _headers(response, "places.geojson")


@require_GET
def places_csv(request):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS)
    writer.writeheader()
    for record in listed_records():
        for key in ("register", "amenities", "audiences", "accessibility"):
            record[key] = ";".join(record[key])
        writer.writerow(record)
    return _headers(HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8"), "places.csv")


@require_GET
def catalog_json(request):
    """DCAT-AP_IT metadata (JSON-LD) describing the dataset and its three distributions."""
    base = settings.SITE_URL.rstrip("/")
    modified = Place.objects.listed().aggregate(latest=Max("updated_at"))["latest"] or timezone.now()
    distributions = [
        ("csv", "text/csv", "CSV"),
        ("geojson", "application/geo+json", "GEOJSON"),
        ("json", "application/json", "JSON"),
    ]
    catalog = {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "dcatapit": "http://dati.gov.it/onto/dcatapit#",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "vcard": "http://www.w3.org/2006/vcard/ns#",
        },
        "@id": f"{base}/opendata/catalog.json",
        "@type": ["dcat:Catalog", "dcatapit:Catalog"],
        "dct:title": {"@language": "it", "@value": "Catalogo dati aperti di Vicinato"},
        "dct:description": {
            "@language": "it",
            "@value": "Luoghi del lavoro di prossimità iscritti ai registri pubblici.",
        },
        "dct:publisher": {
            "@type": ["foaf:Agent", "dcatapit:Agent"],
            "foaf:name": "Vicinato",
            "dct:identifier": "vicinato",
        },
        "dct:language": {"@id": "http://publications.europa.eu/resource/authority/language/ITA"},
        "foaf:homepage": {"@id": f"{base}/opendata/"},
        "dct:modified": timezone.now().date().isoformat(),
        "dcat:dataset": [
            {
                "@id": f"{base}/opendata/places",
                "@type": ["dcat:Dataset", "dcatapit:Dataset"],
                "dct:identifier": "vicinato:places",
                "dct:title": [
                    {"@language": "it", "@value": "Luoghi del lavoro di prossimità"},
                    {"@language": "en", "@value": "Places for proximity work"},
                ],
                "dct:description": [
                    {
                        "@language": "it",
                        "@value": "Coworking, officine territoriali, snodi e altri luoghi approvati nei registri pubblici, con servizi, orari e coordinate.",
                    },
                    {
                        "@language": "en",
                        "@value": "Coworking spaces, officine territoriali, community nodes and other places approved in the public registers, with amenities, hours and coordinates.",
                    },
                ],
                "dcat:theme": {"@id": "http://publications.europa.eu/resource/authority/data-theme/ECON"},
                "dct:accrualPeriodicity": {
                    "@id": "http://publications.europa.eu/resource/authority/frequency/CONT"
                },
                "dct:modified": timezone.localtime(modified).date().isoformat(),
                "dct:rightsHolder": {"@type": ["foaf:Agent", "dcatapit:Agent"], "foaf:name": "Vicinato"},
                "dct:publisher": {"@type": ["foaf:Agent", "dcatapit:Agent"], "foaf:name": "Vicinato"},
                "dcat:contactPoint": {
                    "@type": ["vcard:Organization", "dcatapit:Organization"],
                    "vcard:fn": "Vicinato open data",
                    "vcard:hasEmail": {
                        "@id": "mailto:" + settings.DEFAULT_FROM_EMAIL.split("<")[-1].rstrip(">")
                    },
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
                    {
                        "@id": f"{base}/opendata/places.{ext}",
                        "@type": ["dcat:Distribution", "dcatapit:Distribution"],
                        "dcat:accessURL": {"@id": f"{base}/opendata/places.{ext}"},
                        "dcat:downloadURL": {"@id": f"{base}/opendata/places.{ext}"},
                        "dcat:mediaType": media,
                        "dct:format": {
                            "@id": f"http://publications.europa.eu/resource/authority/file-type/{fmt}"
                        },
                        "dct:license": {
                            "@id": LICENCE_URL,
                            "@type": ["dct:LicenseDocument", "dcatapit:LicenseDocument"],
                            "foaf:name": "CC BY 4.0",
                        },
                        "dct:title": f"places.{ext}",
                    }
                    for ext, media, fmt in distributions
                ],
            }
        ],
    }
    catalog["@context"]["skos"] = "http://www.w3.org/2004/02/skos/core#"
    return _headers(JsonResponse(catalog, json_dumps_params={"ensure_ascii": False}), "catalog.json")
