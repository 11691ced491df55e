"""Travel-time index of places: which places can be reached from a point within a time, incrementally.

Each place gets one bounded reverse search (towards the place, on the transposed graph for the
directed bike mode) up to `max_time_s`; the index keeps, per place, the sparse set of search states
within that time and their time to the place (states are junctions, or with turn costs the
directions of the streets: see graph.py). A query snaps the origin, reads the time at the two
states it starts at (the two ends of its street) for every place in one vectorised lookup, and adds
the partial street costs. Adding, moving or removing one place runs at most one search and never
touches the others.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from .errors import CutoffTooLargeError, PointTooFarError, StaleIndexError
from .graph import ModeGraph, SnappedPoints

PlaceId = Hashable

# Times are stored as float32 (about 0.1 ms of rounding at 30 minutes); queries allow this slack.
INDEX_TOLERANCE_S = 1e-3
INDEX_FORMAT_VERSION = 2


@dataclass(frozen=True)
class ReachablePlace:
    place_id: PlaceId
    seconds: float


class ReachIndex:
    """Places and, for each, the search states from which it can be reached within max_time_s."""

    def __init__(self, graph: ModeGraph, max_time_s: float = 1800.0) -> None:
        if not max_time_s > 0:
            raise ValueError(
                "max_time_s must be a positive number of seconds, for example 1800 for 30 minutes."
            )
        self.graph = graph
        self.max_time_s = float(max_time_s)
        self._slot_of: dict[PlaceId, int] = {}
        self._place: list[PlaceId | None] = []
        self._lat: list[float] = []
        self._lon: list[float] = []
        self._seg: list[int] = []
        self._frac: list[float] = []
        self._dist: list[float] = []
        self._nodes: list[np.ndarray | None] = []
        self._times: list[np.ndarray | None] = []
        self._merged: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self.skipped: dict[PlaceId, str] = {}

    # ----- building and updating -------------------------------------------------------------

    @classmethod
    def build(
        cls,
        graph: ModeGraph,
        places: Iterable[tuple[PlaceId, float, float]],
        max_time_s: float = 1800.0,
        *,
        on_far: Literal["raise", "skip"] = "raise",
    ) -> ReachIndex:
        """Index (place_id, lat, lon) places; far-away places raise, or are listed in .skipped."""
        index = cls(graph, max_time_s)
        index.add_many(places, on_far=on_far)
        return index

    def add_many(
        self, places: Iterable[tuple[PlaceId, float, float]], *, on_far: Literal["raise", "skip"] = "raise"
    ) -> None:
        """Add or move many places with batched searches."""
        rows = list(places)
        if not rows:
            return
        ids = [row[0] for row in rows]
        if len(set(ids)) != len(ids):
            raise ValueError("Each place id may appear only once in one call; remove the duplicates.")
        snapped = self.graph.snap_many([(row[1], row[2]) for row in rows], strict=False)
        if not snapped.ok.all():
            bad = np.flatnonzero(~snapped.ok)
            if on_far == "raise":
                b = int(bad[0])
                raise PointTooFarError(
                    float(snapped.lat[b]),
                    float(snapped.lon[b]),
                    float(snapped.dist_m[b]),
                    self.graph.settings.max_snap_m,
                    self.graph.mode,
                )
            for b in bad.tolist():
                error = PointTooFarError(
                    float(snapped.lat[b]),
                    float(snapped.lon[b]),
                    float(snapped.dist_m[b]),
                    self.graph.settings.max_snap_m,
                    self.graph.mode,
                )
                self.remove(ids[b])
                self.skipped[ids[b]] = str(error)
        good = np.flatnonzero(snapped.ok)
        for b in good.tolist():
            self.remove(ids[b])
            self.skipped.pop(ids[b], None)
        if len(good) == 0:
            return
        sub = SnappedPoints(
            *(np.asarray(getattr(snapped, f))[good] for f in ("lat", "lon", "seg", "frac", "dist_m", "ok"))
        )
        heads, costs = self.graph._heads_in(sub)
        first_slot = len(self._place)
        for b in good.tolist():
            self._slot_of[ids[b]] = len(self._place)
            self._place.append(ids[b])
            self._lat.append(float(snapped.lat[b]))
            self._lon.append(float(snapped.lon[b]))
            self._seg.append(int(snapped.seg[b]))
            self._frac.append(float(snapped.frac[b]))
            self._dist.append(float(snapped.dist_m[b]))
            self._nodes.append(None)
            self._times.append(None)

        def keep(part: slice, times: np.ndarray) -> None:
            for row, slot in zip(times, range(first_slot + part.start, first_slot + part.stop), strict=True):
                nodes = np.flatnonzero(row <= self.max_time_s + INDEX_TOLERANCE_S).astype(np.int32)
                self._nodes[slot] = nodes
                self._times[slot] = row[nodes].astype(np.float32)

        self.graph.reverse_search(heads, costs, self.max_time_s + INDEX_TOLERANCE_S, keep)
        self._merged = None

    def add(self, place_id: PlaceId, lat: float, lon: float) -> None:
        """Add a place, or move it if the id is already indexed; PointTooFarError if off the map."""
        self.add_many([(place_id, lat, lon)], on_far="raise")

    move = add

    def remove(self, place_id: PlaceId) -> bool:
        """Forget a place; returns False if it was not indexed."""
        slot = self._slot_of.pop(place_id, None)
        self.skipped.pop(place_id, None)
        if slot is None:
            return False
        self._place[slot] = None
        self._nodes[slot] = None
        self._times[slot] = None
        self._merged = None
        if len(self._slot_of) * 2 < len(self._place):
            self._compact()
        return True

    def _compact(self) -> None:
        """Drop the slots of removed places so that memory follows the number of places."""
        alive = [slot for slot, place in enumerate(self._place) if place is not None]
        for name in ("_place", "_lat", "_lon", "_seg", "_frac", "_dist", "_nodes", "_times"):
            values = getattr(self, name)
            setattr(self, name, [values[slot] for slot in alive])
        self._slot_of = {place: slot for slot, place in enumerate(self._place)}
        self._merged = None

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, place_id: object) -> bool:
        return place_id in self._slot_of

    @property
    def place_ids(self) -> list[PlaceId]:
        return [place for place in self._place if place is not None]

    def location(self, place_id: PlaceId) -> tuple[float, float]:
        slot = self._slot_of[place_id]
        return self._lat[slot], self._lon[slot]

    # ----- queries -----------------------------------------------------------------------------

    def _merge(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One sorted key array (slot × states + state) over all places, rebuilt after changes."""
        if self._merged is None:
            n = self.graph.state_count
            slots = np.asarray([s for s, p in enumerate(self._place) if p is not None], dtype=np.int64)
            parts = [self._nodes[s] for s in slots.tolist()]
            sizes = np.asarray([len(p) for p in parts], dtype=np.int64)  # type: ignore[arg-type]
            if len(slots):
                nodes = np.concatenate(parts).astype(np.int64)  # type: ignore[arg-type]
                times = np.concatenate([self._times[s] for s in slots.tolist()])  # type: ignore[misc]
            else:
                nodes = np.empty(0, dtype=np.int64)
                times = np.empty(0, dtype=np.float32)
            keys = np.repeat(slots, sizes) * n + nodes
            self._merged = (slots, keys, times)
        return self._merged

    def _lookup(self, slots: np.ndarray, keys: np.ndarray, times: np.ndarray, node: int) -> np.ndarray:
        wanted = slots * self.graph.state_count + node
        pos = np.searchsorted(keys, wanted)
        pos_c = np.minimum(pos, max(len(keys) - 1, 0))
        found = (pos < len(keys)) & (keys[pos_c] == wanted) if len(keys) else np.zeros(len(slots), bool)
        return np.where(found, times[pos_c].astype(np.float64) if len(keys) else np.inf, np.inf)

    def times_from(self, lat: float, lon: float) -> dict[PlaceId, float]:
        """Seconds from a point to every place reachable within max_time_s."""
        slots, seconds = self._times_from(lat, lon, self.max_time_s)
        return {self._place[s]: float(t) for s, t in zip(slots.tolist(), seconds.tolist(), strict=True)}

    def reachable(self, lat: float, lon: float, within_s: float) -> list[ReachablePlace]:
        """Places reachable from (lat, lon) within `within_s` seconds, nearest first."""
        if within_s > self.max_time_s + INDEX_TOLERANCE_S:
            raise CutoffTooLargeError(
                f"This index knows travel times up to {self.max_time_s / 60:g} minutes, not {within_s / 60:g}; "
                "ask for less or rebuild the index with a larger max_time_s."
            )
        slots, seconds = self._times_from(lat, lon, within_s)
        order = np.argsort(seconds, kind="stable")
        return [ReachablePlace(self._place[slots[i]], float(seconds[i])) for i in order.tolist()]

    def _times_from(self, lat: float, lon: float, within_s: float) -> tuple[np.ndarray, np.ndarray]:
        g = self.graph
        origin = g.snap_many([(lat, lon)])
        slots, keys, times = self._merge()
        if len(slots) == 0:
            return slots, np.empty(0)
        heads, costs = g._heads_out(origin)
        best = np.full(len(slots), np.inf)
        for head, cost in zip(heads[0].tolist(), costs[0].tolist(), strict=True):
            if np.isfinite(cost):
                best = np.minimum(best, cost + self._lookup(slots, keys, times, head))
        # Trips that need no search: along the origin's street, or onto a street leaving the
        # junction the origin stands on.
        _, di, direct = g.direct_trips(origin, self._snapped(slots))
        np.minimum.at(best, di, direct)
        hit = best <= within_s + INDEX_TOLERANCE_S
        return slots[hit], best[hit]

    def _snapped(self, slots: np.ndarray) -> SnappedPoints:
        """The places in these slots as snapped points."""
        values = [np.asarray(v)[slots] for v in (self._lat, self._lon, self._seg, self._frac, self._dist)]
        return SnappedPoints(*values[:2], values[2].astype(np.int64), *values[3:], np.ones(len(slots), bool))

    def covered_nodes(self, within_s: float, place_ids: Iterable[PlaceId] | None = None) -> np.ndarray:
        """Boolean mask over graph nodes (junctions) from which some place is reachable within within_s."""
        slots, keys, times = self._merge()
        g = self.graph
        n = g.state_count
        mask = np.zeros(g.node_count, dtype=bool)
        if len(keys) == 0:
            return mask
        limit = within_s + INDEX_TOLERANCE_S
        chosen = times <= limit
        wanted = slots
        if place_ids is not None:
            wanted = np.asarray([self._slot_of[p] for p in place_ids if p in self._slot_of], dtype=np.int64)
            chosen &= np.isin(keys // n, wanted)
        states = keys[chosen] % n
        if not g.turn_costs:
            mask[states] = True
            return mask
        # A state's time counts from the end of its direction: starting at its start junction
        # adds riding it (and no turn). The junctions at the ends of a place's own street reach
        # it straight along the street.
        start = times[chosen] + g.arc_cost[states]
        mask[g.arc_tail[states[start <= limit]]] = True
        if len(wanted):
            places = self._snapped(wanted)
            from_a, from_b = g.entries(places.seg, places.frac)
            walk = g.snap_cost(places)
            chain = g.seg_chain[places.seg]
            mask[g.chain_a[chain][from_a + walk <= limit]] = True
            mask[g.chain_b[chain][from_b + walk <= limit]] = True
        return mask

    # ----- persistence -------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the index to a .npz file (atomically); place ids must be all ints or all strings."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        slots, _, _ = self._merge()
        ids = [self._place[s] for s in slots.tolist()]
        if all(isinstance(i, int | np.integer) for i in ids):
            id_array, id_kind = np.asarray(ids, dtype=np.int64), "int"
        elif all(isinstance(i, str) for i in ids):
            id_array, id_kind = np.asarray(ids, dtype=np.str_), "str"
        else:
            raise TypeError("Only integer or string place ids can be saved; convert the ids before saving.")
        pick = slots.tolist()
        nodes = [self._nodes[s] for s in pick]
        meta = {
            "format": INDEX_FORMAT_VERSION,
            "graph": self.graph.fingerprint,
            "max_time_s": self.max_time_s,
            "id_kind": id_kind,
        }
        payload = {
            "meta": np.array(json.dumps(meta)),
            "ids": id_array,
            "lat": np.asarray([self._lat[s] for s in pick]),
            "lon": np.asarray([self._lon[s] for s in pick]),
            "seg": np.asarray([self._seg[s] for s in pick], dtype=np.int64),
            "frac": np.asarray([self._frac[s] for s in pick]),
            "dist": np.asarray([self._dist[s] for s in pick]),
            "sizes": np.asarray([len(x) for x in nodes], dtype=np.int64),  # type: ignore[arg-type]
            "nodes": np.concatenate(nodes) if nodes else np.empty(0, np.int32),  # type: ignore[arg-type]
            "times": np.concatenate([self._times[s] for s in pick]) if pick else np.empty(0, np.float32),  # type: ignore[misc]
        }
        handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as tmp:
                np.savez(tmp, **payload)
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str], graph: ModeGraph) -> ReachIndex:
        """Read an index written by save(); StaleIndexError if it was built on another graph."""
        with np.load(Path(path), allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != INDEX_FORMAT_VERSION or meta.get("graph") != graph.fingerprint:
                raise StaleIndexError(
                    f"The travel-time index {path} was built for another version of the {graph.mode} street "
                    "graph (new map data or speeds); rebuild it with ReachIndex.build()."
                )
            index = cls(graph, float(meta["max_time_s"]))
            ids = data["ids"].tolist()
            sizes = data["sizes"]
            bounds = np.concatenate([[0], np.cumsum(sizes)])
            nodes, times = data["nodes"], data["times"]
            for i, place in enumerate(ids):
                index._slot_of[place] = i
                index._place.append(place)
                index._lat.append(float(data["lat"][i]))
                index._lon.append(float(data["lon"][i]))
                index._seg.append(int(data["seg"][i]))
                index._frac.append(float(data["frac"][i]))
                index._dist.append(float(data["dist"][i]))
                index._nodes.append(nodes[bounds[i] : bounds[i + 1]].astype(np.int32))
                index._times.append(times[bounds[i] : bounds[i + 1]].astype(np.float32))
        return index
