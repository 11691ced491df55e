"""Applications to a register through the API: the same workflow as the pages, refusals as 403 and 409."""

from tests.api.bearer import bearer
from vicinato.register.models import Requirement

from .conftest import post


def test_application_workflow_through_the_api(client, people, place, register):
    created = post(
        client, "/api/v1/applications", {"place": place.public_id, "register": "milano"}, people["org_admin"]
    )
    assert created.status_code == 201
    application = created.json()
    assert application["state"] == "draft" and "submit" in application["allowed_actions"]
    url = f"/api/v1/applications/{application['id']}"
    place.desks = 5
    place.save()
    refused = post(client, f"{url}/transitions", {"action": "submit"}, people["org_admin"])
    assert refused.status_code == 409
    assert (
        refused.json()["failures"][0]["message"]
        == "The place has 5 desks; this register requires at least 11."
    )
    place.desks = 15
    place.save()
    assert (
        post(client, f"{url}/transitions", {"action": "submit"}, people["org_admin"]).json()["state"]
        == "submitted"
    )
    assert post(client, f"{url}/transitions", {"action": "approve"}, people["org_admin"]).status_code == 403
    check = register.requirements.get(kind=Requirement.Kind.REVIEWER_CHECK)
    response = post(client, f"{url}/checks", {"requirement": check.pk}, people["reviewer"])
    assert response.json()["pending_checks"] == []
    approved = post(
        client, f"{url}/transitions", {"action": "approve", "note": "ok"}, people["reviewer"]
    ).json()
    assert approved["state"] == "approved"
    assert [e["to_state"] for e in approved["history"]] == ["draft", "submitted", "approved"]
    wrong = post(client, f"{url}/transitions", {"action": "submit"}, people["org_admin"])
    assert wrong.status_code == 409 and "is not possible for an application" in wrong.json()["detail"]
    assert client.get(url, **bearer(people["other_admin"])).status_code == 403
    assert client.get(url, **bearer(people["worker"])).status_code == 403


def test_an_unknown_place_or_register_in_the_body_is_a_field_to_correct(client, people, place, register):
    """Found by schemathesis: an identifier in the body that names nothing answered 404, which the operation
    does not declare; it is a 422 on that field, in both languages."""
    unknown_place = post(
        client, "/api/v1/applications", {"place": "", "register": "milano"}, people["org_admin"]
    )
    assert unknown_place.status_code == 422
    assert unknown_place.json()["errors"] == {
        "place": ["Nothing with this identifier exists; check the value."]
    }
    assert unknown_place.json()["codes"] == {"place": ["not_found"]}
    headers = {**bearer(people["org_admin"]), "HTTP_ACCEPT_LANGUAGE": "it"}
    unknown_register = client.post(
        "/api/v1/applications",
        data={"place": place.public_id, "register": "atlantide"},
        content_type="application/json",
        **headers,
    )
    assert unknown_register.status_code == 422
    assert unknown_register.json()["errors"] == {
        "register": ["Non esiste nulla con questo identificativo: controlla il valore."]
    }
