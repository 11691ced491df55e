"""OpenStreetMap tag helpers shared by the rules of every mode (osm.py, car.py)."""

from __future__ import annotations

from typing import Protocol

ONEWAY_YES = frozenset({"yes", "1", "true"})
ONEWAY_NO = frozenset({"no", "0", "false"})


class Tags(Protocol):
    """What the rules read of a way's or node's tags: a dict, or pyosmium's tag list."""

    def get(self, key: str, default: str | None = None) -> str | None: ...
