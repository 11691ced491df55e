"""Nobody makes an organisation a member of a community or a guest of an agreement: its administrators are
invited, and it joins only when one of them accepts (issue 18, finding 4). The pages:
tests/web/agreements/test_guest_invitations.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from vicinato.agreements import communities, consent, services
from vicinato.agreements.models import Community
from vicinato.agreements.permissions import guest_organisations
from vicinato.lib import ratelimit
from vicinato.lib.errors import Conflict
from vicinato.register.models import Membership

from .test_agreement_states import terms

pytestmark = pytest.mark.django_db


@pytest.fixture
def community(association):
    return Community.objects.create(owner=association, name="Associati")


def test_an_organisation_ticked_is_invited_and_joins_only_when_its_administrator_accepts(
    association, association_admin, community, company, company_admin
):
    communities.save_community(
        association_admin, None, {"name": "Associati", "organisations": [company.pk]}, community
    )
    assert not community.organisations.exists() and list(consent.invited(community)) == [company]
    invitation = consent.pending(community=community).get()
    consent.answer(company_admin, invitation, accept=True)
    assert list(community.organisations.all()) == [company] and not consent.invited(community).exists()
    with pytest.raises(Conflict, match="already been used"):
        consent.answer(company_admin, invitation, accept=True)


def test_a_declined_invitation_adds_nothing_and_cannot_be_accepted_after(
    association_admin, community, company, company_admin
):
    invitation = communities.add_member(association_admin, community, company)
    consent.answer(company_admin, invitation, accept=False)
    assert not community.organisations.exists() and not consent.invited(community).exists()
    with pytest.raises(Conflict, match="already been declined"):
        consent.answer(company_admin, invitation, accept=True)
    assert not community.organisations.exists()


def test_only_the_invited_organisations_administrators_answer(
    association_admin, community, company, member_factory, user_factory
):
    invitation = communities.add_member(association_admin, community, company)
    company_staff = member_factory("companystaff", company, Membership.Role.STAFF)
    root = user_factory("root", is_superuser=True)
    for someone in (association_admin, company_staff, root):
        with pytest.raises(PermissionDenied):
            consent.answer(someone, invitation, accept=True)
    assert not community.organisations.exists()


def test_an_administrator_of_both_adds_at_once(association, association_admin, community, company):
    Membership.objects.create(organisation=company, user=association_admin, role=Membership.Role.ADMIN)
    assert communities.add_member(association_admin, community, company) is None
    assert list(community.organisations.all()) == [company]


def test_an_expired_invitation_admits_nobody_and_a_new_one_can_be_sent(
    association_admin, community, company, company_admin
):
    invitation = communities.add_member(association_admin, community, company)
    later = timezone.now() + timedelta(days=consent.INVITATION_DAYS + 1)
    with pytest.raises(Conflict, match="expired"):
        consent.answer(company_admin, invitation, accept=True, now=later)
    [again] = consent.invite(association_admin, community, [company], now=later)
    assert again != invitation
    consent.answer(company_admin, again, accept=True, now=later)
    assert list(community.organisations.all()) == [company]


def test_taking_an_organisation_out_before_it_answers_takes_the_invitation_back(
    association_admin, community, company, company_admin
):
    invitation = communities.add_member(association_admin, community, company)
    communities.remove_member(association_admin, community, company)
    with pytest.raises(Conflict):
        consent.answer(company_admin, invitation, accept=True)
    assert not community.organisations.exists()


def test_a_guest_of_an_agreement_is_invited(host, host_admin, desks, company, company_admin, city_hall):
    agreement = services.save_agreement(host_admin, host, terms([desks], [company, city_hall]))
    assert not guest_organisations(agreement).exists()
    assert [o.legal_name for o in consent.invited(agreement)] == [
        "Comune di Milano",
        "Lombarda Software S.p.A.",
    ]
    consent.answer(
        company_admin, consent.pending(agreement=agreement, organisation=company).get(), accept=True
    )
    assert list(guest_organisations(agreement)) == [company]
    # Saving the terms again keeps the guest and the invitation still waiting, and sends none again.
    services.save_agreement(
        host_admin, host, terms([desks], [company, city_hall], name="Pilota 2"), agreement
    )
    assert list(agreement.guests.all()) == [company] and consent.pending(agreement=agreement).count() == 1


def test_unticking_an_invited_organisation_takes_its_invitation_back(
    host, host_admin, desks, company, company_admin, city_hall
):
    agreement = services.save_agreement(host_admin, host, terms([desks], [company, city_hall]))
    invitation = consent.pending(agreement=agreement, organisation=company).get()
    services.save_agreement(host_admin, host, terms([desks], [city_hall]), agreement)
    assert [o.legal_name for o in consent.invited(agreement)] == ["Comune di Milano"]
    with pytest.raises(Conflict):
        consent.answer(company_admin, invitation, accept=True)
    assert not agreement.guests.exists()


def test_invitations_to_one_organisation_are_limited(association, association_admin, company, settings):
    for n in range(consent.INVITATIONS_TO_ORGANISATION.count):
        consent.invite(
            association_admin, Community.objects.create(owner=association, name=f"C{n}"), [company]
        )
    with pytest.raises(ratelimit.RateLimited):
        consent.invite(
            association_admin, Community.objects.create(owner=association, name="Troppe"), [company]
        )
