"""People joining and leaving organisations as employees or members, verified by the organisation in one of
three ways: an administrator's approval, an invitation link, or a work e-mail in an allowed domain."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from vicinato.booking.models import Reservation, Resource
from vicinato.booking.services import cancel, cancellation_deadline
from vicinato.lib import mail, ratelimit
from vicinato.lib.errors import Conflict
from vicinato.register.models import Organisation

from .errors import ConflictError
from .models import INVITATION_SALT, Affiliation, AgreementBooking, AllowedDomain, Invitation
from .permissions import Action, admin_emails, can, require
from .services import eligible_guests

AS = Affiliation.State
M = Affiliation.Method
EMAIL_SALT = "vicinato.agreements.email"
EMAIL_LINK_DAYS = 3
INVITATION_DAYS = 14
DOMAIN_SALT = "vicinato.agreements.domain"
DOMAIN_LINK_DAYS = 7
# Proof links for domains: per organisation and per address, at most these many a day.
DOMAIN_PROOFS_BY_ORGANISATION = ratelimit.Limit("domain-proofs-organisation", 10, 86400)
DOMAIN_PROOFS_TO_ADDRESS = ratelimit.Limit("domain-proofs-address", 3, 86400)


def _current(person, organisation: Organisation) -> Affiliation | None:
    return Affiliation.objects.filter(
        person=person, organisation=organisation, state__in=[AS.PENDING, AS.ACTIVE]
    ).first()


def _already(affiliation: Affiliation) -> ConflictError:
    if affiliation.state == AS.ACTIVE:
        return ConflictError(
            _("You already belong to %(organisation)s.") % {"organisation": affiliation.organisation}
        )
    return ConflictError(
        _("Your request to join %(organisation)s is waiting for verification.")
        % {"organisation": affiliation.organisation}
    )


def _create(person, organisation: Organisation, kind: str, **fields) -> Affiliation:
    if kind not in Affiliation.Kind.values:
        raise ValidationError({"kind": [_("Choose employee or member.")]})
    existing = _current(person, organisation)
    if existing:
        raise _already(existing)
    try:
        with transaction.atomic():
            return Affiliation.objects.create(person=person, organisation=organisation, kind=kind, **fields)
    except IntegrityError:
        # The same request sent twice at once: the unique constraint let one through.
        raise _already(_current(person, organisation)) from None


# --- limits on the e-mails people can make us send (vicinato.lib.ratelimit: counted in the shared cache) -------
HOUR, DAY = 3600, 86400
INVITATIONS_BY_SENDER = ratelimit.Limit("invitation-sender", 20, HOUR)
INVITATIONS_BY_ORGANISATION = ratelimit.Limit("invitation-organisation", 50, HOUR)
INVITATIONS_TO_ADDRESS = ratelimit.Limit("invitation-address", 3, DAY)
JOIN_REQUESTS_BY_PERSON = ratelimit.Limit("join-person", 10, HOUR)
EMAIL_CONFIRMATIONS_BY_PERSON = ratelimit.Limit("confirm-person", 5, HOUR)
EMAIL_CONFIRMATIONS_TO_ADDRESS = ratelimit.Limit("confirm-address", 3, HOUR)


# --- by an administrator's approval ----------------------------------------------------------------------------
def request_affiliation(
    person, organisation: Organisation, kind: str = Affiliation.Kind.EMPLOYEE
) -> Affiliation:
    """Ask to join; an administrator of the organisation approves or refuses."""
    if person is None or not person.is_authenticated:
        raise PermissionDenied(_("Sign in to ask to join an organisation."))
    ratelimit.hit(JOIN_REQUESTS_BY_PERSON, person.pk)
    affiliation = _create(person, organisation, kind, method=M.ADMIN)

    def render():
        subject = _("%(person)s asks to join %(organisation)s") % {
            "person": person.get_full_name() or person.username,
            "organisation": organisation,
        }
        return subject, _("Approve or refuse the request on the members' page: %(url)s") % {
            "url": mail.link("agreements:members", pk=organisation.pk)
        }

    mail.send(admin_emails(organisation), render)
    return affiliation


def decide_affiliation(
    affiliation: Affiliation, actor, approve: bool, note: str = "", now: datetime | None = None
) -> Affiliation:
    """An administrator approves a pending request, or refuses it with a note for the person."""
    require(actor, Action.MANAGE_MEMBERS, affiliation.organisation)
    now = now or timezone.now()
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": [_("Write the reason for the person who asked.")]})
    with transaction.atomic():
        affiliation = Affiliation.objects.select_for_update().get(pk=affiliation.pk)
        if affiliation.state != AS.PENDING:
            raise ConflictError(_("This request has already been decided."))
        affiliation.decided_by, affiliation.note = actor, note
        if approve:
            affiliation.state, affiliation.started_at = AS.ACTIVE, now
        else:
            affiliation.state, affiliation.ended_at = AS.ENDED, now
        affiliation.save()

    def render():
        subject = (
            _("Welcome to %(organisation)s") if approve else _("Request to join %(organisation)s refused")
        ) % {"organisation": affiliation.organisation}
        return subject, note or _("You can now book under the agreements of your organisation.")

    mail.send(affiliation.person.email, render)
    return affiliation


# --- by invitation ---------------------------------------------------------------------------------------------
def invite(
    actor, organisation: Organisation, kind: str = Affiliation.Kind.EMPLOYEE, email: str = "", now=None
) -> Invitation:
    """Make a single-use link; sent by e-mail when an address is given, else for the administrator to pass on."""
    require(actor, Action.MANAGE_MEMBERS, organisation)
    if kind not in Affiliation.Kind.values:
        raise ValidationError({"kind": [_("Choose employee or member.")]})
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(
                {"email": [_("Enter a valid e-mail address, or leave it empty.")]}
            ) from None
    ratelimit.hit_all(
        (INVITATIONS_BY_SENDER, actor.pk),
        (INVITATIONS_BY_ORGANISATION, organisation.pk),
        (INVITATIONS_TO_ADDRESS, email.strip().lower()),
    )
    invitation = Invitation.objects.create(
        organisation=organisation,
        kind=kind,
        email=email,
        created_by=actor,
        expires_at=(now or timezone.now()) + timedelta(days=INVITATION_DAYS),
    )

    def render():
        return _("Invitation to join %(organisation)s on Vicinato") % {"organisation": organisation}, _(
            "Open this link, signed in to Vicinato, to join as %(kind)s (valid until %(date)s): %(url)s"
        ) % {
            "kind": invitation.get_kind_display().lower(),
            "date": timezone.localtime(invitation.expires_at).date().isoformat(),
            "url": invitation_link(invitation),
        }

    mail.send(email, render)
    return invitation


def invitation_link(invitation: Invitation) -> str:
    return mail.link("agreements:invitation", token=invitation.token)


def invitation_from_token(token: str) -> Invitation:
    pk = None
    # Links sent before tokens were stable carried a timestamp; both shapes stay valid.
    for signer in (signing.TimestampSigner(salt=INVITATION_SALT), signing.Signer(salt=INVITATION_SALT)):
        try:
            pk = signer.unsign_object(token)
            break
        except (signing.BadSignature, ValueError):
            continue
    if not isinstance(pk, int):
        pk = None
    invitation = Invitation.objects.select_related("organisation").filter(pk=pk).first() if pk else None
    if invitation is None:
        raise ValidationError({"token": [_("This invitation link is not valid; ask for a new one.")]})
    return invitation


def accept_invitation(token: str, person, now: datetime | None = None) -> Affiliation:
    now = now or timezone.now()
    if person is None or not person.is_authenticated:
        raise PermissionDenied(_("Sign in, or create an account, to accept the invitation."))
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation_from_token(token).pk)
        if invitation.revoked_at:
            raise ConflictError(_("This invitation was withdrawn; ask the organisation for a new one."))
        refusal = invitation.refusal(person, now)
        if refusal:
            raise ConflictError(refusal)
        affiliation = _create(
            person,
            invitation.organisation,
            invitation.kind,
            method=M.INVITATION,
            state=AS.ACTIVE,
            started_at=now,
        )
        invitation.accepted_by, invitation.accepted_at = person, now
        invitation.save(update_fields=["accepted_by", "accepted_at"])
    return affiliation


def revoke_invitation(actor, invitation: Invitation, now: datetime | None = None) -> Invitation:
    require(actor, Action.MANAGE_MEMBERS, invitation.organisation)
    if invitation.accepted_at:
        raise ConflictError(_("This invitation has already been used; end the membership instead."))
    invitation.revoked_at = now or timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


# --- by a work e-mail in an allowed domain ---------------------------------------------------------------------
def _domain_of(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def add_domain(
    actor,
    organisation: Organisation,
    domain: str,
    kind: str = Affiliation.Kind.EMPLOYEE,
    address: str = "",
) -> AllowedDomain:
    """Claim an e-mail domain: a link mailed to `address`, an address at the domain, proves it is the
    organisation's (`confirm_domain`); until then it verifies nobody. One proved domain, one organisation."""
    require(actor, Action.MANAGE_MEMBERS, organisation)
    domain = domain.strip().lower().lstrip("@")
    try:
        validate_email(f"someone@{domain}")
    except ValidationError:
        raise ValidationError({"domain": [_("Enter a domain such as example.it, without the @.")]}) from None
    if kind not in Affiliation.Kind.values:
        raise ValidationError({"kind": [_("Choose employee or member.")]})
    address = address.strip()
    try:
        validate_email(address)
    except ValidationError:
        address = ""
    if _domain_of(address) != domain:
        raise ValidationError(
            {
                "address": [
                    _("Enter an e-mail address at @%(domain)s: a link sent to it proves the domain is yours.")
                    % {"domain": domain}
                ]
            }
        )
    if AllowedDomain.objects.filter(domain=domain, verified_at__isnull=False).exclude(
        organisation=organisation
    ):
        raise ConflictError(
            _(
                "Another organisation has proved that @%(domain)s is theirs; a domain belongs to one organisation."
            )
            % {"domain": domain}
        )
    domain_row, _created = AllowedDomain.objects.update_or_create(
        organisation=organisation,
        domain=domain,
        defaults={"kind": kind},
        create_defaults={"kind": kind, "verified_at": None},
    )
    if domain_row.verified_at is None:
        ratelimit.hit_all(
            (DOMAIN_PROOFS_BY_ORGANISATION, organisation.pk), (DOMAIN_PROOFS_TO_ADDRESS, address.lower())
        )
        token = signing.dumps({"d": domain_row.pk, "e": address.lower()}, salt=DOMAIN_SALT)

        def render():
            return _("Confirm that @%(domain)s belongs to %(organisation)s") % {
                "domain": domain,
                "organisation": organisation,
            }, _(
                "%(organisation)s asks Vicinato to verify its people by their addresses at @%(domain)s. If this "
                "is right, open this link within %(days)d days and confirm: %(url)s\n\n"
                "If you do not know this organisation, ignore this message: nothing changes."
            ) % {
                "organisation": organisation,
                "domain": domain,
                "days": DOMAIN_LINK_DAYS,
                "url": mail.link("agreements:confirm_domain", token=token),
            }

        mail.send(address, render)
    return domain_row


