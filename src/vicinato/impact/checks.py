"""The checks of what people give impact (points, modes): each adds its message to a dict of field errors, and
raise_errors() turns the dict into one ValidationError, so that every field's message is said at once."""

from __future__ import annotations

import functools

import numpy as np
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vicinato.geo import travel

from . import trips
from .models import Mode

MAP_UNREADABLE = gettext_lazy(
    "The street map cannot be read on this server right now, so trips cannot be computed; try again later "
    "(the administrators can see why in the server's log)."
)


def map_unreadable_on(field: str):
    """Decorate a function that routes or checks points: the street map unreadable on this server
    (MapUnavailableError) becomes a message on `field`, never a 500."""

    def decorate(function):
        @functools.wraps(function)
        def said(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except travel.MapUnavailableError as error:
                message = ValidationError(MAP_UNREADABLE, code="map_unavailable")
                raise ValidationError({field: [message]}) from error

        return said

    return decorate


def point(errors: dict, field: str, value) -> tuple[float, float] | None:
    """The (lat, lon) of `value`, or None with a message: missing, out of range, or too far from the map."""
    if value is None:
        errors.setdefault(field, []).append(_("Give the point (latitude and longitude)."))
        return None
    lat, lon = float(value[0]), float(value[1])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        errors.setdefault(field, []).append(
            _("Latitude is between -90 and 90, longitude between -180 and 180.")
        )
        return None
    if not trips.on_map(np.array([[lat, lon]]))[0]:
        errors.setdefault(field, []).append(
            _("This point is outside the map of the city (no street within 500 m); choose a point inside it.")
        )
        return None
    return lat, lon


def mode(errors: dict, field: str, value: str | None) -> str | None:
    """`value` if it is a mode this city can route, else None with a message."""
    mode = value
    if not mode:
        errors.setdefault(field, []).append(_("Choose how you travel."))
        return None
    if mode not in Mode.values:
        errors.setdefault(field, []).append(
            _("Unknown mode '%(mode)s'; choose one of: %(modes)s.")
            % {"mode": mode, "modes": ", ".join(Mode.values)}
        )
        return None
    try:
        trips.check_routable(mode)
    except trips.Unroutable:
        errors.setdefault(field, []).append(
            _("Trips by %(mode)s cannot be computed in this city (no network or timetable for it).")
            % {"mode": Mode(mode).label}
        )
        return None
    return mode


def raise_errors(errors: dict) -> None:
    if errors:
        raise ValidationError(
            {
                field: [ValidationError(m, code="invalid") for m in messages]
                for field, messages in errors.items()
            }
        )
