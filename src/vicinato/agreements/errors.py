"""The refusal every module of the app raises when a request cannot be granted now (409)."""

from vicinato.lib.errors import Conflict


class ConflictError(Conflict):
    """A request that cannot be granted now (a used invitation, an agreement that cannot start, a spent
    budget); the message says why and what to do."""
