"""Travel-time index of places: which places can be reached from a point within a time, incrementally.

Each place gets one bounded reverse search (towards the place, on the transposed graph for the
directed bike mode) up to `max_time_s`; the index keeps, per place, the sparse set of search states
within that time and their time to the place (states are junctions, or with turn costs the
directions of the streets: see states.py). For queries the same pairs are also kept the other way
round, per state: the places reachable from it and their times (built on first query after a change).
A query snaps the origin, reads the rows of the states it starts at (the two ends of its street),
adds the partial street costs, and checks the trips that need no search against the few places on
its own street or around its junctions, instead of looking every place up. Adding, moving or
removing one place runs at most one search and never touches the others.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from .errors import CutoffTooLargeError, PointTooFarError, StaleIndexError
from .files import save_npz
from .graph import ModeGraph
from .streets import SNAP_CANDIDATES, SnappedPoints

PlaceId = Hashable

# Times are stored as float32 (about 0.1 ms of rounding at 30 minutes); queries allow this slack.
INDEX_TOLERANCE_S = 1e-3
INDEX_FORMAT_VERSION = 2


@dataclass(frozen=True)
class _QueryData:
    """What queries read, built from the per-place data (see ReachIndex._query_data)."""

    ids: list  # the indexed places, in slot order; "positions" below index this list
    ptr: np.ndarray  # CSR over search states: the entries of state s are ptr[s]:ptr[s + 1]
    place: np.ndarray  # int32 position of each entry's place
    times: np.ndarray  # float32 seconds from the entry's state to its place
    snapped: SnappedPoints  # the places snapped onto their streets, by position
    by_chain: dict[int, list[int]]  # chain -> positions of the places on it
    by_junction: dict[int, list[int]]  # junction -> positions of the places on a chain ending there


@dataclass(frozen=True)
class _PointSnapper:
    """The arrays graph.snap_many reads (its k-d tree of points sampled along the segments), for one point."""

    graph: ModeGraph
    tree: object
    sample_seg: np.ndarray
    seg_xy: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    k: int

    @classmethod
    def of(cls, graph: ModeGraph) -> _PointSnapper | Literal[False]:
        try:
            tree = graph._snap_index()
            sample_seg, seg_xy = graph._sample_seg, graph._seg_xy
        except AttributeError:
            return False
        if sample_seg is None or seg_xy is None or len(seg_xy) != 4:
            return False
        return cls(graph, tree, sample_seg, tuple(seg_xy), min(SNAP_CANDIDATES, tree.n))  # type: ignore[attr-defined]

    def snap(self, lat: float, lon: float) -> SnappedPoints | None:
        """The point snapped exactly as snap_many snaps it, or None when it is beyond the snapping limit."""
        g = self.graph
        lat_a, lon_a = np.array([lat], dtype=np.float64), np.array([lon], dtype=np.float64)
        x, y = g.projection.to_xy(lon_a, lat_a)
        _, idx = self.tree.query(np.array([[x[0], y[0]]]), k=self.k)  # type: ignore[attr-defined]
        cand = self.sample_seg[np.asarray(idx).reshape(-1)]
        xu, yu, dx, dy = (arr[cand] for arr in self.seg_xy)
        px = x[0] - xu
        py = y[0] - yu
        len2 = dx * dx + dy * dy
        t = np.divide(px * dx + py * dy, len2, out=np.zeros(len(cand)), where=len2 > 0)
        t = np.clip(t, 0.0, 1.0)
        dist = np.hypot(px - t * dx, py - t * dy)
        best = int(np.argmin(dist))
        if not dist[best] <= g.settings.max_snap_m:
            return None
        return SnappedPoints(
            lat_a,
            lon_a,
            cand[best : best + 1].astype(np.int64),
            t[best : best + 1],
            dist[best : best + 1],
            np.ones(1, dtype=bool),
        )


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
        self._query: _QueryData | None = None
        self._snapper: _PointSnapper | Literal[False] | None = None
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
        self._query = None

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
        self._query = None
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
        self._query = None

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

    def _query_data(self) -> _QueryData:
        """The index turned around for queries (rebuilt after changes): per search state, the places reachable
        from it and their times, so that a query reads the one or two rows of the states it starts at."""
        if self._query is None:
            slots = np.asarray([s for s, p in enumerate(self._place) if p is not None], dtype=np.int64)
            pick = slots.tolist()
            n = self.graph.state_count
            if pick:
                sizes = np.asarray([len(self._nodes[s]) for s in pick], dtype=np.int64)  # type: ignore[arg-type]
                nodes = np.concatenate([self._nodes[s] for s in pick])  # type: ignore[misc]
                times = np.concatenate([self._times[s] for s in pick])  # type: ignore[misc]
                # Grouped by state, the places of a state in the order of their slots.
                order = np.argsort(nodes, kind="stable")
                ptr = np.zeros(n + 1, dtype=np.int64)
                np.cumsum(np.bincount(nodes, minlength=n), out=ptr[1:])
                place = np.repeat(np.arange(len(pick), dtype=np.int32), sizes)[order]
                times = times[order]
            else:
                ptr = np.zeros(n + 1, dtype=np.int64)
                place, times = np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
            snapped = self._snapped(slots)
            g = self.graph
            chain = g.seg_chain[snapped.seg]
            by_chain: dict[int, list[int]] = {}
            by_junction: dict[int, list[int]] = {}
            for i, (c, a, b) in enumerate(
                zip(chain.tolist(), g.chain_a[chain].tolist(), g.chain_b[chain].tolist(), strict=True)
            ):
                by_chain.setdefault(c, []).append(i)
                by_junction.setdefault(a, []).append(i)
                if b != a:
                    by_junction.setdefault(b, []).append(i)
            self._query = _QueryData(
                ids=[self._place[s] for s in pick],
                ptr=ptr,
                place=place,
                times=times,
                snapped=snapped,
                by_chain=by_chain,
                by_junction=by_junction,
            )
        return self._query

    def times_from(self, lat: float, lon: float) -> dict[PlaceId, float]:
        """Seconds from a point to every place reachable within max_time_s."""
        ids, positions, seconds = self._times_from(lat, lon, self.max_time_s)
        return {ids[i]: float(t) for i, t in zip(positions.tolist(), seconds.tolist(), strict=True)}

    def reachable(self, lat: float, lon: float, within_s: float) -> list[ReachablePlace]:
        """Places reachable from (lat, lon) within `within_s` seconds, nearest first."""
        if within_s > self.max_time_s + INDEX_TOLERANCE_S:
            raise CutoffTooLargeError(
                f"This index knows travel times up to {self.max_time_s / 60:g} minutes, not {within_s / 60:g}; "
                "ask for less or rebuild the index with a larger max_time_s."
            )
        ids, positions, seconds = self._times_from(lat, lon, within_s)
        order = np.argsort(seconds, kind="stable")
        return [
            ReachablePlace(ids[i], t)
            for i, t in zip(positions[order].tolist(), seconds[order].tolist(), strict=True)
        ]

    def _times_from(self, lat: float, lon: float, within_s: float) -> tuple[list, np.ndarray, np.ndarray]:
        """(ids, positions in ids, seconds) of the places reachable within within_s, in the order of ids."""
        g = self.graph
        origin = self._snap_origin(lat, lon)
        q = self._query_data()
        if not q.ids:
            return q.ids, np.empty(0, dtype=np.int64), np.empty(0)
        heads, costs = g._heads_out(origin)
        best = np.full(len(q.ids), np.inf)
        for head, cost in zip(heads[0].tolist(), costs[0].tolist(), strict=True):
            if math.isfinite(cost):
                lo, hi = int(q.ptr[head]), int(q.ptr[head + 1])
                if hi > lo:
                    # A place appears at most once per state: a plain gather and scatter.
                    place = q.place[lo:hi]
                    best[place] = np.minimum(best[place], cost + q.times[lo:hi].astype(np.float64))
        # Trips that need no search: along the origin's street, or onto a street leaving the junction the
        # origin stands on. Only the places on the origin's street or on a street sharing one of its end
        # junctions can have one; direct_trips sees just those.
        chain = int(g.seg_chain[origin.seg[0]])
        near = set(q.by_chain.get(chain, ()))
        for junction in (int(g.chain_a[chain]), int(g.chain_b[chain])):
            near.update(q.by_junction.get(junction, ()))
        if near:
            candidates = np.asarray(sorted(near), dtype=np.int64)
            _, di, direct = g.direct_trips(origin, q.snapped.take(candidates))
            np.minimum.at(best, candidates[di], direct)
        positions = np.flatnonzero(best <= within_s + INDEX_TOLERANCE_S)
        return q.ids, positions, best[positions]

    def _snap_origin(self, lat: float, lon: float) -> SnappedPoints:
        """graph.snap_many([(lat, lon)]) for one point, with the same result, in a fraction of the time.

        snap_many is made for batches: on one point its two dozen array operations cost more than the k-d tree
        query itself. This reads the same snapping index and takes the same steps on the candidates of one
        point; anything unusual (a point off the map or not finite, a graph without that index) goes to
        snap_many, which raises the usual errors.
        """
        if self._snapper is None:
            self._snapper = _PointSnapper.of(self.graph)
        if self._snapper and math.isfinite(lat) and math.isfinite(lon):
            snapped = self._snapper.snap(lat, lon)
            if snapped is not None:
                return snapped
        return self.graph.snap_many([(lat, lon)])

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
        save_npz(path, payload)
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
