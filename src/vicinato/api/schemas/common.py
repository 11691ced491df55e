"""Shapes the API's domains share: the error answer, opening intervals, a workflow's history."""

from __future__ import annotations

from datetime import datetime, time

from ninja import Field, Schema


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(default_factory=dict, description="Messages per field")
    codes: dict[str, list[str]] | None = Field(
        None, description="422 only: a machine-readable code per message, e.g. the booking rule that refused"
    )


class OpeningInterval(Schema):
    weekday: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    opens: time
    closes: time


# One step of a workflow (a register's application, a voucher application). A comment, not a docstring: the
# docstring would become the schema's description in the OpenAPI document.
class EventOut(Schema):
    action: str
    from_state: str
    to_state: str
    actor: str | None
    at: datetime
    note: str


def history(events) -> list[dict]:
    """A workflow's events (with their actor selected) as `EventOut`s, in their order."""
    return [
        {
            "action": e.action,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "actor": e.actor.username if e.actor else None,
            "at": e.at,
            "note": e.note,
        }
        for e in events
    ]
