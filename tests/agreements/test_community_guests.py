"""Nobody names a community as a guest of an agreement without its consent: the administrators of the
organisation that runs it are invited, and it becomes a guest only when one of them accepts; a community without
an owner is run by the site's administrators, and only one of them names it (issue 18). The API and the pages:
tests/api/agreements/test_community_guests.py, tests/web/agreements/test_community_guests.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from vicinato.agreements import communities, consent, services
from vicinato.agreements.models import Agreement, Community
from vicinato.agreements.services import bookable_agreements, eligible_guests
from vicinato.lib import ratelimit
from vicinato.lib.errors import Conflict
from vicinato.register.models import Membership

from .conftest import affiliate, make_agreement
from .test_agreement_states import terms

pytestmark = pytest.mark.django_db


def named(agreement: Agreement, *ticked: Community) -> dict:
    return terms(list(agreement.resources.all()), [], communities=[c.pk for c in ticked], name=agreement.name)


def test_a_community_named_on_the_form_is_invited_and_its_people_book_once_its_owner_accepts(
    host,
    host_admin,
    pilot,
    community,
    association_admin,
    employee,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        services.save_agreement(host_admin, host, named(pilot, community), pilot)
    assert not pilot.communities.exists() and list(consent.invited_communities(pilot)) == [community]
    assert not eligible_guests(employee, pilot).exists() and pilot not in bookable_agreements(employee)
    [invited] = mailoutbox
    assert invited.to == ["assoadmin@example.org"]
    assert "The community Associati is invited to be a guest of the agreement" in invited.subject
    assert "which Assolombarda Smart runs" in invited.body
    invitation = consent.pending(agreement=pilot).get()
    assert (invitation.organisation, invitation.guest_community, invitation.invitee) == (
        community.owner,
        community,
        community,
    )
    # The company's own list of guests shows no invitation of its own.
    assert not consent.invited(pilot).exists()
    consent.answer(association_admin, invitation, accept=True)
    assert list(pilot.communities.all()) == [community] and not consent.invited_communities(pilot).exists()
    assert [o.legal_name for o in eligible_guests(employee, pilot)] == ["Lombarda Software S.p.A."]
    assert pilot in bookable_agreements(employee)
    with pytest.raises(Conflict, match="already been used"):
        consent.answer(association_admin, invitation, accept=True)


def test_saving_the_terms_again_keeps_the_invitation_and_unticking_takes_it_back(
    host, host_admin, pilot, community, association_admin, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.save_agreement(host_admin, host, named(pilot, community), pilot)
        services.save_agreement(host_admin, host, {**named(pilot, community), "desks_per_day": 4}, pilot)
    assert consent.pending(agreement=pilot).count() == 1 and len(mailoutbox) == 1
    invitation = consent.pending(agreement=pilot).get()
    services.save_agreement(host_admin, host, named(pilot), pilot)
    assert not consent.pending(agreement=pilot).exists()
    with pytest.raises(Conflict, match="taken back"):
        consent.answer(association_admin, invitation, accept=True)
    assert not pilot.communities.exists()


def test_a_declined_or_expired_invitation_adds_nothing(
    host_admin, pilot, community, association_admin, employee
):
    declined = services.add_community(host_admin, pilot, community)
    consent.answer(association_admin, declined, accept=False)
    assert not pilot.communities.exists() and not consent.invited_communities(pilot).exists()
    with pytest.raises(Conflict, match="already been declined"):
        consent.answer(association_admin, declined, accept=True)
    expiring = services.add_community(host_admin, pilot, community)
    later = timezone.now() + timedelta(days=consent.INVITATION_DAYS + 1)
    with pytest.raises(Conflict, match="expired"):
        consent.answer(association_admin, expiring, accept=True, now=later)
    assert not pilot.communities.exists() and not eligible_guests(employee, pilot).exists()
    # A new invitation can be sent after the old one expired.
    [again] = consent.invite_communities(host_admin, pilot, [community], now=later)
    assert again != expiring


def test_only_the_owners_administrators_answer(
    host_admin, pilot, community, company_admin, member_factory, user_factory, association
):
    invitation = services.add_community(host_admin, pilot, community)
    owner_staff = member_factory("assostaff", association, Membership.Role.STAFF)
    root = user_factory("root", is_superuser=True)
    # The inviter, an administrator of a member organisation, the owner's staff, a site administrator.
    for someone in (host_admin, company_admin, owner_staff, root):
        with pytest.raises(PermissionDenied):
            consent.answer(someone, invitation, accept=True)
    assert not pilot.communities.exists()


def test_an_administrator_of_the_owner_names_it_at_once(host_admin, association, pilot, community):
    Membership.objects.create(organisation=association, user=host_admin, role=Membership.Role.ADMIN)
    assert services.add_community(host_admin, pilot, community) is None
    assert list(pilot.communities.all()) == [community] and not consent.pending(agreement=pilot).exists()


def test_a_community_without_owner_is_named_by_a_site_administrator_only(
    host, host_admin, pilot, company, employee, user_factory
):
    run_by_the_site = Community.objects.create(name="Imprese del Municipio 9")
    run_by_the_site.organisations.add(company)
    with pytest.raises(ValidationError) as refused:
        services.save_agreement(host_admin, host, named(pilot, run_by_the_site), pilot)
    assert refused.value.message_dict == {
        "communities": [
            "Only the site's administrators can name these communities, which they run, as guests: "
            "Imprese del Municipio 9. Ask them, or name the organisations in them."
        ]
    }
    assert not pilot.communities.exists() and not consent.pending(agreement=pilot).exists()
    root = user_factory("root", is_superuser=True)
    assert services.add_community(root, pilot, run_by_the_site) is None
    assert list(pilot.communities.all()) == [run_by_the_site] and eligible_guests(employee, pilot).exists()


def test_an_invitation_answered_after_the_community_changed_owner_admits_nobody(
    host_admin, pilot, community, association_admin, company
):
    invitation = services.add_community(host_admin, pilot, community)
    community.owner = company
    community.save()
    with pytest.raises(Conflict, match="now run by another organisation"):
        consent.answer(association_admin, invitation, accept=True)
    assert not pilot.communities.exists()


def test_invitations_to_one_owner_are_limited(host, host_admin, desks, community):
    for n in range(consent.INVITATIONS_TO_ORGANISATION.count):
        services.add_community(host_admin, make_agreement(host, [], [desks], name=f"A{n}"), community)
    extra = make_agreement(host, [], [desks], name="Troppi")
    with pytest.raises(ratelimit.RateLimited):
        services.add_community(host_admin, extra, community)
    assert not consent.pending(agreement=extra).exists()


def test_taking_a_community_out_or_its_invitation_back(host_admin, pilot, community, association):
    other = Community.objects.create(owner=association, name="Altri")
    services.add_community(host_admin, pilot, community)
    services.remove_community(host_admin, pilot, community)
    assert not consent.pending(agreement=pilot).exists()
    pilot.communities.add(other)
    services.remove_community(host_admin, pilot, other)
    assert not pilot.communities.exists()
    with pytest.raises(ValidationError, match="Altri is not a guest of"):
        services.remove_community(host_admin, pilot, other)


def test_only_the_host_names_communities(company_admin, pilot, community):
    with pytest.raises(PermissionDenied):
        services.add_community(company_admin, pilot, community)
    assert not consent.pending(agreement=pilot).exists()


def test_an_organisation_invited_into_a_community_is_told_its_owner_may_name_it_a_guest(
    association_admin, company, company_admin, mailoutbox, association, django_capture_on_commit_callbacks
):
    owned = Community.objects.create(owner=association, name="Nuova")
    with django_capture_on_commit_callbacks(execute=True):
        communities.add_member(association_admin, owned, company)
    [invited] = mailoutbox
    assert (
        "Once you have joined, Assolombarda Smart, which runs the community, may name it as a guest of "
        "agreements without asking you again." in invited.body
    )
    assert (
        "Una volta entrati, Assolombarda Smart, che gestisce la comunità, può indicarla come ospite di "
        "convenzioni senza chiedervelo di nuovo." in invited.body
    )


def test_the_people_of_a_member_organisation_are_eligible_through_the_accepted_community(
    host_admin, pilot, community, association_admin, user_factory, association
):
    member = user_factory("socio")
    affiliate(member, association)
    community.organisations.add(association)
    consent.answer(association_admin, services.add_community(host_admin, pilot, community), accept=True)
    assert list(eligible_guests(member, pilot)) == [association]


def admin_change(client, agreement: Agreement, *ticked: Community):
    """Post Django admin's change form of the agreement with its terms as they are and these communities."""
    data = {
        "host": agreement.host_id,
        "name": agreement.name,
        "resources": [r.pk for r in agreement.resources.all()],
        "communities": [c.pk for c in ticked],
        "desks_per_day": agreement.desks_per_day,
        "weekdays": "[0, 1, 2, 3, 4]",
        "starts_on": agreement.starts_on.isoformat(),
        "ends_on": agreement.ends_on.isoformat(),
        "price_cents_per_day": 0,
        "approval": agreement.approval,
        "events-TOTAL_FORMS": 0,
        "events-INITIAL_FORMS": 0,
    }
    return client.post(f"/admin/agreements/agreement/{agreement.pk}/change/", data, follow=True)


def test_django_admin_invites_an_owned_community_and_adds_one_without_owner(
    client, user_factory, pilot, community, association_admin, company
):
    run_by_the_site = Community.objects.create(name="Imprese del Municipio 9")
    client.force_login(user_factory("root", is_superuser=True, is_staff=True))
    answer = admin_change(client, pilot, community, run_by_the_site)
    assert answer.status_code == 200
    assert "Associati è invitata: diventa ospite quando gli amministratori" in answer.content.decode()
    assert list(pilot.communities.all()) == [run_by_the_site]
    assert list(consent.invited_communities(pilot)) == [community]
    consent.answer(association_admin, consent.pending(agreement=pilot).get(), accept=True)
    assert set(pilot.communities.all()) == {community, run_by_the_site}
