"""Database checks that the models write alike."""

from __future__ import annotations

from django.db import models


def ends_after(
    name: str, end: str = "end", start: str = "start", *, or_equal: bool = False
) -> models.CheckConstraint:
    """A row's `end` after its `start` (or the same, with `or_equal`: days that include the last one)."""
    lookup = "gte" if or_equal else "gt"
    return models.CheckConstraint(condition=models.Q(**{f"{end}__{lookup}": models.F(start)}), name=name)
