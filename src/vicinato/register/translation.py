"""Fields kept in Italian and English side by side, read in the active language."""

from collections.abc import Mapping

from django.conf import settings
from django.utils.translation import get_language


def translated(obj, field: str) -> str:
    """The field in the active language, falling back to Italian (the register's language of record), then to
    English when only that one was written."""
    return in_reader_language(
        {code: getattr(obj, f"{field}_{code}", "") for code, _name in settings.LANGUAGES}
    )


def in_reader_language(texts: Mapping[str, str]) -> str:
    """One text of {language code: text} (e.g. a survey option's labels) as `translated` picks it."""
    language = (get_language() or settings.LANGUAGE_CODE)[:2]
    return texts.get(language) or texts.get("it") or texts.get("en") or ""


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
