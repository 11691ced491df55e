"""The emission factors: a versioned data file per edition (`data/factors-*.json`), the newest by default.

Emissions are linear in the kilometres travelled by each mode, so a result keeps its signed kilometres by mode
(`BookingImpact.km_by_mode`) and the grams follow from any edition of the factors: recomputing after a change
of factors needs no routing (`emissions()` over arrays). Keys of `km_by_mode` are the factor keys: the road
modes (car_driver, car_passenger, motorbike, bike, walk) and the ride modes of public transport (bus, metro,
tram, rail; others through `aliases`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from django.conf import settings

DATA = Path(__file__).parent / "data"
POLLUTANTS = ("co2", "nox", "pm10")


@dataclass(frozen=True)
class Factors:
    version: str
    source: str
    source_url: str
    year: int
    licence: str
    note: str
    choices: dict[str, str]
    grams: dict[str, dict[str, float]]  # mode -> pollutant -> g per passenger-km
    aliases: dict[str, str] = field(default_factory=dict)
    occupancy: dict[str, float] = field(default_factory=dict)
    detour: dict[str, float] = field(default_factory=dict)

    def key(self, mode: str) -> str:
        """The factor key a mode counts under (a transit mode without its own factor: its alias)."""
        if mode in self.grams:
            return mode
        return self.aliases.get(mode, "bus")

    def per_km(self, mode: str) -> dict[str, float]:
        return self.grams[self.key(mode)]

    def emissions(self, km_by_mode: dict[str, float]) -> dict[str, float]:
        """Grams of each pollutant for kilometres by mode (signed kilometres give signed grams)."""
        totals = dict.fromkeys(POLLUTANTS, 0.0)
        for mode, km in km_by_mode.items():
            for pollutant, grams in self.per_km(mode).items():
                totals[pollutant] += grams * km
        return totals

    def emissions_arrays(self, km_by_mode: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """emissions() over arrays: {pollutant: grams per row} for {mode: km per row}."""
        n = len(next(iter(km_by_mode.values()))) if km_by_mode else 0
        totals = {p: np.zeros(n) for p in POLLUTANTS}
        for mode, km in km_by_mode.items():
            for pollutant, grams in self.per_km(mode).items():
                totals[pollutant] += grams * np.asarray(km, dtype=float)
        return totals

    def to_dict(self) -> dict:
        return {
            "version": self.version,
            "source": self.source,
            "source_url": self.source_url,
            "year": self.year,
            "licence": self.licence,
        }


def read(path: Path) -> Factors:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return Factors(
        version=data["version"],
        source=data["source"],
        source_url=data.get("source_url", ""),
        year=int(data["year"]),
        licence=data["licence"],
        note=data.get("note", ""),
        choices=data.get("choices", {}),
        grams={m: {p: float(v[p]) for p in POLLUTANTS} for m, v in data["factors"].items()},
        aliases=data.get("aliases", {}),
        occupancy=data.get("occupancy", {}),
        detour=data.get("detour", {}),
    )


@lru_cache(maxsize=8)
def _load(path: str) -> Factors:
    return read(Path(path))


@lru_cache(maxsize=1)
def _newest() -> str:
    return str(sorted(DATA.glob("factors-*.json"))[-1])


def current() -> Factors:
    """The edition in use: settings.IMPACT_FACTORS_FILE when set, else the newest file in data/."""
    chosen = getattr(settings, "IMPACT_FACTORS_FILE", None)
    return _load(str(chosen) if chosen else _newest())
