"""Consent of organisations: nobody makes an organisation a member of a community or a guest of an agreement,
nor names a community as a guest of an agreement; the administrators of the organisation (of the community's
owner) are invited and accept (or decline) on its invitations page. A community without an owner is run by the
site's administrators: one of them naming it is its consent. Consent of people: nobody is made a programme's
reviewer without accepting an invitation sent to their own e-mail address."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from vicinato.lib import mail, ratelimit
from vicinato.lib.errors import Conflict
from vicinato.register import staff
from vicinato.register.models import Organisation

from .models import Agreement, Community, GuestInvitation, ReviewerInvitation, VoucherProgramme
from .permissions import Role, admin_emails, roles

INVITATION_DAYS = 30
# Invitations one community or agreement sends, and those one organisation receives: at most these many a day.
INVITATIONS_BY_SENDER = ratelimit.Limit("guest-invitations-sender", 30, 86400)
INVITATIONS_TO_ORGANISATION = ratelimit.Limit("guest-invitations-organisation", 5, 86400)
REVIEWER_INVITATION_DAYS = 14
# Reviewer invitations one programme sends, and those one address receives: at most these many a day.
REVIEWER_INVITATIONS_BY_PROGRAMME = ratelimit.Limit("reviewer-invitations-programme", 30, 86400)
REVIEWER_INVITATIONS_TO_ADDRESS = ratelimit.Limit("reviewer-invitations-address", 3, 86400)


def answers_for(person, organisation: Organisation) -> bool:
    """Whether `person` answers the organisation's invitations: one of its own administrators (a site
    administrator does not consent in its name)."""
    return person.is_authenticated and Role.ORG_ADMIN in roles(person, organisation)


def _target(target: Community | Agreement) -> dict:
    return {"agreement": target} if isinstance(target, Agreement) else {"community": target}


def _members(target: Community | Agreement):
    return target.guests if isinstance(target, Agreement) else target.organisations


def pending(**where) -> QuerySet[GuestInvitation]:
    """Invitations still waiting for an answer (expired ones included: the page says so)."""
    return GuestInvitation.objects.filter(accepted_at__isnull=True, declined_at__isnull=True, **where)


def invited(target: Community | Agreement) -> QuerySet[Organisation]:
    """The organisations invited into `target` that have not answered yet."""
    return (
        Organisation.objects.filter(guest_invitations__in=pending(guest_community=None, **_target(target)))
        .distinct()
        .order_by("legal_name")
    )


def invited_communities(agreement: Agreement) -> QuerySet[Community]:
    """The communities invited to be guests of the agreement whose owners have not answered yet."""
    # Distinct: a community whose owner changed may still have the old owner's invitation besides the new one's.
    return (
        Community.objects.filter(guest_invitations__in=pending(agreement=agreement))
        .distinct()
        .order_by("name")
    )


def named(target: Community | Agreement) -> list[int]:
    """The ids of the organisations in `target` and of those invited into it: what its form shows ticked."""
    if target.pk is None:
        return []
    return [o.pk for o in _members(target).all()] + [o.pk for o in invited(target)]


def named_communities(agreement: Agreement) -> list[int]:
    """The ids of the agreement's guest communities and of those invited: what its form shows ticked."""
    if agreement.pk is None:
        return []
    return [c.pk for c in agreement.communities.all()] + [c.pk for c in invited_communities(agreement)]


def withdraw(target: Community | Agreement, organisation: Organisation) -> bool:
    """Take back an invitation not answered yet; whether there was one."""
    deleted, _by_model = pending(organisation=organisation, guest_community=None, **_target(target)).delete()
    return bool(deleted)


def withdraw_communities(agreement: Agreement, communities: Iterable[Community]) -> bool:
    """Take back the invitations not answered yet of these communities to the agreement; whether there were any."""
    deleted, _by_model = pending(agreement=agreement, guest_community__in=list(communities)).delete()
    return bool(deleted)


def invite(
    actor, target: Community | Agreement, organisations: Iterable[Organisation], now: datetime | None = None
) -> list[GuestInvitation]:
    """Ask each organisation that is not in `target` yet to join it. One the actor runs as administrator joins
    at once (they consent themselves); every other one gets an invitation mailed to its administrators."""
    now = now or timezone.now()
    sent = []
    for organisation in organisations:
        if _members(target).filter(pk=organisation.pk).exists():
            continue
        if answers_for(actor, organisation):
            _members(target).add(organisation)
            continue
        sent.append(_send(actor, target, organisation, now))
    return sent


def answers_for_community(person, community: Community) -> bool:
    """Whether `person` answers for the community: an administrator of its owner; a site administrator when it
    has no owner (the site's administrators run it)."""
    if community.owner_id is None:
        return person.is_authenticated and person.is_superuser
    return answers_for(person, community.owner)


