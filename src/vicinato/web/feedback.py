"""A service's refusal shown to a person: each of its sentences above the page (a form's own errors go next to
its fields, with `vicinato.lib.forms.add_errors`)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError


def refusal_messages(error: Exception) -> list[str]:
    """The sentences of a refusal: every message of a ValidationError, else the refusal's own (a Conflict, a
    PermissionDenied)."""
    return error.messages if isinstance(error, ValidationError) else [str(error)]


def refusal_text(error: Exception) -> str:
    """The refusal in one line."""
    return " ".join(refusal_messages(error))


def show_refusal(request, error: Exception) -> None:
    """Each sentence of the refusal as an error message of the next page."""
    for message in refusal_messages(error):
        messages.error(request, message)
