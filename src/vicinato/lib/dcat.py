"""Pieces of the DCAT-AP_IT catalog (JSON-LD) that the apps' open datasets share."""

from __future__ import annotations


def bilingual(italian: str, english: str) -> list[dict]:
    """A text of the catalog in Italian and English."""
    return [{"@language": "it", "@value": italian}, {"@language": "en", "@value": english}]


def distributions(base: str, name: str, formats: list[tuple[str, str, str]], licence: dict) -> list[dict]:
    """The downloads of the dataset `name` (at `base`/opendata/`name`.`ext`), one per (extension, media type,
    EU file type) of `formats`, under `licence`."""
    return [
        {
            "@id": f"{base}/opendata/{name}.{ext}",
            "@type": ["dcat:Distribution", "dcatapit:Distribution"],
            "dcat:accessURL": {"@id": f"{base}/opendata/{name}.{ext}"},
            "dcat:downloadURL": {"@id": f"{base}/opendata/{name}.{ext}"},
            "dcat:mediaType": media,
            "dct:format": {"@id": f"http://publications.europa.eu/resource/authority/file-type/{fmt}"},
            "dct:license": licence,
        }
        for ext, media, fmt in formats
    ]
