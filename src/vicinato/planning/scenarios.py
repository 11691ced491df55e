"""Scenarios: where k new places should open, by the siting optimiser on the city's street network.

`check_params` turns what a form or the API sent into `ScenarioParams` (or a ValidationError per field),
`preview` answers at once with the greedy-plus-swap plan, `run` proves the optimum within a time limit (the best
plan found and its proven gap when the limit comes first) and `save` keeps it as a named `Scenario`. The demand
is the combination of the demand layers (`demand.py`) on a grid of the street graph's junctions; the existing
listed places cover without being chosen.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from scipy.spatial import cKDTree

from vicinato.geo import travel
from vicinato.geo.models import Area, Stop
from vicinato.register.models import Place
from vicinato.routing import MODES, RoutingError, node_weights_from_polygons

from . import demand
from .models import Proposal, Scenario
from .permissions import Action, require
from .siting import (
    InfeasiblePlanError,
    PlanningError,
    SitingProblem,
    maximal_covering,
    p_median,
    preview_covering,
    preview_median,
)

CELL_M = 250.0  # demand is summed on a grid of this side, one demand point per cell (as the benchmark)
MAX_K = 50
MAX_POINTS = 200
DEFAULT_DESKS = 20
# The optimum runs in the request: its limit stays well inside the web server's (gunicorn's 30 s), with the
# travel-time matrix (about a second) before it.
DEFAULT_TIME_LIMIT_S = 10.0
MAX_TIME_LIMIT_S = 20.0

OBJECTIVES = {
    "covering": gettext_lazy("Most demand within the time (maximal covering)"),
    "median": gettext_lazy("Least total travel time (p-median)"),
}
EQUITY = {
    "none": gettext_lazy("None"),
    "min_share": gettext_lazy("Every neighbourhood at least a share covered"),
    "max_min": gettext_lazy("The least-covered neighbourhood as high as possible"),
}
SOURCES = {
    # Points given by hand (ScenarioParams.points) come on top of these kinds.
    "metro": gettext_lazy("Metro stations"),
    "proposals": gettext_lazy("Accepted site proposals"),
    "places": gettext_lazy("Places not listed yet (other kinds)"),
}


@dataclass
class ScenarioParams:
    k: int = 5
    mode: str = "walk"
    minutes: int = 15
    objective: str = "covering"
    equity: str = "none"
    min_share: float | None = None  # percent, with equity "min_share"
    sources: list[str] = field(default_factory=lambda: ["metro", "proposals"])
    layers: dict[str, float] = field(default_factory=lambda: {"residents": 1.0})
    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    # Any points given as candidates besides the kinds above: {"name", "lat", "lon", "desks" (or None)}.
    points: list[dict[str, Any]] = field(default_factory=list)
    # Desks against demand: how much demand one desk serves (None: sites serve without limit), and the desks
    # of a candidate whose desks are not known (a metro station, a point without them).
    per_desk: float | None = None
    default_desks: int = DEFAULT_DESKS

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _error(errors: dict[str, list[str]]) -> ValidationError:
    return ValidationError({f: [ValidationError(m, code="invalid") for m in ms] for f, ms in errors.items()})


def check_params(data: dict[str, Any]) -> ScenarioParams:
    """The parameters of a run, checked; a ValidationError with a message per field otherwise."""
    errors: dict[str, list[str]] = {}
    params = ScenarioParams()

    def number(name: str, kind=int):
        value = data.get(name, getattr(params, name))
        try:
            return kind(value)
        except (TypeError, ValueError):
            errors.setdefault(name, []).append(_("Give a number."))
            return getattr(params, name)

    params.k = number("k")
    if not 1 <= params.k <= MAX_K:
        errors.setdefault("k", []).append(_("Choose between 1 and %(max)d new sites.") % {"max": MAX_K})
    params.mode = str(data.get("mode", params.mode))
    if params.mode == "transit":
        errors.setdefault("mode", []).append(
            _("Planning by public transport is not possible yet; plan on foot (walk) or by bike (bike).")
        )
    elif params.mode not in MODES:
        errors.setdefault("mode", []).append(
            _("Unknown mode '%(mode)s'; plan on foot (walk) or by bike (bike).") % {"mode": params.mode}
        )
    params.minutes = number("minutes")
    if not 1 <= params.minutes <= settings.ROUTING_MAX_MINUTES:
        errors.setdefault("minutes", []).append(
            _("Choose between 1 and %(max)d minutes.") % {"max": settings.ROUTING_MAX_MINUTES}
        )
    params.objective = str(data.get("objective", params.objective))
    if params.objective not in OBJECTIVES:
        errors.setdefault("objective", []).append(_("Choose maximal covering or p-median."))
    params.equity = str(data.get("equity") or "none")
    if params.equity not in EQUITY:
        errors.setdefault("equity", []).append(_("Choose one of the equity options."))
    elif params.equity != "none" and params.objective != "covering":
        errors.setdefault("equity", []).append(_("The equity options apply to maximal covering only."))
    if params.equity == "min_share":
        value = data.get("min_share")
        try:
            params.min_share = float(value)
        except (TypeError, ValueError):
            params.min_share = None
        if params.min_share is None or not 0 < params.min_share <= 100:
            errors.setdefault("min_share", []).append(
                _("Give the share every neighbourhood must reach, 1–100%.")
            )
    params.points = _check_points(data.get("points"), errors)
    sources = data.get("sources", params.sources)
    params.sources = [str(s) for s in sources] if isinstance(sources, list | tuple) else []
    unknown = [s for s in params.sources if s not in SOURCES]
    if unknown or not (params.sources or params.points):
        errors.setdefault("sources", []).append(
            _("Choose at least one kind of candidate site among: %(kinds)s.") % {"kinds": ", ".join(SOURCES)}
        )
    layers = data.get("layers", params.layers)
    params.layers = {}
    if not isinstance(layers, dict):
        layers = {}
    for key, weight in layers.items():
        if key not in demand.LAYERS:
            errors.setdefault("layers", []).append(
                _("Unknown demand layer '%(layer)s'; use: %(layers)s.")
                % {"layer": key, "layers": ", ".join(demand.LAYERS)}
            )
            continue
        try:
            weight = float(weight)
        except (TypeError, ValueError):
            weight = -1.0
        if not 0 <= weight <= 100:
            errors.setdefault("layers", []).append(_("A layer's weight is between 0 and 100."))
        elif weight > 0:
            params.layers[key] = weight
    if "layers" not in errors and not params.layers:
        errors["layers"] = [_("There is no demand: give at least one demand layer a weight above 0.")]
    params.time_limit_s = number("time_limit_s", float)
    if not 1 <= params.time_limit_s <= MAX_TIME_LIMIT_S:
        errors.setdefault("time_limit_s", []).append(
            _("Choose a time limit between 1 and %(max)d seconds.") % {"max": MAX_TIME_LIMIT_S}
        )
    per_desk = data.get("per_desk")
    if per_desk not in (None, ""):
        try:
            params.per_desk = float(per_desk)
        except (TypeError, ValueError):
            params.per_desk = -1.0
        if not 0 < params.per_desk <= 100_000:
            errors.setdefault("per_desk", []).append(
                _("Give how much demand one desk serves (for example 40 residents), or leave it empty.")
            )
        elif params.objective != "covering":
            errors.setdefault("per_desk", []).append(
                _("Desks against demand apply to maximal covering only.")
            )
    params.default_desks = number("default_desks")
    if not 1 <= params.default_desks <= 10_000:
        errors.setdefault("default_desks", []).append(_("Choose between 1 and 10000 desks."))
    if errors:
        raise _error(errors)
    return params


def _check_points(value, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Candidate points given by hand: a list of {"name", "lat", "lon", "desks"} (the API) or text, one point
    a line as "latitude, longitude, name, desks" with the name and the desks optional (the page)."""
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        rows = []
        for line in value.splitlines():
            if line.strip():
                lat, lon, *rest = [*(part.strip() for part in line.split(",")), "", "", ""][:4]
                rows.append({"lat": lat, "lon": lon, "name": rest[0], "desks": rest[1] or None})
    elif isinstance(value, list | tuple):
        rows = [row if isinstance(row, dict) else {} for row in value]
    else:
        rows = None
    if rows is None or len(rows) > MAX_POINTS:
        errors.setdefault("points", []).append(
            _("Give at most %(max)d points, one a line: latitude, longitude, name, desks.")
            % {"max": MAX_POINTS}
        )
        return []
    points = []
    for number, row in enumerate(rows, start=1):
        try:
            lat, lon = float(row.get("lat")), float(row.get("lon"))
            desks = None if row.get("desks") in (None, "") else int(row.get("desks"))
        except (TypeError, ValueError):
            lat = lon = float("nan")
            desks = None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (desks is not None and not 0 < desks <= 10_000):
            errors.setdefault("points", []).append(
                _(
                    "Point %(n)d is not valid: write latitude and longitude in decimal degrees (45.4642, 9.19), "
                    "then a name and the desks if you know them."
                )
                % {"n": number}
            )
            continue
        name = str(row.get("name") or "").strip()[:200] or _("Point %(n)d") % {"n": number}
        points.append({"name": name, "lat": lat, "lon": lon, "desks": desks})
    return points


