"""Text that people type: refused when it cannot be stored or shown safely, with a message for its field.

- Unpaired surrogates (JSON allows "\\ud800") cannot be encoded, and control characters have no place in text.
- One-line fields (a model's CharField: a name, an address, an e-mail) hold no line break either: a CR or LF
  there would break an e-mail's header or a CSV row.
- Dates outside 1900-2200 are refused: before 1900 Europe/Rome's offsets are local mean time (+00:49:56) and a
  year like 0344 or 9999 is a typing error anyway.

`guard_text_fields()` (called by the geo app, the lowest one, when Django starts) gives the text fields of the
project's models and of its users a validator, so that model forms say it next to the field, and checks them
before every ORM save (`refuse_bad_text`); the API also checks the JSON it is sent
(vicinato.api.middleware.ApiInputMiddleware).
"""

from __future__ import annotations

import re
from functools import cache

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import pre_save
from django.utils.translation import gettext_lazy as _

FIRST_YEAR, LAST_YEAR = 1900, 2200
# C0 controls but tab, LF and CR; DEL and the C1 controls; unpaired surrogates.
_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\t\r\n\x0b\x0c\x85\u2028\u2029]")
_ISO_DATE = re.compile(r"^(\d{4,})-\d{2}(?:-\d{2})?(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")

BAD_CHARACTERS = _(
    "This text holds characters that are not valid (control characters or broken Unicode); type it again."
)
ONE_LINE = _("Write this on one line, without line breaks, tabs or control characters.")
DATE_RANGE = _("Choose a date between %(first)d and %(last)d.")


def text_problem(value: str, one_line: bool = False) -> tuple[str, str] | None:
    """(message, code) when the text cannot be accepted, else None."""
    if _BAD.search(value):
        return str(BAD_CHARACTERS), "invalid_characters"
    if one_line and _LINE_BREAKS.search(value):
        return str(ONE_LINE), "one_line"
    return None


def date_problem(value: str) -> tuple[str, str] | None:
    """(message, code) for an ISO date or date-time (or a month, 2030-03) outside 1900-2200, else None."""
    found = _ISO_DATE.match(value)
    if found and not FIRST_YEAR <= int(found.group(1)) <= LAST_YEAR:
        return str(DATE_RANGE % {"first": FIRST_YEAR, "last": LAST_YEAR}), "out_of_range"
    return None


def year_problem(year: int) -> str | None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return str(DATE_RANGE % {"first": FIRST_YEAR, "last": LAST_YEAR})
    return None


def validate_text(value) -> None:
    if isinstance(value, str) and (problem := text_problem(value)):
        raise ValidationError(problem[0], code=problem[1])


def validate_one_line(value) -> None:
    if isinstance(value, str) and (problem := text_problem(value, one_line=True)):
        raise ValidationError(problem[0], code=problem[1])


def guard_text_fields(models_to_guard) -> None:
    """Every text field of these models refuses bad text in full_clean() (model forms) and on save.

    The validators go on the fields' validator lists, not into their definitions: migrations do not change."""
    for model in models_to_guard:
        for _name, attname, one_line in _text_fields(model):
            field = _field(model, attname)
            validator = validate_one_line if one_line else validate_text
            if validator not in field.validators:
                field.validators.append(validator)
        pre_save.connect(refuse_bad_text, sender=model, dispatch_uid=f"vicinato.lib.text:{model._meta.label}")


def _field(model, attname: str):
    return next(f for f in model._meta.concrete_fields if f.attname == attname)


@cache
def _text_fields(model) -> tuple[tuple[str, str, bool], ...]:
    return tuple(
        (field.name, field.attname, not isinstance(field, models.TextField))
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
    )


def refuse_bad_text(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """pre_save: a ValidationError per field whose text cannot be stored (see the module's docstring)."""
    if raw:
        return
    errors: dict[str, list[ValidationError]] = {}
    for name, attname, one_line in _text_fields(type(instance)):
        if update_fields is not None and name not in update_fields and attname not in update_fields:
            continue
        value = getattr(instance, attname, None)
        if isinstance(value, str) and (problem := text_problem(value, one_line)):
            errors[name] = [ValidationError(problem[0], code=problem[1])]
    if errors:
        raise ValidationError(errors)
