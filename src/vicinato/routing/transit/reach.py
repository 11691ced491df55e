"""Which places can be reached by public transport from a point within some minutes, answered in about a millisecond.

Built for one service day, one time and one budget (max_minutes), in one of two kinds:

- arrive_by (the commute: "be there by 09:00"). Per place, one backward RAPTOR gives the latest
  boarding time at every stop; one reverse search on the walk graph, seeded at every stop's
  street points with (arrive_by - that time) and at the place itself with 0, gives for every
  junction arrive_by minus the latest departure from there. The index keeps, per junction, the
  places within the budget and those times (float32), like ReachIndex; a query snaps the origin,
  reads the rows of the two ends of its street, and adds the walks that need no search (along its
  own street to a place, or to a stop).
- depart_at ("leaving now"). A query walks from the origin (one search up to the budget), runs
  one forward RAPTOR, and walks from the stops to the places (kept per place from the build).
  The seconds are then the earliest arrival minus the departure.

covered_nodes() gives the junctions from which some place is within a time, for coverage by
neighbourhood. For depart_at it uses that leaving at t0 reaches a place by t0 + T exactly when
the latest departure arriving by t0 + T is t0 or later, so it is the arrive_by computation at
t0 + T (one per time asked, kept).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from collections.abc import Hashable, Iterable
from pathlib import Path

import numpy as np

from ..errors import CutoffTooLargeError, PointTooFarError, StaleIndexError
from ..files import save_npz
from ..graph import SnappedPoints
from ..reach import ReachablePlace
from ..search import TIME_TOLERANCE_S, multi_source_search
from .build import subset_points
from .calendar import ServiceDay
from .router import TransitRouter
from .stops import DEFAULT_MAX_TRANSFERS, INF, Kind

PlaceId = Hashable
REACH_FORMAT_VERSION = 1
# What save() writes besides the places, per kind.
_SAVED = {
    "arrive_by": ("ptr", "row_place", "row_time", "point_ptr", "point_place", "point_cost"),
    "depart_at": ("egress_stop", "egress_place", "egress_s"),
}
# Times are kept as float32 (about 0.1 ms of rounding at an hour); queries allow this slack.
TOLERANCE_S = 1e-3


class TransitReach:
    """Places and the junctions from which each is within max_minutes by transit (see the module docstring)."""

    def __init__(
        self,
        router: TransitRouter,
        kind: Kind,
        day: ServiceDay,
        time_s: float,
        max_minutes: float,
        max_transfers: int = DEFAULT_MAX_TRANSFERS,
    ) -> None:
        if kind not in ("arrive_by", "depart_at"):
            raise ValueError(f"kind must be 'arrive_by' or 'depart_at', not {kind!r}.")
        self.router = router
        self.walk = router.walk
        self.kind = kind
        self.day = day
        self.time_s = float(time_s)
        self.max_minutes = float(max_minutes)
        self.max_s = self.max_minutes * 60.0
        self.max_transfers = max_transfers
        self.ids: list[PlaceId] = []
        self.skipped: dict[PlaceId, str] = {}
        self._covered: dict[float, np.ndarray] = {}

    @classmethod
    def build(
        cls,
        router: TransitRouter,
        places: Iterable[tuple[PlaceId, float, float]],
        when: dt.datetime,
        *,
        kind: Kind = "arrive_by",
        max_minutes: float = 30.0,
        max_transfers: int = DEFAULT_MAX_TRANSFERS,
    ) -> TransitReach:
        """Index (place_id, lat, lon) places for the service day and time of `when` (arrive by it,
        or leave at it); places too far from any street are listed in .skipped."""
        day, time_s = router.clock_of(when)
        index = cls(router, kind, day, time_s, max_minutes, max_transfers)
        index._add(list(places))
        return index

    def _add(self, rows: list[tuple[PlaceId, float, float]]) -> None:
        ids = [row[0] for row in rows]
        if len(set(ids)) != len(ids):
            raise ValueError("Each place id may appear only once; remove the duplicates.")
        snapped = self.walk.snap_many([(row[1], row[2]) for row in rows], strict=False)
        for b in np.flatnonzero(~snapped.ok).tolist():
            self.skipped[ids[b]] = str(
                PointTooFarError(
                    rows[b][1], rows[b][2], float(snapped.dist_m[b]), self.walk.settings.max_snap_m, "walk"
                )
            )
        good = np.flatnonzero(snapped.ok)
        self.ids = [ids[b] for b in good.tolist()]
        self.places = subset_points(snapped, good)
        if self.kind == "arrive_by":
            self._index_arrive_by()
        else:
            egress = self.router.egress(self.places, self.max_s)
            stop, place = np.nonzero(np.isfinite(egress))
            self.egress_stop, self.egress_place, self.egress_s = stop, place, egress[stop, place]
        self._prepare()

    def _prepare(self) -> None:
        """What queries need besides the saved arrays."""
        self._by_chain(self.places, "place")
        self._by_chain(self.router.points, "point")
        if self.kind == "depart_at":
            self.place_heads = self.walk._heads_in(self.places)
            self._point_heads_cache = self.walk._heads_in(self.router.points)

    def _by_chain(self, points: SnappedPoints, name: str) -> None:
        chain = self.walk.seg_chain[points.seg]
        groups: dict[int, list[int]] = {}
        for i, c in enumerate(chain.tolist()):
            groups.setdefault(c, []).append(i)
        setattr(self, f"_{name}_by_chain", groups)

    def __len__(self) -> int:
        return len(self.ids)

    # ----- arrive by --------------------------------------------------------------------------

    def _node_costs(self, arrive_by_s: float, budget_s: float, consume) -> np.ndarray:  # noqa: ANN001
        """Per place, arrive_by_s minus the latest departure from every junction (see the module
        docstring), batch by batch to consume(slice, times); returns the stop costs (places, stops)."""
        r = self.router
        view = r.timetable.day_view(self.day, arrive_by_s - budget_s, arrive_by_s)
        egress = r.egress(self.places, budget_s)
        latest = r.latest_departures(view, egress, arrive_by_s, arrive_by_s - budget_s, self.max_transfers)
        heads, costs = r.place_seeds(latest, arrive_by_s, self.places)
        multi_source_search(
            self.walk.csr_t,
            heads,
            costs,
            budget_s + TIME_TOLERANCE_S,
            workers=self.walk.workers,
            consume=consume,
        )
        with np.errstate(invalid="ignore"):
            return np.where(latest > -INF, arrive_by_s - latest.astype(np.float64), np.inf)

    def _index_arrive_by(self) -> None:
        n_states = self.walk.state_count
        nodes: list[np.ndarray] = [np.empty(0, dtype=np.int32)] * len(self.ids)
        times: list[np.ndarray] = [np.empty(0, dtype=np.float32)] * len(self.ids)
        limit = self.max_s + TOLERANCE_S

        def keep(part: slice, block: np.ndarray) -> None:
            for k, row in zip(range(part.start, part.stop), block, strict=True):
                within = np.flatnonzero(row <= limit).astype(np.int32)
                nodes[k] = within
                times[k] = row[within].astype(np.float32)

        stop_cost = self._node_costs(self.time_s, self.max_s, keep)
        sizes = np.asarray([len(n) for n in nodes], dtype=np.int64)
        all_nodes = np.concatenate(nodes) if nodes else np.empty(0, dtype=np.int32)
        all_times = np.concatenate(times) if times else np.empty(0, dtype=np.float32)
        place = np.repeat(np.arange(len(self.ids), dtype=np.int32), sizes)
        order = np.argsort(all_nodes, kind="stable")
        self.ptr = np.zeros(n_states + 1, dtype=np.int64)
        np.cumsum(np.bincount(all_nodes, minlength=n_states), out=self.ptr[1:])
        self.row_place = place[order]
        self.row_time = all_times[order]
        # From each stop's street point, the places it leads to in time, for origins on its street.
        r = self.router
        point_cost = stop_cost[:, r.point_stop] + r.point_in[None, :]
        q, p = np.nonzero(point_cost.T <= limit)
        self.point_ptr, self.point_place, self.point_cost = _group_rows(
            q, p, point_cost.T[q, p], len(r.point_stop)
        )

    # ----- queries ----------------------------------------------------------------------------

    def times_from(self, lat: float, lon: float) -> dict[PlaceId, float]:
        """Seconds from a point to every place within max_minutes."""
        positions, seconds = self._times_from(lat, lon, self.max_s)
        return {self.ids[i]: float(t) for i, t in zip(positions.tolist(), seconds.tolist(), strict=True)}

    def reachable(self, lat: float, lon: float, within_s: float | None = None) -> list[ReachablePlace]:
        """Places reachable from (lat, lon) within within_s seconds (default: max_minutes), nearest first."""
        within = self.max_s if within_s is None else float(within_s)
        if within > self.max_s + TOLERANCE_S:
            raise CutoffTooLargeError(
                f"This index knows journeys up to {self.max_minutes:g} minutes, not {within / 60:g}; "
                "ask for less or build it with a larger max_minutes."
            )
        positions, seconds = self._times_from(lat, lon, within)
        order = np.argsort(seconds, kind="stable")
        return [
            ReachablePlace(self.ids[i], t)
            for i, t in zip(positions[order].tolist(), seconds[order].tolist(), strict=True)
        ]

    def _times_from(self, lat: float, lon: float, within_s: float) -> tuple[np.ndarray, np.ndarray]:
        origin = self.walk.snap_many([(lat, lon)])
        if self.kind == "arrive_by":
            best = self._arrive_by_times(origin)
        else:
            best = self._depart_at_times(origin)
        positions = np.flatnonzero(best <= within_s + TOLERANCE_S)
        return positions, best[positions]

    def _direct(self, origin: SnappedPoints, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(index, seconds) of the places or stop points on the origin's street, walked straight along it."""
        chain = int(self.walk.seg_chain[origin.seg[0]])
        near = getattr(self, f"_{name}_by_chain").get(chain)
        if not near:
            return np.empty(0, dtype=np.int64), np.empty(0)
        candidates = np.asarray(near, dtype=np.int64)
        points = self.places if name == "place" else self.router.points
        _, di, direct = self.walk.direct_trips(origin, subset_points(points, candidates))
        return candidates[di], direct

    def _arrive_by_times(self, origin: SnappedPoints) -> np.ndarray:
        best = np.full(len(self.ids), np.inf)
        heads, costs = self.walk._heads_out(origin)
        for head, cost in zip(heads[0].tolist(), costs[0].tolist(), strict=True):
            if math.isfinite(cost):
                lo, hi = int(self.ptr[head]), int(self.ptr[head + 1])
                place = self.row_place[lo:hi]
                best[place] = np.minimum(best[place], cost + self.row_time[lo:hi].astype(np.float64))
        places, direct = self._direct(origin, "place")
        np.minimum.at(best, places, direct)
        points, direct = self._direct(origin, "point")
        ptr, place, cost = self.point_ptr, self.point_place, self.point_cost
        for q, seconds in zip(points.tolist(), direct.tolist(), strict=True):
            rows = slice(int(ptr[q]), int(ptr[q + 1]))
            np.minimum.at(best, place[rows], seconds + cost[rows])
        return best

    def _depart_at_times(self, origin: SnappedPoints) -> np.ndarray:
        r = self.router
        t0 = self.time_s
        state_times = self.walk.state_times_from(origin, self.max_s)[0]
        heads, costs = self.place_heads
        walked = np.min(state_times[heads] + costs, axis=1)
        places, direct = self._direct(origin, "place")
        np.minimum.at(walked, places, direct)
        point_heads, point_costs = self._point_heads()
        point_walk = np.min(state_times[point_heads] + point_costs, axis=1)
        points, direct = self._direct(origin, "point")
        np.minimum.at(point_walk, points, direct)
        access = r._per_stop(point_walk, r.point_in)
        access[~(access <= self.max_s)] = np.inf
        view = r.timetable.day_view(self.day, t0, t0 + self.max_s)
        arrival = r.earliest_arrivals(view, access, t0, t0 + self.max_s, self.max_transfers)[0][-1]
        stop, place, egress = self.egress_stop, self.egress_place, self.egress_s
        reached = arrival[stop] < INF
        best = walked.copy()
        np.minimum.at(best, place[reached], arrival[stop[reached]] + egress[reached] - t0)
        best[best > self.max_s + TIME_TOLERANCE_S] = np.inf
        return best

    def _point_heads(self) -> tuple[np.ndarray, np.ndarray]:
        return self._point_heads_cache

    # ----- coverage ---------------------------------------------------------------------------

    def covered_nodes(self, within_s: float | None = None) -> np.ndarray:
        """Boolean mask over walk-graph junctions from which some place is reachable within within_s."""
        within = self.max_s if within_s is None else float(within_s)
        if within > self.max_s + TOLERANCE_S:
            raise CutoffTooLargeError(
                f"This index knows journeys up to {self.max_minutes:g} minutes; ask for less."
            )
        mask = np.zeros(self.walk.node_count, dtype=bool)
        if self.kind == "arrive_by":
            counts = np.diff(self.ptr)
            state = np.repeat(np.arange(len(counts)), counts)
            mask[state[self.row_time <= within + TOLERANCE_S]] = True
            return mask
        key = round(within, 3)
        if key not in self._covered:
            found = np.zeros(self.walk.node_count, dtype=bool)

            def keep(part: slice, block: np.ndarray) -> None:
                found[np.any(block <= within + TOLERANCE_S, axis=0)] = True

            self._node_costs(self.time_s + within, within, keep)
            self._covered[key] = found
        return self._covered[key].copy()

    # ----- persistence -------------------------------------------------------------------------

    def _identity(self) -> str:
        return f"{self.router.timetable.fingerprint}|{self.walk.fingerprint}"

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the index to a .npz file (atomically); place ids must be all ints or all strings."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if all(isinstance(i, int | np.integer) for i in self.ids):
            ids, id_kind = np.asarray(self.ids, dtype=np.int64), "int"
        elif all(isinstance(i, str) for i in self.ids):
            ids, id_kind = np.asarray(self.ids, dtype=np.str_), "str"
        else:
            raise TypeError("Only integer or string place ids can be saved; convert the ids before saving.")
        meta = {
            "format": REACH_FORMAT_VERSION,
            "identity": self._identity(),
            "kind": self.kind,
            "requested": self.day.requested.isoformat(),
            "time_s": self.time_s,
            "max_minutes": self.max_minutes,
            "max_transfers": self.max_transfers,
            "id_kind": id_kind,
            "skipped": {str(k): v for k, v in self.skipped.items()},
        }
        payload = {"meta": np.array(json.dumps(meta)), "ids": ids}
        for field in ("lat", "lon", "seg", "frac", "dist_m"):
            payload[f"place_{field}"] = np.asarray(getattr(self.places, field))
        for name in _SAVED[self.kind]:
            payload[name] = getattr(self, name)
        save_npz(path, payload)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str], router: TransitRouter) -> TransitReach:
        """Read an index written by save(); StaleIndexError if the timetable or the walk graph changed."""
        with np.load(Path(path), allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            identity = f"{router.timetable.fingerprint}|{router.walk.fingerprint}"
            if meta.get("format") != REACH_FORMAT_VERSION or meta.get("identity") != identity:
                raise StaleIndexError(
                    f"The transit index {path} was built for another timetable or street graph; "
                    "rebuild it with TransitReach.build()."
                )
            day = router.timetable.service_day(dt.date.fromisoformat(meta["requested"]))
            index = cls(router, meta["kind"], day, meta["time_s"], meta["max_minutes"], meta["max_transfers"])
            index.ids = data["ids"].tolist()
            index.skipped = dict(meta["skipped"])
            fields = [data[f"place_{f}"] for f in ("lat", "lon", "seg", "frac", "dist_m")]
            index.places = SnappedPoints(*fields, np.ones(len(index.ids), dtype=bool))
            for name in _SAVED[index.kind]:
                setattr(index, name, data[name])
        index._prepare()
        return index


def _group_rows(
    rows: np.ndarray, values: np.ndarray, costs: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.argsort(rows, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=ptr[1:])
    return ptr, values[order].astype(np.int64), costs[order].astype(np.float64)
