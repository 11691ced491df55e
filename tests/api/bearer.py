"""Signing in to the API by a bearer token of one's own: the request headers, or a test client reading English."""

from __future__ import annotations

from django.test import Client

from vicinato.register.models import ApiToken


def bearer(user) -> dict:
    """The headers of a request by `user`, with a new token of theirs."""
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.objects.create(user=user).key}"}


def client_for(user) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en", **bearer(user))
