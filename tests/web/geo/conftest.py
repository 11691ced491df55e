"""The pages of geography stand on geography's fixtures."""

from tests.geo.conftest import by_the_metro  # noqa: F401
