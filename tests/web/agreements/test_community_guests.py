"""On the pages, ticking a community on an agreement's form invites the organisation that runs it; its
administrators accept or decline on its Invitations tab (issue 18). The rules: tests/agreements/test_community_guests.py."""

from __future__ import annotations

import re

import pytest

from vicinato.agreements import consent
from vicinato.agreements.forms import agreement_data
from vicinato.agreements.models import Community
from vicinato.agreements.services import eligible_guests

pytestmark = pytest.mark.django_db


def form_data(pilot, *communities) -> dict:
    data = {k: v for k, v in agreement_data(pilot).items() if k != "guests"}
    return {**data, "communities": [c.pk for c in communities]}


def invitations(pk: int, lang: str = "/en") -> str:
    return f"{lang}/gestione/organizzazioni/{pk}/inviti/"


def test_ticking_a_community_invites_its_owner_who_accepts_on_the_invitations_tab(
    client, host_admin, pilot, community, association, association_admin, employee
):
    client.force_login(host_admin)
    saved = client.post(f"/en/convenzioni/{pilot.pk}/modifica/", form_data(pilot, community), follow=True)
    body = saved.content.decode()
    assert "The agreement has been saved." in body
    assert "communities invited (guests once their owners accept): Associati" in body
    assert not pilot.communities.exists()
    # The form shows the community ticked while the invitation waits.
    form = client.get(f"/en/convenzioni/{pilot.pk}/modifica/").content.decode()
    assert re.search(rf'name="communities" value="{community.pk}" [^>]*checked', form)
    client.force_login(association_admin)
    shown = client.get(invitations(association.pk)).content.decode()
    assert (
        "Cowork Test S.r.l. invites our community Associati to be a guest of its agreement Smart Working "
        "Community: the people of every organisation in it could book there." in shown
    )
    italian = client.get(invitations(association.pk, "")).content.decode()
    assert "invita la nostra comunità Associati a essere ospite della sua convenzione" in italian
    invitation = consent.pending(agreement=pilot).get()
    accepted = client.post(
        invitations(association.pk), {"invitation": invitation.pk, "answer": "accept"}, follow=True
    )
    assert "Smart Working Community: invitation accepted." in accepted.content.decode()
    assert list(pilot.communities.all()) == [community] and eligible_guests(employee, pilot).exists()


def test_a_declined_invitation_adds_nothing(
    client, host_admin, pilot, community, association, association_admin
):
    client.force_login(host_admin)
    client.post(f"/en/convenzioni/{pilot.pk}/modifica/", form_data(pilot, community))
    invitation = consent.pending(agreement=pilot).get()
    client.force_login(association_admin)
    declined = client.post(
        invitations(association.pk), {"invitation": invitation.pk, "answer": "decline"}, follow=True
    )
    assert "Smart Working Community: invitation declined." in declined.content.decode()
    assert not pilot.communities.exists()


def test_a_member_organisations_administrator_cannot_answer_for_the_community(
    client, host_admin, pilot, community, association, company, company_admin
):
    client.force_login(host_admin)
    client.post(f"/en/convenzioni/{pilot.pk}/modifica/", form_data(pilot, community))
    invitation = consent.pending(agreement=pilot).get()
    client.force_login(company_admin)
    # Not on the member's own tab, and not on the owner's.
    assert (
        client.post(invitations(company.pk), {"invitation": invitation.pk, "answer": "accept"}).status_code
        == 404
    )
    assert (
        client.post(
            invitations(association.pk), {"invitation": invitation.pk, "answer": "accept"}
        ).status_code
        == 403
    )
    assert not pilot.communities.exists()


def test_a_community_run_by_the_site_is_refused_next_to_the_field(client, host_admin, pilot, company):
    run_by_the_site = Community.objects.create(name="Imprese del Municipio 9")
    client.force_login(host_admin)
    answer = client.post(f"/en/convenzioni/{pilot.pk}/modifica/", form_data(pilot, run_by_the_site))
    body = answer.content.decode()
    assert answer.status_code == 200
    assert "Only the site&#x27;s administrators can name these communities" in body
    assert not pilot.communities.exists() and not consent.pending(agreement=pilot).exists()
