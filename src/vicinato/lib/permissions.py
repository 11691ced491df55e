"""The part of every app's permission decision that does not depend on the app: a table of the actions each role
may take, and a user's roles on the object the action is about."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from typing import TypeVar

R = TypeVar("R")  # an app's roles
A = TypeVar("A")  # an app's actions


def screen(user) -> bool | None:
    """False for no one signed in or a deactivated account, True for a site administrator (allowed everything);
    None: the app decides."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return None


def table_allows(
    user, action: A, role_actions: Mapping[R, Collection[A]], roles: Callable[[], Iterable[R]]
) -> bool:
    """Whether `user` may take `action`: after `screen`, whether one of their `roles()` (asked only then) has it."""
    verdict = screen(user)
    if verdict is not None:
        return verdict
    return any(action in role_actions[role] for role in roles())
