"""Ids that pages read from what people send (a button's value, a query parameter): an id is ASCII digits that
fit a 64-bit key. Anything else is no id (None, or a 404 for a page), never a 500 from int() or the database:
str.isdigit() alone lets '²' through, and twenty digits overflow SQLite's integers."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import Http404
from django.utils.translation import gettext as _

MAX_ID = 2**63 - 1


def as_id(value) -> int | None:
    """The id written in `value`, or None."""
    if not isinstance(value, str) or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def ids(values: Iterable) -> list[int]:
    """The ids among `values`, in their order (the others left out)."""
    return [number for number in map(as_id, values) if number is not None]


def id_or_404(value) -> int:
    """The id written in `value`; a 404 for anything else."""
    number = as_id(value)
    if number is None:
        raise Http404(_("There is nothing with this id here."))
    return number
