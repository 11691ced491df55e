import pytest
from django.test import Client


@pytest.fixture
def client():
    """The API answers in the language the client asks for; these tests read English."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")
