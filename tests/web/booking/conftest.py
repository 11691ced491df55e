"""The booking pages' people: the test organisation's staff member and administrator (of `people`)."""

import pytest

from vicinato.lib.units import LengthWidget
from vicinato.web.booking.forms import LENGTHS, PRICES


@pytest.fixture
def staff(people):
    return people["org_staff"]


@pytest.fixture
def admin(people):
    return people["org_admin"]


def in_page_units(data: dict) -> dict:
    """The page asks lengths in parts (days, hours, minutes) and prices in euros: minutes and cents as typed."""
    typed = dict(data)
    for name, (parts, _label) in LENGTHS.items():
        if name in typed:
            values = LengthWidget(parts).decompress(typed.pop(name))
            typed.update({f"{name}_{index}": str(value) for index, value in enumerate(values)})
    for name in PRICES:
        if name in typed:
            typed[name] = f"{int(typed[name]) / 100:.2f}"
    return typed
