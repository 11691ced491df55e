"""Errors of the site-planning optimiser, each with a sentence saying what to fix."""

from __future__ import annotations


class PlanningError(ValueError):
    """Bad input or a plan that cannot be made; the message says what to change."""


class InfeasiblePlanError(PlanningError):
    """No choice of sites meets the requirements (an equity target or a maximum time)."""
