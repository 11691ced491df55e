"""Communities: groups of organisations that take part in agreements together (e.g. the members of a business
association and the municipality), run by one organisation whose administrators set who belongs."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vicinato.lib import mail
from vicinato.register.models import Organisation

from .forms import CommunityForm
from .memberships import admin_emails
from .models import Agreement, Community
from .permissions import Action, require


def _errors(form) -> ValidationError:
    return ValidationError(
        {name: [e["message"] for e in found] for name, found in form.errors.get_json_data().items()}
    )


def save_community(actor, owner: Organisation | None, data, community: Community | None = None) -> Community:
    """Create a community run by `owner`, or change one's name, description and member organisations."""
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
        for organisation in after - before:
            _tell_admins(saved, organisation, joined=True)
        for organisation in before - after:
            _tell_admins(saved, organisation, joined=False)
        return saved


def add_member(actor, community: Community, organisation: Organisation) -> Community:
    require(actor, Action.EDIT_COMMUNITY, community)
    if not community.organisations.filter(pk=organisation.pk).exists():
        community.organisations.add(organisation)
        _tell_admins(community, organisation, joined=True)
    return community


def remove_member(actor, community: Community, organisation: Organisation) -> Community:
    """Take an organisation out: its people no longer book under the community's agreements (bookings already
    made stay)."""
    require(actor, Action.EDIT_COMMUNITY, community)
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
    _tell_admins(community, organisation, joined=False)
    return community


def _tell_admins(community: Community, organisation: Organisation, joined: bool) -> None:
    """Tell the organisation's administrators that it was put into, or taken out of, a community: their
    people gain or lose the community's agreements, and they did not make the change themselves."""

    def render():
        names = {"organisation": organisation.legal_name, "community": community.name}
        runner = community.owner.legal_name if community.owner else _("the site's administrators")
        if joined:
            subject = _("%(organisation)s has joined the community %(community)s") % names
            body = _(
                "%(runner)s added %(organisation)s to the community %(community)s. Its employees and members "
                "may book under the agreements open to the community: %(agreements)s. If this is a mistake, "
                "write to %(runner)s."
            ) % {
                **names,
                "runner": runner,
                "agreements": ", ".join(
                    a.name for a in community.agreements.filter(state=Agreement.State.ACTIVE)
                )
                or _("none active yet"),
            }
        else:
            subject = _("%(organisation)s has left the community %(community)s") % names
            body = _(
                "%(runner)s took %(organisation)s out of the community %(community)s. Its people no longer "
                "book under the community's agreements; bookings already made stay."
            ) % {**names, "runner": runner}
        return subject, body

    mail.send(admin_emails(organisation), render)
