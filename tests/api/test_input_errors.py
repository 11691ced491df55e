"""What the security test found the API answering badly (issue 18, finding 9): every bad input is a 4xx in the
API's JSON error shape, with a message per field, and the OpenAPI document declares those answers."""

from __future__ import annotations

import json

import pytest

from tests.api.bearer import client_for
from tests.booking.conftest import at

pytestmark = pytest.mark.django_db


def send(client, method, url, body: str):
    return getattr(client, method)(url, data=body, content_type="application/json")


def assert_error_shape(answer, status):
    assert answer.status_code == status, answer.content
    assert answer["Content-Type"].startswith("application/json")
    body = answer.json()
    assert isinstance(body["detail"], str) and isinstance(body["errors"], dict)
    return body


@pytest.mark.parametrize(
    "name",
    ["Sur\ud800rogate", "Line\r\nBcc: someone@evil.example", "Tab\x07bell", "Null\x00byte"],
)
def test_a_place_name_with_a_surrogate_or_control_characters_is_a_field_error(people, place, name):
    url = f"/api/v1/places/{place.public_id}"
    answer = send(client_for(people["org_admin"]), "patch", url, json.dumps({"name_it": name}))
    body = assert_error_shape(answer, 422)
    assert list(body["errors"]) == ["name_it"]
    place.refresh_from_db()
    assert place.name_it == "Cowork Duomo"


def test_a_cancellation_reason_with_a_surrogate_is_a_field_error(listed, resource, person, day):
    mine = client_for(person)
    created = mine.post(
        "/api/v1/booking/reservations",
        {"resource": resource.pk, "start": at("09:00", day).isoformat(), "end": at("10:00", day).isoformat()},
        content_type="application/json",
    ).json()
    url = f"/api/v1/booking/reservations/{created['id']}/cancel"
    body = assert_error_shape(send(mine, "post", url, json.dumps({"reason": "Sur\ud800rogate"})), 422)
    assert list(body["errors"]) == ["reason"]
    # A reason may hold line breaks: it is a text, not a one-line field.
    assert send(mine, "post", url, json.dumps({"reason": "Ill.\nSorry."})).status_code == 200


def test_an_oversized_body_is_a_json_413(people):
    answer = send(
        client_for(people["org_admin"]), "post", "/api/v1/places", json.dumps({"x": "a" * 3_000_000})
    )
    assert_error_shape(answer, 413)


@pytest.mark.parametrize("body", ["{not json", '{"name_it": "a",}', "\xff\xfe"])
def test_malformed_json_is_a_400_in_the_error_shape(people, place, body):
    url = f"/api/v1/places/{place.public_id}"
    answer = send(client_for(people["org_admin"]), "patch", url, body)
    assert_error_shape(answer, 400)


@pytest.mark.parametrize("day", ["0344-03-05", "1899-12-31", "2201-01-01"])
def test_dates_outside_1900_2200_are_refused(client, listed, resource, day):
    answer = client.get(f"/api/v1/booking/resources/{resource.pk}/availability", {"day": day})
    body = assert_error_shape(answer, 422)
    assert body["codes"] == {"day": ["out_of_range"]}


def test_dates_inside_the_range_still_work(client, listed, resource):
    answer = client.get(f"/api/v1/booking/resources/{resource.pk}/availability", {"day": "2199-12-31"})
    assert answer.status_code == 200


def test_the_openapi_document_declares_the_error_answers(client):
    def no_duplicate_keys(pairs):
        keys = [key for key, _ in pairs]
        assert len(keys) == len(set(keys)), f"duplicated keys in the document: {keys}"
        return dict(pairs)

    document = json.loads(client.get("/api/v1/openapi.json").content, object_pairs_hook=no_duplicate_keys)
    paths = document["paths"]
    missing = []
    for path, operations in paths.items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            needed = {"422"}
            if "{" in path:
                needed.add("404")
            if operation.get("security"):
                needed |= {"401", "403"}
            if "requestBody" in operation:
                needed |= {"400", "413"}
            if needed - declared:
                missing.append(f"{method.upper()} {path}: {sorted(needed - declared)}")
    assert missing == []
