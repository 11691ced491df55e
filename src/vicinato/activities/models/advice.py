"""Advice services, their advisors with weekly availability and exceptions, and one-to-one appointments."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from vicinato.booking.models import StateEvent
from vicinato.lib.constraints import ends_after
from vicinato.register.models import Audience, OpeningHours, Organisation, Place
from vicinato.register.translation import Translated


def _optional_place(help_text) -> models.ForeignKey:
    """A place that may be left empty (an exception's, a wait's); the row goes when the place goes."""
    return models.ForeignKey(
        Place,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("place"),
        help_text=help_text,
    )


class Mode(models.TextChoices):
    """How a person meets the advisor."""

    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("By phone")
    VIDEO = "video", _("By video call")


class AdviceService(models.Model):
    """A service an organisation offers at one or more places: union desk, pension or tax advice, ..."""

    class Kind(models.TextChoices):
        UNION_DESK = "union_desk", _("Union desk")
        PENSION = "pension", _("Pension advice")
        TAX = "tax", _("Tax assistance")
        LEGAL = "legal", _("Legal advice")
        PSYCHOLOGIST = "psychologist", _("Psychologist")
        JOB_ORIENTATION = "job_orientation", _("Job orientation")
        OTHER = "other", _("Other")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="advice_services", verbose_name=_("organisation")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name_it = models.CharField(_("name (Italian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description_it = models.TextField(_("description (Italian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    places = models.ManyToManyField(Place, related_name="advice_services", verbose_name=_("places"))
    modes = models.JSONField(_("how people meet the advisor"), default=list)
    minutes = models.PositiveIntegerField(
        _("length of an appointment (minutes)"),
        default=30,
        validators=[MinValueValidator(10), MaxValueValidator(240)],
    )
    price_cents = models.PositiveIntegerField(_("price (cents)"), default=0)
    audiences = models.JSONField(_("audiences"), default=list, blank=True)
    notice_hours = models.PositiveIntegerField(
        _("book, change or cancel until (hours before)"),
        default=2,
        help_text=_("People book, change and cancel an appointment until this many hours before it."),
    )
    days_ahead = models.PositiveIntegerField(
        _("bookable days ahead"), default=28, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    offer_hours = models.PositiveIntegerField(
        _("time to accept a freed slot (hours)"), default=12, validators=[MinValueValidator(1)]
    )
    reason_months = models.PositiveIntegerField(
        _("keep the reason for (months after the appointment)"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    is_active = models.BooleanField(_("taking appointments"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("advice service")
        verbose_name_plural = _("advice services")
        ordering = ["kind", "name_it"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("web:activities:service", kwargs={"pk": self.pk})

    name = Translated("name")
    description = Translated("description")

    @property
    def length(self) -> timedelta:
        return timedelta(minutes=self.minutes)

    def audience_labels(self) -> list[str]:
        return [str(Audience(code).label) for code in self.audiences if code in Audience.values]

    def mode_labels(self) -> list[str]:
        return [str(Mode(m).label) for m in self.modes if m in Mode.values]


class Advisor(models.Model):
    """A person giving advice for an organisation's services; one profile per person, so that their
    appointments at every place and for every service are kept apart in time."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="advisor", verbose_name=_("person")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="advisors", verbose_name=_("organisation")
    )
    display_name = models.CharField(_("name shown to people"), max_length=100)
    services = models.ManyToManyField(AdviceService, related_name="advisors", verbose_name=_("services"))

    class Meta:
        verbose_name = _("advisor")
        verbose_name_plural = _("advisors")
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name


