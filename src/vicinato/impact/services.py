"""What the impact app decides: coarse points, commute profiles with consent, the savings of each booking and
the batch that recomputes (the calculator anyone may ask is estimates.py).

A booking saves the round trip to the usual workplace by the usual mode (the trip *avoided*) and costs the
round trip to the place by the mode chosen when booking (the trip *made*); the result is the difference,
signed, in minutes, km by mode and grams of CO2, NOx and PM10 (factors.py). The trips are routed by
trips.py. Only people with a commute profile (explicit consent) have results.

Into the centre: the avoided trip counts as entering Municipio 1 when its home or its workplace cell is in
Municipio 1, or when the straight segment between them crosses Municipio 1's area. (The routes' own shapes are
not kept by the router; a straight segment between two points outside Municipio 1 that crosses it stands for
a trip across the centre, which a car route round the Cerchia dei Bastioni would in fact often avoid: the
figure is an upper bound for those trips.) The morning peak: the usual arrival falls in 07:30-09:30.
"""

from __future__ import annotations

import math
import time as time_module
from dataclasses import dataclass
from datetime import date, datetime, time

import numpy as np
import shapely
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from vicinato.agreements.models import Affiliation
from vicinato.booking.models import Reservation
from vicinato.geo.models import Area
from vicinato.geo.services import areas, locate
from vicinato.register.models import Organisation

from . import checks, trips
from . import factors as factor_files
from .models import BookingImpact, CommuteProfile, TripChoice

CELL_M = 250.0
M_PER_DEG_LAT = 111_320.0
PEAK = (time(7, 30), time(9, 30))
CENTRE_CODE = "1"
DEFAULT_ARRIVAL = time(9, 0)
HAPPENED = (Reservation.State.CHECKED_IN, Reservation.State.COMPLETED)


# --- coarse points and areas --------------------------------------------------------------------------------


def coarse(lat: float, lon: float) -> tuple[float, float]:
    """The centre of the 250 m grid cell a point falls in: rows of 250 m of latitude, each cut into 250 m of
    longitude at its centre's latitude. The house itself is never stored."""
    step_lat = CELL_M / M_PER_DEG_LAT
    centre_lat = (math.floor(lat / step_lat) + 0.5) * step_lat
    step_lon = CELL_M / (M_PER_DEG_LAT * math.cos(math.radians(centre_lat)))
    centre_lon = (math.floor(lon / step_lon) + 0.5) * step_lon
    return round(centre_lat, 6), round(centre_lon, 6)


def municipio_number(district: Area | None) -> int | None:
    if district is None:
        return None
    try:
        return int(district.code)
    except ValueError:
        return None


centres: dict[tuple, object] = {}


def centre_shape():
    """Municipio 1's shape, from the areas geo keeps in memory (parsed and prepared once per version)."""
    found = min(
        (a for a in areas() if a.level == Area.Level.DISTRICT and a.code == CENTRE_CODE),
        key=lambda a: a.pk,
        default=None,
    )
    if found is None:
        return None
    key = (found.pk, found.min_lon, found.min_lat, found.max_lon, found.max_lat)
    if key not in centres:
        centres.clear()
        shape = found.shape
        shapely.prepare(shape)
        centres[key] = shape
    return centres[key]


def into_centre(homes: np.ndarray, works: np.ndarray, centre=None) -> np.ndarray:
    """For each row, whether the home → work trip enters Municipio 1 (see the module's rule)."""
    homes, works = (
        np.asarray(homes, dtype=float).reshape(-1, 2),
        np.asarray(works, dtype=float).reshape(-1, 2),
    )
    centre = centre if centre is not None else centre_shape()
    if centre is None or not len(homes):
        return np.zeros(len(homes), dtype=bool)
    # Each distinct (home, work) pair once: a batch has a million rows and a few thousand pairs.
    first, inverse = trips.distinct_rows(homes[:, 0], homes[:, 1], works[:, 0], works[:, 1])
    coords = np.stack([homes[first, ::-1], works[first, ::-1]], axis=1)  # (pairs, 2 points, lon/lat)
    same = np.all(coords[:, 0] == coords[:, 1], axis=1)
    coords[same, 1] += 1e-7  # a line needs two distinct points
    return shapely.intersects(shapely.linestrings(coords), centre)[inverse]


