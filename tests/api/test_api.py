"""The REST API as a whole: its OpenAPI document and docs, its operation ids, its deprecated aliases, and the
language of its answers."""

import re

from django.test import Client
from django.urls import resolve


def operations(document: dict) -> dict[tuple[str, str], dict]:
    return {
        (method.upper(), path): operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }


def test_openapi_document_and_docs(client, db):
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert (
        "/api/v1/places" in document["paths"] and "/api/v1/applications/{pk}/transitions" in document["paths"]
    )
    assert client.get("/api/v1/docs").status_code == 200


def test_operation_ids_are_unique_and_those_first_published(client, db):
    """Generated clients name their methods after the operation ids: moving an endpoint keeps its id."""
    found = operations(client.get("/api/v1/openapi.json").json())
    ids = [operation["operationId"] for operation in found.values()]
    assert len(ids) == len(set(ids))
    assert {
        ("GET", "/api/v1/places"): "vicinato_api_api_list_places",
        ("GET", "/api/v1/places/nearby"): "vicinato_api_api_nearby_places",
        ("GET", "/api/v1/coverage"): "vicinato_api_api_coverage",
        ("POST", "/api/v1/applications/{pk}/transitions"): "vicinato_api_api_apply_transition",
        ("POST", "/api/v1/booking/reservations"): "vicinato_booking_api_create_reservation",
        ("GET", "/api/v1/booking/places/{public_id}/day-plan"): "vicinato_booking_api_day_plan",
        ("GET", "/api/v1/agreements"): "vicinato_agreements_api_list_agreements",
        ("POST", "/api/v1/agreements/{pk}/transitions"): "vicinato_agreements_api_move_agreement",
        ("GET", "/api/v1/agreements/vouchers/statement"): "vicinato_agreements_api_statement",
    }.items() <= {key: operation["operationId"] for key, operation in found.items()}.items()


def test_each_deprecated_path_names_its_replacement_which_answers_the_same(client, db):
    found = operations(client.get("/api/v1/openapi.json").json())
    deprecated = {key: operation for key, operation in found.items() if operation.get("deprecated")}
    assert {path for _method, path in deprecated} == {
        "/api/v1/booking/reservations/{pk}/move",
        "/api/v1/agreements/me/memberships",
        "/api/v1/agreements/memberships",
        "/api/v1/agreements/memberships/by-email",
        "/api/v1/agreements/memberships/confirm-email",
        "/api/v1/agreements/memberships/{pk}/leaving",
        "/api/v1/agreements/memberships/{pk}/end",
        "/api/v1/agreements/organisations/{pk}/memberships",
        "/api/v1/agreements/organisations/{pk}/memberships/{membership}/decision",
    }
    for (method, path), operation in deprecated.items():
        use = re.match(r"Deprecated: use (\w+) (\S+), ", operation["description"])
        assert use, f"{method} {path} does not say what to use instead"
        replacement = found[(use.group(1), use.group(2))]
        assert use.group(1) == method and not replacement.get("deprecated")
        assert replacement.get("requestBody") == operation.get("requestBody"), path
        assert replacement["responses"] == operation["responses"], path
        # The same parameters, but for the name of a path's own (`{membership}` became `{affiliation}`).
        assert len(replacement["parameters"]) == len(operation["parameters"]), path
        assert [p["in"] for p in replacement["parameters"]] == [p["in"] for p in operation["parameters"]]


def test_no_path_is_taken_by_another_ones_pattern(client, db):
    """Each documented path reaches its own endpoints: a pattern such as `/agreements/{pk}` registered before
    `/agreements/communities` would take it (and answer 405 to its methods)."""
    for path in client.get("/api/v1/openapi.json").json()["paths"]:
        route = resolve(re.sub(r"\{\w+\}", "1", path)).route
        assert "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route) == path


def test_api_answers_in_italian_by_default(db):
    response = Client().get("/api/v1/places?kind=castle")
    assert response.status_code == 422
    assert "Alcuni campi non sono validi" in response.json()["detail"]
