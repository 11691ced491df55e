"""The geography API's tests stand on geography's fixtures: two listed places on the real Milan streets."""

from tests.geo.conftest import by_the_metro  # noqa: F401
