"""Communities: groups of organisations that take part in agreements together (e.g. the members of a business
association and the municipality), run by one organisation whose administrators set who belongs."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vicinato.register.models import Organisation

from .models import Community
from .permissions import Action, require


def _errors(form) -> ValidationError:
    return ValidationError(
        {name: [e["message"] for e in found] for name, found in form.errors.get_json_data().items()}
    )


def save_community(actor, owner: Organisation | None, data, community: Community | None = None) -> Community:
    """Create a community run by `owner`, or change one's name, description and member organisations."""
    from .forms import CommunityForm

    if community is None:
        if owner is None:
            raise ValidationError({"owner": [_("Give the id of the organisation that runs the community.")]})
        require(actor, Action.FORM_COMMUNITY, owner)
    else:
        require(actor, Action.EDIT_COMMUNITY, community)
    form = CommunityForm(data, instance=community or Community(owner=owner))
    if not form.is_valid():
        raise _errors(form)
    with transaction.atomic():
        return form.save()


def add_member(actor, community: Community, organisation: Organisation) -> Community:
    require(actor, Action.EDIT_COMMUNITY, community)
    community.organisations.add(organisation)
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
    return community
