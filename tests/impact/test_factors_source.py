"""Each emission factors file says whether its figures were checked against ISPRA's own tables, and how.

A file marked verified carries the source's table as transcribed (address, table, year, date checked) and its
figures must be that table's; a file not verified says so in its note and records each attempt to check it
(what was tried, when, and what came of it), so that no figure passes for ISPRA's without its source."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from vicinato.impact import factors

FILES = sorted(factors.DATA.glob("factors-*.json"))
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_the_file_records_its_check_against_the_source(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    check = data["verification"]
    assert check["status"] in {"verified", "unverified"}
    assert DAY.match(check["checked"])
    if check["status"] == "verified":
        source = check["source_table"]
        assert (
            source["url"].startswith("https://") and source["table"] and int(source["year"]) == data["year"]
        )
        assert DAY.match(source["checked"])
        # Every factor of the file is the source's figure for its category, as transcribed with its citation
        # (per vehicle-km; a passenger's share divides it by the file's occupancy).
        for mode, row in source["rows"].items():
            share = data["occupancy"].get(mode, 1) if mode == "car_passenger" else 1
            for pollutant in factors.POLLUTANTS:
                assert data["factors"][mode][pollutant] == pytest.approx(row[pollutant] / share, rel=1e-9)
    else:
        assert "verif" in data["note"].lower() and "not verified" in check["summary"].lower()
        assert check["attempts"], "an unverified file lists what was tried to verify it"
        for attempt in check["attempts"]:
            assert DAY.match(attempt["date"]) and attempt["what"] and attempt["result"]
