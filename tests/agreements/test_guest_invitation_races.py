"""Guest invitations stay one per invitee and cannot be used out of time: a renewal after expiry replaces the
expired invitation, a second one waiting is refused by the database, an ended agreement takes no more guests, and
Django admin names communities all or nothing (issue 18, review). The rules: test_community_guests.py and
test_guest_invitations.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from vicinato.agreements import communities, consent, services
from vicinato.agreements.models import Agreement, Community, GuestInvitation
from vicinato.lib import ratelimit
from vicinato.lib.errors import Conflict

from .test_community_guests import admin_change, named

pytestmark = pytest.mark.django_db
LATER = timedelta(days=consent.INVITATION_DAYS + 1)


def test_a_community_invited_again_after_expiry_is_listed_once(host_admin, pilot, community):
    expired = services.add_community(host_admin, pilot, community)
    [again] = consent.invite_communities(host_admin, pilot, [community], now=timezone.now() + LATER)
    assert list(consent.pending(agreement=pilot)) == [again]
    assert not GuestInvitation.objects.filter(pk=expired.pk).exists()
    assert list(consent.invited_communities(pilot)) == [community]
    assert consent.named_communities(pilot) == [community.pk]


def test_an_organisation_invited_again_after_expiry_is_listed_once(association_admin, company, association):
    members = Community.objects.create(owner=association, name="Soci")
    communities.add_member(association_admin, members, company)
    [again] = consent.invite(association_admin, members, [company], now=timezone.now() + LATER)
    assert list(consent.pending(community=members)) == [again]
    assert list(consent.invited(members)) == [company]
    assert consent.named(members) == [company.pk]


def test_a_community_whose_owner_changed_is_listed_once(host_admin, pilot, community, company):
    services.add_community(host_admin, pilot, community)
    community.owner = company
    community.save()
    services.add_community(host_admin, pilot, community)
    assert consent.pending(agreement=pilot).count() == 2
    assert list(consent.invited_communities(pilot)) == [community]


@pytest.mark.parametrize("kind", ["community", "guest", "guest_community"])
def test_the_database_refuses_a_second_invitation_waiting_for_the_same_answer(
    kind, host_admin, pilot, community, company, association
):
    target = {
        "community": {"organisation": company, "community": community},
        "guest": {"organisation": company, "agreement": pilot},
        "guest_community": {"organisation": association, "agreement": pilot, "guest_community": community},
    }[kind]
    expires_at = timezone.now() + timedelta(days=1)
    first = GuestInvitation.objects.create(created_by=host_admin, expires_at=expires_at, **target)
    with pytest.raises(IntegrityError), transaction.atomic():
        GuestInvitation.objects.create(created_by=host_admin, expires_at=expires_at, **target)
    # Once the first is answered, another may wait.
    first.declined_at = timezone.now()
    first.save()
    GuestInvitation.objects.create(created_by=host_admin, expires_at=expires_at, **target)


def test_an_invitation_to_an_ended_agreement_can_be_declined_not_accepted(
    host_admin, pilot, community, association_admin
):
    invitation = services.add_community(host_admin, pilot, community)
    Agreement.objects.filter(pk=pilot.pk).update(state=Agreement.State.ENDED)
    with pytest.raises(Conflict, match="has ended and takes no more guests"):
        consent.answer(association_admin, invitation, accept=True)
    assert not pilot.communities.exists()
    consent.answer(association_admin, invitation, accept=False)
    assert not consent.invited_communities(pilot).exists()


def test_an_organisation_invited_to_an_ended_agreement_cannot_join(
    host, host_admin, pilot, company, company_admin
):
    services.save_agreement(host_admin, host, {**named(pilot), "guests": [company.pk]}, pilot)
    invitation = consent.pending(agreement=pilot).get()
    Agreement.objects.filter(pk=pilot.pk).update(state=Agreement.State.ENDED)
    with pytest.raises(Conflict, match="has ended"):
        consent.answer(company_admin, invitation, accept=True)
    assert not pilot.guests.exists()


def test_django_admin_names_communities_all_or_nothing(client, user_factory, pilot, community, association):
    second = Community.objects.create(owner=association, name="Altri associati")
    for _n in range(consent.INVITATIONS_TO_ORGANISATION.count - 1):
        ratelimit.hit(consent.INVITATIONS_TO_ORGANISATION, association.pk)
    client.force_login(user_factory("root", is_superuser=True, is_staff=True))
    answer = admin_change(client, pilot, community, second)
    body = answer.content.decode()
    assert answer.status_code == 200
    assert "Troppi inviti per ora" in body and "modificato correttamente" not in body
    assert not consent.pending(agreement=pilot).exists() and not pilot.communities.exists()
    # Nothing was counted either: the one invitation the limit still allows can be sent.
    admin_change(client, pilot, community)
    assert list(consent.invited_communities(pilot)) == [community]
