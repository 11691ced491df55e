"""The record of one transition of a workflow (a register application, a site proposal): an abstract model that
holds no table of its own."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TransitionRecord(models.Model):
    """One transition: who, when, from which state to which, and why. A concrete record adds the foreign key to
    what changed, and gives `from_state` and `to_state` its states as choices (same names, same columns)."""

    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(_("note"), blank=True)
    # A note is written once, in its writer's language: pages mark it with it (`lang`) for screen readers.
    note_language = models.CharField(
        _("language of the note"), max_length=8, choices=settings.LANGUAGES, blank=True
    )

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_state} → {self.to_state}"
