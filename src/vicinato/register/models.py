"""Organisations, places, amenities, registers and the applications that list places in them."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime
from pathlib import PurePath
from typing import ClassVar

from django.conf import settings
from django.core.files.storage import storages
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from vicinato.geo.models import Area, Municipality
from vicinato.lib.constraints import ends_after
from vicinato.lib.records import TransitionRecord

from .translation import Translated
from .validators import validate_codice_fiscale, validate_partita_iva


class Organisation(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        COWORKING_OPERATOR = "coworking_operator", _("Coworking operator")
        UNION = "union", _("Trade union")
        COOPERATIVE = "cooperative", _("Cooperative / third sector")
        ASSOCIATION = "association", _("Association")
        PUBLIC_BODY = "public_body", _("Public body")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    legal_name = models.CharField(_("legal name"), max_length=200)
    partita_iva = models.CharField(
        _("partita IVA (VAT number)"), max_length=13, blank=True, validators=[validate_partita_iva]
    )
    codice_fiscale = models.CharField(
        _("codice fiscale (tax code)"), max_length=16, blank=True, validators=[validate_codice_fiscale]
    )
    email = models.EmailField(_("e-mail"), blank=True)
    pec = models.EmailField(_("certified e-mail (PEC)"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    address = models.CharField(_("registered address"), max_length=200, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    # Set when a site administrator approved the organisation; until then (None) it is pending and may not act
    # for others: no members, domains, agreements or submitted applications (a lookalike of a real body would).
    approved_at = models.DateTimeField(_("approved on"), null=True, blank=True, default=timezone.now)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="organisations"
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["legal_name"]

    def __str__(self) -> str:
        return self.legal_name

    @property
    def is_pending(self) -> bool:
        return self.approved_at is None

    def same_identity(self) -> models.QuerySet[Organisation]:
        """The other approved organisations with its partita IVA or codice fiscale."""
        match = models.Q(pk__in=[])
        if self.partita_iva:
            match |= models.Q(partita_iva=self.partita_iva)
        if self.codice_fiscale:
            match |= models.Q(codice_fiscale=self.codice_fiscale)
        return Organisation.objects.filter(match, approved_at__isnull=False).exclude(pk=self.pk)


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        STAFF = "staff", _("Staff")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"


class Amenity(models.Model):
    class Group(models.TextChoices):
        WORK = "work", _("Work and technology")
        COMMON = "common", _("Common areas and food")
        CARE = "care", _("Care and well-being")
        MOBILITY = "mobility", _("Bikes and mobility")
        ADVICE = "advice", _("Advice and training")

    code = models.SlugField(_("code"), unique=True)
    group = models.CharField(_("group"), max_length=20, choices=Group.choices)
    label_it = models.CharField(_("label (Italian)"), max_length=100)
    label_en = models.CharField(_("label (English)"), max_length=100)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("amenity")
        verbose_name_plural = _("amenities")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.label

    label = Translated("label")


class Audience(models.TextChoices):
    FREELANCERS = "freelancers", _("Freelancers")
    REMOTE_EMPLOYEES = "remote_employees", _("Remote employees")
    MUNICIPAL_EMPLOYEES = "municipal_employees", _("Municipal employees")
    RIDERS = "riders", _("Delivery riders")
    STUDENTS = "students", _("Students")
    EVERYONE = "everyone", _("Everyone")


class Accessibility(models.TextChoices):
    STEP_FREE_ENTRANCE = "step_free_entrance", _("Step-free entrance")
    ACCESSIBLE_TOILET = "accessible_toilet", _("Accessible toilet")
    LIFT = "lift", _("Lift")
    HEARING_LOOP = "hearing_loop", _("Hearing loop")
    ACCESSIBLE_PARKING = "accessible_parking", _("Accessible parking space")
    TACTILE_PATHS = "tactile_paths", _("Tactile paths")
    ADJUSTABLE_DESKS = "adjustable_desks", _("Height-adjustable desks")


def _new_public_id(name: str) -> str:
    return f"{slugify(name)[:40].strip('-') or 'place'}-{secrets.token_hex(3)}"


class PlaceQuerySet(models.QuerySet):
    def with_areas(self) -> PlaceQuerySet:
        """Join the operator and the areas, without their (large) geometries."""
        return self.select_related("operator", "municipality", "district", "neighbourhood").defer(
            "municipality__boundary",
            "district__geometry",
            "district__outline",
            "neighbourhood__geometry",
            "neighbourhood__outline",
        )

    def listed(self, at: datetime | None = None) -> PlaceQuerySet:
        """Places with at least one approved, unexpired entry in a register."""
        at = at or timezone.now()
        return self.filter(
            applications__state=Application.State.APPROVED, applications__expires_at__gt=at
        ).distinct()


class Place(models.Model):
    class Kind(models.TextChoices):
        COWORKING = "coworking", _("Coworking space")
        COMPANY_SPACE = "company_space", _("Company space open to others")
        OFFICINA = "officina", _("Officina territoriale")
        SNODO = "snodo", _("Snodo territoriale (community node)")
        UNION_OFFICE = "union_office", _("Union office")
        LIBRARY = "library", _("Library or public space")

    public_id = models.SlugField(_("public identifier"), max_length=60, unique=True, editable=False)
    operator = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="places", verbose_name=_("operator")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name_it = models.CharField(_("name (Italian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description_it = models.TextField(_("description (Italian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    address = models.CharField(_("address"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    lat = models.FloatField(_("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)])
    lon = models.FloatField(_("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)])
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="places", verbose_name=_("municipality")
    )
    district = models.ForeignKey(
        Area,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="district_places",
        verbose_name=_("Municipio"),
    )
    neighbourhood = models.ForeignKey(
        Area,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="neighbourhood_places",
        verbose_name=_("NIL"),
    )
    desks = models.PositiveIntegerField(_("desks"), default=0)
    amenities = models.ManyToManyField(
        Amenity, blank=True, related_name="places", verbose_name=_("amenities")
    )
    audiences = models.JSONField(_("audiences"), default=list, blank=True)
    accessibility = models.JSONField(_("accessibility"), default=list, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="places/", blank=True)
    photo_alt = models.CharField(_("photo description"), max_length=200, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["name_it"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.public_id:
            self.public_id = _new_public_id(self.name_it)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("web:place", kwargs={"public_id": self.public_id})

    name = Translated("name")
    description = Translated("description")

    def audience_labels(self) -> list[str]:
        return [str(Audience(code).label) for code in self.audiences if code in Audience.values]

    def accessibility_labels(self) -> list[str]:
        return [str(Accessibility(code).label) for code in self.accessibility if code in Accessibility.values]


class OpeningHours(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens"]
        constraints = [
            ends_after("hours_close_after_open", "closes", "opens"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Closure(models.Model):
    """A dated closure (holiday, works) during which the place is closed all day."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="closures")
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until (included)"))
    reason_it = models.CharField(_("reason (Italian)"), max_length=200, blank=True)
    reason_en = models.CharField(_("reason (English)"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["start_date"]
        constraints = [
            ends_after("closure_ends_after_start", "end_date", "start_date", or_equal=True),
        ]

    def __str__(self) -> str:
        return f"{self.start_date} – {self.end_date}"

    reason = Translated("reason")  # in the reader's language only


class Register(models.Model):
    """An official list of places run by a municipality or a programme, with its requirements."""

    slug = models.SlugField(_("slug"), unique=True)
    name_it = models.CharField(_("name (Italian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description_it = models.TextField(_("description (Italian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    owner = models.CharField(_("run by"), max_length=200)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registers",
        verbose_name=_("municipality"),
    )
    validity_months = models.PositiveSmallIntegerField(_("validity of an entry (months)"), default=24)
    reminder_days = models.PositiveSmallIntegerField(_("reminder before expiry (days)"), default=30)
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="reviewed_registers", verbose_name=_("reviewers")
    )
    is_open = models.BooleanField(_("accepting applications"), default=True)

    class Meta:
        verbose_name = _("register")
        verbose_name_plural = _("registers")
        ordering = ["name_it"]

    def __str__(self) -> str:
        return self.name

    name = Translated("name")
    description = Translated("description")


class Requirement(models.Model):
    """One condition of a register: checked by the machine at submission, or ticked by a reviewer."""

    class Kind(models.TextChoices):
        MIN_DESKS = "min_desks", _("Minimum number of desks")
        AMENITIES_ALL = "amenities_all", _("All of these amenities")
        AMENITIES_ANY = "amenities_any", _("At least one of these amenities")
        PLACE_KINDS = "place_kinds", _("Kind of place")
        IN_MUNICIPALITY = "in_municipality", _("Inside the register's municipality")
        REVIEWER_CHECK = "reviewer_check", _("Checked by a reviewer")

    register = models.ForeignKey(Register, on_delete=models.CASCADE, related_name="requirements")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    label_it = models.CharField(_("requirement (Italian)"), max_length=200)
    label_en = models.CharField(_("requirement (English)"), max_length=200)
    min_desks = models.PositiveIntegerField(_("minimum desks"), null=True, blank=True)
    amenities = models.ManyToManyField(Amenity, blank=True, verbose_name=_("amenities"))
    place_kinds = models.JSONField(_("kinds of place"), default=list, blank=True)
    needs_document = models.BooleanField(
        _("the applicant uploads a document for it"),
        default=False,
        help_text=_("For a reviewer's check on papers (e.g. a self-declaration): submitted with the file."),
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        ordering = ["register", "order", "id"]

    def __str__(self) -> str:
        return self.label

    label = Translated("label")

    @property
    def is_machine_checked(self) -> bool:
        return self.kind != self.Kind.REVIEWER_CHECK


class ApplicationQuerySet(models.QuerySet):
    def listed(self, at: datetime | None = None) -> ApplicationQuerySet:
        return self.filter(state=Application.State.APPROVED, expires_at__gt=at or timezone.now())


class Application(models.Model):
    """A place's request to be listed in a register; its state moves only through `workflow.transition`."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        APPROVED = "approved", _("Approved (listed)")
        REJECTED = "rejected", _("Rejected")
        SUSPENDED = "suspended", _("Suspended")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="applications")
    register = models.ForeignKey(Register, on_delete=models.PROTECT, related_name="applications")
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("listed until"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # The machine checks that failed at the last submission, shown to the applicant.
    failed_checks = models.JSONField(default=list, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["place", "register"], name="one_application_per_place_and_register"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place} → {self.register} ({self.get_state_display()})"

    @property
    def is_listed(self) -> bool:
        return (
            self.state == self.State.APPROVED
            and self.expires_at is not None
            and self.expires_at > timezone.now()
        )


class ApplicationCheck(models.Model):
    """A reviewer's tick on a requirement that only a person can verify (documents, a visit)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="checks")
    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="+")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "requirement"], name="one_check_per_requirement"),
        ]

    def __str__(self) -> str:
        return f"{self.requirement} ✔"


