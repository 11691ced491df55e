"""The booking API (/api/v1/booking/): thin endpoints over `vicinato.booking.services`, which decide.

One router (`common.router`); each module adds its endpoints to it when imported."""

from . import lists, operators, passes, reservations  # noqa: F401
from .common import router

__all__ = ["router"]
