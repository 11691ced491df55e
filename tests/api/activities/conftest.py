"""The activities' fixtures (tests/activities/conftest.py), with the clock at their 'now' for the pages."""

import pytest
import time_machine

from tests.activities.conftest import *  # noqa: F403  (fixtures)
from tests.activities.conftest import NOW


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
