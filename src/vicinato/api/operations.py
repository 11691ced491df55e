"""The API's operation ids as first published, and deprecated aliases of renamed endpoints."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ninja import Router

# Operation ids name the module that held each endpoint when the API was first published
# ("vicinato_booking_api_create_reservation"). Generated clients name their methods after them, so they stay
# when an endpoint moves; a new endpoint's id follows the same pattern.
_FIRST_MODULES = {
    "vicinato.api.register": "vicinato.api.api",
    "vicinato.api.geo": "vicinato.api.api",
    "vicinato.api.booking": "vicinato.booking.api",
    "vicinato.api.agreements": "vicinato.agreements.api",
}


def operation_id(module: str, name: str) -> str:
    """The operation id of the endpoint `name` defined in `module` (a module of `vicinato.api`)."""
    for current, first in _FIRST_MODULES.items():
        if module == current or module.startswith(current + "."):
            module = first
            break
    return f"{module}_{name}".replace(".", "_")


def deprecated_alias(
    router: Router,
    method: str,
    path: str,
    handler: Callable,
    *,
    old_name: str,
    use: str,
    **options: Any,
) -> None:
    """Publish `handler` also at its old `path`, marked deprecated, under the operation id and URL name it
    had there (`old_name`); `use` says what to call instead (e.g. "POST /api/v1/booking/...")."""
    doc = inspect.cleandoc(handler.__doc__ or "")
    notice = f"Deprecated: use {use}, which takes the same request and gives the same answer."
    router.api_operation(
        [method],
        path,
        operation_id=operation_id(handler.__module__, old_name),
        url_name=old_name,
        description=f"{notice}\n\n{doc}" if doc else notice,
        deprecated=True,
        **options,
    )(handler)