# ----- the instance --------------------------------------------------------------------------------------------


@dataclass
class Candidate:
    id: str  # "metro:<code>", "proposal:<id>", "place:<public id>", "point:<n>"
    source: str
    name: str
    lat: float
    lon: float
    desks: int | None = None


def candidates(sources: list[str], points: list[dict[str, Any]] = ()) -> list[Candidate]:
    found: list[Candidate] = [
        Candidate(f"point:{n}", "points", p["name"], p["lat"], p["lon"], p["desks"])
        for n, p in enumerate(points, start=1)
    ]
    if "metro" in sources:
        for code, name, lines, lat, lon in Stop.objects.filter(kind=Stop.Kind.METRO).values_list(
            "code", "name", "lines", "lat", "lon"
        ):
            found.append(
                Candidate(f"metro:{code}", "metro", f"{name} ({lines})" if lines else name, lat, lon)
            )
    if "proposals" in sources:
        for proposal in Proposal.objects.filter(state=Proposal.State.ACCEPTED).order_by("pk"):
            found.append(
                Candidate(
                    f"proposal:{proposal.pk}",
                    "proposals",
                    proposal.title,
                    proposal.lat,
                    proposal.lon,
                    proposal.desks,
                )
            )
    if "places" in sources:
        listed = {public_id for public_id, _lat, _lon in travel.places()}
        for place in Place.objects.filter(lat__isnull=False, lon__isnull=False).order_by("pk"):
            if place.public_id not in listed:
                found.append(
                    Candidate(
                        f"place:{place.public_id}",
                        "places",
                        place.name,
                        place.lat,
                        place.lon,
                        place.desks or None,
                    )
                )
    return found