def invite_communities(
    actor, agreement: Agreement, communities: Iterable[Community], now: datetime | None = None
) -> list[GuestInvitation]:
    """Ask each community that is not a guest of the agreement yet to become one. One the actor answers for
    joins at once (their own consent); every other one gets an invitation mailed to its owner's administrators.
    A community without an owner can only be named by a site administrator: nobody else could answer."""
    now = now or timezone.now()
    communities = [c for c in communities if not agreement.communities.filter(pk=c.pk).exists()]
    _refuse_unowned(actor, communities)
    sent = []
    for community in communities:
        if answers_for_community(actor, community):
            agreement.communities.add(community)
            continue
        sent.append(_send(actor, agreement, community.owner, now, community))
    return sent


def _refuse_unowned(actor, communities: list[Community]) -> None:
    unowned = [c.name for c in communities if c.owner_id is None and not answers_for_community(actor, c)]
    if unowned:
        raise ValidationError(
            {
                "communities": [
                    _(
                        "Only the site's administrators can name these communities, which they run, as guests: "
                        "%(names)s. Ask them, or name the organisations in them."
                    )
                    % {"names": ", ".join(sorted(unowned))}
                ]
            }
        )


def check_communities(
    actor, agreement: Agreement, communities: Iterable[Community], now: datetime | None = None
):
    """Refuse (ValidationError on `communities`) what `invite_communities` would refuse part-way, before anything
    changes: a community only the site's administrators may name, or more invitations than the limits allow."""
    now = now or timezone.now()
    pks = [c.pk for c in agreement.communities.all()] if agreement.pk else []
    communities = [c for c in communities if c.pk not in pks]
    _refuse_unowned(actor, communities)
    to_send = [
        c
        for c in communities
        if not answers_for_community(actor, c)
        and not (
            agreement.pk
            and pending(
                organisation=c.owner_id, agreement=agreement, guest_community=c, expires_at__gt=now
            ).exists()
        )
    ]
    by_owner: dict[int, int] = {}
    for community in to_send:
        by_owner[community.owner_id] = by_owner.get(community.owner_id, 0) + 1
    sender = f"{Agreement.__name__}:{agreement.pk}"
    if (agreement.pk and len(to_send) > ratelimit.remaining(INVITATIONS_BY_SENDER, sender)) or any(
        n > ratelimit.remaining(INVITATIONS_TO_ORGANISATION, owner) for owner, n in by_owner.items()
    ):
        raise ValidationError(
            {
                "communities": [
                    _("Too many invitations for now: name fewer communities, or try again tomorrow.")
                ]
            }
        )


def _send(
    actor,
    target: Community | Agreement,
    organisation: Organisation,
    now: datetime,
    guest_community: Community | None = None,
) -> GuestInvitation:
    """The invitation still waiting for the organisation's answer (for itself, or for the community it runs),
    or a new one, counted against both rate limits and mailed to its administrators. An expired one never
    answered gives way to the new one: at most one waits for each invitee (a constraint of GuestInvitation)."""
    same = pending(organisation=organisation, guest_community=guest_community, **_target(target))
    same.filter(expires_at__lte=now).delete()
    waiting = same.first()
    if waiting is not None:
        return waiting
    ratelimit.hit_all(
        (INVITATIONS_BY_SENDER, f"{type(target).__name__}:{target.pk}"),
        (INVITATIONS_TO_ORGANISATION, organisation.pk),
    )
    try:
        with transaction.atomic():
            invitation = GuestInvitation.objects.create(
                organisation=organisation,
                guest_community=guest_community,
                created_by=actor,
                expires_at=now + timedelta(days=INVITATION_DAYS),
                **_target(target),
            )
    except IntegrityError:
        # The same invitation sent at the same moment by another request (a double submit): that one stands.
        waiting = same.first()
        if waiting is None:
            raise
        return waiting
    _mail(invitation)
    return invitation


def _mail(invitation: GuestInvitation) -> None:
    def render():
        names = {"organisation": invitation.organisation.legal_name, "name": invitation.target.name}
        if invitation.guest_community_id:
            names["community"] = invitation.guest_community.name
            subject = (
                _("The community %(community)s is invited to be a guest of the agreement %(name)s") % names
            )
            what = _(
                "%(host)s invites the community %(community)s, which %(organisation)s runs, to be a guest of "
                "its agreement %(name)s: the verified employees and members of every organisation in the "
                "community could book its desks, and the host may charge the price it sets."
            ) % {**names, "host": invitation.agreement.host.legal_name}
        elif invitation.agreement_id:
            subject = _("%(organisation)s is invited to be a guest of the agreement %(name)s") % names
            what = _(
                "%(host)s invites %(organisation)s to be a guest of its agreement %(name)s: your verified "
                "employees and members could book its desks, and the host may charge the price it sets."
            ) % {**names, "host": invitation.agreement.host.legal_name}
        else:
            subject = _("%(organisation)s is invited to join the community %(name)s") % names
            owner = invitation.community.owner
            what = _(
                "%(organisation)s is invited to join the community %(name)s: your verified employees and "
                "members could book under the agreements that name the community. Once you have joined, "
                "%(owner)s, which runs the community, may name it as a guest of agreements without asking you "
                "again."
            ) % {**names, "owner": owner.legal_name if owner else _("the site's administrators")}
        return subject, _(
            "%(what)s\n\nNothing changes unless one of your administrators accepts, signed in, on this page "
            "(until %(date)s): %(url)s\n\nIf you do not know this invitation, ignore this message."
        ) % {
            "what": what,
            "date": timezone.localtime(invitation.expires_at).date().isoformat(),
            "url": mail.link("agreements:guest_invitations", pk=invitation.organisation_id),
        }

    mail.send(admin_emails(invitation.organisation), render)


