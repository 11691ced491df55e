"""Nobody joins an organisation's staff or administrators without accepting an invitation sent to their own
address; looking people up never tells whether an account exists or whose it is (issue 18, finding 4)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from vicinato.lib.errors import Conflict
from vicinato.register import staff
from vicinato.register.models import Membership
from vicinato.register.services import set_membership

pytestmark = pytest.mark.django_db


def test_adding_someone_sends_an_invitation_and_makes_nobody_a_member(
    people, organisation, django_capture_on_commit_callbacks
):
    worker = people["worker"]
    with django_capture_on_commit_callbacks(execute=True):
        invitation = set_membership(
            people["org_admin"], organisation, "worker@example.org", Membership.Role.ADMIN
        )
    assert not organisation.memberships.filter(user=worker).exists()
    assert mail.outbox[0].to == ["worker@example.org"]
    assert invitation.token in mail.outbox[0].body
    membership = staff.accept(invitation.token, worker)
    assert (membership.user, membership.role) == (worker, Membership.Role.ADMIN)


def test_an_invitation_is_the_invited_addresss_and_single_use(people, organisation):
    invitation = set_membership(
        people["org_admin"], organisation, "worker@example.org", Membership.Role.STAFF
    )
    with pytest.raises(Conflict, match="sent to another e-mail address"):
        staff.accept(invitation.token, people["reviewer"])
    assert not organisation.memberships.filter(user=people["reviewer"]).exists()
    staff.accept(invitation.token, people["worker"])
    with pytest.raises(Conflict, match="already been used"):
        staff.accept(invitation.token, people["worker"])


def test_an_expired_invitation_admits_nobody(people, organisation):
    invitation = set_membership(
        people["org_admin"], organisation, "worker@example.org", Membership.Role.STAFF
    )
    with pytest.raises(Conflict, match="expired"):
        staff.accept(invitation.token, people["worker"], now=timezone.now() + timedelta(days=15))


@pytest.mark.parametrize("who", ["worker", "nobody-at-all"])
def test_a_username_outside_the_organisation_says_nothing_about_the_account(people, organisation, who):
    with pytest.raises(ValidationError) as caught:
        set_membership(people["org_admin"], organisation, who, Membership.Role.STAFF)
    # The same words whether or not the account exists, and never a name.
    assert caught.value.message_dict["user"] == [
        "Enter the e-mail address of the person to invite: they receive a link to accept."
    ]