@dataclass
class Grid:
    """The demand points of a graph: one per 250 m cell holding junctions, and each junction's NIL."""

    node_cell: np.ndarray  # cell number per junction
    node_nil: np.ndarray  # index into `nil_codes` per junction, -1 outside every NIL
    nil_codes: list[str]
    nil_names: dict[str, str]
    unit: dict[str, np.ndarray]  # NIL code -> its junctions' share of an amount of 1 (sums to 1)
    tree: cKDTree
    graph: Any


_grids: OrderedDict[tuple, Grid] = OrderedDict()


def _grid(mode: str) -> Grid:
    graph = travel.network().graph(mode)
    areas = list(Area.objects.filter(level=Area.Level.NEIGHBOURHOOD).order_by("code"))
    key = (mode, id(graph), tuple((a.pk, a.code, a.min_lon, a.max_lat) for a in areas))
    if key in _grids:
        return _grids[key]
    x, y = graph.projection.to_xy(graph.node_lon, graph.node_lat)
    _cells, node_cell = np.unique(
        np.column_stack([np.floor(x / CELL_M), np.floor(y / CELL_M)]), axis=0, return_inverse=True
    )
    node_nil = np.full(graph.node_count, -1)
    unit = {}
    for index, area in enumerate(areas):
        spread = node_weights_from_polygons(graph, [(area.shape, 1.0)])
        node_nil[spread > 0] = index
        unit[area.code] = spread
    grid = Grid(
        node_cell.ravel(),
        node_nil,
        [a.code for a in areas],
        {a.code: a.name for a in areas},
        unit,
        cKDTree(np.column_stack([x, y])),
        graph,
    )
    _grids[key] = grid
    while len(_grids) > 2:
        _grids.popitem(last=False)
    return grid