def private_storage():
    """Where the documents people upload for a review go: the "private" storage, apart from the public media
    (settings.STORAGES), with no address of its own."""
    return storages["private"]


def document_path(instance: UploadedDocument, filename: str) -> str:
    # An unguessable folder: the files are served only through views that check permissions.
    return f"{instance.FOLDER}/{uuid.uuid4().hex}/{PurePath(filename).name}"


_document_path = document_path  # as named by migration 0007


class UploadedDocument(models.Model):
    """A file uploaded for a reviewer to check, kept in the private storage under the subclass's FOLDER: the
    papers of a register application here, of a voucher application in agreements (abstract: no table)."""

    FOLDER: ClassVar[str]

    file = models.FileField(
        _("file"),
        upload_to=document_path,
        storage=private_storage,
        validators=[FileExtensionValidator(["pdf", "jpg", "jpeg", "png"])],
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "pk"]

    @property
    def filename(self) -> str:
        return PurePath(self.file.name).name


class ApplicationDocument(UploadedDocument):
    """A file the applicant uploads for a reviewer's check that needs one (`Requirement.needs_document`)."""

    FOLDER = "registers"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    requirement = models.ForeignKey(
        Requirement, on_delete=models.CASCADE, related_name="documents", verbose_name=_("requirement")
    )

    class Meta(UploadedDocument.Meta):
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")

    def __str__(self) -> str:
        return self.filename


