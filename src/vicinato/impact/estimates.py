"""The calculator: what working at a place (or a point) instead of at the usual workplace would save in a day,
for anyone; nothing is stored. Its answers, refusals included, are kept in memory by cells, modes, target, time,
factors' version, network, timetable and Municipio 1, since it is asked again and again for the same 250 m
cells and places."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date, time, timedelta

import numpy as np
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vicinato.register.models import Place

from . import checks, trips
from . import factors as factor_files
from .models import Mode
from .services import DEFAULT_ARRIVAL, Rows, centre_shape, centres, coarse, compute

OFF_MAP_PLACE = gettext_lazy(
    "This place is outside the street map of the city, so trips to it cannot be computed here."
)


def on_map(place: Place) -> bool:
    """Whether trips to the place can be routed: it lies within the snapping limit of the map's streets."""
    return bool(trips.on_map(np.array([[place.lat, place.lon]]))[0])


@checks.map_unreadable_on("home")
def estimate(
    *,
    home,
    work,
    mode: str | None,
    place: Place | None = None,
    point=None,
    trip_mode: str | None = None,
    arrival: time | None = None,
    office_days: int | None = None,
    day: date | None = None,
) -> dict:
    """What working at a place (or a point) instead of at the office would save in a day; nothing is stored.

    Raises ValidationError with a message per field: home, work, place/point, mode, trip_mode (the street map
    unreadable on this server: on home)."""
    errors: dict[str, list[str]] = {}
    home_point = checks.point(errors, "home", home)
    work_point = checks.point(errors, "work", work)
    mode = checks.mode(errors, "mode", mode)
    trip_mode = checks.mode(errors, "trip_mode", trip_mode) if trip_mode else mode
    if place is not None:
        target = (place.lat, place.lon)
        if not on_map(place):
            errors["place"] = [OFF_MAP_PLACE]
    elif point is not None:
        target = checks.point(errors, "point", point)
    else:
        errors["place"] = [_("Give a place (its id) or a point to work from.")]
        target = None
    if office_days is not None and not 1 <= office_days <= 7:
        errors["office_days"] = [_("Give the days a week at the office, from 1 to 7.")]
    checks.raise_errors(errors)
    arrival = arrival or DEFAULT_ARRIVAL
    day = day or trips.reference_day(timezone.localdate() + timedelta(days=1))
    home_cell, work_cell = coarse(*home_point), coarse(*work_point)
    rows = Rows(
        homes=np.array([home_cell]),
        works=np.array([work_cell]),
        places=np.array([target]),
        trip_modes=np.array([trip_mode], dtype=object),
        avoided_modes=np.array([mode], dtype=object),
        days=[day],
        trip_arrivals=[arrival],
        usual_arrivals=[arrival],
    )
    key = (
        home_cell,
        work_cell,
        tuple(target),
        mode,
        trip_mode,
        arrival,
        day,
        trips.version({mode, trip_mode}),
    )
    answer = _answer(key, rows)
    if office_days:
        answer["office_days"] = office_days
        answer["week"] = {
            "saved_minutes": round(answer["saved_minutes"] * office_days, 1),
            "co2_g": round(answer["co2_g"] * office_days, 1),
        }
    return answer


# Answers of estimate() by their cells, modes, target, time and versions: the calculator is asked again and
# again for the same 250 m cells and places.
_answers: OrderedDict[tuple, dict] = OrderedDict()
_answers_lock = threading.Lock()
ANSWERS_KEPT = 20_000


def _answer(key: tuple, rows: Rows) -> dict:
    centre = centre_shape()
    key = (*key, factor_files.current().version, next(iter(centres), None) if centre is not None else None)
    with _answers_lock:
        kept = _answers.get(key)
        if kept is not None:
            _answers.move_to_end(key)
    if kept is None:
        kept = _compute_answer(rows, centre)
        with _answers_lock:
            _answers[key] = kept
            while len(_answers) > ANSWERS_KEPT:
                _answers.popitem(last=False)
    if "unroutable" in kept:  # (the field, the mode): no trip by it between these points
        field, chosen = kept["unroutable"]
        if chosen == trips.TRANSIT:  # the journeys searched are those of at most this many minutes
            message = _(
                "No public transport journey of %(minutes)d minutes or less was found between these points; "
                "choose another mode."
            ) % {"minutes": trips.max_journey_minutes()}
        else:
            message = _("No trip by %(mode)s was found between these points; choose another mode.") % {
                "mode": Mode(chosen).label
            }
        raise ValidationError({field: [ValidationError(message, code="unroutable")]})
    return {**kept, "km_by_mode": dict(kept["km_by_mode"])}


def _compute_answer(rows: Rows, centre) -> dict:
    results = compute(rows, centre=centre)
    mode, trip_mode = str(rows.avoided_modes[0]), str(rows.trip_modes[0])
    if not results.ok[0]:
        field = "trip_mode" if not np.isfinite(results.trip_minutes[0]) else "mode"
        return {"unroutable": (field, trip_mode if field == "trip_mode" else mode)}
    return {
        "mode": mode,
        "trip_mode": trip_mode,
        "trip_minutes": round(float(results.trip_minutes[0]), 1),
        "trip_km": round(float(results.trip_km[0]), 2),
        "avoided_minutes": round(float(results.avoided_minutes[0]), 1),
        "avoided_km": round(float(results.avoided_km[0]), 2),
        "saved_minutes": round(float(results.saved_minutes[0]), 1),
        "saved_km": round(float(results.saved_km[0]), 2),
        "km_by_mode": results.km_by_mode[0],
        "co2_g": round(float(results.co2_g[0]), 1),
        "nox_g": round(float(results.nox_g[0]), 3),
        "pm10_g": round(float(results.pm10_g[0]), 4),
        "into_centre": bool(results.into_centre[0]),
        "in_peak": bool(results.in_peak[0]),
        "factors_version": results.factors_version,
    }
