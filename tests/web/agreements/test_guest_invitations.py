"""An organisation's invitations page: its administrators accept or decline each invitation to a community
or to be a guest of an agreement there; its staff see them, other people do not (issue 18, finding 4)."""

from __future__ import annotations

import pytest

from tests.agreements.test_agreement_states import terms
from vicinato.agreements import communities, services
from vicinato.agreements.models import Community
from vicinato.register.models import Membership

pytestmark = pytest.mark.django_db


def page(pk: int, lang: str = "/en") -> str:
    return f"{lang}/gestione/organizzazioni/{pk}/inviti/"


def test_the_administrator_accepts_and_declines_on_the_page(
    client, association, association_admin, company, company_admin, host, host_admin, desks
):
    community = Community.objects.create(owner=association, name="Associati")
    to_community = communities.add_member(association_admin, community, company)
    agreement = services.save_agreement(host_admin, host, terms([desks], [company]))
    client.force_login(company_admin)
    shown = client.get(page(company.pk)).content.decode()
    assert "We are invited to join the community Associati." in shown
    assert f"Cowork Test S.r.l. invites us to be a guest of its agreement {agreement.name}." in shown
    italian = client.get(page(company.pk, "")).content.decode()
    assert "Siamo invitati a entrare nella comunità Associati." in italian
    accepted = client.post(page(company.pk), {"invitation": to_community.pk, "answer": "accept"}, follow=True)
    assert "Associati: invitation accepted." in accepted.content.decode()
    assert list(community.organisations.all()) == [company]
    invitation = agreement.invitations.get()
    declined = client.post(page(company.pk), {"invitation": invitation.pk, "answer": "decline"}, follow=True)
    assert f"{agreement.name}: invitation declined." in declined.content.decode()
    assert not agreement.guests.exists()
    assert client.post(page(company.pk), {"invitation": invitation.pk, "answer": "accept"}).status_code == 404


def test_only_its_administrators_answer(client, association, association_admin, company, member_factory):
    community = Community.objects.create(owner=association, name="Associati")
    invitation = communities.add_member(association_admin, community, company)
    client.force_login(member_factory("companystaff", company, Membership.Role.STAFF))
    shown = client.get(page(company.pk)).content.decode()
    assert "Our administrators answer it." in shown and 'value="accept"' not in shown
    assert client.post(page(company.pk), {"invitation": invitation.pk, "answer": "accept"}).status_code == 403
    client.force_login(association_admin)  # the inviter does not answer for the invited
    assert client.get(page(company.pk)).status_code == 403
    assert client.post(page(company.pk), {"invitation": invitation.pk, "answer": "accept"}).status_code == 403
    assert not community.organisations.exists()