def answer(person, invitation: GuestInvitation, accept: bool, now: datetime | None = None) -> GuestInvitation:
    """Accept (the organisation, or the community it runs, joins) or decline an invitation, as one of the
    organisation's administrators."""
    now = now or timezone.now()
    if not answers_for(person, invitation.organisation):
        raise PermissionDenied(_("Only the organisation's administrators answer its invitations."))
    with transaction.atomic():
        found = GuestInvitation.objects.select_for_update().filter(pk=invitation.pk).first()
        if found is None:
            raise Conflict(_("This invitation has been taken back; ask for a new one."))
        if found.declined_at:
            raise Conflict(_("This invitation has already been declined; ask for a new one."))
        refusal = found.refusal(person, now)
        if refusal:
            raise Conflict(refusal)
        # The target and the community named are read (locked) now: an agreement that has ended since, or a
        # community handed to another owner, refuses the answer.
        if found.agreement_id:
            found.agreement = Agreement.objects.select_for_update().get(pk=found.agreement_id)
            if accept and found.agreement.state == Agreement.State.ENDED:  # as services.is_changeable
                raise Conflict(
                    _("This agreement has ended and takes no more guests; it can only be declined.")
                )
        if found.guest_community_id:
            found.guest_community = Community.objects.select_for_update().get(pk=found.guest_community_id)
        if found.guest_community_id and found.guest_community.owner_id != found.organisation_id:
            raise Conflict(
                _(
                    "This community is now run by another organisation; the host must send it a new invitation."
                )
            )
        if accept:
            if found.guest_community_id:
                found.agreement.communities.add(found.guest_community)
            else:
                _members(found.target).add(found.organisation)
            found.accepted_by, found.accepted_at = person, now
        else:
            found.declined_at = now
        found.save(update_fields=["accepted_by", "accepted_at", "declined_at"])
    return found


# --- a programme's reviewers ---------------------------------------------------------------------------------
def invited_reviewers(
    programme: VoucherProgramme, now: datetime | None = None
) -> QuerySet[ReviewerInvitation]:
    """The programme's reviewer invitations not accepted yet and still valid, by address."""
    if programme.pk is None:
        return ReviewerInvitation.objects.none()
    return ReviewerInvitation.objects.filter(
        programme=programme, accepted_at__isnull=True, expires_at__gt=now or timezone.now()
    ).order_by("email")


def invite_reviewers(actor, programme: VoucherProgramme, emails: Iterable[str], now: datetime | None = None):
    """Invite each address to review the programme, and take back the invitations waiting for an address that is
    no longer named. The same whether or not an account of the address exists: nobody is looked up."""
    now = now or timezone.now()
    wanted = {e.strip().lower(): e.strip() for e in emails}
    waiting = invited_reviewers(programme, now)
    waiting.exclude(email__in=[w.email for w in waiting if w.email.lower() in wanted]).delete()
    already = {w.email.lower() for w in invited_reviewers(programme, now)}
    for key, email in wanted.items():
        if key in already:
            continue
        ratelimit.hit_all(
            (REVIEWER_INVITATIONS_BY_PROGRAMME, programme.pk), (REVIEWER_INVITATIONS_TO_ADDRESS, key)
        )
        invitation = ReviewerInvitation.objects.create(
            programme=programme,
            email=email,
            created_by=actor,
            expires_at=now + timedelta(days=REVIEWER_INVITATION_DAYS),
        )
        _mail_reviewer(invitation)


def _mail_reviewer(invitation: ReviewerInvitation) -> None:
    programme = invitation.programme

    def render():
        names = {"programme": programme.name, "funder": programme.funder.legal_name}
        return _("Invitation to review the voucher programme %(programme)s") % names, _(
            "%(funder)s invites you to review the applications to its voucher programme %(programme)s on "
            "Vicinato. To accept, open this link signed in with an account of this e-mail address (valid until "
            "%(date)s): %(url)s\n\nIf you do not know this programme, ignore this message."
        ) % {
            **names,
            "date": timezone.localtime(invitation.expires_at).date().isoformat(),
            "url": mail.link("agreements:reviewer_invitation", token=invitation.token),
        }

    mail.send(invitation.email, render)


def reviewer_invitation(token: str) -> ReviewerInvitation:
    return staff.find(ReviewerInvitation.objects.select_related("programme__funder"), token)


def accept_reviewer(token: str, person, now: datetime | None = None) -> VoucherProgramme:
    """Make `person` a reviewer of the invitation's programme, if it was sent to their address and is valid."""

    def grant(found: ReviewerInvitation) -> VoucherProgramme:
        found.programme.reviewers.add(person)
        return found.programme

    return staff.accept_with(ReviewerInvitation.objects.all(), token, person, grant, now)
