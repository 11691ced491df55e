import pytest
from django.core.exceptions import ValidationError

from vicinato.register.validators import (
    is_valid_codice_fiscale,
    is_valid_partita_iva,
    validate_codice_fiscale,
    validate_partita_iva,
)


@pytest.mark.parametrize("value", ["12345678903", "IT12345678903", "00743110157", "01234567897"])
def test_valid_partita_iva(value):
    assert is_valid_partita_iva(value)


@pytest.mark.parametrize(
    "value", ["12345678901", "1234567890", "123456789030", "ABCDEFGHILM", "", "00743110158"]
)
def test_invalid_partita_iva(value):
    assert not is_valid_partita_iva(value)
    with pytest.raises(ValidationError, match="check digit"):
        validate_partita_iva(value)


@pytest.mark.parametrize("value", ["RSSMRA85T10A562S", "rssmra85t10a562s", "00743110157"])
def test_valid_codice_fiscale(value):
    assert is_valid_codice_fiscale(value)


@pytest.mark.parametrize("value", ["RSSMRA85T10A562T", "RSSMRA85T10A562", "RSSMRA85T10A56-S", "00743110158"])
def test_invalid_codice_fiscale(value):
    assert not is_valid_codice_fiscale(value)
    with pytest.raises(ValidationError):
        validate_codice_fiscale(value)


def test_omocodia_codice_fiscale_is_checked_too():
    # Omocodia replaces digits with letters (7 -> T); the check character follows the letters.
    assert is_valid_codice_fiscale("RSSMRA85T10A56NH")
    assert not is_valid_codice_fiscale("RSSMRA85T10A56NS")
