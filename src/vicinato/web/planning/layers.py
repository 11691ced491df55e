"""The planner's demand layer of the people who gave a commute profile: their coarse home cells (250 m grid-cell
centres, given with consent; a withdrawn consent deletes the profile, and with it the point).

Planning and impact are siblings that never import each other (pyproject.toml's layers contract): the pages'
layer, above both, joins them here, and web's AppConfig.ready() registers the layer.
"""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from vicinato.impact.models import CommuteProfile
from vicinato.planning.demand import DemandLayer, Points, register_layer


def commute_homes() -> Points:
    """(lat, lon, people) per home cell of the commute profiles."""
    cells = CommuteProfile.objects.values("home_lat", "home_lon").annotate(people=Count("id")).order_by()
    return [(cell["home_lat"], cell["home_lon"], float(cell["people"])) for cell in cells]


def register() -> None:
    register_layer(
        DemandLayer(
            "commute_homes",
            _("Homes of the people with a commute profile (with consent)"),
            points=commute_homes,
        )
    )
