"""Settings of the public-transport engine: how far people walk to change vehicles, and how long a change takes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

# Bumped whenever the rules that build timetables change, so that old caches are rebuilt.
TIMETABLE_RULES_VERSION = 1


@dataclass(frozen=True)
class TransitSettings:
    """Every field shapes the timetable arrays, and so is part of their cache key.

    Walking speed is the walk mode's (RoutingSettings.walk_speed_kmh), through the walk graph.
    """

    # Stops linked by a walk on the streets of at most this many seconds are transfer pairs.
    max_transfer_walk_s: float = 600.0
    # Seconds needed to change vehicles at the same stop, unless transfers.txt says otherwise.
    same_stop_transfer_s: int = 60
    # The summary lists stops farther than this from any street of the walk graph.
    far_stop_m: float = 500.0

    def __post_init__(self) -> None:
        if not self.max_transfer_walk_s >= 0:
            raise ValueError(
                f"max_transfer_walk_s must be 0 or more seconds, not {self.max_transfer_walk_s!r}."
            )
        if not self.same_stop_transfer_s >= 0:
            raise ValueError(
                f"same_stop_transfer_s must be 0 or more seconds, not {self.same_stop_transfer_s!r}."
            )
        if not self.far_stop_m > 0:
            raise ValueError(f"far_stop_m must be a positive distance in metres, not {self.far_stop_m!r}.")

    def key(self) -> str:
        payload = json.dumps({"rules": TIMETABLE_RULES_VERSION, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    def to_dict(self) -> dict[str, object]:
        return asdict(self)
