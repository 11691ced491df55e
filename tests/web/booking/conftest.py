"""The booking pages' people: the test organisation's staff member and administrator (of `people`)."""

import pytest


@pytest.fixture
def staff(people):
    return people["org_staff"]


@pytest.fixture
def admin(people):
    return people["org_admin"]