@dataclass
class Instance:
    problem: SitingProblem | None  # None: no demand
    candidates: list[Candidate]
    nil_names: dict[str, str]
    points: np.ndarray  # lat, lon per demand point


def instance(params: ScenarioParams) -> Instance:
    """The siting problem of the parameters: demand points, candidates, existing places and travel times."""
    grid = _grid(params.mode)
    graph = grid.graph
    weights = np.zeros(graph.node_count)
    for key, factor in params.layers.items():
        layer = demand.LAYERS[key]
        if layer.per_nil is not None:
            for code, amount in layer.per_nil().items():
                if code in grid.unit and amount > 0:
                    weights += factor * amount * grid.unit[code]
        if layer.points is not None:
            points = layer.points()
            if points:
                lat, lon, amount = (np.asarray(column, dtype=float) for column in zip(*points, strict=True))
                px, py = graph.projection.to_xy(lon, lat)
                _distance, nodes = grid.tree.query(np.column_stack([px, py]))
                np.add.at(weights, nodes, factor * amount)
    found = candidates(params.sources, params.points)
    nodes = np.flatnonzero(weights > 0)
    if not len(nodes):
        return Instance(None, found, grid.nil_names, np.empty((0, 2)))
    cells, cell = np.unique(grid.node_cell[nodes], return_inverse=True)
    cell = cell.ravel()
    amounts = np.bincount(cell, weights=weights[nodes], minlength=len(cells))
    # Each cell's demand point: its junction with the most demand (the lowest index among equals).
    order = np.lexsort((nodes, -weights[nodes], cell))
    first = order[np.r_[True, cell[order][1:] != cell[order][:-1]]]
    at = nodes[first]
    points = np.column_stack([graph.node_lat[at], graph.node_lon[at]])
    groups = [grid.nil_codes[i] if i >= 0 else "" for i in grid.node_nil[at]]
    cutoff = params.minutes * 60.0
    if not found:
        return Instance(None, found, grid.nil_names, points)
    times = graph.table(points, [(c.lat, c.lon) for c in found], cutoff, strict=False)
    existing = travel.places()
    existing_times = (
        graph.table(points, [(lat, lon) for _pid, lat, lon in existing], cutoff, strict=False)
        if existing
        else None
    )
    problem = SitingProblem.build(
        amounts,
        np.ascontiguousarray(times),
        existing_times=None if existing_times is None else np.ascontiguousarray(existing_times),
        groups=groups,
        candidate_ids=[c.id for c in found],
        existing_ids=[pid for pid, _lat, _lon in existing] or None,
        times_limit_s=cutoff,
        capacities=None
        if params.per_desk is None
        else [(c.desks or params.default_desks) * params.per_desk for c in found],
    )
    return Instance(problem, found, grid.nil_names, points)


# ----- running -------------------------------------------------------------------------------------------------


def _checked_instance(params: ScenarioParams) -> Instance:
    try:
        built = instance(params)
    except RoutingError as error:
        raise _error({"mode": [travel.people_message(error)]}) from error
    if built.problem is None and not built.points.size:
        raise _error(
            {
                "layers": [
                    _("There is no demand: the chosen layers hold no data in the city's neighbourhoods.")
                ]
            }
        )
    if not built.candidates:
        raise _error(
            {"sources": [_("There are no candidate sites of the kinds chosen; choose other kinds.")]}
        )
    if params.k > len(built.candidates):
        raise _error(
            {
                "k": [
                    _(
                        "%(k)d new sites were asked for but there are only %(count)d candidate sites; lower the "
                        "number or add kinds of candidates."
                    )
                    % {"k": params.k, "count": len(built.candidates)}
                ]
            }
        )
    return built


