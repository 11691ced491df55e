"""Naming a community as an agreement's guest through the API invites its owner's administrators: 202 and the
community listed in `invited_communities` until they answer; 200 when it is a guest at once (issue 18). The
rules: tests/agreements/test_community_guests.py."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.agreements.conftest import make_agreement
from tests.api.bearer import client_for
from vicinato.agreements import consent
from vicinato.agreements.models import Community
from vicinato.agreements.services import eligible_guests
from vicinato.register.models import Membership

pytestmark = pytest.mark.django_db
URL = "/api/v1/agreements"


def name(api, pilot, community):
    return api.post(
        f"{URL}/{pilot.pk}/communities", {"community": community}, content_type="application/json"
    )


def test_naming_a_community_invites_its_owner_and_accepting_makes_its_people_eligible(
    host_admin, pilot, community, association_admin, employee
):
    api = client_for(host_admin)
    invited = name(api, pilot, community.pk)
    assert invited.status_code == 202
    assert (invited.json()["communities"], invited.json()["invited_communities"]) == ([], ["Associati"])
    # Asking again sends nothing new: the same invitation waits.
    assert name(api, pilot, community.pk).status_code == 202
    assert consent.pending(agreement=pilot).count() == 1
    consent.answer(association_admin, consent.pending(agreement=pilot).get(), accept=True)
    body = api.get(f"{URL}/{pilot.pk}").json()
    assert (body["communities"], body["invited_communities"]) == (["Associati"], [])
    assert "Lombarda Software S.p.A." in body["guests"] and eligible_guests(employee, pilot).exists()
    assert name(api, pilot, community.pk).status_code == 200


def test_the_owners_administrator_names_it_at_once(host_admin, association, pilot, community):
    Membership.objects.create(organisation=association, user=host_admin, role=Membership.Role.ADMIN)
    answer = name(client_for(host_admin), pilot, community.pk)
    assert answer.status_code == 200 and answer.json()["communities"] == ["Associati"]


def test_a_patch_that_ticks_a_community_invites_it_and_a_later_patch_keeps_the_invitation(
    host_admin, pilot, community
):
    api = client_for(host_admin)
    changed = api.patch(f"{URL}/{pilot.pk}", {"communities": [community.pk]}, content_type="application/json")
    assert changed.status_code == 200
    assert (changed.json()["communities"], changed.json()["invited_communities"]) == ([], ["Associati"])
    kept = api.patch(f"{URL}/{pilot.pk}", {"desks_per_day": 3}, content_type="application/json")
    assert kept.json()["invited_communities"] == ["Associati"] and not pilot.communities.exists()
    dropped = api.patch(f"{URL}/{pilot.pk}", {"communities": []}, content_type="application/json")
    assert dropped.json()["invited_communities"] == [] and not consent.pending(agreement=pilot).exists()


def test_taking_a_community_out_or_its_invitation_back(host_admin, pilot, community):
    api = client_for(host_admin)
    name(api, pilot, community.pk)
    withdrawn = api.delete(f"{URL}/{pilot.pk}/communities/{community.pk}")
    assert withdrawn.status_code == 200 and withdrawn.json()["invited_communities"] == []
    again = api.delete(f"{URL}/{pilot.pk}/communities/{community.pk}")
    assert again.status_code == 422
    assert again.json()["errors"] == {"community": ["Associati is not a guest of Smart Working Community."]}


def test_refusals_say_what_to_fix(host_admin, pilot, company, company_admin, community):
    api = client_for(host_admin)
    unknown = name(api, pilot, 2**64)
    assert unknown.status_code == 422 and unknown.json()["errors"] == {
        "community": ["No community has this id."]
    }
    assert api.delete(f"{URL}/{pilot.pk}/communities/{2**64}").status_code == 404
    run_by_the_site = Community.objects.create(name="Imprese")
    refused = name(api, pilot, run_by_the_site.pk)
    assert (
        refused.status_code == 422
        and "Only the site's administrators" in refused.json()["errors"]["communities"][0]
    )
    # A guest's administrator does not name communities.
    pilot.guests.add(company)
    assert name(client_for(company_admin), pilot, community.pk).status_code == 403
    assert not pilot.communities.exists() and not consent.pending(agreement=pilot).exists()


def test_the_rate_limit_answers_429(host, host_admin, desks, community):
    api = client_for(host_admin)
    for n in range(consent.INVITATIONS_TO_ORGANISATION.count):
        assert name(api, make_agreement(host, [], [desks], name=f"A{n}"), community.pk).status_code == 202
    assert name(api, make_agreement(host, [], [desks], name="Troppi"), community.pk).status_code == 429


def test_the_openapi_document_declares_the_202():
    document = Client().get("/api/v1/openapi.json").json()
    responses = document["paths"][f"{URL}/{{pk}}/communities"]["post"]["responses"]
    assert {"200", "202", "422", "429"} <= set(responses)
    schema = responses["202"]["content"]["application/json"]["schema"]["$ref"]
    assert schema == "#/components/schemas/AgreementOut"
    assert "invited_communities" in document["components"]["schemas"]["AgreementOut"]["properties"]
    assert "delete" in document["paths"][f"{URL}/{{pk}}/communities/{{community}}"]
