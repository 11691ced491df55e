"""Fields kept in Italian and English side by side, read in the active language."""

from django.utils.translation import get_language


def translated(obj, field: str) -> str:
    """The field in the active language, falling back to Italian (the register's language of record)."""
    language = (get_language() or "it")[:2]
    value = getattr(obj, f"{field}_{language}", "") or ""
    return value or getattr(obj, f"{field}_it", "") or ""
