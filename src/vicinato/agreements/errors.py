"""The refusal every module of the app raises when a move cannot be made now."""

from django.utils.translation import gettext as _

from vicinato.booking.services import BookingError


class ConflictError(BookingError):
    """A move that cannot be made now (a used invitation, an agreement that cannot start, a spent budget).

    A kind of the booking engine's error, so that the API answers 409 with its message in the same way."""


def unknown_action(action: str, known) -> ConflictError:
    return ConflictError(
        _("Unknown action '%(action)s'; use one of: %(actions)s.")
        % {"action": action, "actions": ", ".join(known)}
    )
