"""Bookable resources of the demo places, derived from what each place offers, and a few bookings today."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from vicinato.booking import services
from vicinato.booking.models import Reservation, Resource, Unit
from vicinato.register.models import Place

K = Resource.Kind

# (amenity code or None for every place, kind, Italian name, English name, rules)
RESOURCES = [
    (
        None,
        K.DESK,
        "Postazioni di lavoro",
        "Desks",
        {"slot_minutes": 60, "min_minutes": 60, "max_minutes": 10 * 60, "max_per_day_per_person": 1},
    ),
    (
        "meeting_room",
        K.MEETING_ROOM,
        "Sala riunioni",
        "Meeting room",
        {"capacity": 1, "slot_minutes": 30, "min_minutes": 30, "max_minutes": 4 * 60, "buffer_minutes": 15},
    ),
    (
        "phone_booth",
        K.PHONE_BOOTH,
        "Cabina telefonica",
        "Phone booth",
        {"capacity": 2, "slot_minutes": 15, "min_minutes": 15, "max_minutes": 60},
    ),
    (
        "showers",
        K.SHOWER,
        "Docce",
        "Showers",
        {
            "capacity": 2,
            "slot_minutes": 20,
            "min_minutes": 20,
            "max_minutes": 40,
            "buffer_minutes": 10,
            "max_per_day_per_person": 2,
            "checkin_window_minutes": 10,
        },
    ),
    (
        "bike_repair",
        K.BIKE_REPAIR_BENCH,
        "Banco riparazione bici",
        "Bike repair bench",
        {"capacity": 1, "slot_minutes": 30, "min_minutes": 30, "max_minutes": 90},
    ),
    (
        "lockers",
        K.LOCKER,
        "Armadietti",
        "Lockers",
        {"capacity": 12, "slot_minutes": 60, "min_minutes": 60, "max_minutes": 14 * 60},
    ),
    (
        "childcare",
        K.CHILDCARE_PLACE,
        "Spazio bimbi",
        "Childcare place",
        {
            "capacity": 6,
            "slot_minutes": 60,
            "min_minutes": 60,
            "max_minutes": 5 * 60,
            "requires_approval": True,
            "min_notice_minutes": 24 * 60,
        },
    ),
    (
        "training_room",
        K.TRAINING_ROOM,
        "Aula formazione",
        "Training room",
        {
            "capacity": 1,
            "slot_minutes": 60,
            "min_minutes": 60,
            "max_minutes": 8 * 60,
            "requires_approval": True,
            "cancellation_deadline_minutes": 24 * 60,
        },
    ),
]


# The desks of one coworking of the demo operator ("operatore") have names, so that people choose one.
NAMED_DESKS = [(f"A{n}", f"A{n}") for n in range(1, 7)] + [
    ("Finestra 1", "Window 1"),
    ("Finestra 2", "Window 2"),
]


def _desk_rules(place: Place) -> dict:
    rules = {"capacity": max(1, place.desks or 1), "max_days_ahead": 60}
    if place.kind == "coworking":
        # € 2 an hour, at most € 12 a day (a day pass), or € 180 a calendar month (a monthly pass): what the
        # place's page says, made from these rules.
        rules["price_cents_per_slot"] = 200
        rules["price_cents_per_day"] = 1200
        rules["price_cents_per_month"] = 18000
    elif place.kind == "company_space":
        # A company's desks are its own staff's; an agreement may open some of them to others (demo/agreements.py).
        rules["who_may_book"] = Resource.WhoMayBook.MEMBERS
    return rules


def _name_desks() -> Resource | None:
    """Name the desks of the demo operator's first listed place (before any booking: nothing to move)."""
    desks = Resource.objects.filter(
        place__is_demo=True,
        kind=K.DESK,
        place__operator__memberships__user__username="operatore",
        place__operator__memberships__role="admin",
    ).order_by("place__name_it")
    resource = desks.filter(place__in=Place.objects.listed()).first() or desks.first()
    if resource is None:
        return None
    Unit.objects.bulk_create(
        Unit(resource=resource, name_it=it, name_en=en, order=order)
        for order, (it, en) in enumerate(NAMED_DESKS, start=1)
    )
    resource.capacity, resource.has_named_units = len(NAMED_DESKS), True
    resource.save(update_fields=["capacity", "has_named_units"])
    return resource


def load_resources() -> int:
    """Create the demo places' resources (once); gives back how many were created."""
    if Resource.objects.filter(place__is_demo=True).exists():
        return 0
    created = []
    for place in Place.objects.filter(is_demo=True).prefetch_related("amenities"):
        codes = {amenity.code for amenity in place.amenities.all()}
        for amenity, kind, name_it, name_en, rules in RESOURCES:
            if amenity is not None and amenity not in codes:
                continue
            values = {**rules, **(_desk_rules(place) if kind == K.DESK else {})}
            created.append(Resource(place=place, kind=kind, name_it=name_it, name_en=name_en, **values))
    Resource.objects.bulk_create(created)
    for resource in Resource.objects.filter(place__is_demo=True, who_may_book=Resource.WhoMayBook.MEMBERS):
        resource.organisations.set([resource.place.operator_id])
    _name_desks()
    return len(created)


def load_bookings(rng: random.Random, now: datetime | None = None) -> int:
    """A few of today's and tomorrow's bookings, for the operators' day plans: by a demo worker of their own
    ("lavoratore"), so that whatever "lavoratrice" books on any day (as the journeys do) never meets them."""
    now = now or timezone.now()
    person = get_user_model().objects.filter(username="lavoratore").first()
    if person is None or Reservation.objects.filter(resource__place__is_demo=True).exists():
        return 0
    count = 0
    tz = timezone.get_current_timezone()
    resources = list(
        Resource.objects.filter(place__is_demo=True, requires_approval=False)
        .select_related("place")
        .order_by("place__name_it", "kind")[:40]
    )
    for resource in rng.sample(resources, k=min(12, len(resources))):
        for offset in (0, 1):
            day = timezone.localdate(now) + timedelta(days=offset)
            start = datetime.combine(day, time(rng.choice([9, 10, 11, 14, 15])), tzinfo=tz)
            end = start + timedelta(minutes=max(resource.min_minutes, resource.slot_minutes))
            if start < now:
                continue
            try:
                services.reserve(person, resource, start, end, now=now)
            except (ValidationError, services.BookingError):
                continue  # a closed day or a rule: the demo just skips it
            count += 1
    return count
