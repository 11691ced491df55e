"""What the booking engine asks the apps above it about who may book, without importing them.

Two questions: may this person book this resource, reserved to holders of an agreement, then (the agreements
app answers, counting quotas under its locks); and is this person an employee or member that one of these
organisations has verified. An app answers by registering a function here in its `AppConfig.ready()`, as
pretix's plugins answer its signals; the engine never imports them. With nothing registered, nobody holds an
agreement and nobody is a verified member.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from django.utils.translation import gettext as _

# (person, resource, start, end, exclude) -> None if the person may book, else why not. Called inside the
# booking's transaction, after the resource's lock: a gate may lock what it counts against.
Gate = Callable[..., str | None]
# (person, organisations) -> whether one of them has verified the person as an employee or member
Affiliation = Callable[..., bool]

_gates: list[Gate] = []
_affiliations: list[Affiliation] = []


def register_gate(gate: Gate) -> None:
    """Let `gate` decide who may book resources reserved to holders of an agreement (once per function)."""
    if gate not in _gates:
        _gates.append(gate)


def register_affiliation(check: Affiliation) -> None:
    """Let `check` tell whether a person is a verified employee or member of organisations."""
    if check not in _affiliations:
        _affiliations.append(check)


def agreement_refusal(
    person, resource, start: datetime, end: datetime, exclude: int | None = None
) -> str | None:
    """None if a gate lets the person book the resource then; else the first gate's refusal to show
    (`exclude`: a reservation not to count against quotas, the one being rescheduled)."""
    refusals = []
    for gate in _gates:
        refusal = gate(person, resource, start, end, exclude)
        if refusal is None:
            return None
        refusals.append(refusal)
    return refusals[0] if refusals else _("Only holders of an agreement may book this resource.")


def is_affiliated(person, organisations: Iterable) -> bool:
    organisations = list(organisations)
    return any(check(person, organisations) for check in _affiliations)
