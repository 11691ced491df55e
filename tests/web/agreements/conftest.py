"""The agreements' fixtures (tests/agreements/conftest.py) for the pages' tests: a host with its desks reserved
to agreements, a company and the municipality as guests with their people, a funder's people, an association."""

from tests.agreements.conftest import (  # noqa: F401  (fixtures)
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
    funder_people,
    host,
    host_admin,
    host_staff,
    pilot,
    programme_people,
    spent,
)
