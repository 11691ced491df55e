"""Lengths and prices in people's units: said as people say them, typed in parts and euros, kept in minutes and
cents."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from vicinato.lib.units import DAYS, HOURS, MINUTES, EuroCentsField, LengthField, LengthWidget, spoken_minutes


@pytest.mark.parametrize(
    ("minutes", "english", "italian"),
    [
        (45, "45 min", "45 min"),
        (60, "1 h", "1 h"),
        (90, "1 h 30 min", "1 h 30 min"),
        (2880, "2 days", "2 giorni"),
    ],
)
def test_a_length_is_said_as_people_say_it(minutes, english, italian):
    assert spoken_minutes(minutes) == english
    with translation.override("it"):
        assert spoken_minutes(minutes) == italian


def test_a_length_is_typed_in_parts_and_kept_in_minutes():
    field = LengthField((DAYS, HOURS, MINUTES), required=False)
    assert field.clean(["1", "2", "30"]) == 24 * 60 + 150
    assert field.clean(["", "", ""]) is None
    assert LengthWidget((DAYS, HOURS, MINUTES)).decompress(24 * 60 + 150) == [1, 2, 30]
    with pytest.raises(ValidationError, match="less than or equal to 59"):
        LengthField((HOURS, MINUTES)).clean(["1", "75"])


def test_a_price_is_typed_in_euros_and_kept_in_cents():
    field = EuroCentsField(required=False)
    assert field.clean("2.50") == 250 and field.clean("12") == 1200 and field.clean("") is None
    assert field.prepare_value(250) == field.to_python("2.50")
    with pytest.raises(ValidationError, match="no more than 2 decimal places"):
        field.clean("2.505")
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        field.clean("-1")
