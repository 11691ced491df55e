"""Results of the siting optimiser: dataclasses that serialise to JSON for the product's pages and API."""

from __future__ import annotations

import json
import math
from collections.abc import Hashable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np


@dataclass
class ChosenSite:
    """One new site and why it was chosen.

    Covering: `reach` is the demand within the time of it, `newly_covered` the part of it no
    existing site covered, `only_here` the part no other site covers (lost if it were not opened),
    `marginal` what it adds when the chosen sites are added one at a time, best first (`rank`):
    the marginals add up to the gain of the plan. Capacitated: `served` of `capacity`.
    p-median: `reach` is the demand it is nearest to, `newly_covered` the part of it that had no
    site within the limit before, `marginal` the weighted seconds it saves in rank order,
    `only_here` the weighted seconds lost if it were not opened.
    """

    index: int
    id: Hashable
    rank: int
    marginal: float
    reach: float
    newly_covered: float
    only_here: float
    served: float | None = None
    capacity: float | None = None


@dataclass
class GroupOutcome:
    """Demand of one group (e.g. a NIL), covered before and after the plan; mean times for p-median."""

    group: Hashable
    demand: float
    covered_before: float
    covered_after: float
    share_before: float | None
    share_after: float | None
    mean_time_before_s: float | None = None
    mean_time_after_s: float | None = None


@dataclass
class EquityOutcome:
    """The equity option in use and how the plan meets it.

    `groups_out_of_reach` are left out of the requirement: with a minimum share, groups that could
    not reach it even with every candidate open; with max-min, groups no candidate can reach.
    """

    mode: str
    target_share: float | None
    least_share: float | None
    least_group: Hashable | None
    groups_considered: int
    groups_out_of_reach: list[Hashable] = field(default_factory=list)


@dataclass
class SolverReport:
    """How the plan was found: "optimal" (proven, gap 0), "time_limit" (best found, with its gap to
    the proven bound) or "heuristic" (the preview: no bound)."""

    method: str
    status: str
    optimal: bool
    bound: float | None
    gap: float | None
    nodes: int | None
    seconds: dict[str, float]
    highs_version: str | None = None
    stages: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ModelSize:
    """The model before (the textbook formulation) and after the reductions, and what they removed."""

    before: dict[str, int]
    after: dict[str, int]
    reductions: dict[str, Any]


@dataclass
class SitingResult:
    """A plan: the chosen sites, its objective and the demand covered, in total and per group.

    `objective` is the covered demand (maximal covering) or the weighted travel time in seconds
    (p-median), `objective_before` the same with the existing sites only.
    """

    model: str
    k: int
    options: dict[str, Any]
    chosen: list[ChosenSite]
    objective: float
    objective_before: float
    demand: float
    within_s: float | None
    covered_before: float
    covered_after: float
    groups: list[GroupOutcome]
    solver: SolverReport
    size: ModelSize | None = None
    equity: EquityOutcome | None = None
    mean_time_before_s: float | None = None
    mean_time_after_s: float | None = None

    @property
    def chosen_indices(self) -> list[int]:
        return [site.index for site in self.chosen]

    @property
    def chosen_ids(self) -> list[Hashable]:
        return [site.id for site in self.chosen]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types: numbers, strings, lists, dicts; infinite or undefined numbers as None."""
        return _plain(asdict(self))

    def to_json(self, **options: Any) -> str:
        return json.dumps(self.to_dict(), **options)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)
