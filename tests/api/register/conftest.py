"""Helpers of the register API's tests: a signed-in client's headers, JSON requests."""

import json

from vicinato.register.models import ApiToken


def token_for(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.objects.create(user=user).key}"}


def post(client, url, payload, user=None, method="post"):
    headers = token_for(user) if user else {}
    return getattr(client, method)(url, data=json.dumps(payload), content_type="application/json", **headers)
