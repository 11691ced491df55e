"""Helpers for the routing tests: tiny OpenStreetMap files written on the fly with pyosmium."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

# Test maps are drawn in metres on a plane around this point (Milan), then turned into lon/lat.
ORIGIN_LAT = 45.46
ORIGIN_LON = 9.19

WayRow = tuple[Sequence[int], Mapping[str, str]]
# A relation: its members as (type "n"/"w", id, role), and its tags.
RelationRow = tuple[Sequence[tuple[str, int, str]], Mapping[str, str]]
OsmWriter = Callable[..., Path]


def to_lat_lon(x_m: float, y_m: float) -> tuple[float, float]:
    """(lat, lon) of a point x metres east and y metres north of the test origin."""
    from vicinato.routing.projection import LocalProjection

    lon, lat = LocalProjection(ORIGIN_LAT, ORIGIN_LON).to_lonlat(x_m, y_m)
    return float(lat), float(lon)


def write_osm(
    path: Path,
    nodes: Mapping[int, tuple[float, float]],
    ways: Sequence[WayRow],
    node_tags: Mapping[int, Mapping[str, str]] | None = None,
    relations: Sequence[RelationRow] = (),
) -> Path:
    """Write nodes (id -> (x_m, y_m)), ways ((node ids, tags), numbered from 1) and relations
    ((members, tags)) to an .osm.pbf or .osm file."""
    import osmium
    from osmium.osm.mutable import Node, Relation, Way

    path.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(path))
    try:
        for node_id in sorted(nodes):
            lat, lon = to_lat_lon(*nodes[node_id])
            tags = dict((node_tags or {}).get(node_id, {}))
            writer.add_node(Node(id=node_id, location=(lon, lat), tags=tags, version=1))
        for way_id, (refs, tags) in enumerate(ways, start=1):
            writer.add_way(Way(id=way_id, nodes=list(refs), tags=dict(tags), version=1))
        for relation_id, (members, tags) in enumerate(relations, start=1):
            writer.add_relation(Relation(id=relation_id, members=list(members), tags=dict(tags), version=1))
    finally:
        writer.close()
    return path
