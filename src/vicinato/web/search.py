"""What the search pages share (the register's list, places near you): answers htmx updates in place, the
version of their cached filters, and a place as the map script draws it."""

from __future__ import annotations

from django.core.signals import setting_changed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from vicinato.geo.models import Area
from vicinato.register.models import Amenity, Place, Register

# The filter forms' HTML (their choices: registers, amenities, areas) is cached by the templates for FILTERS_CACHE_S
# under a key with this version; it changes when this process saves or deletes one of those (other processes
# see the change when the cache expires).
FILTERS_CACHE_S = 120
_filters_version = [0]


def filters_version() -> int:
    return _filters_version[0]


@receiver(post_save, sender=Register)
@receiver(post_delete, sender=Register)
@receiver(post_save, sender=Amenity)
@receiver(post_delete, sender=Amenity)
@receiver(post_save, sender=Area)
@receiver(post_delete, sender=Area)
@receiver(setting_changed)
def _filters_changed(**kwargs) -> None:
    _filters_version[0] += 1


def htmx_partial(request, target: str) -> bool:
    """Whether htmx asks for the part of the page that fills `target` (by id), not for the whole page.

    A history restore (the browser went back and htmx had no copy of the page) needs the whole page.
    """
    return request.headers.get("HX-Target") == target and "HX-History-Restore-Request" not in request.headers


def render_search(request, template: str, partial: str, target: str, context: dict):
    """The whole page, or only its results when htmx updates them in place (then `htmx` is true in them)."""
    context["htmx"] = htmx_partial(request, target)
    response = render(request, partial if context["htmx"] else template, context)
    # The same address answers a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def map_marker(place: Place) -> dict:
    """What the map script needs of a place (see static/js/map.js)."""
    return {
        "id": place.public_id,
        "name": place.name,
        "kind": place.kind,
        "kind_label": str(place.get_kind_display()),
        "lat": place.lat,
        "lon": place.lon,
        "url": place.get_absolute_url(),
    }