def _mailed_link(token: str, salt: str, days: int, expired: str) -> dict:
    """What a link mailed by us signs, while it is valid; else a refusal (`expired`, or: copy it whole)."""
    try:
        return signing.loads(token, salt=salt, max_age=timedelta(days=days))
    except signing.SignatureExpired:
        raise ValidationError({"token": [expired]}) from None
    except signing.BadSignature:
        raise ValidationError(
            {"token": [_("This link is not valid; copy the whole address from the e-mail.")]}
        ) from None


def domain_from_token(token: str) -> AllowedDomain:
    """The domain claim a proof link is for, or a refusal saying what to do."""
    data = _mailed_link(token, DOMAIN_SALT, DOMAIN_LINK_DAYS, _("This link has expired; ask for a new one."))
    found = AllowedDomain.objects.select_related("organisation").filter(pk=data["d"]).first()
    if found is None or _domain_of(data["e"]) != found.domain:
        raise ValidationError({"token": [_("This link is not valid any more; ask for a new one.")]})
    return found


def confirm_domain(token: str, now: datetime | None = None) -> AllowedDomain:
    """Whoever opened the link at the domain's address proves it (no account needed: the mailbox is the proof)."""
    pk = domain_from_token(token).pk
    try:
        with transaction.atomic():
            found = AllowedDomain.objects.select_for_update().select_related("organisation").get(pk=pk)
            if found.verified_at is not None:
                raise ConflictError(_("This domain has already been confirmed."))
            found.verified_at = now or timezone.now()
            found.save(update_fields=["verified_at"])
    except IntegrityError:
        raise ConflictError(
            _(
                "Another organisation has proved that @%(domain)s is theirs; a domain belongs to one organisation."
            )
            % {"domain": found.domain}
        ) from None
    return found


