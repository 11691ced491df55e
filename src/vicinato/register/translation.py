"""Fields kept in Italian and English side by side, read in the active language."""

from django.conf import settings
from django.utils.translation import get_language


def translated(obj, field: str) -> str:
    """The field in the active language, falling back to Italian (the register's language of record), then to
    English when only that one was written."""
    language = (get_language() or "it")[:2]
    value = getattr(obj, f"{field}_{language}", "") or ""
    return value or getattr(obj, f"{field}_it", "") or getattr(obj, f"{field}_en", "") or ""


class Translated:
    """A model's read-only attribute `name`: its fields `name_it` and `name_en` read by `translated`.

    `name = Translated("name")` in the class body stands for a property returning `translated(self, "name")`."""

    def __init__(self, field: str) -> None:
        self.field = field

    def __get__(self, obj, owner=None):
        return self if obj is None else translated(obj, self.field)


def writing_language() -> str:
    """The language a person writes in now: the one they read the site in (a note written once is stored
    with it, and shown marked with it, rather than translated)."""
    language = (get_language() or settings.LANGUAGE_CODE)[:2]
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
