"""An independent connection-scan algorithm (CSA) for the tests: plain Python, its own GTFS reading.

Same rules as the engine (see vicinato.routing.transit.router): walk to a stop (rounded up to the
second), ride, change at the same stop (settings' or transfers.txt's minimum time) or walk once to
another stop (walk-graph times within the transfer radius, rounded up), ride again, walk to the
destination; or walk the whole way. Trips of the day before run on the service day's clock
shifted by -24 h, those of the day after by +24 h. Frequencies are expanded into trips here too.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
import math
import zipfile
from collections import defaultdict
from pathlib import Path

EPS = 1e-6


def _seconds(text: str) -> int:
    h, m, s = (int(x) for x in text.strip().split(":"))
    return h * 3600 + m * 60 + s


class CSA:
    def __init__(self, feed: Path, feed_id: str, same_stop_s: int = 60) -> None:
        self.prefix = f"{feed_id}:"
        with zipfile.ZipFile(feed) as archive:

            def rows(name: str) -> list[dict[str, str]]:
                if name not in archive.namelist():
                    return []
                return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))

            self.runs: dict[str, set[dt.date]] = defaultdict(set)
            for row in rows("calendar.txt"):
                day = dt.datetime.strptime(row["start_date"], "%Y%m%d").date()
                end = dt.datetime.strptime(row["end_date"], "%Y%m%d").date()
                names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
                while day <= end:
                    if row[names[day.weekday()]] == "1":
                        self.runs[row["service_id"]].add(day)
                    day += dt.timedelta(days=1)
            for row in rows("calendar_dates.txt"):
                day = dt.datetime.strptime(row["date"], "%Y%m%d").date()
                if row["exception_type"] == "1":
                    self.runs[row["service_id"]].add(day)
                else:
                    self.runs[row["service_id"]].discard(day)
            self.service = {r["trip_id"]: r["service_id"] for r in rows("trips.txt")}
            times: dict[str, list[tuple[int, str, int, int, bool, bool]]] = defaultdict(list)
            for r in rows("stop_times.txt"):
                times[r["trip_id"]].append(
                    (
                        int(r["stop_sequence"]),
                        r["stop_id"],
                        _seconds(r["arrival_time"] or r["departure_time"]),
                        _seconds(r["departure_time"] or r["arrival_time"]),
                        r.get("pickup_type", "") != "1",
                        r.get("drop_off_type", "") != "1",
                    )
                )
            for stops in times.values():
                stops.sort()
            for r in rows("frequencies.txt"):
                template = times.pop(r["trip_id"])
                start = _seconds(r["start_time"])
                for k, leave in enumerate(range(start, _seconds(r["end_time"]), int(r["headway_secs"]))):
                    shift = leave - template[0][3]
                    trip = f"{r['trip_id']}#{k}"
                    self.service[trip] = self.service[r["trip_id"]]
                    times[trip] = [(q, s, a + shift, d + shift, b, o) for q, s, a, d, b, o in template]
            self.times = times
            self.same: dict[str, int] = defaultdict(lambda: same_stop_s)
            self.rules: dict[tuple[str, str], int | None] = {}
            for r in rows("transfers.txt"):
                pair = (r["from_stop_id"], r["to_stop_id"])
                if r["transfer_type"] == "3":
                    self.rules[pair] = None
                elif r["transfer_type"] == "2":
                    self.rules[pair] = int(r["min_transfer_time"])
            for (a, b), value in self.rules.items():
                if a == b:
                    self.same[a] = -1 if value is None else value

    def connections(self, date: dt.date) -> list[tuple[int, int, int, str, str, str, bool, bool]]:
        """(dep, arr, order, trip, from, to, board at from, alight at to) of the trips of the day
        before, the day and the day after, on the day's clock, sorted."""
        out = []
        for offset in (-1, 0, 1):
            day = date + dt.timedelta(days=offset)
            for trip, stops in self.times.items():
                if day not in self.runs.get(self.service[trip], ()):
                    continue
                shift = offset * 86400
                for i in range(len(stops) - 1):
                    a, b = stops[i], stops[i + 1]
                    out.append((a[3] + shift, b[2] + shift, i, f"{offset}/{trip}", a[1], b[1], a[4], b[5]))
        out.sort()
        return out

    def earliest_arrival(
        self,
        connections: list,
        t0: float,
        access: dict[str, float],
        egress: dict[str, float],
        footpaths: dict[str, list[tuple[str, int]]],
        walk_only: float,
        budget: float,
    ) -> float:
        """Earliest arrival at the destination leaving at t0 (inf if none within the budget)."""
        ready: dict[str, float] = defaultdict(lambda: math.inf)
        for stop, walk in access.items():
            ready[stop] = math.ceil(t0 + walk - EPS)
        on: set[str] = set()
        best = t0 + walk_only
        start = bisect.bisect_left(connections, (math.floor(t0),))
        for dep, arr, _, trip, frm, to, board, alight in connections[start:]:
            if dep > t0 + budget or dep >= best:
                break
            if trip in on or (board and ready[frm] <= dep):
                on.add(trip)
                if alight:
                    if to in egress:
                        best = min(best, arr + egress[to])
                    same = self.same[to]
                    if same >= 0:
                        ready[to] = min(ready[to], arr + same)
                    for other, seconds in footpaths.get(to, ()):
                        ready[other] = min(ready[other], arr + seconds)
        return best if best <= t0 + budget + EPS else math.inf

    def footpaths(self, stop_ids: list[str], walk_times, radius: float) -> dict[str, list[tuple[str, int]]]:  # noqa: ANN001
        """Walks between stops within the radius (walk_times[i, j], seconds), rounded up, with the
        feed's transfers.txt minimum times and forbidden pairs."""
        out: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for i, a in enumerate(stop_ids):
            for j, b in enumerate(stop_ids):
                if i == j:
                    continue
                rule = self.rules.get((a, b), -1)
                if rule is None:
                    continue
                if rule >= 0:
                    out[a].append((b, rule))
                elif walk_times[i, j] <= radius:
                    out[a].append((b, math.ceil(walk_times[i, j] - EPS)))
        return out
