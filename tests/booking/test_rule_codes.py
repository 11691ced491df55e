"""Every code a refusal of the booking services gives is declared next to what gives it (the API lists them)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest

from vicinato.booking import services


def test_the_documented_codes_are_the_rules_codes():
    """Every code a booking rule or another refusal of the services gives is declared (so documented) where it
    is given, and no refusal gives a code written as a bare string that was not declared."""
    modules = [m for _finder, name, _pkg in pkgutil.iter_modules(services.__path__) for m in [name]]
    source = "".join(inspect.getsource(importlib.import_module(f"{services.__name__}.{m}")) for m in modules)
    literal = set(re.findall(r'Refusal\(\s*"(\w+)"', source)) | set(re.findall(r'code="(\w+)"', source))
    declared = set(re.findall(r'declare\(\s*"(\w+)"', source))
    assert literal <= set(services.RULE_CODES) and declared <= set(services.RULE_CODES)
    assert {"opening_hours", "per_day", "own_overlap", "checkin_code", "reason_required"} <= set(
        services.RULE_CODES
    )
    assert all(isinstance(means, str) and means for means in services.RULE_CODES.values())
    with pytest.raises(ValueError, match="Declare the refusal code 'made_up'"):
        services.Refusal("made_up", "start", "A rule nobody declared.")
