"""Open data of what bookings saved: monthly aggregates by NIL of the home (`/opendata/impact.csv`), every cell
of fewer than five people suppressed (see `aggregates`), and the dataset's entry in the DCAT-AP_IT catalog."""

from __future__ import annotations

from django.utils import timezone

from vicinato.lib.spreadsheet import csv_text

from .aggregates import METRICS, MIN_PEOPLE, nil_months
from .scope import open_rows

LICENCE = "https://creativecommons.org/licenses/by/4.0/"
FIELDS = [
    "month",
    "level",
    "municipality",
    "municipio",
    "nil_code",
    "nil_name",
    "people",
    *METRICS,
    "suppressed",
]


def records() -> list[dict]:
    """One record per NIL and month, then the month's total (level "total"); suppressed figures are None."""
    found = []
    for month, cells, total in nil_months(open_rows()):
        for cell in [*cells, total]:
            area = cell.key if cell is not total else None
            found.append(
                {
                    "month": f"{month:%Y-%m}",
                    "level": "total" if cell is total else "nil",
                    "municipality": area["municipality__name"] if area else None,
                    "municipio": area["parent__code"] if area else None,
                    "nil_code": area["code"] if area else None,
                    "nil_name": area["name"] if area else None,
                    **cell.figures(),
                    "suppressed": cell.suppressed,
                }
            )
    return found


def impact_csv() -> str:
    def text(value):
        if value is None:
            return ""
        return str(value).lower() if isinstance(value, bool) else value

    return csv_text(FIELDS, ([text(r[f]) for f in FIELDS] for r in records()))


def dcat_dataset(base: str) -> dict:
    """The dataset's entry for the DCAT-AP_IT catalog (`web.opendata.catalog_json` lists it)."""
    url = f"{base}/opendata/impact.csv"
    return {
        "@id": f"{base}/opendata/impact",
        "@type": ["dcat:Dataset", "dcatapit:Dataset"],
        "dct:identifier": "vicinato:impact",
        "dct:title": [
            {"@language": "it", "@value": "Spostamenti casa-lavoro evitati grazie al lavoro di prossimità"},
            {"@language": "en", "@value": "Commutes avoided thanks to proximity work"},
        ],
        "dct:description": [
            {
                "@language": "it",
                "@value": "Per mese e NIL di residenza: spostamenti casa-lavoro evitati dalle prenotazioni nei "
                "luoghi di prossimità, ore e km risparmiati, km in auto, CO2, NOx e PM10 evitati (fattori ISPRA, "
                "versione indicata in ogni risultato), spostamenti evitati verso il centro (Municipio 1) e "
                f"nell'ora di punta (07:30-09:30). Le celle con meno di {MIN_PEOPLE} persone sono omesse.",
            },
            {
                "@language": "en",
                "@value": "By month and NIL of the home: commutes avoided by bookings at proximity places, hours "
                "and km saved, car-km, CO2, NOx and PM10 avoided (ISPRA factors, their version stored with each "
                "result), trips into the centre (Municipio 1) and in the morning peak (07:30-09:30) avoided. "
                f"Cells of fewer than {MIN_PEOPLE} people are suppressed.",
            },
        ],
        "dcat:theme": [
            {"@id": "http://publications.europa.eu/resource/authority/data-theme/TRAN"},
            {"@id": "http://publications.europa.eu/resource/authority/data-theme/ENVI"},
        ],
        "dct:accrualPeriodicity": {"@id": "http://publications.europa.eu/resource/authority/frequency/DAILY"},
        "dct:modified": timezone.localdate().isoformat(),
        "dct:license": {"@id": LICENCE},
        "dcat:keyword": ["lavoro di prossimità", "smart working", "mobilità", "emissioni", "PSCL"],
        "dcat:distribution": [
            {
                "@id": url,
                "@type": ["dcat:Distribution", "dcatapit:Distribution"],
                "dcat:accessURL": {"@id": url},
                "dcat:downloadURL": {"@id": url},
                "dcat:mediaType": "text/csv",
                "dct:format": {"@id": "http://publications.europa.eu/resource/authority/file-type/CSV"},
                "dct:license": {
                    "@id": LICENCE,
                    "@type": ["dct:LicenseDocument", "dcatapit:LicenseDocument"],
                    "foaf:name": "CC BY 4.0",
                },
                "dct:title": "impact.csv",
            }
        ],
    }
