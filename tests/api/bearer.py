"""A test client signed in to the API by a bearer token of its own, reading English."""

from __future__ import annotations

from django.test import Client

from vicinato.register.models import ApiToken


def client_for(user) -> Client:
    token = ApiToken.objects.create(user=user)
    return Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Bearer {token.key}")
