"""The agreements API's tests stand on the agreements' fixtures: hosts, guests, their people, desks."""

from tests.agreements.conftest import (  # noqa: F401
    agreement,
    association,
    association_admin,
    city_admin,
    city_hall,
    clerk,
    community,
    company,
    company_admin,
    desks,
    employee,
    host,
    host_admin,
    host_staff,
    pilot,
)
from tests.booking.conftest import file_database  # noqa: F401
