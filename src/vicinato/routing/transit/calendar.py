"""Service calendars of GTFS feeds: which services run on which dates, and the date used for a query."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .csvfile import Archive, Chunk, TableReader
from .errors import GTFSError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass
class Services:
    """Service ids and, for each, the dates it runs on: days[service, d] for the date first + d."""

    ids: list[str]
    first: dt.date
    days: np.ndarray  # bool (services, dates)

    @property
    def last(self) -> dt.date:
        return self.first + dt.timedelta(days=self.days.shape[1] - 1)


def _dates(chunk: Chunk, column: str) -> np.ndarray:
    """Ordinals of YYYYMMDD dates; a bad one is a GTFSError naming its line."""
    values = chunk.values(column)
    out = np.empty(len(values), dtype=np.int64)
    for row, value in enumerate(values):
        text = value.strip()
        try:
            if len(text) != 8 or not text.isdigit():
                raise ValueError
            out[row] = dt.date(int(text[:4]), int(text[4:6]), int(text[6:])).toordinal()
        except ValueError:
            raise chunk.error(
                row, f"the {column} {text!r} is not a date", "write dates as YYYYMMDD"
            ) from None
    return out


def read_services(archive: Archive) -> Services:
    """calendar.txt (weekly patterns between two dates) and calendar_dates.txt (dates added or removed)."""
    if not (archive.has("calendar.txt") or archive.has("calendar_dates.txt")):
        archive.require("calendar.txt", "or calendar_dates.txt: the dates each service runs")
    ids: dict[str, int] = {}
    weekly: list[tuple[int, np.ndarray, int, int]] = []  # service, weekdays, start, end
    if archive.has("calendar.txt"):
        table = TableReader(archive, "calendar.txt", ("service_id", *WEEKDAYS, "start_date", "end_date"))
        rows = table.rows()
        flags = np.column_stack([rows.ints(day, 0, 0, 1) for day in WEEKDAYS]) if len(rows) else None
        start, end = _dates(rows, "start_date"), _dates(rows, "end_date")
        for row, service in enumerate(rows.values("service_id")):
            if service in ids:
                raise rows.error(row, f"the service_id {service!r} appears twice", "keep one row per service")
            if end[row] < start[row]:
                raise rows.error(row, "the end_date is before the start_date", "swap or correct the dates")
            ids[service] = len(ids)
            assert flags is not None
            weekly.append((ids[service], flags[row].astype(bool), int(start[row]), int(end[row])))
    exceptions: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    if archive.has("calendar_dates.txt"):
        table = TableReader(archive, "calendar_dates.txt", ("service_id", "date", "exception_type"))
        rows = table.rows()
        kind = rows.ints("exception_type", -1, 1, 2)
        if (kind < 0).any():
            row = int(np.flatnonzero(kind < 0)[0])
            raise rows.error(
                row, "the exception_type is empty", "write 1 (service added) or 2 (service removed)"
            )
        service = np.fromiter(
            (ids.setdefault(s, len(ids)) for s in rows.values("service_id")), dtype=np.int64
        )
        exceptions = (service, _dates(rows, "date"), kind)
    ordinals = [o for _, _, s, e in weekly for o in (s, e)]
    if exceptions is not None and len(exceptions[1]):
        ordinals += [int(exceptions[1].min()), int(exceptions[1].max())]
    if not ordinals:
        raise GTFSError(
            archive.feed_id,
            "calendar.txt",
            None,
            "no service runs on any date",
            "give calendar.txt or calendar_dates.txt the dates of the services",
        )
    first, last = min(ordinals), max(ordinals)
    days = np.zeros((len(ids), last - first + 1), dtype=bool)
    weekday_of = (np.arange(first, last + 1) + 6) % 7  # date.weekday() of each ordinal
    for service, flags, start, end in weekly:
        span = slice(start - first, end - first + 1)
        days[service, span] = flags[weekday_of[span]]
    if exceptions is not None:
        service, date, kind = exceptions
        days[service, date - first] = kind == 1
    return Services(list(ids), dt.date.fromordinal(first), days)


@dataclass(frozen=True)
class ServiceDay:
    """The date a query asked for and, per feed, the date whose timetable answers it.

    A date the feed does not cover is answered with the same weekday inside the feed's period (the
    one with the most trips; the nearest of those to the date asked for), and `fallback` says so.
    """

    requested: dt.date
    dates: tuple[dt.date, ...]
    feeds: tuple[str, ...]

    @property
    def fallback(self) -> bool:
        return any(d != self.requested for d in self.dates)

    @property
    def date(self) -> dt.date:
        """The date used (the first feed's, when several feeds fell back differently)."""
        return self.dates[0] if self.dates else self.requested

    def to_dict(self) -> dict[str, object]:
        return {
            "requested_date": self.requested.isoformat(),
            "service_date": self.date.isoformat(),
            "fallback": self.fallback,
            "service_dates": {f: d.isoformat() for f, d in zip(self.feeds, self.dates, strict=True)},
        }


def fallback_date(requested: dt.date, first: dt.date, trips_per_day: np.ndarray) -> dt.date:
    """`requested` if a feed running from `first` (trips_per_day[d] trips on first + d) covers it,
    else the same weekday inside the period with the most trips, the nearest such date on ties."""
    last = first + dt.timedelta(days=len(trips_per_day) - 1)
    if first <= requested <= last:
        return requested
    offsets = np.arange(len(trips_per_day))
    same = offsets[(first.weekday() + offsets) % 7 == requested.weekday()]
    if len(same) == 0:  # a feed shorter than a week without that weekday: its busiest day
        same = offsets
    busiest = same[trips_per_day[same] == trips_per_day[same].max()]
    distance = np.abs(busiest + first.toordinal() - requested.toordinal())
    return first + dt.timedelta(days=int(busiest[np.argmin(distance)]))
