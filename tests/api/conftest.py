import pytest
from django.test import Client

# The middleware's tests (test_middleware.py) send booking requests.
from tests.booking.conftest import person, resource, staff  # noqa: F401


@pytest.fixture
def client():
    """The API answers in the language the client asks for; these tests read English."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")
