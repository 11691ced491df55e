"""Events and courses: their sessions (with the room held through the booking engine), questions,
registrations with a waiting list, and attendance."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from vicinato.booking.models import Block, Resource, StateEvent
from vicinato.lib.constraints import ends_after
from vicinato.register.models import Audience, Organisation, Place
from vicinato.register.translation import Translated


class Language(models.TextChoices):
    """The language an event is held in."""

    ITALIAN = "it", _("Italian")
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")
    FRENCH = "fr", _("French")
    ARABIC = "ar", _("Arabic")
    CHINESE = "zh", _("Chinese")
    UKRAINIAN = "uk", _("Ukrainian")


class Event(models.Model):
    """A course, workshop, assembly, co-design meeting, talk...: one date or a series of sessions, at a
    place or online, with optional registration."""

    class Kind(models.TextChoices):
        COURSE = "course", _("Course")
        WORKSHOP = "workshop", _("Workshop")
        ASSEMBLY = "assembly", _("Assembly")
        CODESIGN = "codesign", _("Co-design meeting (urban lab)")
        TALK = "talk", _("Talk")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    public_id = models.SlugField(_("public identifier"), max_length=70, unique=True, editable=False)
    organiser = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="events", verbose_name=_("organiser")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title_it = models.CharField(_("title (Italian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description_it = models.TextField(_("description (Italian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    place = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("place"),
        help_text=_("Empty for an online event."),
    )
    online_url = models.URLField(_("link to join online"), blank=True)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default="it")
    audiences = models.JSONField(_("audiences"), default=list, blank=True)
    price_cents = models.PositiveIntegerField(_("price (cents)"), default=0)
    is_public = models.BooleanField(
        _("public"), default=True, help_text=_("Shown in the city agenda and published as open data.")
    )
    registration = models.BooleanField(_("registration required"), default=True)
    capacity = models.PositiveIntegerField(
        _("places"), null=True, blank=True, validators=[MinValueValidator(1)], help_text=_("Empty: no limit.")
    )
    registration_deadline = models.DateTimeField(
        _("registration closes"), null=True, blank=True, help_text=_("Empty: when the first session starts.")
    )
    offer_hours = models.PositiveIntegerField(
        _("time to confirm a place from the waiting list (hours)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
    )
    certificate_percent = models.PositiveIntegerField(
        _("attendance for a certificate (%)"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Courses only: the share of sessions a person must attend to download a certificate."),
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    # Denormalised from the sessions (`services.events.refresh_dates`): the agenda sorts and filters on them.
    starts_at = models.DateTimeField(_("first session"), null=True, blank=True, db_index=True)
    ends_at = models.DateTimeField(_("last session ends"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["state", "is_public", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if not self.public_id:
            self.public_id = f"{slugify(self.title_it)[:50].strip('-') or 'evento'}-{secrets.token_hex(3)}"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("web:activities:event", kwargs={"public_id": self.public_id})

    title = Translated("title")
    description = Translated("description")

    @property
    def is_online(self) -> bool:
        return self.place_id is None

    @property
    def is_free(self) -> bool:
        return self.price_cents == 0

    @property
    def gives_certificate(self) -> bool:
        return self.kind == self.Kind.COURSE

    def audience_labels(self) -> list[str]:
        return [str(Audience(code).label) for code in self.audiences if code in Audience.values]


class Session(models.Model):
    """One date of an event. At a place it holds its room through a block of the booking engine, so that
    nobody books the room (desks, meetings) during the session."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    room = models.ForeignKey(
        Resource, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("room")
    )
    # The booking engine's block that holds the room; empty once the place lifted it (see `room_released`).
    block = models.ForeignKey(Block, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    is_cancelled = models.BooleanField(_("cancelled"), default=False)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["start", "pk"]
        constraints = [ends_after("session_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.event} {self.start:%Y-%m-%d %H:%M}"

    @property
    def room_released(self) -> bool:
        """The room's block is gone (the place lifted it): the session has no room any more."""
        return self.room_id is not None and self.block_id is None and not self.is_cancelled


class Question(models.Model):
    """A question registrants answer (dietary needs, level of Italian, ...)."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Free text")
        CHOICE = "choice", _("One of the choices")
        YES_NO = "yes_no", _("Yes or no")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions")
    label_it = models.CharField(_("question (Italian)"), max_length=200)
    label_en = models.CharField(_("question (English)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("answer required"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["event", "order", "pk"]

    def __str__(self) -> str:
        return self.label

    label = Translated("label")


class Registration(models.Model):
    """A person's place at an event, or their turn on its waiting list."""

    class State(models.TextChoices):
        CONFIRMED = "confirmed", _("Registered")
        WAITING = "waiting", _("On the waiting list")
        OFFERED = "offered", _("Place offered: confirm it")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Offer expired")

    TRANSITIONS: dict[str, dict[str, str]] = {
        "offer": {State.WAITING: State.OFFERED},
        "confirm": {State.OFFERED: State.CONFIRMED},
        "expire": {State.OFFERED: State.EXPIRED},
        "cancel": {
            State.CONFIRMED: State.CANCELLED,
            State.WAITING: State.CANCELLED,
            State.OFFERED: State.CANCELLED,
        },
    }
    # States that take one of the places (an offer until it expires).
    HOLDING = (State.CONFIRMED, State.OFFERED)
    ACTIVE = (State.CONFIRMED, State.OFFERED, State.WAITING)

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_registrations"
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    position = models.PositiveIntegerField(_("turn on the waiting list"), null=True, blank=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    offer_expires_at = models.DateTimeField(_("confirm by"), null=True, blank=True)
    created_at = models.DateTimeField()
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["event", "created_at", "pk"]
        indexes = [models.Index(fields=["event", "state"])]
        constraints = [
            # One active registration per person and event: a form sent twice is one registration.
            models.UniqueConstraint(
                fields=["event", "person"],
                condition=models.Q(state__in=["confirmed", "offered", "waiting"]),
                name="one_active_registration_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.event} ({self.state})"


class Attendance(models.Model):
    """Whether a registered person attended one session."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="attendance")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    present = models.BooleanField(_("present"))
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    marked_at = models.DateTimeField()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["registration", "session"], name="one_attendance_per_session")
        ]

    def __str__(self) -> str:
        return f"{self.registration.person} @ {self.session}: {self.present}"


class RegistrationChange(StateEvent):
    """One transition of a registration: who did what, when, and why."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="changes")
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10)