class ApplicationEvent(TransitionRecord):
    """One transition of an application: who, when, from which state to which, and why."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(_("from"), max_length=20, choices=Application.State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=20, choices=Application.State.choices)


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal token for the REST API (sent as `Authorization: Bearer <token>`). Only its SHA-256 digest is
    stored: the token itself is known once, on the instance that made it (`key`), to be shown to its owner."""

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)  # its first letters, to tell tokens apart
    name = models.CharField(_("name"), max_length=100, blank=True)
    scope = models.CharField(_("what it may do"), max_length=5, choices=Scope.choices, default=Scope.WRITE)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("valid until"), null=True, blank=True)  # None: until revoked
    revoked_at = models.DateTimeField(_("revoked on"), null=True, blank=True)

    key = ""  # the token, on the new instance only

    def __str__(self) -> str:
        return f"{self.user} ({self.name or self.prefix})"

    def save(self, *args, **kwargs) -> None:
        if not self.digest:
            self.new_key()
        super().save(*args, **kwargs)

    def new_key(self) -> ApiToken:
        """Give the (unsaved) token its secret, e.g. before `bulk_create`; `key` holds it, `digest` its hash."""
        self.key = secrets.token_urlsafe(32)
        self.digest, self.prefix = token_digest(self.key), self.key[:6]
        return self

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class InvitationBase(models.Model):
    """What every invitation of an organisation's has: who sent it, until when it is valid, who accepted it."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("valid until"))
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def refusal(self, person, now: datetime) -> str:
        """Why `person` may not accept it now ('' when they may): used, expired, or sent to another address (a
        forwarded or leaked link admits nobody else)."""
        if self.accepted_at:
            return _("This invitation has already been used; ask the organisation for a new one.")
        if self.expires_at <= now:
            return _("This invitation has expired; ask the organisation for a new one.")
        if self.email and person.email.strip().lower() != self.email.strip().lower():
            return _(
                "This invitation was sent to another e-mail address: sign in with the account of that address."
            )
        return ""


class AddressedInvitation(InvitationBase):
    """An invitation to one e-mail address, opened by a single-use link: only an account of that address accepts
    it (`InvitationBase.refusal`)."""

    email = models.EmailField(_("e-mail of the person invited"))
    token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe)

    class Meta(InvitationBase.Meta):
        abstract = True


class StaffInvitation(AddressedInvitation):
    """An organisation's invitation, to one e-mail address, to join its staff or its administrators: nobody is
    made either without accepting it, signed in with an account of that address (`staff.accept`)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="staff_invitations")
    role = models.CharField(_("role"), max_length=10, choices=Membership.Role.choices)

    class Meta(AddressedInvitation.Meta):
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation} ({self.role})"


class DigitalIdentity(models.Model):
    """The public digital identity (SPID or CIE, through OpenID Connect) that signs a person in: their fiscal
    code, as the identity provider vouched for it, is matched to one account, and one account has one."""

    class Kind(models.TextChoices):
        SPID = "spid", "SPID"
        CIE = "cie", "CIE"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digital_identity"
    )
    fiscal_code = models.CharField(_("fiscal code"), max_length=16, unique=True)
    kind = models.CharField(_("identity"), max_length=4, choices=Kind.choices)
    linked_at = models.DateTimeField(_("linked on"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used on"), null=True, blank=True)

    class Meta:
        verbose_name = _("digital identity")
        verbose_name_plural = _("digital identities")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_kind_display()})"
