"""The demo city's commutes: commuters living in five neighbourhoods with desks to book (eight in each, so
that the reports' cells of at least five people have something to show), employed by four companies (ten each,
so that their mobility managers' reports show too), working in the business districts
(Porta Nuova, CityLife, the Duomo, Bicocca, Lambrate) by car, public transport, motorbike, bike or on foot, each
with a commute profile given with consent, and about three months of bookings at a place near home, checked in
and completed, whose savings are computed by impact's own batch.

Needs the register's demo (places, organisations) and the booking demo (desks); `load_demo()` does nothing
when the commuters are there already."""

from __future__ import annotations

import math
import random
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils import timezone
from shapely.geometry import Point

from vicinato.agreements.models import Affiliation
from vicinato.booking import services as booking
from vicinato.booking.models import Reservation, Resource
from vicinato.geo.models import Area
from vicinato.impact import receivers, recompute, services
from vicinato.impact.models import BookingImpact, CommuteProfile
from vicinato.register.models import Membership, Organisation, Place

DEMO_PASSWORD = "vicinato"
PREFIX = "pendolare"
NEIGHBOURHOODS = 5
PER_NEIGHBOURHOOD = 8
EMPLOYERS = 4  # 40 commuters: 10 each
WEEKS = 13
OFFICES = [  # (lat, lon): business districts
    (45.4833, 9.1900),  # Porta Nuova
    (45.4775, 9.1560),  # CityLife
    (45.4642, 9.1900),  # Duomo
    (45.5140, 9.2100),  # Bicocca
    (45.4840, 9.2370),  # Lambrate
]
MODES = ["car_driver"] * 8 + ["transit"] * 7 + ["car_passenger", "motorbike"] + ["bike"] * 2 + ["walk"]
ARRIVALS = [time(8, 0), time(8, 30), time(9, 0), time(9, 0), time(9, 30), time(10, 0)]


def _crow_km(a, b) -> float:
    dy = (a[0] - b[0]) * 111.32
    dx = (a[1] - b[1]) * 111.32 * math.cos(math.radians(a[0]))
    return math.hypot(dx, dy)


def _desks() -> dict[int, list[Resource]]:
    """Bookable desk rooms of the listed demo places, by the places' neighbourhood."""
    found: dict[int, list[Resource]] = {}
    listed = Place.objects.listed().filter(is_demo=True, neighbourhood__isnull=False)
    for resource in Resource.objects.filter(
        place__in=listed, kind=Resource.Kind.DESK, requires_approval=False, is_active=True
    ).select_related("place"):
        found.setdefault(resource.place.neighbourhood_id, []).append(resource)
    return found


def _home_near(rng: random.Random, area: Area, place: Place) -> tuple[float, float]:
    """A point within about 1.2 km of the place, inside its neighbourhood."""
    for _ in range(200):
        lat = place.lat + rng.uniform(-0.011, 0.011)
        lon = place.lon + rng.uniform(-0.015, 0.015)
        if area.shape.covers(Point(lon, lat)):
            return lat, lon
    return place.lat, place.lon


def _staff_of(place: Place):
    membership = Membership.objects.filter(organisation=place.operator).order_by("pk").first()
    return membership.user if membership else None


def load_demo(rng: random.Random | None = None, now: datetime | None = None) -> int:
    """Commuters, profiles and past bookings with their savings; gives back how many savings were computed."""
    rng = rng or random.Random(20261207)
    now = now or timezone.now()
    User = get_user_model()
    if User.objects.filter(username__startswith=PREFIX).exists():
        return 0
    desks = _desks()
    counts = Place.objects.listed().filter(is_demo=True).values("neighbourhood").annotate(n=Count("pk"))
    order = {row["neighbourhood"]: row["n"] for row in counts}
    chosen = sorted(desks, key=lambda area_id: (-order.get(area_id, 0), area_id))[:NEIGHBOURHOODS]
    # A few employers with about ten commuters each (the companies the demo's "azienda" manages first), so that
    # their mobility managers' reports are over the reports' threshold of five people.
    managed = Count("memberships", filter=Q(memberships__user__username="azienda"))
    employers = list(
        Organisation.objects.filter(is_demo=True, kind=Organisation.Kind.COMPANY)
        .annotate(managed=managed)
        .order_by("-managed", "pk")[:EMPLOYERS]
    )
    commuters = []
    number = 0
    for area in Area.objects.filter(pk__in=chosen).order_by("code"):
        for _ in range(PER_NEIGHBOURHOOD):
            number += 1
            resource = rng.choice(desks[area.pk])
            person = User.objects.create_user(
                username=f"{PREFIX}{number:02d}",
                password=DEMO_PASSWORD,
                first_name=f"Pendolare {number}",
                last_name="Demo",
                email=f"{PREFIX}{number:02d}@demo.vicinato.example",
            )
            employer = employers[number % len(employers)] if employers else None
            if employer is not None:
                Affiliation.objects.create(
                    person=person,
                    organisation=employer,
                    state=Affiliation.State.ACTIVE,
                    method=Affiliation.Method.ADMIN,
                    started_at=now,
                )
            home = _home_near(rng, area, resource.place)
            mode = rng.choice(MODES)
            try:
                services.save_profile(
                    person,
                    consent=True,
                    home=home,
                    work=rng.choice(OFFICES),
                    usual_mode=mode,
                    office_days=rng.choice([3, 4, 5, 5]),
                    arrival_time=rng.choice(ARRIVALS),
                    employer=employer,
                    now=now - timedelta(days=7 * WEEKS + 7),
                )
            except ValidationError:
                continue  # a point off the streets: the demo skips that commuter
            commuters.append((person, resource, home, mode))
    with receivers.paused():
        _book(rng, commuters, now)
    summary = recompute.recompute()
    return summary["computed"]


def _book(rng: random.Random, commuters, now: datetime) -> None:
    """One day a week at the place near home, for WEEKS weeks up to yesterday; checked in and completed."""
    zone = timezone.get_current_timezone()
    today = timezone.localdate(now)
    monday = today - timedelta(days=today.weekday())
    for person, resource, home, mode in commuters:
        staff = _staff_of(resource.place)
        if staff is None:
            continue
        near = _crow_km(home, (resource.place.lat, resource.place.lon))
        trip_mode = "walk" if near < 1.0 else ("bike" if mode in ("bike", "walk") else None)
        for week in range(WEEKS, 0, -1):
            day = monday - timedelta(weeks=week) + timedelta(days=rng.randrange(5))
            start = datetime.combine(day, rng.choice([time(9, 0), time(9, 30), time(10, 0)]), tzinfo=zone)
            end = start + timedelta(hours=rng.choice([4, 6, 8]))
            try:
                reservation = booking.reserve(person, resource, start, end, now=start - timedelta(days=1))
            except (ValidationError, booking.BookingError):
                continue  # a closed day or a rule: the demo just skips it
            if trip_mode:
                services.choose_trip_mode(reservation, trip_mode)
            booking.transition(reservation, "check_in", staff, now=start + timedelta(minutes=5))
            booking.transition(reservation, "complete", now=end)


def remove_demo() -> None:
    people = get_user_model().objects.filter(username__startswith=PREFIX)
    BookingImpact.objects.filter(person__in=people).delete()
    BookingImpact.objects.filter(place__is_demo=True).delete()
    CommuteProfile.objects.filter(person__in=people).delete()
    Reservation.objects.filter(person__in=people).delete()
    people.delete()
