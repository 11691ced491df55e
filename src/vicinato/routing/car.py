"""Who may drive a car on each way, in which direction, how fast; which nodes block cars.

Rules (documented here because they decide the answers; README.md, "Driving", says why):

Roads: the highway classes of settings.car_highway_speeds_kmh (motorway to service and
living_street, with their links). Any other class (track, road, pedestrian, ...) only where a
motorcar, motor_vehicle or vehicle tag says yes/designated/permissive, at car_default_speed_kmh.
Never: area=yes, service=emergency_access, oneway=reversible, impassable=yes or
status=impassable, construction=* (but no/minor/widening).

Access: the most specific tag present decides, in the order motorcar, motor_vehicle, vehicle,
access (a list such as "no;destination" counts as its most open value). Closed: CLOSED below (no,
private, delivery, customers, agricultural, bus, ...). Open: everything else, destination included:
a destination road is where someone lives or works, and trips start and end there; we do not
forbid crossing one (OSRM discourages it), which matters little in Milan (85 of 45,000 car ways).
A point on a private road is snapped onto the nearest public one.

One-way: the first of oneway:motorcar, oneway:motor_vehicle, oneway:vehicle, oneway:
yes/1/true (forward only), -1 (backward only), no/0/false, alternating (both ways); implied on
highway=motorway and junction=roundabout/circular unless oneway=no (as OSRM's car profile).

Speeds (free flow, km/h): car_speed_limit_share (0.8) of the speed limit where one is tagged
(maxspeed:forward/backward for one direction, else maxspeed, maxspeed:type, source:maxspeed;
parse_maxspeed() reads numbers, km/h, mph, knots, zone codes such as IT:urban and walk), else the
class speed; capped per surface; then multiplied by the urban congestion factor (which also divides
turn and signal costs: turns.py, settings.py).

Barriers (nodes): a node tagged barrier=* blocks cars unless it is one of PASSABLE_BARRIERS (gates
and lift gates are taken as open), a rising bollard, or a lowered or flush kerb; its car access
tag (as for ways) decides first: closed blocks any barrier, yes/designated/permissive opens it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from functools import lru_cache

import numpy as np

from .settings import RoutingSettings
from .tags import ONEWAY_NO, ONEWAY_YES, Tags

ACCESS_KEYS = ("motorcar", "motor_vehicle", "vehicle", "access")
ONEWAY_KEYS = ("oneway:motorcar", "oneway:motor_vehicle", "oneway:vehicle", "oneway")
CAR_YES = frozenset({"yes", "designated", "permissive", "motorcar", "motor_vehicle", "vehicle"})
CLOSED = frozenset(
    {
        "no",
        "private",
        "delivery",
        "customers",
        "agricultural",
        "forestry",
        "emergency",
        "emergency_vehicle",
        "military",
        "restricted",
        "permit",
        "residents",
        "psv",
        "bus",
        "taxi",
        "minibus",
        "share_taxi",
        "foot",
        "bicycle",
        "use_sidepath",
    }
)
CONSTRUCTION_OPEN = frozenset({"no", "minor", "widening"})
PASSABLE_BARRIERS = frozenset(
    {
        "no",
        "gate",
        "lift_gate",
        "entrance",
        "toll_booth",
        "border_control",
        "cattle_grid",
        "sally_port",
        "height_restrictor",
        "arch",
    }
)

# Speed limits named by zone code (CC:kind), in km/h: OSRM's defaults, which are Italy's (Codice
# della Strada, art. 142): 50 in towns, 90 outside, 110 on main extra-urban roads, 130 on motorways.
ZONE_LIMITS_KMH = {"urban": 50.0, "rural": 90.0, "trunk": 110.0, "motorway": 130.0}
# maxspeed=walk: walking pace, taken as 7 km/h (OSRM's car profile has DE:living_street = 7).
WALK_LIMIT_KMH = 7.0
_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$")
_ZONE = re.compile(r"^[a-z]{2}(?:-[a-z0-9]+)?:(?:zone:?)?([a-z_]+|\d+)$")
_UNIT_KMH = {None: 1.0, "km/h": 1.0, "kmh": 1.0, "kph": 1.0, "mph": 1.609344, "knots": 1.852}


def parse_maxspeed(value: str | None) -> float | None:
    """A maxspeed=* value in km/h, or None where it gives no limit.

    Numbers ("50", "50 km/h", "30 mph", "10 knots"), zone codes ("IT:urban" 50, "IT:rural" 90,
    "IT:trunk" 110, "IT:motorway" 130, "IT:zone30" or "IT:zone:30" 30), "walk" (7 km/h); a list
    such as "30; 70" gives its lowest limit. "none", "signals", "variable" and anything unreadable
    give None (the road class decides the speed).
    """
    if not value:
        return None
    limits = [limit for part in value.split(";") if (limit := _one_maxspeed(part.strip().lower()))]
    return min(limits) if limits else None


def _one_maxspeed(value: str) -> float | None:
    if value == "walk":
        return WALK_LIMIT_KMH
    number = _NUMBER.match(value)
    if number:
        speed = float(number.group(1).replace(",", ".")) * _UNIT_KMH[number.group(2)]
        return speed if speed > 0 and math.isfinite(speed) else None
    zone = _ZONE.match(value)
    if zone:
        kind = zone.group(1)
        if kind.isdigit():  # IT:zone30, IT:zone:30
            return float(kind) if int(kind) > 0 else None
        return ZONE_LIMITS_KMH.get(kind)
    return None


def car_access(tags: Tags | Mapping[str, str], keys: tuple[str, ...] = ACCESS_KEYS) -> str | None:
    """The access value that decides for cars (the first of `keys` tagged), or None if none is."""
    for key in keys:
        value = tags.get(key)
        if value:
            parts = [part.strip() for part in value.split(";")]
            return next((part for part in parts if part not in CLOSED), parts[0])
    return None


def _directions(tags: Tags | Mapping[str, str], highway: str) -> tuple[bool, bool]:
    """(forward allowed, backward allowed) for cars, from the one-way tags."""
    oneway = next((value for key in ONEWAY_KEYS if (value := tags.get(key))), None)
    if oneway in ONEWAY_YES:
        return True, False
    if oneway == "-1":
        return False, True
    if oneway in ONEWAY_NO or oneway == "alternating":
        return True, True
    implied = highway == "motorway" or tags.get("junction") in ("roundabout", "circular")
    return True, not implied


def _limits(tags: Tags | Mapping[str, str]) -> tuple[float | None, float | None]:
    """(forward, backward) speed limits in km/h, None where none is tagged."""
    both = None
    for key in ("maxspeed", "maxspeed:type", "source:maxspeed"):
        both = parse_maxspeed(tags.get(key))
        if both is not None:
            break
    forward = parse_maxspeed(tags.get("maxspeed:forward"))
    backward = parse_maxspeed(tags.get("maxspeed:backward"))
    return (both if forward is None else forward), (both if backward is None else backward)


def car_speeds_kmh(tags: Tags | Mapping[str, str], settings: RoutingSettings) -> tuple[float, float]:
    """(forward, backward) driving speeds on a way in km/h, 0 where a car may not go that way."""
    highway = tags.get("highway")
    if not highway:
        return 0.0, 0.0
    classes = _table(settings.car_highway_speeds_kmh)
    if highway in classes:
        class_speed = classes[highway]
        if car_access(tags) in CLOSED:
            return 0.0, 0.0
    elif car_access(tags, ACCESS_KEYS[:-1]) in CAR_YES:
        class_speed = settings.car_default_speed_kmh
    else:
        return 0.0, 0.0
    construction = tags.get("construction")
    if (
        tags.get("area") == "yes"
        or tags.get("service") == "emergency_access"
        or tags.get("oneway") == "reversible"
        or tags.get("impassable") == "yes"
        or tags.get("status") == "impassable"
        or (construction is not None and construction not in CONSTRUCTION_OPEN)
    ):
        return 0.0, 0.0
    forward, backward = _directions(tags, highway)
    cap = _table(settings.car_surface_speeds_kmh).get(tags.get("surface") or "", math.inf)
    speeds = []
    for allowed, limit in zip((forward, backward), _limits(tags), strict=True):
        if not allowed:
            speeds.append(0.0)
            continue
        speed = min(class_speed if limit is None else limit * settings.car_speed_limit_share, cap)
        speeds.append(speed * settings.car_congestion_factor)
    return speeds[0], speeds[1]


@lru_cache(maxsize=16)
def _table(pairs: tuple[tuple[str, float], ...]) -> dict[str, float]:
    """A settings table of (tag value, km/h) as a dict, made once per table."""
    return dict(pairs)


def blocks_cars(tags: Tags | Mapping[str, str]) -> bool:
    """Whether a node stops cars: a barrier across the road, unless its car access tag opens it."""
    barrier = tags.get("barrier")
    if not barrier:
        return False
    access = car_access(tags)
    if access in CLOSED:
        return True
    if access in CAR_YES or barrier in PASSABLE_BARRIERS:
        return False
    if barrier == "bollard" and tags.get("bollard") == "rising":
        return False
    flat_kerb = tags.get("kerb") in ("lowered", "flush") or tags.get("highway") == "crossing"
    return not (barrier == "kerb" and flat_kerb)


def split_at_barriers(
    node_lon: np.ndarray, node_lat: np.ndarray, seg_u: np.ndarray, seg_v: np.ndarray, blocked: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Give every segment end at a blocking node its own copy of that node, so that no route
    passes through it: each street arriving there becomes a dead end (where a car may turn).

    Returns (node_lon, node_lat, seg_u, seg_v) with the copies appended after the original nodes.
    """
    ends = np.concatenate([seg_u, seg_v]).astype(np.int64)
    hit = np.flatnonzero(blocked[ends])
    if len(hit) == 0:
        return node_lon, node_lat, seg_u, seg_v
    copied = ends[hit]
    ends[hit] = len(node_lon) + np.arange(len(hit))
    lon = np.concatenate([node_lon, node_lon[copied]])
    lat = np.concatenate([node_lat, node_lat[copied]])
    return lon, lat, ends[: len(seg_u)], ends[len(seg_u) :]
