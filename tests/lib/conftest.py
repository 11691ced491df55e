"""The shared helpers are tried on the booking engine's tables: its fixtures, here too."""

from tests.booking.conftest import other_person, person, resource  # noqa: F401
