"""Who runs an organisation: nobody joins its staff or administrators without accepting an invitation sent to
their own e-mail address, and looking someone up never tells whether an account exists or whose it is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from vicinato.lib import mail, ratelimit
from vicinato.lib.errors import Conflict

from .models import Membership, Organisation, StaffInvitation
from .permissions import Action, require

INVITATION_DAYS = 14
# Staff invitations an organisation sends, and those one address receives: at most these many a day.
INVITATIONS_BY_ORGANISATION = ratelimit.Limit("staff-invitations-organisation", 30, 86400)
INVITATIONS_TO_ADDRESS = ratelimit.Limit("staff-invitations-address", 3, 86400)


def invite(
    actor, organisation: Organisation, email: str, role: str, now: datetime | None = None
) -> StaffInvitation:
    """Send a single-use link to `email`; whoever holds an account of that address may accept it."""
    require(actor, Action.MANAGE_ORGANISATION, organisation)
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            {"user": [_("Enter the e-mail address of the person to invite: they receive a link to accept.")]}
        ) from None
    if role not in Membership.Role.values:
        raise ValidationError({"role": [_("Choose a role: administrator or staff.")]})
    ratelimit.hit_all((INVITATIONS_BY_ORGANISATION, organisation.pk), (INVITATIONS_TO_ADDRESS, email.lower()))
    invitation = StaffInvitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        created_by=actor,
        expires_at=(now or timezone.now()) + timedelta(days=INVITATION_DAYS),
    )

    def render():
        return _("Invitation to run %(organisation)s on Vicinato") % {"organisation": organisation}, _(
            "You are invited to join %(organisation)s on Vicinato as %(role)s. To accept, open this link signed "
            "in with an account of this e-mail address (valid until %(date)s): %(url)s\n\n"
            "If you do not know this organisation, ignore this message."
        ) % {
            "organisation": organisation,
            "role": invitation.get_role_display().lower(),
            "date": timezone.localtime(invitation.expires_at).date().isoformat(),
            "url": mail.link("web:staff_invitation", token=invitation.token),
        }

    mail.send(email, render)
    return invitation


def find(invitations: QuerySet, token: str):
    """The invitation of a link, among `invitations` (of a model of `AddressedInvitation`)."""
    found = invitations.filter(token=token).first()
    if found is None:
        raise ValidationError({"token": [_("This invitation link is not valid; ask for a new one.")]})
    return found


def accept_with(invitations: QuerySet, token: str, person, grant: Callable, now: datetime | None = None):
    """Accept an invitation sent to one address, as `person` (signed in with an account of that address, before it
    expires, once): `grant(invitation)` does what accepting means, and its result is given back."""
    now = now or timezone.now()
    if person is None or not person.is_authenticated:
        raise PermissionDenied(_("Sign in, or create an account, to accept the invitation."))
    with transaction.atomic():
        found = invitations.model.objects.select_for_update().get(pk=find(invitations, token).pk)
        refusal = found.refusal(person, now)
        if refusal:
            raise Conflict(refusal)
        result = grant(found)
        found.accepted_by, found.accepted_at = person, now
        found.save(update_fields=["accepted_by", "accepted_at"])
    return result


def invitation(token: str) -> StaffInvitation:
    return find(StaffInvitation.objects.select_related("organisation"), token)


def accept(token: str, person, now: datetime | None = None) -> Membership:
    def grant(found: StaffInvitation) -> Membership:
        membership, _created = Membership.objects.get_or_create(
            organisation=found.organisation, user=person, defaults={"role": found.role}
        )
        return membership

    return accept_with(StaffInvitation.objects.all(), token, person, grant, now)


def member_of(organisation: Organisation, username_or_email: str) -> Membership | None:
    """One of the organisation's own people, by username or e-mail: nobody outside it is ever looked up."""
    who = username_or_email.strip()
    return (
        organisation.memberships.select_related("user")
        .filter(Q(user__username=who) | Q(user__email__iexact=who))
        .first()
    )
