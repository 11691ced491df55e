"""Who belongs to which organisation, the agreements that open a host's resources to other organisations'
people, and the voucher programmes that refund part of a paid booking, with their ledger."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from vicinato.booking.models import Reservation, Resource, StateEvent
from vicinato.lib.constraints import ends_after
from vicinato.register.models import (
    AddressedInvitation,
    Audience,
    InvitationBase,
    Organisation,
    Place,
    Register,
    UploadedDocument,
    document_path,
    private_storage,  # noqa: F401 (named by migration 0003)
)
from vicinato.register.translation import Translated

INVITATION_SALT = "vicinato.agreements.invitation"
ALL_WEEKDAYS = list(range(7))


def _weekdays_default() -> list[int]:
    return [0, 1, 2, 3, 4]


# --- memberships -----------------------------------------------------------------------------------------------
class Affiliation(models.Model):
    """A person belonging to an organisation as an employee or member, verified by the organisation.

    Not the register's `Membership`, which names who runs an organisation (administrators and staff):
    an affiliation is what lets a person book under the agreements the organisation takes part in."""

    class Kind(models.TextChoices):
        EMPLOYEE = "employee", _("Employee")
        MEMBER = "member", _("Member")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for verification")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    class Method(models.TextChoices):
        ADMIN = "admin", _("Approved by an administrator")
        INVITATION = "invitation", _("Invitation link")
        DOMAIN = "domain", _("Work e-mail confirmed")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="affiliations", verbose_name=_("organisation")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="affiliations",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("as"), max_length=10, choices=Kind.choices, default=Kind.EMPLOYEE)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    method = models.CharField(_("verified by"), max_length=12, choices=Method.choices)
    email = models.EmailField(_("work e-mail"), blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(_("since"), null=True, blank=True)
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        ordering = ["organisation", "person"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "person"],
                condition=models.Q(state__in=["pending", "active"]),
                name="one_current_affiliation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.organisation} ({self.state})"


class Invitation(InvitationBase):
    """A link an organisation's administrator sends to a person; opening it while signed in verifies them (only
    the account of its address, when it was sent to one)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    kind = models.CharField(
        _("as"), max_length=10, choices=Affiliation.Kind.choices, default=Affiliation.Kind.EMPLOYEE
    )
    email = models.EmailField(_("e-mail of the person invited"), blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta(InvitationBase.Meta):
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.organisation}: {self.email or _('anyone with the link')}"

    @property
    def token(self) -> str:
        """The same link every time it is shown (mail, page, API); expiry lives in ``expires_at``."""
        return signing.Signer(salt=INVITATION_SALT).sign_object(self.pk)


