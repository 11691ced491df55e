"""The agreements' fixtures (tests/agreements/conftest.py) for the pages' tests: a host with its desks reserved
to agreements, a company and the municipality as guests with their people, a funder's people, an association."""

from tests.agreements.conftest import *  # noqa: F403  (fixtures)
