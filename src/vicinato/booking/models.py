"""Resources of a place with their booking rules, operator blocks, reservations, series and waiting lists."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from vicinato.lib.constraints import ends_after
from vicinato.register.models import Organisation, Place
from vicinato.register.translation import Translated

CHECKIN_SALT = "vicinato.booking.checkin"


class Resource(models.Model):
    """Something bookable at a place: `capacity` identical units (desks of a room, lockers, ...), or named
    units (`Unit`: desks "A1", "Window 3") that people choose one at a time; then `capacity` is the number
    of its active units, kept by `units.py`."""

    class Kind(models.TextChoices):
        DESK = "desk", _("Desk")
        MEETING_ROOM = "meeting_room", _("Meeting room")
        PHONE_BOOTH = "phone_booth", _("Phone booth")
        LOCKER = "locker", _("Locker")
        SHOWER = "shower", _("Shower")
        CHANGING_ROOM = "changing_room", _("Changing room")
        BIKE_REPAIR_BENCH = "bike_repair_bench", _("Bike repair bench")
        CHILDCARE_PLACE = "childcare_place", _("Childcare place")
        TRAINING_ROOM = "training_room", _("Training room")
        OTHER = "other", _("Other")

    class WhoMayBook(models.TextChoices):
        EVERYONE = "everyone", _("Everyone")
        MEMBERS = "members", _("Members of the given organisations")
        AGREEMENT = "agreement", _("Holders of an agreement")

    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, related_name="resources", verbose_name=_("place")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name_it = models.CharField(_("name (Italian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("identical units"), default=1, validators=[MinValueValidator(1)])
    has_named_units = models.BooleanField(
        _("units have names"),
        default=False,
        editable=False,
        help_text=_("Set when its units are named: each booking then holds one named unit."),
    )
    # The rules; a booking is checked against all of them by `services.check_rules`.
    slot_minutes = models.PositiveIntegerField(
        _("slot length (minutes)"),
        default=60,
        validators=[MinValueValidator(5)],
        help_text=_("Bookings start on the slots counted from each opening time, and last whole slots."),
    )
    min_minutes = models.PositiveIntegerField(_("shortest booking (minutes)"), default=60)
    max_minutes = models.PositiveIntegerField(_("longest booking (minutes)"), default=8 * 60)
    min_notice_minutes = models.PositiveIntegerField(_("notice required (minutes)"), default=0)
    max_days_ahead = models.PositiveIntegerField(_("bookable days ahead"), default=30)
    buffer_minutes = models.PositiveIntegerField(
        _("buffer after a booking (minutes)"),
        default=0,
        help_text=_("Time a unit stays free after each booking, e.g. for cleaning."),
    )
    max_per_day_per_person = models.PositiveIntegerField(
        _("bookings a day per person at this place"), null=True, blank=True
    )
    max_per_week_per_person = models.PositiveIntegerField(
        _("bookings a week per person at this place"), null=True, blank=True
    )
    requires_approval = models.BooleanField(_("bookings need the operator's approval"), default=False)
    checkin_window_minutes = models.PositiveIntegerField(
        _("check-in window (minutes)"),
        default=15,
        help_text=_("Check-in is open this long before and after the start; later, the unit is released."),
    )
    cancellation_deadline_minutes = models.PositiveIntegerField(
        _("cancellation deadline (minutes before the start)"), default=0
    )
    who_may_book = models.CharField(
        _("who may book"), max_length=20, choices=WhoMayBook.choices, default=WhoMayBook.EVERYONE
    )
    organisations = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="bookable_resources",
        verbose_name=_("organisations whose members may book"),
    )
    price_cents_per_slot = models.PositiveIntegerField(_("price per slot (cents)"), default=0)
    price_cents_per_day = models.PositiveIntegerField(
        _("price per day (cents)"),
        null=True,
        blank=True,
        help_text=_(
            "A day pass: a booking never costs more than this for each calendar day it covers (Rome time); "
            "with no price per slot, it costs this for each day. Empty: no price per day; 0: free."
        ),
    )
    price_cents_per_month = models.PositiveIntegerField(
        _("monthly pass (cents)"),
        null=True,
        blank=True,
        help_text=_(
            "The price of a monthly pass: its holder's bookings of this resource in that calendar month cost "
            "nothing for one unit. Empty: no monthly pass."
        ),
    )
    offer_minutes = models.PositiveIntegerField(
        _("time to accept a waiting-list offer (minutes)"), default=30, validators=[MinValueValidator(1)]
    )
    is_active = models.BooleanField(_("taking bookings"), default=True)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["place", "kind", "name_it"]
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="resource_has_a_unit"),
            models.CheckConstraint(
                condition=models.Q(max_minutes__gte=models.F("min_minutes")), name="resource_max_ge_min"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    name = Translated("name")

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_minutes)

    @property
    def unit_label(self) -> str:
        """What one named unit is called on the pages: a desk, or a unit of another kind."""
        return _("Desk") if self.kind == self.Kind.DESK else _("Unit")

    @property
    def any_unit_label(self) -> str:
        return _("Any free desk") if self.kind == self.Kind.DESK else _("Any free unit")


class Unit(models.Model):
    """One named unit of a resource (desk "A1", "Window 3"), held by one booking at a time."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="units")
    name_it = models.CharField(_("name (Italian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    order = models.PositiveIntegerField(
        _("order"), default=0, help_text=_("Lower first; “any free” takes the first free unit in this order.")
    )
    is_active = models.BooleanField(_("taking bookings"), default=True)

    class Meta:
        verbose_name = _("named unit")
        verbose_name_plural = _("named units")
        ordering = ["resource", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["resource", "name_it"], name="unique_unit_name")]

    def __str__(self) -> str:
        return self.name

    name = Translated("name")


