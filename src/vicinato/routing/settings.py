"""Settings of the routing engine: travel speeds per mode, turn and traffic-signal costs, snapping limits."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, fields

# Bumped whenever the graph-building rules change, so that old caches are rebuilt.
GRAPH_RULES_VERSION = 3

# Free-flow driving speeds per highway=* value in OSRM's car profile (car.lua, osrm-bindings 26.10).
OSRM_CAR_SPEEDS_KMH: tuple[tuple[str, float], ...] = (
    ("motorway", 90.0),
    ("motorway_link", 45.0),
    ("trunk", 85.0),
    ("trunk_link", 40.0),
    ("primary", 65.0),
    ("primary_link", 30.0),
    ("secondary", 55.0),
    ("secondary_link", 25.0),
    ("tertiary", 40.0),
    ("tertiary_link", 20.0),
    ("unclassified", 25.0),
    ("residential", 25.0),
    ("living_street", 10.0),
    ("service", 15.0),
)
# Upper bounds on the driving speed per surface=* value in OSRM's car profile.
OSRM_CAR_SURFACE_SPEEDS_KMH: tuple[tuple[str, float], ...] = (
    ("cement", 80.0),
    ("compacted", 80.0),
    ("fine_gravel", 80.0),
    ("paving_stones", 60.0),
    ("metal", 60.0),
    ("bricks", 60.0),
    ("grass", 40.0),
    ("wood", 40.0),
    ("sett", 40.0),
    ("grass_paver", 40.0),
    ("gravel", 40.0),
    ("unpaved", 40.0),
    ("ground", 40.0),
    ("dirt", 40.0),
    ("pebblestone", 40.0),
    ("tartan", 40.0),
    ("cobblestone", 30.0),
    ("clay", 30.0),
    ("earth", 20.0),
    ("stone", 20.0),
    ("rocky", 20.0),
    ("sand", 20.0),
    ("laterite", 15.0),
    ("mud", 10.0),
)
# The settings that are tables of (tag value, km/h).
SPEED_TABLES = (
    "bike_highway_speeds_kmh",
    "bike_surface_speeds_kmh",
    "walk_surface_speeds_kmh",
    "car_highway_speeds_kmh",
    "car_surface_speeds_kmh",
)


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
    # Driving (rules in car.py; README.md, "Driving"). Free-flow speeds are those of OSRM's car
    # profile: per road class, or car_speed_limit_share of the tagged speed limit where there is one.
    car_highway_speeds_kmh: tuple[tuple[str, float], ...] = OSRM_CAR_SPEEDS_KMH
    car_speed_limit_share: float = 0.8
    # Speed on other highway classes where a motorcar/motor_vehicle/vehicle tag opens them to cars.
    car_default_speed_kmh: float = 10.0
    # Upper bound on the driving speed per surface=* value.
    car_surface_speeds_kmh: tuple[tuple[str, float], ...] = OSRM_CAR_SURFACE_SPEEDS_KMH
    # Urban congestion: driving speeds are multiplied by this, and turn and signal costs divided by
    # it, so that every trip takes 1 / factor times as long as in free flow (the fastest route
    # stays the same). 0.45 brings trips within 5 km of Milan's Duomo to the 17 km/h of the city's
    # rush hours in the TomTom Traffic Index; 1.0 gives free-flow times. README.md, "Urban congestion".
    car_congestion_factor: float = 0.45
    # Turn costs of OSRM's car profile: turn_penalty / (1 + exp(...)) of the angle (a sigmoid,
    # nearly 0 straight on, about 2.1 s turning right and 5.4 s left at 90 degrees), plus up to
    # car_oncoming_turn_penalty_s for crossing oncoming traffic (left turns), plus the U-turn penalty.
    car_turn_penalty_s: float = 7.5
    car_turn_bias: float = 1.075
    car_oncoming_turn_penalty_s: float = 2.0
    car_u_turn_penalty_s: float = 20.0
    # Each traffic signal passed, at a crossing or between crossings (OSRM's car profile: 2 s).
    car_traffic_signal_penalty_s: float = 2.0
    # Points farther than this from any street of the mode are refused (PointTooFarError).
    max_snap_m: float = 500.0

    def __post_init__(self) -> None:
        for name in (
            "walk_speed_kmh",
            "bike_speed_kmh",
            "bike_push_speed_kmh",
            "bike_steps_speed_kmh",
            "car_default_speed_kmh",
        ):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be a positive speed in km/h, not {value!r}.")
        for name in SPEED_TABLES:
            for key, value in getattr(self, name):
                if not value > 0:
                    raise ValueError(f"{name}[{key!r}] must be a positive speed in km/h, not {value!r}.")
        for name in (
            "bike_turn_penalty_s",
            "bike_u_turn_penalty_s",
            "bike_traffic_signal_penalty_s",
            "bike_mid_street_signal_penalty_s",
            "walk_traffic_signal_penalty_s",
            "car_turn_penalty_s",
            "car_oncoming_turn_penalty_s",
            "car_u_turn_penalty_s",
            "car_traffic_signal_penalty_s",
        ):
            value = getattr(self, name)
            if not (value >= 0 and math.isfinite(value)):
                raise ValueError(f"{name} must be a number of seconds, 0 or more, not {value!r}.")
        for name in ("bike_turn_bias", "car_turn_bias"):
            value = getattr(self, name)
            if not (value > 0 and math.isfinite(value)):
                raise ValueError(f"{name} must be a positive number, not {value!r}.")
        for name in ("car_speed_limit_share", "car_congestion_factor"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise ValueError(f"{name} must be a share above 0 and at most 1, not {value!r}.")
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
        """Whether cycling costs depend on turns, which needs a graph of street directions (see states.py)."""
        return self.bike_turn_penalty_s > 0 or self.bike_u_turn_penalty_s > 0

    def turn_costs(self, mode: str) -> bool:
        """Whether the mode's searches run on street directions linked by turns (states.py): cycling
        when turns cost something, driving always (turn restrictions forbid some turns)."""
        return mode == "car" or (mode == "bike" and self.bike_turn_costs)

    def signal_penalties_s(self, mode: str) -> tuple[float, float]:
        """(at a crossing, between crossings) seconds a traffic signal costs in this mode."""
        if mode == "bike":
            return self.bike_traffic_signal_penalty_s, self.bike_mid_street_signal_penalty_s
        if mode == "car":
            congested = self.car_traffic_signal_penalty_s / self.car_congestion_factor
            return congested, congested
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
        """Speeds of OSRM's default foot, bicycle and car profiles, to compare the engines fairly.

        Walking 5 km/h; cycling 15 km/h, 12 on tracks, 13 on paths open to bikes, capped on rough
        surfaces; pushing 4 km/h, 2 on steps, also against one-way streets as OSRM allows. Driving
        at free-flow speeds (no congestion factor); the car speeds are otherwise the defaults,
        which are OSRM's. Turn and traffic-signal costs are the defaults, which are OSRM's. Access
        rules stay ours (see osm.py and car.py).
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
            car_congestion_factor=1.0,
        )
