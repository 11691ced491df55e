"""The open data files (CC BY 4.0, no language prefix) and their DCAT-AP_IT catalog, which lists the datasets of
every app: the register's places, the activities' events, the commutes that bookings avoided."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from vicinato.activities import opendata as activities
from vicinato.impact.reports import opendata as impact
from vicinato.register import opendata as register
from vicinato.register.opendata import LICENCE_URL


def _headers(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"
    response["Link"] = f'<{LICENCE_URL}>; rel="license"'
    return response


def _json(data: dict, filename: str, content_type: str = "application/json") -> HttpResponse:
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False}, content_type=content_type)
    return _headers(response, filename)


@require_GET
def places_json(request):
    return _json(register.places_json(), "places.json")


@require_GET
def places_geojson(request):
    return _json(register.places_geojson(), "places.geojson", "application/geo+json")


@require_GET
def places_csv(request):
    return _headers(HttpResponse(register.places_csv(), content_type="text/csv; charset=utf-8"), "places.csv")


@require_GET
def impact_csv(request):
    """Monthly aggregates by NIL of what bookings saved, cells of fewer than five people suppressed."""
    return _headers(HttpResponse(impact.impact_csv(), content_type="text/csv; charset=utf-8"), "impact.csv")


@require_GET
def catalog_json(request):
    """DCAT-AP_IT metadata (JSON-LD) describing every dataset and its distributions."""
    base = settings.SITE_URL.rstrip("/")
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
            "@value": "Luoghi del lavoro di prossimità iscritti ai registri pubblici e le attività che vi si tengono.",
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
            register.dcat_dataset(base),
            activities.dcat_dataset(base),
            impact.dcat_dataset(base),
        ],
    }
    catalog["@context"]["skos"] = "http://www.w3.org/2004/02/skos/core#"
    return _headers(JsonResponse(catalog, json_dumps_params={"ensure_ascii": False}), "catalog.json")