class Block(models.Model):
    """A period during which the operator closes a resource (maintenance, a private event), or only one of
    its named units (`unit`: desk A3 is broken this week)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="blocks")
    unit = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="blocks",
        verbose_name=_("named unit"),
        help_text=_("Empty: the whole resource is closed."),
    )
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    reason_it = models.CharField(_("reason (Italian)"), max_length=200, blank=True)
    reason_en = models.CharField(_("reason (English)"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    reason = Translated("reason")  # in the reader's language, or the other one when only that was written

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        ordering = ["start"]
        constraints = [ends_after("block_ends_after_start")]

    def __str__(self) -> str:
        what = f"{self.resource} {self.unit}" if self.unit_id else str(self.resource)
        return f"{what}: {self.start:%Y-%m-%d %H:%M} – {self.end:%Y-%m-%d %H:%M}"


class ReservationSeries(models.Model):
    """A weekly repeated booking; each date is its own Reservation."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="series")
    weekdays = models.JSONField(_("weekdays (0 = Monday)"))
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    first_date = models.DateField(_("first date"))
    until_date = models.DateField(_("last date"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("series of reservations")
        verbose_name_plural = _("series of reservations")

    def __str__(self) -> str:
        return f"{self.resource} {self.first_date} – {self.until_date}"


class MonthlyPass(models.Model):
    """A person's pass for one calendar month (Rome time) of a resource that offers one
    (`Resource.price_cents_per_month`): the bookings the person makes of it in that month cost nothing for one
    unit (`services.price_cents`). Taken and cancelled through `services.passes`."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        CANCELLED = "cancelled", _("Cancelled")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="monthly_passes"
    )
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="monthly_passes")
    month = models.DateField(_("month"), help_text=_("The first day of the month it covers."))
    price_cents = models.PositiveIntegerField(_("price (cents)"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)
    created_at = models.DateTimeField(_("taken at"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("monthly pass")
        verbose_name_plural = _("monthly passes")
        ordering = ["-month", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "resource", "month"],
                condition=models.Q(state="active"),
                name="one_active_pass_a_month",
            ),
            models.CheckConstraint(condition=models.Q(month__day=1), name="pass_month_starts_on_day_one"),
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.month:%Y-%m} ({self.person})"


class ReservationQuerySet(models.QuerySet):
    def holding(self) -> ReservationQuerySet:
        """Reservations that hold units of their resource."""
        return self.filter(state__in=Reservation.HOLDING_STATES)

    def overlapping(self, start: datetime, end: datetime, buffer: timedelta = timedelta(0)):
        """Reservations whose period, extended by `buffer` after its end, meets [start, end + buffer)."""
        return self.filter(start__lt=end + buffer, end__gt=start - buffer)


class Reservation(models.Model):
    """Units of a resource held by a person for a period; its state moves only through `services.transition`."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Waiting for approval")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")
        CHECKED_IN = "checked_in", _("Checked in")
        NO_SHOW = "no_show", _("Not shown up")
        COMPLETED = "completed", _("Completed")

    # The allowed moves (action: {from: to}); `services.transition` refuses anything else.
    TRANSITIONS: dict[str, dict[str, str]] = {
        "confirm": {State.REQUESTED: State.CONFIRMED},
        "reject": {State.REQUESTED: State.REJECTED},
        "cancel": {State.REQUESTED: State.CANCELLED, State.CONFIRMED: State.CANCELLED},
        "check_in": {State.CONFIRMED: State.CHECKED_IN},
        "no_show": {State.CONFIRMED: State.NO_SHOW},
        "complete": {State.CHECKED_IN: State.COMPLETED},
    }
    HOLDING_STATES = (State.REQUESTED, State.CONFIRMED, State.CHECKED_IN)

    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="reservations")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reservations"
    )
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    units = models.PositiveIntegerField(_("units"), default=1)
    # The named unit it holds, for a resource with named units (then `units` is 1).
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reservations",
        verbose_name=_("named unit"),
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices)
    price_cents = models.PositiveIntegerField(_("price (cents)"), default=0)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    series = models.ForeignKey(
        ReservationSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="reservations"
    )
    # The monthly pass that covers its price (one unit's), if the person held one for its month when booking.
    monthly_pass = models.ForeignKey(
        MonthlyPass,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reservations",
        verbose_name=_("monthly pass"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the reminder is enqueued, so that it goes out once (`notifications.send_reminders`).
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)

    objects = ReservationQuerySet.as_manager()

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["start", "pk"]
        indexes = [models.Index(fields=["resource", "start"]), models.Index(fields=["state", "start"])]
        constraints = [
            ends_after("reservation_ends_after_start"),
            models.CheckConstraint(condition=models.Q(units__gte=1), name="reservation_has_a_unit"),
            models.UniqueConstraint(
                fields=["person", "idempotency_key"], name="unique_idempotency_key_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.start:%Y-%m-%d %H:%M} ({self.person})"

    @property
    def checkin_code(self) -> str:
        """A short code to type at the desk: the id and 8 letters of its signature (e.g. '42-K7QF2M9A')."""
        return f"{self.pk}-{checkin_signature(self.pk)}"


def checkin_signature(pk: int) -> str:
    signature = signing.Signer(salt=CHECKIN_SALT).signature(str(pk))
    # Base 32 without look-alike case: easy to read aloud and type.
    return base64.b32encode(signing.b64_decode(signature.encode()))[:8].decode()


class StateEvent(models.Model):
    """One change of state: who did what, when, from which state to which, and why."""

    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_state or '-'} → {self.to_state}"


class ReservationEvent(StateEvent):
    """One change of a reservation: who did what, when, and why."""

    reservation = models.ForeignKey(Reservation, on_delete=models.CASCADE, related_name="events")


class WaitingListEntry(models.Model):
    """A person waiting for a unit of a resource in a period; an offer holds the unit until it expires."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Offered")
        ACCEPTED = "accepted", _("Accepted")
        EXPIRED = "expired", _("Expired")

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="waiting_list")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    units = models.PositiveIntegerField(_("units"), default=1)
    position = models.PositiveIntegerField(_("position in line"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.WAITING)
    # The named unit an open offer holds (resources with named units; people wait for any free one).
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("named unit")
    )
    offer_expires_at = models.DateTimeField(_("offer valid until"), null=True, blank=True)
    reservation = models.OneToOneField(
        Reservation, on_delete=models.SET_NULL, null=True, blank=True, related_name="waiting_list_entry"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("waiting list entry")
        verbose_name_plural = _("waiting list entries")
        ordering = ["resource", "position"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "position"], name="unique_waiting_position"),
            ends_after("waiting_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"#{self.position} {self.person} for {self.resource}"


class CalendarFeed(models.Model):
    """A person's private calendar address; a new token revokes the old address."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.person} calendar"