def remove_domain(actor, domain: AllowedDomain) -> None:
    """Stop verifying new addresses in the domain; people already verified stay members."""
    require(actor, Action.MANAGE_MEMBERS, domain.organisation)
    domain.delete()


def request_by_email(person, email: str) -> list[Affiliation]:
    """Ask to join the organisations that accept the e-mail's domain; a link sent to the address confirms it."""
    if person is None or not person.is_authenticated:
        raise PermissionDenied(_("Sign in to confirm your work e-mail."))
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": [_("Enter a valid e-mail address.")]}) from None
    ratelimit.hit_all(
        (EMAIL_CONFIRMATIONS_BY_PERSON, person.pk), (EMAIL_CONFIRMATIONS_TO_ADDRESS, email.strip().lower())
    )
    domains = AllowedDomain.objects.filter(
        domain=_domain_of(email), verified_at__isnull=False
    ).select_related("organisation")
    if not domains:
        raise ValidationError(
            {
                "email": [
                    _(
                        "No organisation on Vicinato verifies addresses at @%(domain)s; ask your employer to add "
                        "the domain, or ask to join by the organisation's name."
                    )
                    % {"domain": _domain_of(email)}
                ]
            }
        )
    created = []
    for allowed in domains:
        if _current(person, allowed.organisation):
            continue
        affiliation = _create(person, allowed.organisation, allowed.kind, method=M.DOMAIN, email=email)
        token = signing.dumps({"a": affiliation.pk, "e": email.lower()}, salt=EMAIL_SALT)

        def render(organisation=allowed.organisation, token=token):
            return _("Confirm your work e-mail for %(organisation)s") % {"organisation": organisation}, _(
                "Open this link, signed in to Vicinato, within %(days)d days to confirm: %(url)s"
            ) % {"days": EMAIL_LINK_DAYS, "url": mail.link("agreements:confirm_email", token=token)}

        mail.send(email, render)
        created.append(affiliation)
    if not created:
        raise ConflictError(_("You already belong to, or asked to join, every organisation of this domain."))
    return created