class AllowedDomain(models.Model):
    """An e-mail domain of an organisation: whoever confirms an address in it is verified as its employee."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="allowed_domains")
    domain = models.CharField(_("e-mail domain"), max_length=200, help_text=_("e.g. lombarda-software.it"))
    kind = models.CharField(
        _("as"), max_length=10, choices=Affiliation.Kind.choices, default=Affiliation.Kind.EMPLOYEE
    )
    # Set when a link mailed to an address at the domain was opened (`memberships.confirm_domain`): until then
    # nobody is verified by it. Rows a site administrator makes (admin, demo) count as proved.
    verified_at = models.DateTimeField(_("proved on"), null=True, blank=True, default=timezone.now)

    class Meta:
        verbose_name = _("allowed e-mail domain")
        verbose_name_plural = _("allowed e-mail domains")
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "domain"], name="unique_domain_per_organisation"),
            # One proved domain belongs to one organisation.
            models.UniqueConstraint(
                fields=["domain"], condition=models.Q(verified_at__isnull=False), name="one_owner_per_domain"
            ),
        ]

    def __str__(self) -> str:
        return f"@{self.domain} ({self.organisation})"


# --- agreements ------------------------------------------------------------------------------------------------
class Community(models.Model):
    """A group of organisations that take part in agreements together (e.g. an association's members)."""

    owner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="communities_run",
        verbose_name=_("run by"),
        help_text=_("Its administrators change the community; empty: only the site's administrators."),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    organisations = models.ManyToManyField(
        Organisation, related_name="communities", verbose_name=_("organisations")
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Agreement(models.Model):
    """A host opens some of its resources to the people of guest organisations, within quotas and dates;
    its state moves only through `services.change_agreement_state`."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        ENDED = "ended", _("Ended")

    class Approval(models.TextChoices):
        AUTOMATIC = "automatic", _("Nobody: bookings within the quota are confirmed at once")
        HOST = "host", _("The host's staff approve each booking")

    # The allowed moves (action: {from: to}), and those that need a note for the people affected.
    TRANSITIONS: dict[str, dict[str, str]] = {
        "activate": {State.DRAFT: State.ACTIVE},
        "suspend": {State.ACTIVE: State.SUSPENDED},
        "resume": {State.SUSPENDED: State.ACTIVE},
        "end": {State.DRAFT: State.ENDED, State.ACTIVE: State.ENDED, State.SUSPENDED: State.ENDED},
    }
    NOTE_REQUIRED = {"suspend", "end"}

    host = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="agreements_offered", verbose_name=_("host")
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    guests = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="agreements_received",
        verbose_name=_("guest organisations"),
    )
    communities = models.ManyToManyField(
        Community,
        blank=True,
        related_name="agreements",
        verbose_name=_("guest communities"),
        help_text=_("Every organisation of these communities is a guest."),
    )
    resources = models.ManyToManyField(Resource, related_name="agreements", verbose_name=_("resources"))
    desks_per_day = models.PositiveIntegerField(
        _("desks a day"),
        validators=[MinValueValidator(1)],
        help_text=_("Units the guests may book in all on one day, across the agreement's resources."),
    )
    weekdays = models.JSONField(_("weekdays (0 = Monday)"), default=_weekdays_default)
    opens_at = models.TimeField(_("bookable from"), null=True, blank=True)
    closes_at = models.TimeField(_("bookable until"), null=True, blank=True)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    days_per_month_per_person = models.PositiveIntegerField(
        _("days a month per person"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    price_cents_per_day = models.PositiveIntegerField(
        _("price per desk-day charged to the guest (cents)"), default=0
    )
    approval = models.CharField(
        _("who approves bookings"), max_length=10, choices=Approval.choices, default=Approval.AUTOMATIC
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-starts_on", "name"]
        constraints = [
            ends_after("agreement_ends_after_start", "ends_on", "starts_on", or_equal=True),
            models.CheckConstraint(condition=models.Q(desks_per_day__gte=1), name="agreement_has_a_desk"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def price(self) -> Decimal:
        return cents_to_euros(self.price_cents_per_day)


class GuestInvitation(InvitationBase):
    """An invitation to an organisation, answered by its administrators, to join a community or to be a guest of
    an agreement: nobody puts an organisation into either without its consent (`consent.answer`). With a
    `guest_community`, it invites that community to be a guest of the agreement, and `organisation` is the
    community's owner, whose administrators answer for it."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="guest_invitations",
        verbose_name=_("organisation"),
    )
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    guest_community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="guest_invitations",
        verbose_name=_("guest community"),
    )
    declined_at = models.DateTimeField(null=True, blank=True)
    # Addressed to the organisation's administrators, not to one e-mail address (InvitationBase.refusal).
    email = ""

    class Meta(InvitationBase.Meta):
        verbose_name = _("guest invitation")
        verbose_name_plural = _("guest invitations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(community__isnull=True, agreement__isnull=False)
                | models.Q(community__isnull=False, agreement__isnull=True),
                name="guest_invitation_to_one_thing",
            ),
            # One invitee: the organisation itself, or the community it runs, which is only ever invited to be a
            # guest of an agreement.
            models.CheckConstraint(
                condition=models.Q(guest_community__isnull=True) | models.Q(agreement__isnull=False),
                name="guest_invitation_community_to_an_agreement",
            ),
            # At most one invitation waits for an answer for each invitee and target (`consent._send`). One
            # constraint a kind, each on columns never null, so that SQLite and PostgreSQL alike enforce it.
            models.UniqueConstraint(
                fields=["organisation", "community"],
                condition=models.Q(
                    community__isnull=False, accepted_at__isnull=True, declined_at__isnull=True
                ),
                name="guest_invitation_one_waiting_to_community",
            ),
            models.UniqueConstraint(
                fields=["organisation", "agreement"],
                condition=models.Q(
                    agreement__isnull=False,
                    guest_community__isnull=True,
                    accepted_at__isnull=True,
                    declined_at__isnull=True,
                ),
                name="guest_invitation_one_waiting_to_agreement",
            ),
            models.UniqueConstraint(
                fields=["organisation", "agreement", "guest_community"],
                condition=models.Q(
                    agreement__isnull=False,
                    guest_community__isnull=False,
                    accepted_at__isnull=True,
                    declined_at__isnull=True,
                ),
                name="guest_invitation_one_waiting_for_community",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guest_community or self.organisation} → {self.community or self.agreement}"

    @property
    def invitee(self) -> Organisation | Community:
        """Who is asked to join: the community named, or the organisation itself."""
        return self.guest_community or self.organisation

    @property
    def target(self) -> Community | Agreement:
        return self.community or self.agreement