def _solve(params: ScenarioParams, built: Instance, *, exact: bool) -> dict[str, Any]:
    problem = built.problem
    within = params.minutes * 60.0
    try:
        if params.objective == "median":
            result = (
                p_median(problem, params.k, time_limit_s=params.time_limit_s)
                if exact
                else (preview_median(problem, params.k))
            )
        elif not exact and params.equity == "none" and params.per_desk is None:
            result = preview_covering(problem, params.k, within)
        else:
            result = maximal_covering(
                problem,
                params.k,
                within,
                capacitated=params.per_desk is not None,
                min_group_share=params.min_share / 100 if params.equity == "min_share" else None,
                max_min_groups=params.equity == "max_min",
                time_limit_s=params.time_limit_s if exact else min(params.time_limit_s, 2.0),
            )
    except InfeasiblePlanError as error:
        raise _error(
            {
                "min_share" if params.equity == "min_share" else "k": [
                    _(
                        "No plan of %(k)d sites meets this option; lower the share, raise the number of sites or "
                        "choose another equity option."
                    )
                    % {"k": params.k}
                ]
            }
        ) from error
    except PlanningError as error:
        raise _error(
            {"__all__": [_("The plan cannot be made with these choices: %(why)s") % {"why": error}]}
        ) from error
    return _report(params, built, result.to_dict())


def _report(params: ScenarioParams, built: Instance, plan: dict[str, Any]) -> dict[str, Any]:
    """What a scenario keeps: the plan's figures, each site with its name and place, and each NIL by name."""
    by_id = {c.id: c for c in built.candidates}
    sites = []
    for site in plan["chosen"]:
        candidate = by_id[site["id"]]
        sites.append(
            {
                **{k: site[k] for k in ("rank", "id", "marginal", "reach", "newly_covered", "only_here")},
                # Desks against demand: what the site serves of what it could.
                **{k: site[k] for k in ("served", "capacity") if k in site},
                "source": candidate.source,
                "name": candidate.name,
                "lat": candidate.lat,
                "lon": candidate.lon,
                "desks": candidate.desks,
            }
        )
    sites.sort(key=lambda s: s["rank"])
    groups = []
    for group in plan["groups"]:
        code = group["group"]
        groups.append(
            {**group, "code": code, "name": built.nil_names.get(code, _("Outside the neighbourhoods"))}
        )
    groups.sort(key=lambda g: g["name"])
    solver = plan["solver"]
    return {
        "model": plan["model"],
        "objective": plan["objective"],
        "objective_before": plan["objective_before"],
        "demand": plan["demand"],
        "covered_before": plan["covered_before"],
        "covered_after": plan["covered_after"],
        "mean_time_before_s": plan.get("mean_time_before_s"),
        "mean_time_after_s": plan.get("mean_time_after_s"),
        "sites": sites,
        "groups": groups,
        "equity": plan.get("equity"),
        "solver": {
            "method": solver["method"],
            "status": solver["status"],
            "optimal": solver["optimal"],
            "gap": solver["gap"],
            "bound": solver["bound"],
            "seconds": round(sum(solver["seconds"].values()), 3),
        },
        "demand_points": built.problem.n_demand,
        "candidates": len(built.candidates),
        "existing": built.problem.n_existing,
    }


def preview(params: ScenarioParams) -> dict[str, Any]:
    """The greedy-plus-swap plan, at once (not proven; equity options get a short exact run instead)."""
    started = time.perf_counter()
    built = _checked_instance(params)
    report = _solve(params, built, exact=False)
    report["wall_s"] = round(time.perf_counter() - started, 3)
    return report


def run(params: ScenarioParams) -> dict[str, Any]:
    """The optimum, proven within the time limit, or the best plan found with its proven gap."""
    started = time.perf_counter()
    built = _checked_instance(params)
    report = _solve(params, built, exact=True)
    report["wall_s"] = round(time.perf_counter() - started, 3)
    return report