def email_token_affiliation(token: str) -> Affiliation:
    """The membership request a confirmation link is for, or a refusal saying what to do."""
    data = _mailed_link(
        token, EMAIL_SALT, EMAIL_LINK_DAYS, _("This link has expired; send your work e-mail again.")
    )
    affiliation = Affiliation.objects.select_related("organisation").filter(pk=data["a"]).first()
    if affiliation is None or affiliation.email.lower() != data["e"]:
        raise ValidationError({"token": [_("This link is not valid any more; send your work e-mail again.")]})
    return affiliation


def confirm_email(token: str, person, now: datetime | None = None) -> Affiliation:
    pk = email_token_affiliation(token).pk
    with transaction.atomic():
        affiliation = Affiliation.objects.select_for_update().select_related("organisation").get(pk=pk)
        if affiliation.person_id != getattr(person, "pk", None):
            raise PermissionDenied(
                _("This link confirms an address for another account; sign in to that account.")
            )
        if affiliation.state != AS.PENDING:
            raise ConflictError(_("This address has already been confirmed, or the membership has ended."))
        allowed = AllowedDomain.objects.filter(
            organisation=affiliation.organisation,
            domain=_domain_of(affiliation.email),
            verified_at__isnull=False,
        ).exists()
        if not allowed:
            raise ConflictError(_("The organisation no longer verifies this domain; ask its administrator."))
        affiliation.state, affiliation.started_at = AS.ACTIVE, now or timezone.now()
        affiliation.save(update_fields=["state", "started_at"])
    return affiliation


