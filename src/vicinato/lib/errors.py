"""The refusals every service raises, each with the status the API answers it with.

- `Conflict` (409): the state of things refuses the request now: a transition not allowed from the current
  state, no unit free, a used invitation, a spent budget. Its message says why and what to do.
- Django's `ValidationError` (422): an input refuses: a field out of its rules, a missing note. Its messages are
  per field, each with a code (`Refusal.rule` for the booking rules).
- Django's `PermissionDenied` (403) and `Http404` (404).

Pages show the same messages: next to the fields for a `ValidationError`, above the page for the others.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class Conflict(Exception):
    """A request the state of things refuses now (409); the message says why and what to do."""

    status = 409


def field_error(field: str, message: str, code: str = "invalid") -> ValidationError:
    """A refusal of one field, with its code (the API gives it in `codes`)."""
    return ValidationError({field: [ValidationError(message, code=code)]})
