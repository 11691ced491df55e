"""Impact's fixtures (tests/impact/conftest.py), here too."""

from tests.impact.conftest import commuter, desks, near_home, staff  # noqa: F401