# --- leaving ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """What ending a membership does to one booking, put into words in the active language when shown (so a
    bilingual e-mail says it in each of its languages)."""

    CANCELLED: ClassVar[str] = "cancelled"
    KEPT_BY_OTHER: ClassVar[str] = "kept_by_other"  # another of the person's organisations covers it
    PAST_DEADLINE: ClassVar[str] = "past_deadline"
    NOT_CANCELLED: ClassVar[str] = "not_cancelled"  # the booking engine refused to cancel it

    code: str
    other: str = ""  # the organisation that covers the booking now (KEPT_BY_OTHER)

    def __str__(self) -> str:
        if self.code == self.CANCELLED:
            return _("cancelled")
        if self.code == self.KEPT_BY_OTHER:
            return _("kept: your membership of %(other)s covers it") % {"other": self.other}
        if self.code == self.PAST_DEADLINE:
            return _("kept: it is past the cancellation deadline; tell the place if you will not come")
        return _("kept: it could not be cancelled automatically; cancel it yourself if you will not come")


@dataclass
class Leaving:
    affiliation: Affiliation
    cancelled: list[Reservation] = field(default_factory=list)
    kept: list[tuple[Reservation, Outcome]] = field(default_factory=list)  # with the reason


def _depending_bookings(affiliation: Affiliation, now: datetime):
    """The person's bookings yet to start that this membership allowed: made through the organisation's guest
    rights under an agreement, or of a resource that only the organisation's members may book."""
    members_only = Q(
        resource__who_may_book=Resource.WhoMayBook.MEMBERS, resource__organisations=affiliation.organisation
    )
    return (
        Reservation.objects.filter(
            Q(agreement_booking__guest=affiliation.organisation) | members_only,
            person=affiliation.person,
            state__in=[Reservation.State.REQUESTED, Reservation.State.CONFIRMED],
            start__gte=now,
        )
        .distinct()
        .select_related("resource__place", "agreement_booking__agreement")
        .order_by("start", "pk")
    )


def _other_cover(affiliation: Affiliation, reservation: Reservation):
    """Another of the person's organisations that still allows the booking, if any: a guest of the same
    agreement, or one whose members may book the resource."""
    try:
        agreement = reservation.agreement_booking.agreement
    except AgreementBooking.DoesNotExist:
        person = affiliation.person
        return (
            reservation.resource.organisations.exclude(pk=affiliation.organisation_id)
            .filter(
                Q(memberships__user=person) | Q(affiliations__person=person, affiliations__state=AS.ACTIVE)
            )
            .order_by("pk")
            .first()
        )
    return (
        eligible_guests(affiliation.person, agreement)
        .exclude(pk=affiliation.organisation_id)
        .order_by("pk")
        .first()
    )


def _past_deadline(reservation: Reservation, now: datetime) -> bool:
    return now > cancellation_deadline(reservation)


def leaving_consequences(
    affiliation: Affiliation, now: datetime | None = None
) -> list[tuple[Reservation, Outcome]]:
    """What ending the membership would do to each booking that depends on it, before it is done (`str` of
    each outcome says it in the active language)."""
    now = now or timezone.now()
    outcomes = []
    for reservation in _depending_bookings(affiliation, now):
        other = _other_cover(affiliation, reservation)
        if other:
            outcome = Outcome(Outcome.KEPT_BY_OTHER, other.legal_name)
        elif _past_deadline(reservation, now):
            outcome = Outcome(Outcome.PAST_DEADLINE)
        else:
            outcome = Outcome(Outcome.CANCELLED)
        outcomes.append((reservation, outcome))
    return outcomes


