"""Communities: groups of organisations that take part in agreements together (e.g. the members of a business
association and the municipality), run by one organisation whose administrators set who belongs."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vicinato.lib import mail
from vicinato.register.models import Organisation

from . import consent
from .forms import CommunityForm
from .models import Community, GuestInvitation
from .permissions import Action, admin_emails, require


def _errors(form) -> ValidationError:
    return ValidationError(
        {name: [e["message"] for e in found] for name, found in form.errors.get_json_data().items()}
    )


def save_community(actor, owner: Organisation | None, data, community: Community | None = None) -> Community:
    """Create a community run by `owner`, or change one's name, description and member organisations: an
    organisation ticked that is not a member yet is invited (`consent.invite`), one unticked leaves."""
    if community is None:
        if owner is None:
            raise ValidationError({"owner": [_("Give the id of the organisation that runs the community.")]})
        require(actor, Action.FORM_COMMUNITY, owner)
    else:
        require(actor, Action.EDIT_COMMUNITY, community)
    before = set(community.organisations.all()) if community is not None else set()
    form = CommunityForm(data, instance=community or Community(owner=owner))
    if not form.is_valid():
        raise _errors(form)
    with transaction.atomic():
        saved = form.save()
        after = set(saved.organisations.all())
        saved.organisations.remove(*(after - before))
        consent.invite(actor, saved, sorted(after - before, key=lambda o: o.pk))
        for organisation in before - after:
            _tell_admins(saved, organisation)
        return saved


def add_member(actor, community: Community, organisation: Organisation) -> GuestInvitation | None:
    """Invite an organisation into the community; None when it is a member (already, or at once because the
    actor is one of its administrators)."""
    require(actor, Action.EDIT_COMMUNITY, community)
    with transaction.atomic():
        sent = consent.invite(actor, community, [organisation])
    return sent[0] if sent else None


def remove_member(actor, community: Community, organisation: Organisation) -> Community:
    """Take an organisation out: its people no longer book under the community's agreements (bookings already
    made stay). One only invited has its invitation taken back."""
    require(actor, Action.EDIT_COMMUNITY, community)
    if consent.withdraw(community, organisation):
        return community
    if not community.organisations.filter(pk=organisation.pk).exists():
        raise ValidationError(
            {
                "organisation": [
                    _("%(organisation)s is not a member of %(community)s.")
                    % {"organisation": organisation.legal_name, "community": community.name}
                ]
            }
        )
    community.organisations.remove(organisation)
    _tell_admins(community, organisation)
    return community


def _tell_admins(community: Community, organisation: Organisation) -> None:
    """Tell the organisation's administrators that it was taken out of a community: their people lose the
    community's agreements, and they did not make the change themselves."""

    def render():
        names = {"organisation": organisation.legal_name, "community": community.name}
        runner = community.owner.legal_name if community.owner else _("the site's administrators")
        subject = _("%(organisation)s has left the community %(community)s") % names
        body = _(
            "%(runner)s took %(organisation)s out of the community %(community)s. Its people no longer "
            "book under the community's agreements; bookings already made stay."
        ) % {**names, "runner": runner}
        return subject, body

    mail.send(admin_emails(organisation), render)