def in_peak(arrival: time) -> bool:
    return PEAK[0] <= arrival <= PEAK[1]


# --- commute profiles -----------------------------------------------------------------------------------------


def employers_of(person) -> list[Organisation]:
    """The organisations a person may name as employer: their active affiliations."""
    return list(
        Organisation.objects.filter(affiliations__person=person, affiliations__state=Affiliation.State.ACTIVE)
        .distinct()
        .order_by("legal_name")
    )


def profile_of(person) -> CommuteProfile | None:
    if person is None or not person.is_authenticated:
        return None
    return (
        CommuteProfile.objects.filter(person=person)
        .select_related("home_area", "work_area", "employer")
        .first()
    )


@checks.map_unreadable_on("home")
def save_profile(
    person,
    *,
    consent: bool,
    home,
    work,
    usual_mode: str,
    office_days: int = 5,
    arrival_time: time | None = None,
    employer: Organisation | int | None = None,
    now: datetime | None = None,
) -> CommuteProfile:
    """Create or update a person's commute profile. Consent must be given explicitly each time the profile is
    saved; home and work are stored as the centres of their 250 m cells, with their NILs."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if consent is not True:
        errors["consent"] = [
            _(
                "Tick the box to agree that Vicinato uses your (approximate) home and workplace to compute savings."
            )
        ]
    home_point = checks.point(errors, "home", home)
    work_point = checks.point(errors, "work", work)
    usual_mode = checks.mode(errors, "usual_mode", usual_mode)
    if not isinstance(office_days, int) or not 1 <= office_days <= 7:
        errors["office_days"] = [_("Give the days a week at the office, from 1 to 7.")]
    organisation = None
    if employer not in (None, ""):
        employer_id = employer.pk if isinstance(employer, Organisation) else employer
        organisation = next((o for o in employers_of(person) if str(o.pk) == str(employer_id)), None)
        if organisation is None:
            errors["employer"] = [_("Choose an organisation you are an active employee or member of.")]
    checks.raise_errors(errors)
    home_cell, work_cell = coarse(*home_point), coarse(*work_point)
    cells_ok = trips.on_map(np.array([home_cell, work_cell]))
    for field, ok in zip(("home", "work"), cells_ok, strict=True):
        if not ok:
            errors[field] = [
                _("The area around this point has no street on the map; choose a point nearer one.")
            ]
    checks.raise_errors(errors)
    home_area = locate(*home_cell).neighbourhood
    work_area = locate(*work_cell).neighbourhood
    profile = CommuteProfile.objects.filter(person=person).first() or CommuteProfile(person=person)
    profile.consented_at = now
    profile.usual_mode = usual_mode
    profile.office_days = office_days
    profile.arrival_time = arrival_time or DEFAULT_ARRIVAL
    profile.home_lat, profile.home_lon = home_cell
    profile.work_lat, profile.work_lon = work_cell
    profile.home_area, profile.work_area = home_area, work_area
    profile.employer = organisation
    profile.save()
    return profile


@transaction.atomic
def withdraw(person) -> int:
    """Withdraw consent: the profile (and its coarse points) is deleted; the results stay for the aggregates
    but no longer say whose they are (person and booking cleared). Returns how many results were unlinked."""
    CommuteProfile.objects.filter(person=person).delete()
    return BookingImpact.objects.filter(person=person).update(person=None, reservation=None)


@checks.map_unreadable_on("trip_mode")
def check_trip_mode(mode: str) -> None:
    """ValidationError (field trip_mode) when `mode` is not a mode, or one this city cannot route."""
    errors: dict[str, list[str]] = {}
    checks.mode(errors, "trip_mode", mode)
    checks.raise_errors(errors)


def choose_trip_mode(reservation: Reservation, mode: str | None) -> TripChoice | None:
    """Record the mode a person chose to reach the place when booking (None or '' keeps the usual mode)."""
    if not mode:
        TripChoice.objects.filter(reservation=reservation).delete()
        return None
    check_trip_mode(mode)
    choice, _created = TripChoice.objects.update_or_create(reservation=reservation, defaults={"mode": mode})
    return choice


# --- computing --------------------------------------------------------------------------------------------------


@dataclass
class Rows:
    """The bookings (or estimates) to compute, one row each, as arrays."""

    homes: np.ndarray  # (n, 2) lat, lon
    works: np.ndarray
    places: np.ndarray
    trip_modes: np.ndarray  # str
    avoided_modes: np.ndarray
    days: list[date]
    trip_arrivals: list[time]
    usual_arrivals: list[time]

    def __len__(self) -> int:
        return len(self.homes)


@dataclass
class Results:
    """The computed savings for Rows; `ok` is False where a trip has no route."""

    ok: np.ndarray
    trip_minutes: np.ndarray
    trip_km: np.ndarray
    avoided_minutes: np.ndarray
    avoided_km: np.ndarray
    km_by_mode: list[dict[str, float]]
    co2_g: np.ndarray
    nox_g: np.ndarray
    pm10_g: np.ndarray
    into_centre: np.ndarray
    in_peak: np.ndarray
    factors_version: str

    @property
    def saved_minutes(self) -> np.ndarray:
        return self.avoided_minutes - self.trip_minutes

    @property
    def saved_km(self) -> np.ndarray:
        return self.avoided_km - self.trip_km


# Seconds spent routing each graph (car, bike, walk, transit) in the last compute(): for the benchmark.
last_timings: dict[str, float] = {}


def _both_trips(rows: Rows, today):
    """Round trips made (home → place) and avoided (home → work) of every row, routed together: one call per
    mode over both, so that a street search from a home serves its place and its workplace at once."""
    n = len(rows)
    modes = np.concatenate([rows.trip_modes, rows.avoided_modes])
    destinations = np.concatenate([rows.places, rows.works])
    homes = np.concatenate([rows.homes, rows.homes])
    days = rows.days + rows.days
    arrivals = rows.trip_arrivals + rows.usual_arrivals
    minutes, km = np.full(2 * n, np.nan), np.full(2 * n, np.nan)
    km_by_mode: dict[str, np.ndarray] = {}
    # The street modes sharing a graph (car as driver, as passenger, motorbike) are routed together.
    groups: dict[str, list[str]] = {}
    for mode in np.unique(modes):
        groups.setdefault(trips.ROAD_GRAPH.get(str(mode), str(mode)), []).append(str(mode))
    for graph, members in groups.items():
        sel = np.flatnonzero(np.isin(modes, members))
        started = time_module.perf_counter()
        got = trips.round_trips(
            members[0],
            homes[sel],
            destinations[sel],
            [days[i] for i in sel],
            [arrivals[i] for i in sel],
            today,
        )
        last_timings[graph] = round(time_module.perf_counter() - started, 2)
        minutes[sel], km[sel] = got.minutes, got.km
        if members[0] in trips.ROAD_GRAPH:
            for mode in members:
                rows = sel[modes[sel] == mode]
                km_by_mode.setdefault(mode, np.zeros(2 * n))[rows] = np.nan_to_num(km[rows])
        else:
            for key, values in got.km_by_mode.items():
                km_by_mode.setdefault(key, np.zeros(2 * n))[sel] += values
    made = {key: values[:n] for key, values in km_by_mode.items()}
    avoided = {key: values[n:] for key, values in km_by_mode.items()}
    return (minutes[:n], km[:n], made), (minutes[n:], km[n:], avoided)


def compute(rows: Rows, today: date | None = None, centre=None) -> Results:
    """The savings of every row: trips routed once per distinct pair, emissions with the current factors."""
    table = factor_files.current()
    (trip_minutes, trip_km, made), (avoided_minutes, avoided_km, avoided) = _both_trips(rows, today)
    saved: dict[str, np.ndarray] = {}
    for key in sorted(set(made) | set(avoided)):  # one order of the sums, whatever the hash seed
        saved[key] = avoided.get(key, 0.0) - made.get(key, 0.0)
    grams = (
        table.emissions_arrays(saved) if saved else {p: np.zeros(len(rows)) for p in factor_files.POLLUTANTS}
    )
    ok = np.isfinite(trip_minutes) & np.isfinite(avoided_minutes)
    keys = sorted(saved)
    matrix = np.round(np.column_stack([saved[k] for k in keys]), 3) if keys else np.zeros((len(rows), 0))
    km_by_mode: list[dict[str, float]] = [{} for _ in range(len(rows))]
    if keys:  # one dict per distinct line (a batch repeats its commutes), copied for each row
        first, line_of = trips.distinct_rows(*matrix.T)
        lines = [
            {k: float(v) for k, v in zip(keys, line, strict=True) if v} for line in matrix[first].tolist()
        ]
        km_by_mode = [dict(lines[i]) for i in line_of.tolist()]
    peaks: dict[time, bool] = {}
    peak = np.array([peaks.setdefault(a, in_peak(a)) for a in rows.usual_arrivals], dtype=bool)
    return Results(
        ok=ok,
        trip_minutes=trip_minutes,
        trip_km=trip_km,
        avoided_minutes=avoided_minutes,
        avoided_km=avoided_km,
        km_by_mode=km_by_mode,
        co2_g=grams["co2"],
        nox_g=grams["nox"],
        pm10_g=grams["pm10"],
        into_centre=into_centre(rows.homes, rows.works, centre),
        in_peak=peak,
        factors_version=table.version,
    )


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def _rows_of(reservations: list[Reservation], profiles: dict[int, CommuteProfile]) -> Rows:
    homes, works, places, trip_modes, avoided_modes, days, arrivals, usual = ([] for _ in range(8))
    for r in reservations:
        profile = profiles[r.person_id]
        start = _local(r.start)
        homes.append((profile.home_lat, profile.home_lon))
        works.append((profile.work_lat, profile.work_lon))
        place = r.resource.place
        places.append((place.lat, place.lon))
        choice = getattr(r, "trip_choice", None)
        trip_modes.append(choice.mode if choice is not None else profile.usual_mode)
        avoided_modes.append(profile.usual_mode)
        days.append(start.date())
        arrivals.append(start.time())
        usual.append(profile.arrival_time)
    return Rows(
        homes=np.array(homes, dtype=float).reshape(-1, 2),
        works=np.array(works, dtype=float).reshape(-1, 2),
        places=np.array(places, dtype=float).reshape(-1, 2),
        trip_modes=np.array(trip_modes, dtype=object),
        avoided_modes=np.array(avoided_modes, dtype=object),
        days=days,
        trip_arrivals=arrivals,
        usual_arrivals=usual,
    )


def _impact(
    r: Reservation, profile: CommuteProfile, trip_mode: str, results: Results, i: int, municipios: dict, now
) -> BookingImpact:
    start = _local(r.start)
    return BookingImpact(
        reservation=r,
        subject=profile.subject,
        person_id=r.person_id,
        employer_id=profile.employer_id,
        place_id=r.resource.place_id,
        day=start.date(),
        arrival_hour=start.hour,
        home_area_id=profile.home_area_id,
        municipio=municipios.get(profile.home_area_id),
        trip_mode=trip_mode,
        trip_minutes=round(float(results.trip_minutes[i]), 2),
        trip_km=round(float(results.trip_km[i]), 3),
        avoided_mode=profile.usual_mode,
        avoided_minutes=round(float(results.avoided_minutes[i]), 2),
        avoided_km=round(float(results.avoided_km[i]), 3),
        saved_minutes=round(float(results.saved_minutes[i]), 2),
        saved_km=round(float(results.saved_km[i]), 3),
        km_by_mode=results.km_by_mode[i],
        co2_g=round(float(results.co2_g[i]), 2),
        nox_g=round(float(results.nox_g[i]), 4),
        pm10_g=round(float(results.pm10_g[i]), 5),
        into_centre=bool(results.into_centre[i]),
        in_peak=bool(results.in_peak[i]),
        factors_version=results.factors_version,
        computed_at=now,
    )


def _municipios(area_ids) -> dict[int, int | None]:
    return {
        a.pk: municipio_number(a.parent)
        for a in Area.objects.filter(pk__in={i for i in area_ids if i}).select_related("parent")
    }


@dataclass
class BatchReport:
    computed: int = 0
    skipped_no_profile: int = 0
    unroutable: int = 0
    seconds: float = 0.0


def compute_reservations(
    reservations: list[Reservation], now: datetime | None = None, today: date | None = None
) -> tuple[list[BookingImpact], BatchReport]:
    """The results (unsaved) of bookings that happened; bookings of people without a profile are skipped."""
    now = now or timezone.now()
    report = BatchReport()
    person_ids = {r.person_id for r in reservations}
    profiles = {p.person_id: p for p in CommuteProfile.objects.filter(person_id__in=person_ids)}
    usable = [r for r in reservations if r.person_id in profiles]
    report.skipped_no_profile = len(reservations) - len(usable)
    if not usable:
        return [], report
    rows = _rows_of(usable, profiles)
    results = compute(rows, today=today)
    municipios = _municipios(p.home_area_id for p in profiles.values())
    impacts = []
    for i, r in enumerate(usable):
        if not results.ok[i]:
            report.unroutable += 1
            continue
        impacts.append(
            _impact(r, profiles[r.person_id], str(rows.trip_modes[i]), results, i, municipios, now)
        )
    report.computed = len(impacts)
    return impacts, report


def _happened(queryset):
    return queryset.filter(state__in=HAPPENED).select_related("resource__place", "trip_choice")


def record(reservation: Reservation, now: datetime | None = None) -> BookingImpact | None:
    """Compute and keep the savings of one booking that happened (check-in, or completion without one).

    Nothing without a commute profile, or when a trip has no route (the booking itself is never refused)."""
    reservation = _happened(Reservation.objects.filter(pk=reservation.pk)).first()
    if reservation is None:
        return None
    impacts, _report = compute_reservations([reservation], now)
    if not impacts:
        return None
    impact = impacts[0]
    existing = BookingImpact.objects.filter(reservation=reservation).values_list("pk", flat=True).first()
    impact.pk = existing
    impact.save()
    return impact


# --- the estimate -----------------------------------------------------------------------------------------------


# --- totals for a person ---------------------------------------------------------------------------------------


def totals(queryset) -> dict:
    """Sums of a set of results: count, minutes, km, grams."""
    sums = queryset.aggregate(
        bookings=Count("pk"),
        saved_minutes=Coalesce(Sum("saved_minutes"), 0.0),
        saved_km=Coalesce(Sum("saved_km"), 0.0),
        co2_g=Coalesce(Sum("co2_g"), 0.0),
        nox_g=Coalesce(Sum("nox_g"), 0.0),
        pm10_g=Coalesce(Sum("pm10_g"), 0.0),
        into_centre=Count("pk", filter=Q(into_centre=True)),
        in_peak=Count("pk", filter=Q(in_peak=True)),
    )
    return sums


def month_totals(person, today: date | None = None) -> dict:
    """The person's totals for the current month (Europe/Rome)."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    return totals(BookingImpact.objects.filter(person=person, day__gte=first, day__lte=today))


def person_impacts(person):
    return BookingImpact.objects.filter(person=person).select_related("place").order_by("-day", "-pk")


__all__ = [
    "BatchReport",
    "coarse",
    "compute",
    "compute_reservations",
    "into_centre",
    "month_totals",
    "person_impacts",
    "profile_of",
    "record",
    "save_profile",
    "totals",
    "withdraw",
]
