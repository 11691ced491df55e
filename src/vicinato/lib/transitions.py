"""Workflows as data: each state machine is a table of transitions written next to its states, and one
`StateMachine.check` that refuses the rest in the same words and with the same status everywhere:

- a transition that does not exist, or is not allowed from the current state: `Conflict` (409);
- someone who may not apply it: `PermissionDenied` (403); only the scheduled jobs apply those with `by=None`;
- a transition that needs a note given without one: a `ValidationError` on the note field (422).

Each app applies the transition itself (what it records, locks and sends differs), after `check`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .errors import Conflict, field_error


@dataclass(frozen=True)
class Transition:
    sources: Mapping[str, str]  # from state -> to state
    by: Any = None  # the permission that applies it (an Action of the app's table); None: scheduled jobs only
    label: str = ""
    note_required: bool = False


@dataclass(frozen=True)
class StateMachine:
    transitions: Mapping[str, Transition]
    state_label: Callable[[str], str]  # a state's name for people
    subject: str  # lazy: "a reservation", "an application"... as the refusals name the thing
    note_field: str = "note"
    note_prompt: str = ""  # lazy: what to write, when a transition needs a note
    conflict: type[Conflict] = Conflict  # the app's own kind of Conflict, that its callers catch

    def get(self, name: str) -> Transition:
        spec = self.transitions.get(name)
        if spec is None:
            raise self.conflict(
                _("Unknown action '%(action)s'; use one of: %(actions)s.")
                % {"action": name, "actions": ", ".join(self.transitions)}
            )
        return spec

    def allowed(self, state: str, may: Callable[[Transition], bool] = lambda spec: True) -> list[str]:
        """The transitions that apply from `state` and that `may` admits (e.g. the person's permissions)."""
        return [name for name, spec in self.transitions.items() if state in spec.sources and may(spec)]

    def check(
        self,
        name: str,
        state: str,
        note: str = "",
        *,
        actor=None,
        require: Callable[[Any], None] | None = None,
    ) -> tuple[Transition, str]:
        """The transition `name` from `state`, and the state it leads to; or the refusal.

        `require(by)` raises PermissionDenied (in the app's words) unless the actor holds the permission `by`;
        without it, the caller checks permissions itself."""
        spec = self.get(name)
        if spec.by is None:
            if actor is not None:
                raise PermissionDenied(
                    _("Only the scheduled jobs may apply '%(action)s'.") % {"action": name}
                )
        elif require is not None:
            require(spec.by)
        if state not in spec.sources:
            raise self.conflict(
                _(
                    "'%(action)s' is not possible for %(subject)s that is '%(state)s'; it is possible from: %(sources)s."
                )
                % {
                    "action": spec.label or name,
                    "subject": self.subject,
                    "state": self.state_label(state),
                    "sources": ", ".join(str(self.state_label(s)) for s in spec.sources),
                }
            )
        if spec.note_required and not (note or "").strip():
            raise field_error(self.note_field, str(self.note_prompt), code=f"{self.note_field}_required")
        return spec, spec.sources[state]


def record_step(history, action: str, source: str, target: str, actor, at, note: str = "", **subject):
    """Write one applied transition to its workflow's history: `history` is the app's model of it (with the
    fields action, from_state, to_state, actor, at and note), `subject` names what moved (e.g.
    `application=...`)."""
    return history.objects.create(
        action=action, from_state=source, to_state=target, actor=actor, at=at, note=note, **subject
    )
