"""Journeys by public transport as plain dataclasses: legs on foot and on board, ready for JSON.

Times are seconds on the clock of the service date (GTFS style: 25:10 is 01:10 the next morning);
to_dict() also writes them as "HH:MM" and as local ISO date-times.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field

from .calendar import ServiceDay


def clock(seconds: float) -> str:
    """HH:MM of a time of the service day, rounded to the minute; a time past midnight reads 00:15."""
    minutes = int(math.floor(seconds / 60 + 0.5))
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def local_time(date: dt.date, seconds: float) -> str:
    """ISO date-time (local, seconds rounded) of a time of the service day `date`."""
    moment = dt.datetime.combine(date, dt.time()) + dt.timedelta(seconds=round(seconds))
    return moment.isoformat()


@dataclass(frozen=True)
class WalkLeg:
    """A walk: from the origin to a stop (access), between stops (transfer), from a stop to the
    destination (egress), or the whole way (direct)."""

    purpose: str  # "access", "transfer", "egress", "direct"
    from_name: str
    to_name: str
    from_stop_id: str | None
    to_stop_id: str | None
    departs_s: float
    arrives_s: float

    kind: str = field(default="walk", init=False)

    @property
    def seconds(self) -> float:
        return self.arrives_s - self.departs_s


@dataclass(frozen=True)
class RideLeg:
    """A ride on one trip: line `line` (route short name) of mode `mode`, towards `headsign`."""

    line: str
    mode: str
    route_id: str
    route_name: str
    route_color: str
    trip_id: str
    headsign: str
    from_stop_id: str
    from_name: str
    to_stop_id: str
    to_name: str
    departs_s: int
    arrives_s: int
    stops: int  # how many stops the ride travels (1: the next stop)
    service_date: dt.date  # the date the trip belongs to (the day before, for a trip past midnight)

    kind: str = field(default="ride", init=False)

    @property
    def seconds(self) -> int:
        return self.arrives_s - self.departs_s


Leg = WalkLeg | RideLeg


@dataclass(frozen=True)
class Itinerary:
    """One journey: its legs in order, when it leaves and arrives, and how many vehicles it takes."""

    service_day: ServiceDay
    legs: tuple[Leg, ...]

    @property
    def departs_s(self) -> float:
        return self.legs[0].departs_s

    @property
    def arrives_s(self) -> float:
        return self.legs[-1].arrives_s

    @property
    def seconds(self) -> float:
        return self.arrives_s - self.departs_s

    @property
    def rides(self) -> int:
        return sum(1 for leg in self.legs if isinstance(leg, RideLeg))

    @property
    def transfers(self) -> int:
        return max(0, self.rides - 1)

    @property
    def walk_seconds(self) -> float:
        return sum(leg.seconds for leg in self.legs if isinstance(leg, WalkLeg))

    def describe(self) -> list[str]:
        """One line per leg, as a person reads a journey (English; the web layer translates)."""
        lines = []
        for leg in self.legs:
            minutes = max(1, round(leg.seconds / 60)) if leg.seconds > 0 else 0
            if isinstance(leg, RideLeg):
                lines.append(
                    f"{leg.mode} {leg.line} towards {leg.headsign} from {leg.from_name} to {leg.to_name}, "
                    f"departs {clock(leg.departs_s)}, arrives {clock(leg.arrives_s)}"
                )
            else:
                lines.append(f"walk to {leg.to_name} ({minutes} min)")
        return lines

    def to_dict(self) -> dict[str, object]:
        date = self.service_day.date
        legs = []
        for leg in self.legs:
            data = asdict(leg)
            if isinstance(leg, RideLeg):
                data["service_date"] = leg.service_date.isoformat()
            data["seconds"] = leg.seconds
            data["departs"] = clock(leg.departs_s)
            data["arrives"] = clock(leg.arrives_s)
            data["departs_at"] = local_time(date, leg.departs_s)
            data["arrives_at"] = local_time(date, leg.arrives_s)
            legs.append(data)
        return {
            **self.service_day.to_dict(),
            "departs": clock(self.departs_s),
            "arrives": clock(self.arrives_s),
            "departs_at": local_time(date, self.departs_s),
            "arrives_at": local_time(date, self.arrives_s),
            "seconds": self.seconds,
            "rides": self.rides,
            "transfers": self.transfers,
            "walk_seconds": self.walk_seconds,
            "legs": legs,
        }


@dataclass(frozen=True)
class Journey:
    """The answer to one query: the best itinerary (None when nothing arrives within the time
    allowed) and the service day that answered it."""

    service_day: ServiceDay
    itinerary: Itinerary | None

    @property
    def found(self) -> bool:
        return self.itinerary is not None

    def to_dict(self) -> dict[str, object]:
        return {
            **self.service_day.to_dict(),
            "itinerary": self.itinerary.to_dict() if self.itinerary is not None else None,
        }


@dataclass(frozen=True)
class Option:
    """One departure of a range query: leave at departs_s, arrive at arrives_s (Pareto-optimal:
    no other option leaves later and arrives earlier or at the same time)."""

    departs_s: float
    arrives_s: float

    @property
    def seconds(self) -> float:
        return self.arrives_s - self.departs_s

    def to_dict(self) -> dict[str, object]:
        return {"departs": clock(self.departs_s), "arrives": clock(self.arrives_s), **asdict(self)}
