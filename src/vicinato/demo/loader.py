"""Loading and removing the demo city, app by app in the order of the house plan (geo and register, then
booking, then agreements), each through that app's own functions."""

from __future__ import annotations

import random

from django.conf import settings
from django.db import transaction
from django.test.utils import override_settings

from vicinato.booking.models import Reservation
from vicinato.geo import travel

from . import activities, agreements, booking, impact, places, planning, seregno


def remove_demo() -> None:
    planning.remove_demo()  # its answers protect the neighbourhoods
    impact.remove_demo()  # its commuters' bookings and savings
    activities.remove_demo()  # its events and appointments protect their places
    agreements.remove_demo()  # its ledger entries protect the reservations they account for
    Reservation.objects.filter(resource__place__is_demo=True).delete()
    places.remove_places()


def load_demo(reset: bool = False) -> dict[str, int]:
    """Load the demo city; does nothing more if it is already loaded, unless `reset`."""
    rng = random.Random(20261122)
    # The demo's workflow e-mails are not sent anywhere.
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
        transaction.atomic(),
    ):
        if reset:
            remove_demo()
        places.load_places(rng)
        seregno.load_places(random.Random(108039))  # its own draws: Milan's demo stays as it was
        booking.load_resources()
        agreements.load_demo()  # before the bookings: the worker's bookings use her voucher
        booking.load_bookings(rng)
        activities.load_demo()
        if settings.ROUTING_OSM_FILE.exists():  # commutes need the street map
            impact.load_demo(rng)
        planning.load_demo()
    if settings.ROUTING_OSM_FILE.exists():
        for mode in ("walk", "bike"):
            travel.reach_index(mode)  # built now from the listed places, not by the first search
        planning.load_scenarios()  # on the street network, with the listed places as already covering
    return places.counts()
