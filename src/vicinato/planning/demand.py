"""Demand layers: where the people a new place would serve live, each a weight the planner combines.

A layer gives an amount per neighbourhood (NIL), spread evenly over the junctions of the street graph inside it,
or amounts at points (each on the junction nearest to it). Built in: the residents of each NIL (2021), the
commuters by main mode (2011 census, `CommuterCount`), and the needs (estimated people of the needs reported,
and the answers of surveys marked as demand). Other apps add layers with `register_layer()` in their
`AppConfig.ready()`: the impact app adds the coarse home cells of the people who gave a commute profile as a
layer of points, without planning importing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from vicinato.geo.models import Area

from .models import CommuterCount, Need, Response, Survey

PerNil = dict[str, float]  # NIL code -> amount
Points = list[tuple[float, float, float]]  # (lat, lon, amount)


@dataclass(frozen=True)
class DemandLayer:
    key: str
    label: str  # lazy: the layer's name for people
    per_nil: Callable[[], PerNil] | None = None
    points: Callable[[], Points] | None = None
    default_weight: float = 0.0


LAYERS: dict[str, DemandLayer] = {}


def register_layer(layer: DemandLayer) -> None:
    """Add (or replace) a demand layer; the planner's form offers every registered layer."""
    LAYERS[layer.key] = layer


def residents() -> PerNil:
    return {
        code: float(population)
        for code, population in Area.objects.filter(
            level=Area.Level.NEIGHBOURHOOD, population__isnull=False
        ).values_list("code", "population")
    }


def commuters(mode: str) -> Callable[[], PerNil]:
    def amounts() -> PerNil:
        return {
            code: float(count)
            for code, count in CommuterCount.objects.filter(mode=mode).values_list(
                "neighbourhood__code", "count"
            )
        }

    return amounts


def needs() -> PerNil:
    """People in need per NIL: the estimates of the needs reported, plus one per answer of a survey that
    counts its answers as demand."""
    amounts: PerNil = {}
    for code, people in (
        Need.objects.values("neighbourhood__code")
        .annotate(n=Sum("estimated_people"))
        .values_list("neighbourhood__code", "n")
    ):
        amounts[code] = amounts.get(code, 0.0) + float(people or 0)
    answers = (
        Response.objects.filter(survey__counts_as_demand=True)
        .exclude(survey__state=Survey.State.DRAFT)
        .values("neighbourhood__code")
        .annotate(n=Count("id"))
        .values_list("neighbourhood__code", "n")
    )
    for code, count in answers:
        amounts[code] = amounts.get(code, 0.0) + float(count)
    return amounts


register_layer(DemandLayer("residents", _("Residents (2021)"), per_nil=residents, default_weight=1.0))
for _mode, _label in (
    (CommuterCount.Mode.WALK_BIKE, _("Commuters on foot or by bike (2011)")),
    (CommuterCount.Mode.TRANSIT, _("Commuters by public transport (2011)")),
    (CommuterCount.Mode.CAR, _("Commuters by car (2011)")),
):
    register_layer(DemandLayer(f"commuters_{_mode}", _label, per_nil=commuters(_mode)))
register_layer(DemandLayer("needs", _("Needs reported and survey answers"), per_nil=needs))