class WeeklyAvailability(models.Model):
    """When an advisor receives at a place each week, from `valid_from` (until `valid_until`, if set)."""

    advisor = models.ForeignKey(Advisor, on_delete=models.CASCADE, related_name="weekly")
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="+", verbose_name=_("place"))
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=OpeningHours.Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until (included)"), null=True, blank=True)

    class Meta:
        verbose_name = _("weekly availability")
        verbose_name_plural = _("weekly availability")
        ordering = ["advisor", "weekday", "start_time"]
        constraints = [ends_after("weekly_ends_after_start", "end_time", "start_time")]

    def __str__(self) -> str:
        return f"{self.advisor} {self.weekday} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class AvailabilityException(models.Model):
    """A change to an advisor's weekly availability: time off (holidays), or a one-off session at a place."""

    class Kind(models.TextChoices):
        OFF = "off", _("Not available (holidays, leave)")
        EXTRA = "extra", _("One-off session")

    advisor = models.ForeignKey(Advisor, on_delete=models.CASCADE, related_name="exceptions")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    place = _optional_place(_("Where a one-off session is held."))
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("availability exception")
        verbose_name_plural = _("availability exceptions")
        ordering = ["start"]
        constraints = [ends_after("exception_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.advisor} {self.kind} {self.start:%Y-%m-%d %H:%M}"


class Appointment(models.Model):
    """One person with one advisor for one slot; its state moves only through `services.appointments`.

    `reason` is private: the advisor and the person see it, nobody else (not the place's operator, not the
    organisation's other staff); it is deleted `service.reason_months` after the appointment."""

    class State(models.TextChoices):
        OFFERED = "offered", _("Offered from the waiting list")
        BOOKED = "booked", pgettext_lazy("appointment", "Booked")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Offer expired")
        DONE = "done", _("Done")
        NO_SHOW = "no_show", _("Did not come")

    # action: {from: to}; `services.appointments.transition` refuses anything else.
    TRANSITIONS: dict[str, dict[str, str]] = {
        "accept": {State.OFFERED: State.BOOKED},
        "expire": {State.OFFERED: State.EXPIRED},
        "cancel": {State.BOOKED: State.CANCELLED, State.OFFERED: State.CANCELLED},
        "done": {State.BOOKED: State.DONE, State.NO_SHOW: State.DONE},
        "no_show": {State.BOOKED: State.NO_SHOW, State.DONE: State.NO_SHOW},
    }
    # States that hold the advisor's time (an offer only until it expires).
    HOLDING = (State.OFFERED, State.BOOKED)

    service = models.ForeignKey(AdviceService, on_delete=models.PROTECT, related_name="appointments")
    advisor = models.ForeignKey(Advisor, on_delete=models.PROTECT, related_name="appointments")
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="appointments")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appointments"
    )
    mode = models.CharField(_("how"), max_length=10, choices=Mode.choices, default=Mode.IN_PERSON)
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.BOOKED)
    reason = models.TextField(_("reason for the appointment"), blank=True)
    reason_deleted_at = models.DateTimeField(null=True, blank=True)
    phone = models.CharField(_("phone number to call"), max_length=30, blank=True)
    offer_expires_at = models.DateTimeField(_("offer valid until"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["start", "pk"]
        indexes = [
            models.Index(fields=["advisor", "start"]),
            models.Index(fields=["place", "start"]),
            models.Index(fields=["state", "end"]),
        ]
        constraints = [
            ends_after("appointment_ends_after_start"),
            # A safety net under the advisor's lock: never two held appointments starting together.
            models.UniqueConstraint(
                fields=["advisor", "start"],
                condition=models.Q(state__in=["offered", "booked"]),
                name="one_held_appointment_per_advisor_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.start:%Y-%m-%d %H:%M} ({self.advisor})"

    def get_absolute_url(self) -> str:
        return reverse("web:activities:appointment", kwargs={"pk": self.pk})


class AppointmentWait(models.Model):
    """A person waiting for a slot of a service when the next weeks are full; a freed slot is offered to the
    first in line as an `Appointment` in the state OFFERED."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Offered")
        DONE = "done", _("No longer waiting")

    service = models.ForeignKey(AdviceService, on_delete=models.CASCADE, related_name="waiting")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    place = _optional_place(_("Empty: any place of the service."))
    mode = models.CharField(_("how"), max_length=10, choices=Mode.choices, default=Mode.IN_PERSON)
    reason = models.TextField(_("reason for the appointment"), blank=True)
    phone = models.CharField(_("phone number to call"), max_length=30, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.WAITING)
    offer = models.OneToOneField(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="wait"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("waiting for an appointment")
        verbose_name_plural = _("waiting for appointments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.person} waits for {self.service}"


class AppointmentChange(StateEvent):
    """One transition of an appointment: who did what, when, and why."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="changes")
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10)
