"""What the agreements' pages share: an organisation asked for by id (with the permission its page needs), the
id a button posts, a history of states, and a service's refusals merged into a form."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404

from vicinato.agreements.permissions import Action, require
from vicinato.lib.ids import id_or_404
from vicinato.register.models import Organisation


def history(events, states) -> list[tuple]:
    """Each state change with the translated name of the state it led to (the event stores its code)."""
    labels = dict(states.choices)
    return [(event, labels.get(event.to_state, event.to_state)) for event in events]


def get_organisation(request, pk: int, action: Action = Action.VIEW_ORGANISATION) -> Organisation:
    organisation = get_object_or_404(Organisation, pk=pk)
    require(request.user, action, organisation)
    return organisation


def posted_id(request, name: str) -> int:
    """The id a button posts (e.g. `decide=12`); 404 for anything that is not an id."""
    return id_or_404(request.POST.get(name, ""))


def merge_errors(form, error: ValidationError) -> None:
    """Add the service's refusals that the form's own validation did not find (e.g. a budget below what is
    already spent) next to their fields."""
    for name, found in error.message_dict.items():
        field = name if name in form.fields else None
        for message in found:
            if message not in form.errors.get(field or "__all__", []):
                form.add_error(field, message)
