"""Commute profiles (optional, with consent, coarse points only) and what each booking saved.

`BookingImpact` rows are the only source of the reports: they keep no point, only the NIL and Municipio
of the (coarse) home, and a random `subject` that lets reports count distinct people in a cell without
knowing who they are. Withdrawing consent deletes the profile and clears `person` on the rows; the rows
stay for the aggregates.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from vicinato.booking.models import Reservation
from vicinato.geo.models import Area
from vicinato.register.models import Organisation, Place


class Mode(models.TextChoices):
    """How a person travels to work."""

    CAR_DRIVER = "car_driver", _("Car, as the driver")
    CAR_PASSENGER = "car_passenger", _("Car, as a passenger")
    MOTORBIKE = "motorbike", _("Motorbike or scooter")
    TRANSIT = "transit", _("Public transport")
    BIKE = "bike", _("Bike")
    WALK = "walk", _("On foot")


class CommuteProfile(models.Model):
    """A person's usual commute, given with explicit consent; home and work are 250 m grid-cell centres."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="commute_profile",
        verbose_name=_("person"),
    )
    # Random, made at creation, copied onto each result and never shown.
    subject = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    consented_at = models.DateTimeField(_("consent given at"))
    usual_mode = models.CharField(_("usual mode"), max_length=20, choices=Mode.choices)
    office_days = models.PositiveSmallIntegerField(
        _("days a week at the office"), default=5, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    arrival_time = models.TimeField(_("usual arrival time"))
    # Coarse points: the centre of the 250 m grid cell, never the house.
    home_lat = models.FloatField(_("home (cell centre) latitude"))
    home_lon = models.FloatField(_("home (cell centre) longitude"))
    work_lat = models.FloatField(_("workplace (cell centre) latitude"))
    work_lon = models.FloatField(_("workplace (cell centre) longitude"))
    home_area = models.ForeignKey(
        Area, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("home NIL")
    )
    work_area = models.ForeignKey(
        Area, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("work NIL")
    )
    employer = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commute_profiles",
        verbose_name=_("employer"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("commute profile")
        verbose_name_plural = _("commute profiles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(office_days__gte=1, office_days__lte=7), name="commute_office_days_1_7"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_usual_mode_display()})"


class TripChoice(models.Model):
    """The mode a person chose, when booking, to reach the place (default: their usual mode)."""

    reservation = models.OneToOneField(Reservation, on_delete=models.CASCADE, related_name="trip_choice")
    mode = models.CharField(_("mode to the place"), max_length=20, choices=Mode.choices)

    class Meta:
        verbose_name = _("trip to the place")
        verbose_name_plural = _("trips to the places")

    def __str__(self) -> str:
        return f"{self.reservation_id}: {self.mode}"


class BookingImpact(models.Model):
    """What one booking that happened saved: the trip made (home → place → home) against the trip avoided
    (home → usual workplace → home). Signed: a longer trip to the place gives negative savings."""

    reservation = models.OneToOneField(
        Reservation, on_delete=models.SET_NULL, null=True, blank=True, related_name="impact"
    )
    subject = models.UUIDField(db_index=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="booking_impacts",
        verbose_name=_("person"),
    )
    employer = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="booking_impacts",
        verbose_name=_("employer"),
    )
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="booking_impacts")
    day = models.DateField(_("day"))  # Europe/Rome
    arrival_hour = models.PositiveSmallIntegerField(_("arrival hour"), validators=[MaxValueValidator(23)])
    home_area = models.ForeignKey(
        Area, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("home NIL")
    )
    municipio = models.PositiveSmallIntegerField(_("Municipio of the home"), null=True, blank=True)
    trip_mode = models.CharField(_("mode to the place"), max_length=20, choices=Mode.choices)
    trip_minutes = models.FloatField(_("minutes to the place and back"))
    trip_km = models.FloatField(_("km to the place and back"))
    avoided_mode = models.CharField(_("usual mode"), max_length=20, choices=Mode.choices)
    avoided_minutes = models.FloatField(_("minutes to work and back, avoided"))
    avoided_km = models.FloatField(_("km to work and back, avoided"))
    saved_minutes = models.FloatField(_("minutes saved"))
    saved_km = models.FloatField(_("km saved"))
    km_by_mode = models.JSONField(_("km saved by mode"), default=dict)
    co2_g = models.FloatField(_("CO2 saved (g)"))
    nox_g = models.FloatField(_("NOx saved (g)"))
    pm10_g = models.FloatField(_("PM10 saved (g)"))
    into_centre = models.BooleanField(_("the avoided trip entered the centre (Municipio 1)"), default=False)
    in_peak = models.BooleanField(_("the avoided arrival fell in the morning peak"), default=False)
    factors_version = models.CharField(_("emission factors version"), max_length=40)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("impact of a booking")
        verbose_name_plural = _("impacts of bookings")
        ordering = ["-day", "pk"]
        indexes = [
            models.Index(fields=["day", "home_area"]),
            models.Index(fields=["employer", "day"]),
            models.Index(fields=["person", "day"]),
        ]

    def __str__(self) -> str:
        return f"{self.place} {self.day}: {self.saved_minutes:.0f} min, {self.co2_g / 1000:.1f} kg CO2"
