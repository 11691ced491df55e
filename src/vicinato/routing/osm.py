"""Read streets from an OpenStreetMap file and decide who may use each way, in which direction, how fast.

Driving has its own rules (car.py) and turn restrictions (restrictions.py), read here with the
rest. Access rules for walking and cycling (documented here because they decide the answers):

Walking (both directions always; OSM one-way tags are for vehicles):
- footway, pedestrian, path, steps, living_street, residential, service, unclassified, tertiary,
  secondary, primary and their links, trunk and trunk_link (Milan's urban "viali" such as Viale
  Fulvio Testi are tagged trunk and have sidewalks), track, road, corridor, platform;
- cycleway and bridleway only with foot=yes/designated/permissive/official (as Italian law and
  OSRM's foot profile have it);
- never motorway/motorway_link, nor any way with foot=no (or use_sidepath/private), nor a way with
  motorroad=yes, nor access=no/private/agricultural/forestry/delivery/emergency/military unless
  foot=yes/designated/permissive/official.

Cycling (directed):
- ridden on the streets above plus cycleway; footway, pedestrian, path, bridleway, corridor and
  platform only with bicycle=yes/designated/permissive/official; steps and bicycle=dismount are
  never ridden;
- one-way streets are respected (oneway=yes/1/true/-1, junction=roundabout/circular); the
  contraflow tags oneway:bicycle=no and cycleway[:left|:right|:both]=opposite* open the other way;
  oneway:bicycle=yes/-1 closes one direction even on two-way streets;
- where the bike cannot be ridden but people may walk, the cyclist walks the bike, in both
  directions, at the pushing speed (and against one-way streets only if the settings allow it);
- never motorway/motorway_link, bicycle=no/use_sidepath/private, motorroad=yes without an explicit
  bicycle tag, and the access=* restrictions above unless bicycle=yes/designated/permissive/official.

Traffic signals: nodes tagged highway=traffic_signals, for both directions of the ways through them
unless traffic_signals:direction=forward/backward limits them to one (for bikes; walking ignores
the direction, as OSRM's profiles do). Each segment records the signal at its start and end node;
the graphs add the mode's signal penalty to the segments arriving there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .car import blocks_cars, car_speeds_kmh
from .errors import OSMFileError
from .projection import haversine_m
from .restrictions import RestrictionReader, TurnRestrictions
from .settings import RoutingSettings
from .tags import ONEWAY_NO, ONEWAY_YES, Tags

YES = frozenset({"yes", "designated", "permissive", "official"})
BLOCKED = frozenset({"no", "private", "agricultural", "forestry", "delivery", "emergency", "military"})
FOOT_BLOCKED = BLOCKED | {"use_sidepath"}
BIKE_BLOCKED = BLOCKED | {"use_sidepath"}

NEVER = frozenset({"motorway", "motorway_link"})
STREETS = frozenset(
    {
        "living_street",
        "residential",
        "service",
        "unclassified",
        "tertiary",
        "tertiary_link",
        "secondary",
        "secondary_link",
        "primary",
        "primary_link",
        "trunk",
        "trunk_link",
        "track",
        "road",
    }
)
PEDESTRIAN_WAYS = frozenset({"footway", "pedestrian", "path", "steps", "corridor", "platform"})
WALK_DEFAULT = STREETS | PEDESTRIAN_WAYS
WALK_IF_FOOT_TAGGED = frozenset({"cycleway", "bridleway"})
RIDE_DEFAULT = STREETS | {"cycleway"}
RIDE_IF_BIKE_TAGGED = frozenset({"footway", "pedestrian", "path", "bridleway", "corridor", "platform"})
CONTRAFLOW_KEYS = ("cycleway", "cycleway:left", "cycleway:right", "cycleway:both")
NO_SIGNAL, SIGNAL_BOTH, SIGNAL_FORWARD, SIGNAL_BACKWARD = -1, 0, 1, 2
SIGNAL_DIRECTIONS = {"forward": SIGNAL_FORWARD, "backward": SIGNAL_BACKWARD}


def walk_speed_kmh(tags: Tags | Mapping[str, str], settings: RoutingSettings) -> float:
    """Walking speed on a way in km/h, 0 where people may not walk."""
    highway = tags.get("highway")
    foot = tags.get("foot")
    if highway in NEVER or foot in FOOT_BLOCKED:
        return 0.0
    foot_ok = foot in YES
    if tags.get("motorroad") == "yes" and not foot_ok:
        return 0.0
    if highway in WALK_IF_FOOT_TAGGED:
        allowed = foot_ok
    elif highway in WALK_DEFAULT:
        allowed = foot_ok or tags.get("access") not in BLOCKED
    else:
        allowed = False
    if not allowed:
        return 0.0
    speed = settings.walk_speed_kmh
    cap = dict(settings.walk_surface_speeds_kmh).get(tags.get("surface") or "")
    return min(speed, cap) if cap else speed


def _bike_directions(tags: Tags | Mapping[str, str]) -> tuple[bool, bool, bool]:
    """(forward allowed, backward allowed, implied one-way) for riding, from the one-way tags."""
    oneway_bicycle = tags.get("oneway:bicycle")
    if oneway_bicycle in ONEWAY_YES:
        return True, False, False
    if oneway_bicycle in ONEWAY_NO:
        return True, True, False
    if oneway_bicycle == "-1":
        return False, True, False
    oneway = tags.get("oneway")
    implied = tags.get("junction") in ("roundabout", "circular") or tags.get("highway") in NEVER
    if oneway in ONEWAY_NO:
        return True, True, False
    if oneway in ("reversible", "alternating"):
        return False, False, False
    if oneway in ONEWAY_YES:
        forward, backward = True, False
    elif oneway == "-1":
        forward, backward = False, True
    elif implied:
        forward, backward = True, False
    else:
        return True, True, False
    if any((tags.get(key) or "").startswith("opposite") for key in CONTRAFLOW_KEYS):
        return True, True, implied
    return forward, backward, implied


def bike_speeds_kmh(tags: Tags | Mapping[str, str], settings: RoutingSettings) -> tuple[float, float]:
    """(forward, backward) cycling speeds on a way in km/h, 0 where a bike may not go that way."""
    highway = tags.get("highway")
    bicycle = tags.get("bicycle")
    if highway in NEVER or bicycle in BIKE_BLOCKED:
        return 0.0, 0.0
    bike_ok = bicycle in YES
    if tags.get("motorroad") == "yes" and not bike_ok:
        return 0.0, 0.0
    if highway == "steps" or bicycle == "dismount":
        ride = False
    elif highway in RIDE_DEFAULT:
        ride = bike_ok or (tags.get("access") not in BLOCKED and tags.get("vehicle") not in BLOCKED)
    elif highway in RIDE_IF_BIKE_TAGGED:
        ride = bike_ok
    else:
        ride = False
    forward = backward = 0.0
    implied = False
    if ride:
        can_forward, can_backward, implied = _bike_directions(tags)
        speed = dict(settings.bike_highway_speeds_kmh).get(highway or "", settings.bike_speed_kmh)
        cap = dict(settings.bike_surface_speeds_kmh).get(tags.get("surface") or "")
        if cap:
            speed = min(speed, cap)
        forward = speed if can_forward else 0.0
        backward = speed if can_backward else 0.0
    if walk_speed_kmh(tags, settings) > 0:
        push = settings.steps_speed_kmh if highway == "steps" else settings.push_speed_kmh
        if not ride:
            forward = backward = push
        elif settings.bike_push_against_oneway and not implied:
            forward = forward or push
            backward = backward or push
    return forward, backward


@dataclass
class StreetSegments:
    """Every pair of consecutive nodes of a usable highway way, with the speeds of each mode."""

    node_id: np.ndarray  # OSM node ids, sorted (the node arrays are indexed in this order)
    node_lon: np.ndarray
    node_lat: np.ndarray
    seg_u: np.ndarray
    seg_v: np.ndarray
    seg_len_m: np.ndarray
    walk_kmh: np.ndarray
    bike_fwd_kmh: np.ndarray
    bike_bwd_kmh: np.ndarray
    car_fwd_kmh: np.ndarray
    car_bwd_kmh: np.ndarray
    # Whether the segment is part of a roundabout (junction=roundabout/circular): turn costs differ.
    roundabout: np.ndarray
    # Traffic signal at the segment's end node and start node: NO_SIGNAL or SIGNAL_BOTH/FORWARD/BACKWARD
    # (the direction relative to this segment's way).
    end_signal: np.ndarray
    start_signal: np.ndarray
    # Nodes that stop cars (barriers), and the turn restrictions for cars, as node indices.
    car_blocked: np.ndarray
    restrictions: TurnRestrictions
    restriction_counts: dict[str, int]
    ways_read: int
    ways_used: int
    nodes_missing: int


def check_osm_file(path: Path) -> None:
    """Refuse a path that is not a readable, non-empty file, with a message that says what to do."""
    if not path.exists():
        raise OSMFileError(
            f"The OpenStreetMap file {path} does not exist; check the path or download the extract again."
        )
    if not path.is_file():
        raise OSMFileError(f"{path} is not a file; give the path of an .osm.pbf (or .osm) extract.")
    if path.stat().st_size == 0:
        raise OSMFileError(f"The OpenStreetMap file {path} is empty (0 bytes); download the extract again.")


def read_street_segments(path: Path, settings: RoutingSettings) -> StreetSegments:
    """Read all usable highway ways of an OSM file into flat segment arrays (with the traffic
    signals, the nodes that stop cars and the turn restrictions for cars)."""
    import osmium

    check_osm_file(path)
    refs: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    piece_sizes: list[int] = []
    piece_speeds: list[tuple[float, ...]] = []
    # Where each drivable way's pieces start in `refs`, and their sizes (turn restrictions need them).
    car_pieces: dict[int, list[tuple[int, int]]] = {}
    ways_read = 0
    ways_used = 0
    nodes_missing = 0
    signals: dict[int, int] = {}  # node id -> SIGNAL_BOTH / SIGNAL_FORWARD / SIGNAL_BACKWARD
    blocked: set[int] = set()
    restrictions = RestrictionReader()
    try:
        processor = osmium.FileProcessor(
            str(path), osmium.osm.NODE | osmium.osm.WAY | osmium.osm.RELATION
        ).with_locations()
        for obj in processor.with_filter(osmium.filter.KeyFilter("highway", "barrier", "type")):
            tags = obj.tags
            if obj.is_node():
                if tags.get("highway") == "traffic_signals":
                    direction = tags.get("traffic_signals:direction")
                    signals[obj.id] = SIGNAL_DIRECTIONS.get(direction or "", SIGNAL_BOTH)
                if blocks_cars(tags):
                    blocked.add(obj.id)
                continue
            if obj.is_relation():
                restrictions.add(tags, ((m.type, m.ref, m.role) for m in obj.members))
                continue
            if not obj.is_way() or "highway" not in tags:
                continue
            ways_read += 1
            walk = walk_speed_kmh(tags, settings)
            bike_fwd, bike_bwd = bike_speeds_kmh(tags, settings)
            car_fwd, car_bwd = car_speeds_kmh(tags, settings)
            if not (walk or bike_fwd or bike_bwd or car_fwd or car_bwd):
                continue
            roundabout = float(tags.get("junction") in ("roundabout", "circular"))
            speeds = (walk, bike_fwd, bike_bwd, car_fwd, car_bwd, roundabout)
            ways_used += 1
            pieces = car_pieces.setdefault(obj.id, []) if car_fwd or car_bwd else None
            size = 0
            # A way that leaves the extract references nodes without a location: split it there.
            for node in obj.nodes:
                location = node.location
                if not location.valid():
                    nodes_missing += 1
                    size = _end_piece(size, speeds, refs, lons, lats, piece_sizes, piece_speeds, pieces)
                    continue
                refs.append(node.ref)
                lons.append(location.lon)
                lats.append(location.lat)
                size += 1
            _end_piece(size, speeds, refs, lons, lats, piece_sizes, piece_speeds, pieces)
    except OSMFileError:
        raise
    except Exception as error:  # pyosmium raises plain RuntimeError/ValueError on bad input
        raise OSMFileError(
            f"Could not read {path} as an OpenStreetMap file ({error}); "
            "check that it is an .osm.pbf or .osm extract and download it again if it is damaged."
        ) from error
    if not piece_sizes:
        raise OSMFileError(
            f"The OpenStreetMap file {path} contains no streets that people may walk, cycle or drive on "
            f"({ways_read} highway ways read); use an extract that covers the city's streets."
        )
    ids = np.asarray(refs, dtype=np.int64)
    node_ids, inverse = np.unique(ids, return_inverse=True)
    node_lon = np.empty(len(node_ids))
    node_lat = np.empty(len(node_ids))
    node_lon[inverse] = np.asarray(lons)
    node_lat[inverse] = np.asarray(lats)
    sizes = np.asarray(piece_sizes, dtype=np.int64)
    ends = np.cumsum(sizes)
    # Position p starts a segment (p, p+1) unless it is the last node of its piece.
    seg_start = np.ones(len(ids), dtype=bool)
    seg_start[ends - 1] = False
    first = np.flatnonzero(seg_start)
    seg_u = inverse[first]
    seg_v = inverse[first + 1]
    speeds_arr = np.repeat(np.asarray(piece_speeds, dtype=np.float64), sizes - 1, axis=0)
    end_signal = _signal_kinds(signals, ids[first + 1])
    start_signal = _signal_kinds(signals, ids[first])
    seg_len = haversine_m(node_lon[seg_u], node_lat[seg_u], node_lon[seg_v], node_lat[seg_v])
    keep = seg_u != seg_v
    blocked_ids = np.fromiter(blocked, dtype=np.int64, count=len(blocked))
    turn_restrictions = restrictions.resolve(
        lambda way: [ids[start : start + size] for start, size in car_pieces.get(way, ())], node_ids
    )
    return StreetSegments(
        node_id=node_ids,
        node_lon=node_lon,
        node_lat=node_lat,
        seg_u=seg_u[keep].astype(np.int64),
        seg_v=seg_v[keep].astype(np.int64),
        seg_len_m=seg_len[keep],
        walk_kmh=speeds_arr[keep, 0],
        bike_fwd_kmh=speeds_arr[keep, 1],
        bike_bwd_kmh=speeds_arr[keep, 2],
        car_fwd_kmh=speeds_arr[keep, 3],
        car_bwd_kmh=speeds_arr[keep, 4],
        roundabout=speeds_arr[keep, 5] > 0,
        end_signal=end_signal[keep],
        start_signal=start_signal[keep],
        car_blocked=np.isin(node_ids, blocked_ids),
        restrictions=turn_restrictions,
        restriction_counts=dict(restrictions.counts),
        ways_read=ways_read,
        ways_used=ways_used,
        nodes_missing=nodes_missing,
    )


def _end_piece(
    size: int,
    speeds: tuple[float, ...],
    refs: list[int],
    lons: list[float],
    lats: list[float],
    piece_sizes: list[int],
    piece_speeds: list[tuple[float, ...]],
    car_pieces: list[tuple[int, int]] | None,
) -> int:
    """Close the piece of a way whose last `size` nodes were just read (a single node is dropped);
    returns the size of the next piece, 0."""
    if size >= 2:
        piece_sizes.append(size)
        piece_speeds.append(speeds)
        if car_pieces is not None:
            car_pieces.append((len(refs) - size, size))
    elif size == 1:
        refs.pop()
        lons.pop()
        lats.pop()
    return 0


def _signal_kinds(signals: Mapping[int, int], node_ids: np.ndarray) -> np.ndarray:
    """The signal kind of each node id (NO_SIGNAL where there is none)."""
    if not signals:
        return np.full(len(node_ids), NO_SIGNAL, dtype=np.int8)
    ids = np.fromiter(signals.keys(), dtype=np.int64, count=len(signals))
    kinds = np.fromiter(signals.values(), dtype=np.int8, count=len(signals))
    order = np.argsort(ids)
    ids, kinds = ids[order], kinds[order]
    pos = np.minimum(np.searchsorted(ids, node_ids), len(ids) - 1)
    return np.where(ids[pos] == node_ids, kinds[pos], NO_SIGNAL).astype(np.int8)


def signal_arrivals(streets: StreetSegments, respect_direction: bool) -> tuple[np.ndarray, np.ndarray]:
    """(riding a segment forwards arrives at a signal, riding it backwards does).

    With respect_direction=False (walking, as in OSRM's foot profile) a signal tagged for one
    direction counts for both.
    """
    end, start = streets.end_signal, streets.start_signal
    if not respect_direction:
        return end != NO_SIGNAL, start != NO_SIGNAL
    return (end == SIGNAL_BOTH) | (end == SIGNAL_FORWARD), (start == SIGNAL_BOTH) | (start == SIGNAL_BACKWARD)