def save(user, name: str, params: ScenarioParams) -> Scenario:
    """Run the optimiser and keep the plan as a named scenario."""
    require(user, Action.PLAN)
    name = (name or "").strip()
    if not name:
        raise _error({"name": [_("Give the scenario a name.")]})
    result = run(params)
    return Scenario.objects.create(name=name[:200], params=params.to_dict(), result=result, created_by=user)


def delete(user, scenario: Scenario) -> None:
    require(user, Action.PLAN)
    scenario.delete()


def site_reason(site: dict[str, Any], model: str) -> str:
    """Why a site was chosen, in a sentence."""
    if model == "p_median":
        return _(
            "Nearest site for %(reach)s people; saves %(saved)s person-minutes of travel (rank %(rank)d)."
        ) % {
            "reach": f"{site['reach']:,.0f}",
            "saved": f"{site['marginal'] / 60:,.0f}",
            "rank": site["rank"],
        }
    reason = _(
        "Adds %(marginal)s people within reach (rank %(rank)d); %(reach)s within reach in all, %(only)s of them "
        "reached from no other site."
    ) % {
        "marginal": f"{site['marginal']:,.0f}",
        "rank": site["rank"],
        "reach": f"{site['reach']:,.0f}",
        "only": f"{site['only_here']:,.0f}",
    }
    if site.get("capacity"):
        reason += " " + _("Its desks serve %(served)s of the %(capacity)s they can.") % {
            "served": f"{site.get('served') or 0:,.0f}",
            "capacity": f"{site['capacity']:,.0f}",
        }
    return reason


def compare(scenarios: list[Scenario]) -> list[dict[str, Any]]:
    """Per NIL, each scenario's demand and covered before and after, side by side (rows by NIL name)."""
    rows: dict[str, dict[str, Any]] = {}
    for position, scenario in enumerate(scenarios):
        for group in scenario.result.get("groups", []):
            row = rows.setdefault(group["code"], {"code": group["code"], "name": group["name"], "cells": {}})
            row["cells"][position] = group
    return [
        {**row, "cells": [row["cells"].get(i) for i in range(len(scenarios))]}
        for row in sorted(rows.values(), key=lambda r: r["name"])
    ]


def geojson(scenario: Scenario) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "name": scenario.name,
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [site["lon"], site["lat"]]},
                "properties": {
                    "scenario": scenario.name,
                    **{
                        k: site[k] for k in ("rank", "id", "source", "name", "marginal", "reach", "only_here")
                    },
                    "why": site_reason(site, scenario.result["model"]),
                },
            }
            for site in scenario.result.get("sites", [])
        ],
    }


def csv_rows(scenario: Scenario) -> list[list[Any]]:
    """The plan as one table: its sites, then each neighbourhood before and after."""
    result = scenario.result
    rows: list[list[Any]] = [
        ["section", "rank", "id", "name", "lat", "lon", "marginal", "reach", "only_here", "why"]
    ]
    for site in result.get("sites", []):
        rows.append(
            [
                "site",
                site["rank"],
                site["id"],
                site["name"],
                site["lat"],
                site["lon"],
                round(site["marginal"], 1),
                round(site["reach"], 1),
                round(site["only_here"], 1),
                site_reason(site, result["model"]),
            ]
        )
    rows.append(
        ["section", "code", "nil", "demand", "covered_before", "covered_after", "share_before", "share_after"]
    )
    for group in result.get("groups", []):
        rows.append(
            [
                "nil",
                group["code"],
                group["name"],
                round(group["demand"], 1),
                round(group["covered_before"], 1),
                round(group["covered_after"], 1),
                group["share_before"],
                group["share_after"],
            ]
        )
    return rows


MODE_LABELS = {"walk": gettext_lazy("on foot"), "bike": gettext_lazy("by bike")}


def describe(params: dict[str, Any]) -> str:
    """What a scenario asked, in a sentence."""
    return _("%(k)d new sites within %(minutes)d minutes %(mode)s; %(objective)s.") % {
        "k": params.get("k", 0),
        "minutes": params.get("minutes", 0),
        "mode": MODE_LABELS.get(params.get("mode"), params.get("mode")),
        "objective": OBJECTIVES.get(params.get("objective"), params.get("objective")),
    }
