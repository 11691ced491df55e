"""Helpers of the register API's tests: JSON requests, by a signed-in person or no one."""

import json

from tests.api.bearer import bearer


def post(client, url, payload, user=None, method="post"):
    headers = bearer(user) if user else {}
    return getattr(client, method)(url, data=json.dumps(payload), content_type="application/json", **headers)
