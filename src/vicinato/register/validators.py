"""Check digits of Italian tax identifiers: partita IVA and codice fiscale."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Values of characters in odd (1st, 3rd, ...) positions of a personal codice fiscale.
_CF_ODD = dict(
    zip(
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        [
            1,
            0,
            5,
            7,
            9,
            13,
            15,
            17,
            19,
            21,
            1,
            0,
            5,
            7,
            9,
            13,
            15,
            17,
            19,
            21,
            2,
            4,
            18,
            20,
            11,
            3,
            6,
            8,
            12,
            14,
            16,
            10,
            22,
            25,
            24,
            23,
        ],
        strict=True,
    )
)


def luhn_it_check_digit(first_ten: str) -> int:
    total = 0
    for index, char in enumerate(first_ten):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def is_valid_partita_iva(value: str) -> bool:
    value = (value or "").strip().upper().removeprefix("IT")
    return len(value) == 11 and value.isdigit() and luhn_it_check_digit(value[:10]) == int(value[10])


def _personal_cf_check_char(first_fifteen: str) -> str:
    total = 0
    for index, char in enumerate(first_fifteen):
        if index % 2 == 0:
            total += _CF_ODD[char]
        else:
            total += int(char) if char.isdigit() else ord(char) - ord("A")
    return chr(ord("A") + total % 26)


def is_valid_codice_fiscale(value: str) -> bool:
    """Organisations have an 11-digit codice fiscale (same rule as partita IVA), people a 16-character one."""
    value = (value or "").strip().upper()
    if len(value) == 11:
        return is_valid_partita_iva(value)
    if len(value) != 16 or not value.isalnum():
        return False
    return _personal_cf_check_char(value[:15]) == value[15]


def validate_partita_iva(value: str) -> None:
    if not is_valid_partita_iva(value):
        raise ValidationError(
            _(
                "This partita IVA is not valid: it must be 11 digits with a correct check digit; "
                "copy it from the chamber of commerce record."
            ),
            code="invalid_partita_iva",
        )


def validate_codice_fiscale(value: str) -> None:
    if not is_valid_codice_fiscale(value):
        raise ValidationError(
            _(
                "This codice fiscale is not valid: it must be 11 digits or 16 letters and digits "
                "with a correct check character."
            ),
            code="invalid_codice_fiscale",
        )