class AgreementEvent(StateEvent):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="events")


class AgreementBooking(models.Model):
    """The agreement a reservation was made under, and the guest organisation that made the person eligible."""

    reservation = models.OneToOneField(
        Reservation, on_delete=models.CASCADE, related_name="agreement_booking"
    )
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="bookings")
    guest = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()  # the reservation's day in Europe/Rome: quotas count per day

    class Meta:
        verbose_name = _("booking under an agreement")
        verbose_name_plural = _("bookings under agreements")
        indexes = [models.Index(fields=["agreement", "day"])]

    def __str__(self) -> str:
        return f"{self.agreement}: {self.reservation}"


# --- vouchers --------------------------------------------------------------------------------------------------
CENT = Decimal("0.01")


def cents_to_euros(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def euros_to_cents(euros: Decimal) -> int:
    return int((euros / CENT).to_integral_value())


class VoucherProgramme(models.Model):
    """A funder refunds a share of paid bookings at eligible places to the people it accepts."""

    funder = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="voucher_programmes", verbose_name=_("funder")
    )
    name_it = models.CharField(_("name (Italian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description_it = models.TextField(_("description (Italian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    budget = models.DecimalField(
        _("budget (EUR)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    coverage_percent = models.DecimalField(
        _("share of the price covered (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    cap_per_person_year = models.DecimalField(
        _("most per person in a calendar year (EUR)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    registers = models.ManyToManyField(
        Register,
        blank=True,
        related_name="voucher_programmes",
        verbose_name=_("eligible registers"),
        help_text=_("Bookings at places listed in these registers are covered."),
    )
    places = models.ManyToManyField(
        Place, blank=True, related_name="voucher_programmes", verbose_name=_("eligible places")
    )
    audiences = models.JSONField(
        _("who may apply"), default=list, blank=True, help_text=_("Empty: everyone.")
    )
    younger_than = models.PositiveSmallIntegerField(
        _("applicants must be younger than (years)"), null=True, blank=True
    )
    priority_younger_than = models.PositiveSmallIntegerField(
        _("applicants younger than this are reviewed first (years)"), null=True, blank=True
    )
    applications_from = models.DateField(_("applications open on"))
    applications_until = models.DateField(_("applications close after"))
    valid_from = models.DateField(_("covers bookings from"))
    valid_until = models.DateField(_("covers bookings until"))
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="reviewed_programmes", verbose_name=_("reviewers")
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("voucher programme")
        verbose_name_plural = _("voucher programmes")
        ordering = ["-valid_from", "name_it"]
        constraints = [
            ends_after("programme_valid_after_start", "valid_until", "valid_from", or_equal=True),
            ends_after(
                "programme_applications_close_after_open",
                "applications_until",
                "applications_from",
                or_equal=True,
            ),
            models.CheckConstraint(
                condition=models.Q(coverage_percent__gt=0, coverage_percent__lte=100),
                name="programme_coverage_is_a_share",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    name = Translated("name")
    description = Translated("description")

    def audience_labels(self) -> list[str]:
        return [str(Audience(code).label) for code in self.audiences if code in Audience.values]


class ReviewerInvitation(AddressedInvitation):
    """A programme's invitation, to one e-mail address, to review its applications: nobody becomes a reviewer
    without accepting it, signed in with an account of that address (`consent.accept_reviewer`)."""

    programme = models.ForeignKey(
        VoucherProgramme, on_delete=models.CASCADE, related_name="reviewer_invitations"
    )

    class Meta(AddressedInvitation.Meta):
        verbose_name = _("reviewer invitation")
        verbose_name_plural = _("reviewer invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.programme}"


class RequiredDocument(models.Model):
    """One document an applicant uploads (e.g. ISEE, proof of self-employment) and a reviewer checks before
    the application can be approved."""

    programme = models.ForeignKey(
        VoucherProgramme, on_delete=models.CASCADE, related_name="required_documents"
    )
    label_it = models.CharField(_("document (Italian)"), max_length=200)
    label_en = models.CharField(_("document (English)"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["programme", "order", "pk"]

    def __str__(self) -> str:
        return self.label

    label = Translated("label")


class VoucherApplication(models.Model):
    """A person's request to join a programme; approved, they are its beneficiary and have a ledger.
    Its state moves only through `vouchers.transition`."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    programme = models.ForeignKey(VoucherProgramme, on_delete=models.CASCADE, related_name="applications")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="voucher_applications"
    )
    birth_date = models.DateField(_("date of birth"))
    audience = models.CharField(_("you are"), max_length=30, choices=Audience.choices)
    statement = models.TextField(_("about your work"), blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.SUBMITTED)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("voucher application")
        verbose_name_plural = _("voucher applications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "person"], name="one_voucher_application_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.programme} ({self.get_state_display()})"


_document_path = document_path  # as named by migrations 0001 and 0003


class VoucherDocument(UploadedDocument):
    FOLDER = "vouchers"

    application = models.ForeignKey(VoucherApplication, on_delete=models.CASCADE, related_name="documents")
    requirement = models.ForeignKey(
        RequiredDocument,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="uploads",
        verbose_name=_("required document"),
    )
    description = models.CharField(_("what it is"), max_length=200, blank=True)

    class Meta(UploadedDocument.Meta):
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        """What the document is: the applicant's words, else the programme's name for it (in the active
        language)."""
        if self.description:
            return self.description
        return self.requirement.label if self.requirement_id else self.filename


class DocumentCheck(models.Model):
    """A reviewer's tick on one required document of an application, once they have checked the upload."""

    application = models.ForeignKey(
        VoucherApplication, on_delete=models.CASCADE, related_name="document_checks"
    )
    requirement = models.ForeignKey(RequiredDocument, on_delete=models.CASCADE, related_name="checks")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("document check")
        verbose_name_plural = _("document checks")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "requirement"], name="one_check_per_required_document"
            )
        ]

    def __str__(self) -> str:
        return f"{self.requirement} ✔"


class VoucherApplicationEvent(StateEvent):
    application = models.ForeignKey(VoucherApplication, on_delete=models.CASCADE, related_name="events")


class LedgerEntry(models.Model):
    """The subsidised share of one paid booking: reserved when booked, committed at check-in or completion,
    released on cancellation, rejection or no-show. Reserved and committed amounts count against the
    programme's budget and the beneficiary's yearly cap."""

    class State(models.TextChoices):
        RESERVED = "reserved", _("Reserved")
        COMMITTED = "committed", _("Committed")
        RELEASED = "released", _("Released")

    TRANSITIONS: dict[str, dict[str, str]] = {
        "commit": {State.RESERVED: State.COMMITTED},
        "release": {State.RESERVED: State.RELEASED},
    }
    COUNTING = (State.RESERVED, State.COMMITTED)

    application = models.ForeignKey(VoucherApplication, on_delete=models.PROTECT, related_name="ledger")
    programme = models.ForeignKey(VoucherProgramme, on_delete=models.PROTECT, related_name="ledger")
    reservation = models.OneToOneField(Reservation, on_delete=models.PROTECT, related_name="voucher_entry")
    day = models.DateField()
    year = models.PositiveSmallIntegerField()  # of `day`: the cap is per calendar year
    price = models.DecimalField(_("price (EUR)"), max_digits=10, decimal_places=2)
    share = models.DecimalField(_("share covered by the programme (EUR)"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("subsidy (EUR)"), max_digits=10, decimal_places=2)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RESERVED)
    # Why the subsidy is smaller than the share, or why it was released: codes with their figures, put into
    # words in the reader's language when shown (`note`), e.g. [{"code": "cap", "cap": "12.00", ...}].
    notes = models.JSONField(default=list, blank=True)
    reserved_at = models.DateTimeField()
    committed_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["day", "pk"]
        indexes = [
            models.Index(fields=["programme", "state"]),
            models.Index(fields=["application", "year", "state"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0, amount__lte=models.F("share")),
                name="ledger_amount_in_share",
            ),
            models.CheckConstraint(
                condition=models.Q(share__lte=models.F("price")), name="ledger_share_in_price"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.person} {self.day}: {self.amount} EUR ({self.state})"

    @property
    def note(self) -> str:
        """The entry's notes in the active language."""
        return " ".join(ledger_note_text(note) for note in self.notes)


# The notes a ledger entry may carry, by code; their figures are EUR amounts kept as decimal strings.
LEDGER_NOTES = {
    "cap": _("Your yearly cap of %(cap)s EUR leaves %(left)s EUR for this booking instead of %(share)s EUR."),
    "budget": _("The programme's budget leaves %(left)s EUR for this booking instead of %(share)s EUR."),
    "withdrawn": _("You withdrew from the programme."),
}


def ledger_note_text(note: dict) -> str:
    """One note of a ledger entry in the active language (amounts written as the language writes them)."""
    template = LEDGER_NOTES.get(note.get("code"))
    if template is None:
        return str(note.get("text", ""))
    figures = {
        name: number_format(Decimal(value), 2, use_l10n=True)
        for name, value in note.items()
        if name in ("cap", "left", "share")
    }
    return str(template) % figures
