"""The booking API's tests stand on the booking's fixtures: a desk room at the test place, people in each role."""

import pytest
import time_machine

from tests.agreements.conftest import city_hall  # noqa: F401
from tests.booking.conftest import (  # noqa: F401
    NOW,
    admin,
    file_database,
    named,
    other_person,
    outsider,
    person,
    resource,
    run_worker,
    single,
    staff,
)


@pytest.fixture
def at_now():
    """The clock at the booking tests' NOW (Monday 4 March 2030, 07:00) for the whole test, fixtures included."""
    with time_machine.travel(NOW, tick=False):
        yield
