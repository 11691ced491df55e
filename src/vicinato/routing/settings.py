"""Settings of the routing engine: travel speeds per mode, turn and traffic-signal costs, snapping limits."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, fields

# Bumped whenever the graph-building rules change, so that old caches are rebuilt.
GRAPH_RULES_VERSION = 2


@dataclass(frozen=True)
class RoutingSettings:
    """Speeds, costs and limits; every field but the snapping one changes the graphs and so the cache key.

    Per-type speeds are tuples of (tag value, km/h) pairs rather than dicts so that settings stay
    hashable and can be used as cache keys. The turn and signal costs default to those of OSRM's
    bicycle and foot profiles (see README.md, "Turns and traffic signals").
    """

    walk_speed_kmh: float = 4.8
    bike_speed_kmh: float = 15.0
    # Speed of a cyclist walking the bike (footways, pedestrian streets...); None means walk_speed_kmh.
    bike_push_speed_kmh: float | None = None
    # Speed of carrying the bike on steps; None means the pushing speed.
    bike_steps_speed_kmh: float | None = None
    # Riding speed per highway=* value, replacing bike_speed_kmh for that type.
    bike_highway_speeds_kmh: tuple[tuple[str, float], ...] = ()
    # Upper bound on the riding speed per surface=* value (cobblestones are slow).
    bike_surface_speeds_kmh: tuple[tuple[str, float], ...] = ()
    # Upper bound on the walking speed per surface=* value.
    walk_surface_speeds_kmh: tuple[tuple[str, float], ...] = ()
    # Whether a cyclist may walk the bike against the direction of a one-way street.
    bike_push_against_oneway: bool = False
    # Seconds a cyclist loses turning by 90 degrees; other angles scale with (angle / 90)^2, so a
    # slight bend costs almost nothing and a U-turn (180) four times as much.
    bike_turn_penalty_s: float = 6.0
    # Right turns cost turn_penalty / bias, left turns turn_penalty * bias (traffic on the right).
    bike_turn_bias: float = 1.4
    # Added to a U-turn, which is only possible where the street ends or there is no other way on.
    bike_u_turn_penalty_s: float = 20.0
    # Seconds added each time a route passes a node tagged highway=traffic_signals: at a crossing
    # (a junction of the graph), and between crossings (on a street, such as a pedestrian crossing
    # with lights or a signal mapped before the junction). OSRM's bicycle profile says 2 s, but
    # osrm-extract turns a signal between crossings into an artificial turn that the profile's
    # turn function prices like a U-turn's angle, so OSRM charges 2 s at crossings and 19.1 s
    # between them; these defaults are those effective values. Walking: 2 s everywhere, as OSRM.
    bike_traffic_signal_penalty_s: float = 2.0
    bike_mid_street_signal_penalty_s: float = 19.1
    walk_traffic_signal_penalty_s: float = 2.0
    # Points farther than this from any street of the mode are refused (PointTooFarError).
    max_snap_m: float = 500.0

    def __post_init__(self) -> None:
        for name in ("walk_speed_kmh", "bike_speed_kmh", "bike_push_speed_kmh", "bike_steps_speed_kmh"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be a positive speed in km/h, not {value!r}.")
        for name in ("bike_highway_speeds_kmh", "bike_surface_speeds_kmh", "walk_surface_speeds_kmh"):
            for key, value in getattr(self, name):
                if not value > 0:
                    raise ValueError(f"{name}[{key!r}] must be a positive speed in km/h, not {value!r}.")
        for name in (
            "bike_turn_penalty_s",
            "bike_u_turn_penalty_s",
            "bike_traffic_signal_penalty_s",
            "bike_mid_street_signal_penalty_s",
            "walk_traffic_signal_penalty_s",
        ):
            value = getattr(self, name)
            if not (value >= 0 and math.isfinite(value)):
                raise ValueError(f"{name} must be a number of seconds, 0 or more, not {value!r}.")
        if not (self.bike_turn_bias > 0 and math.isfinite(self.bike_turn_bias)):
            raise ValueError(f"bike_turn_bias must be a positive number, not {self.bike_turn_bias!r}.")
        if not self.max_snap_m > 0:
            raise ValueError(f"max_snap_m must be a positive distance in metres, not {self.max_snap_m!r}.")

    @property
    def push_speed_kmh(self) -> float:
        return self.bike_push_speed_kmh if self.bike_push_speed_kmh is not None else self.walk_speed_kmh

    @property
    def steps_speed_kmh(self) -> float:
        return self.bike_steps_speed_kmh if self.bike_steps_speed_kmh is not None else self.push_speed_kmh

    @property
    def bike_turn_costs(self) -> bool:
        """Whether cycling costs depend on turns, which needs a graph of street directions (see graph.py)."""
        return self.bike_turn_penalty_s > 0 or self.bike_u_turn_penalty_s > 0

    def signal_penalties_s(self, mode: str) -> tuple[float, float]:
        """(at a crossing, between crossings) seconds a traffic signal costs in this mode."""
        if mode == "bike":
            return self.bike_traffic_signal_penalty_s, self.bike_mid_street_signal_penalty_s
        return self.walk_traffic_signal_penalty_s, self.walk_traffic_signal_penalty_s

    def graph_fields(self) -> dict[str, object]:
        """The fields that shape the graphs (snapping limits are applied at query time)."""
        data = asdict(self)
        data.pop("max_snap_m")
        return data

    def graph_key(self) -> str:
        """A stable hash of the graph-shaping fields and of the rules version."""
        payload = json.dumps({"rules": GRAPH_RULES_VERSION, **self.graph_fields()}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    def to_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def osrm_like(cls) -> RoutingSettings:
        """Speeds of OSRM's default foot and bicycle profiles, to compare the two engines fairly.

        Walking 5 km/h; cycling 15 km/h, 12 on tracks, 13 on paths open to bikes, capped on rough
        surfaces; pushing 4 km/h, 2 on steps, also against one-way streets as OSRM allows. Turn and
        traffic-signal costs are the defaults, which are OSRM's. Access rules stay ours (see osm.py).
        """
        return cls(
            walk_speed_kmh=5.0,
            bike_speed_kmh=15.0,
            bike_push_speed_kmh=4.0,
            bike_steps_speed_kmh=2.0,
            bike_highway_speeds_kmh=(("path", 13.0), ("track", 12.0)),
            bike_surface_speeds_kmh=(
                ("cobblestone", 7.0),
                ("cobblestone:flattened", 10.0),
                ("compacted", 10.0),
                ("dirt", 8.0),
                ("earth", 6.0),
                ("fine_gravel", 10.0),
                ("grass", 6.0),
                ("grass_paver", 6.0),
                ("gravel", 6.0),
                ("ground", 10.0),
                ("laterite", 5.0),
                ("metal", 10.0),
                ("mud", 3.0),
                ("paving_stones", 10.0),
                ("pebblestone", 6.0),
                ("sand", 3.0),
                ("sett", 9.0),
                ("unpaved", 6.0),
                ("wood", 10.0),
                ("woodchips", 3.0),
            ),
            walk_surface_speeds_kmh=(
                ("fine_gravel", 3.75),
                ("gravel", 3.75),
                ("mud", 2.5),
                ("pebblestone", 3.75),
                ("sand", 2.5),
            ),
            bike_push_against_oneway=True,
        )
