"""Two real processes on one database, each with its own data folder (as two servers): a place listed and
withdrawn, and a network imported, by one are used by the other's searches without a restart. The delays are
the benchmark's (benchmarks/networks_propagation.py), not asserted here."""

import json
import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "networks_propagation.py"


def test_a_change_committed_by_one_process_reaches_another_without_a_restart():
    done = subprocess.run(
        [sys.executable, str(BENCHMARK), "--rounds", "1"], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    delays = json.loads(done.stdout)["delays"]
    assert set(delays) == {"place_listed", "place_withdrawn", "network_imported"}
    assert all(len(figure["each_s"]) >= 1 for figure in delays.values())
