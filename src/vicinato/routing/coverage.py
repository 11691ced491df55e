"""Population coverage: spread polygon populations over graph nodes and measure reachable shares."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from .graph import ModeGraph


def node_weights_from_polygons(
    graph: ModeGraph,
    polygons: Iterable[tuple[BaseGeometry | Mapping[str, Any], float]],
) -> np.ndarray:
    """Weight per graph node (junction): each polygon's population spread evenly over its nodes.

    `polygons` are (geometry in WGS84 lon/lat — a shapely geometry or a GeoJSON-like dict —,
    population) pairs, e.g. Milan's NIL neighbourhoods. A polygon that contains no node (too small,
    or outside the map) gives its population to the node nearest to its representative point, so
    that no one is lost from the total. Nodes exactly on a shared border count for neither side.
    """
    lon = graph.node_lon
    lat = graph.node_lat
    weights = np.zeros(graph.node_count)
    x, y = graph.projection.to_xy(lon, lat)
    tree = None
    for geometry, population in polygons:
        geom = geometry if isinstance(geometry, BaseGeometry) else shape(geometry)
        if population == 0 or geom.is_empty:
            continue
        minx, miny, maxx, maxy = geom.bounds
        box = np.flatnonzero((lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy))
        inside = box[shapely.contains_xy(geom, lon[box], lat[box])] if len(box) else box
        if len(inside):
            weights[inside] += population / len(inside)
            continue
        if tree is None:
            from scipy.spatial import cKDTree

            tree = cKDTree(np.column_stack([x, y]))
        point = geom.representative_point()
        px, py = graph.projection.to_xy(point.x, point.y)
        _, nearest = tree.query([float(px), float(py)])
        weights[int(nearest)] += population
    return weights


def coverage_share(weights: np.ndarray, reachable: np.ndarray) -> float:
    """Share (0–1) of the total weight on reachable nodes (a boolean mask or node indices)."""
    weights = np.asarray(weights, dtype=np.float64)
    total = weights.sum()
    if total <= 0:
        return 0.0
    reachable = np.asarray(reachable)
    if reachable.dtype == bool:
        covered = weights[reachable].sum()
    else:
        covered = weights[np.unique(reachable.astype(np.int64))].sum()
    return float(covered / total)
