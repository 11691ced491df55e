"""The booking API's tests stand on the booking's fixtures: a desk room at the test place, people in each role."""

from tests.booking.conftest import (  # noqa: F401
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