def may_end(user, affiliation: Affiliation) -> bool:
    """The person may leave; the organisation's administrators may end anyone's membership."""
    if user is None or not user.is_authenticated:
        return False
    return user.pk == affiliation.person_id or can(user, Action.MANAGE_MEMBERS, affiliation.organisation)


def _leaving_reason(affiliation: Affiliation, now: datetime) -> str:
    """Why the bookings are cancelled, in the active language."""
    return _("Your membership of %(organisation)s ended on %(date)s.") % {
        "organisation": affiliation.organisation,
        "date": timezone.localdate(now).isoformat(),
    }


def end_affiliation(affiliation: Affiliation, actor, note: str = "", now: datetime | None = None) -> Leaving:
    """The person leaves, or an administrator ends the membership: the rights it gave end now. Bookings made
    through it and not yet started are cancelled, unless another of the person's organisations is a guest of
    the same agreement (then they count for that one) or they are past their cancellation deadline."""
    now = now or timezone.now()
    if not may_end(actor, affiliation):
        raise PermissionDenied(
            _("Only the person and the organisation's administrators may end a membership.")
        )
    is_self = actor.pk == affiliation.person_id
    note = (note or "").strip()
    with transaction.atomic():
        affiliation = (
            Affiliation.objects.select_for_update()
            .select_related("organisation", "person")
            .get(pk=affiliation.pk)
        )
        if affiliation.state == AS.ENDED:
            raise ConflictError(_("This membership has already ended."))
        affiliation.state, affiliation.ended_at, affiliation.note = AS.ENDED, now, note
        if not is_self:
            affiliation.decided_by = actor
        affiliation.save()
    leaving = Leaving(affiliation)
    # Stored with the cancelled booking, which people of either language read: both languages.
    reason = mail.in_both_languages(lambda: _leaving_reason(affiliation, now))
    for reservation in _depending_bookings(affiliation, now):
        other = _other_cover(affiliation, reservation)
        if other:
            AgreementBooking.objects.filter(reservation=reservation).update(guest=other)
            leaving.kept.append((reservation, Outcome(Outcome.KEPT_BY_OTHER, other.legal_name)))
            continue
        if _past_deadline(reservation, now):
            leaving.kept.append((reservation, Outcome(Outcome.PAST_DEADLINE)))
            continue
        try:
            # The booking is the person's: it is cancelled in their name, with the reason on record.
            leaving.cancelled.append(cancel(reservation, affiliation.person, reason, now))
        except (ValidationError, Conflict, PermissionDenied):
            leaving.kept.append((reservation, Outcome(Outcome.NOT_CANCELLED)))
    _tell_leaving(leaving, now)
    return leaving


def _tell_leaving(leaving: Leaving, now: datetime) -> None:
    def render():
        lines = [_leaving_reason(leaving.affiliation, now)]
        outcomes = [(r, Outcome(Outcome.CANCELLED)) for r in leaving.cancelled] + leaving.kept
        for reservation, outcome in outcomes:
            start = timezone.localtime(reservation.start)
            lines.append(f"{start:%Y-%m-%d %H:%M} {reservation.resource.place.name}: {outcome}")
        if len(lines) == 1:
            lines.append(_("You had no bookings depending on this membership."))
        return _("Membership ended: %(organisation)s") % {
            "organisation": leaving.affiliation.organisation
        }, "\n".join(lines)

    mail.send(leaving.affiliation.person.email, render)


# --- for the booking engine ------------------------------------------------------------------------------------
_ID_RANGE = range(1, 2**63)  # what a database id can be: anything else names no organisation


def verified_member(person, organisation_ids: Iterable[int | Organisation]) -> bool:
    """Whether the person is a verified (active) employee or member of any of the organisations, given by id
    or as objects. For the booking engine's rule "members of given organisations"; one indexed query."""
    if person is None or not getattr(person, "is_authenticated", False) or not person.is_active:
        return False
    ids = set()
    for value in organisation_ids:
        pk = value.pk if isinstance(value, Organisation) else value
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            continue
        if pk in _ID_RANGE:
            ids.add(pk)
    if not ids:
        return False
    return Affiliation.objects.filter(person=person, state=AS.ACTIVE, organisation_id__in=ids).exists()
