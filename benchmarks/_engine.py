"""What the engine's benchmarks (benchmarks/routing.py, benchmarks/transit.py and benchmarks/planning.py) share:
the steps told on stderr with the load average, the runs in a fresh interpreter whose time and peak memory are
their own, random points on the streets, and the venvs of the reference tools they compare with."""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

LOAD_SEEN: list[float] = []


def say(message: str) -> None:
    # The 1-minute load average at each step goes into the JSON: on a shared 2-core machine,
    # anything else running skews the timings.
    LOAD_SEEN.append(round(os.getloadavg()[0], 2))
    print(f"[{time.strftime('%H:%M:%S')}] {message} (load {LOAD_SEEN[-1]})", file=sys.stderr, flush=True)


def ensure_venv(
    venv: Path, base: str, packages: list[str], check: str, timeout_s: float, what: str
) -> tuple[Path | None, str]:
    """A reference tool's own venv (made once with the interpreter `base`, then reused): its python, with
    `packages` installed and the Python code `check` running in it, or None and the reason."""
    python = venv / "bin" / "python"
    probe = [str(python), "-c", check]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python, "reused"
    say(f"creating the {what} venv in {venv} with {base} (a few minutes, once)")
    for step in (
        [base, "-m", "venv", str(venv)],
        [str(python), "-m", "pip", "install", "--quiet", *packages],
    ):
        result = subprocess.run(step, capture_output=True, text=True, timeout=timeout_s)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["unknown error"]
            return None, f"{' '.join(step[-3:])} failed: {tail[0]}"
    if subprocess.run(probe, capture_output=True).returncode != 0:
        return None, f"{what} installed but `{check}` fails"
    return python, "created"


def finish(out: dict[str, Any], output: Path | None) -> int:
    """Print a benchmark's JSON document (and write it to `output`), with the load seen at each step."""
    out["machine"]["load_average_1min_at_each_step"] = LOAD_SEEN
    text = json.dumps(out, indent=2)
    print(text)
    if output:
        output.write_text(text + "\n")
    return 0


def max_rss_mb() -> float:
    """The process's ru_maxrss (for a spawned child, it also counts its parent's resident memory at the fork)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM belongs to the process's own memory map, while
    ru_maxrss of a spawned child also counts its parent's resident memory at the fork."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return max_rss_mb()


def _child_entry(connection: Any, target: Any, args: tuple[Any, ...], measure: Callable[[], float]) -> None:
    try:
        result = target(*args)
        result["peak_rss_mb"] = measure()
        connection.send(result)
    except Exception as error:  # reported, not raised, so the benchmark goes on
        connection.send({"error": f"{type(error).__name__}: {error}"})


def in_child(target: Any, *args: Any, measure: Callable[[], float] = peak_rss_mb) -> dict[str, Any]:
    """target(*args) -> dict in a fresh interpreter, so that its time and peak memory (`measure()`, in the
    child) are its own."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_child_entry, args=(child, target, args, measure))
    process.start()
    result = parent.recv()
    process.join()
    return result


def sample_on_streets(graph: Any, count: int, rng: np.random.Generator) -> np.ndarray:
    """(count, 2) lat/lon points on the streets of `graph` (a ModeGraph), uniform per metre of street."""
    length = graph.seg_len_m.astype(np.float64)
    seg = rng.choice(len(length), size=count, p=length / length.sum())
    frac = rng.random(count)
    lat, lon = graph.shape_lat, graph.shape_lon
    u, v = graph.seg_u[seg], graph.seg_v[seg]
    return np.column_stack([lat[u] + frac * (lat[v] - lat[u]), lon[u] + frac * (lon[v] - lon[u])])
