"""Benchmark: the nearby-search API (/api/v1/places/nearby) under 20 concurrent clients, served by gunicorn on loopback.

Run: .venv/bin/python benchmarks/nearby_api.py [--duration 20] [--clients 20] [--workers 2] [--worker-class sync]
     [--threads 1] [--rate 150] [--no-floor]

Targets: p95 under 30 ms with 20 concurrent clients on foot or by bike (issue 3), under 50 ms by public transport. It prints one JSON document with:
- closed_loop: `--clients` clients each sending its next search as soon as the last is answered (wrk when
  installed, `apt-get install wrk`; a Python client otherwise): requests per second and latency p50/p95/p99/max;
  a saturated closed loop measures mostly the queue, so mean latency ≈ clients / throughput;
- fixed_rate: searches sent at `--rate` per second (open loop, latency counted from when each was due): the
  latency one person sees when the server is busy but not saturated;
- floor: the same closed loop against a bare WSGI application (benchmarks/_floor.py: a fixed JSON answer of the
  same size, no Django, no search) under the same gunicorn settings: what the server, the client and the kernel
  alone cost on this machine, the best any endpoint could do;
- server CPU milliseconds per request, and the load average before each phase (the machine may be shared: repeat
  when it was busy).

gunicorn runs 2 sync workers by default: each takes the next connection from the one queue they share, so no
client waits behind a busy worker while another is free (gthread workers keep each connection on the worker that
accepted it; `--worker-class gthread --threads 2` measures that).

The searches go from random points on the demo city's street map (one of the first `--origins` points inside
45.44-45.50 N, 9.14-9.24 E that the API answers), by bike within 15 minutes unless --mode/--minutes say otherwise.
The demo city lives in its own data folder (`--data-dir`, default var/bench-speed), built when missing.
Exits non-zero with one line on stderr when gunicorn, the demo data or the server is missing.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _serve  # noqa: E402

# The defaults of the options every server benchmark takes (_serve.arguments): many clients, sync workers.
SERVER = {
    "duration": (20, "seconds of each phase"),
    "clients": 20,
    "threads": (1, "threads per worker (more than 1: gthread)"),
}
TARGET_P95_MS = {"walk": 30, "bike": 30, "transit": 50}


def origins(server: _serve.Server, count: int, mode: str, minutes: int) -> list[str]:
    """Paths of searches from random points that the API answers (200), so that every request does the work."""
    rng = random.Random(7)
    paths: list[str] = []
    for _ in range(count * 3):
        lat, lon = rng.uniform(45.44, 45.50), rng.uniform(9.14, 9.24)
        path = f"/api/v1/places/nearby?lat={lat:.5f}&lon={lon:.5f}&mode={mode}&minutes={minutes}"
        if _serve.status(server.base, path) == 200:
            paths.append(path)
        if len(paths) == count:
            break
    if len(paths) < count // 2:
        _serve.fail(f"only {len(paths)} of {count * 3} points got an answer; is the demo street map loaded?")
    return paths


def main() -> None:
    parser = _serve.arguments("nearby_api benchmark", __doc__, SERVER)
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument(
        "--rate", type=float, default=150, help="requests per second of the fixed-rate phase (0: skip)"
    )
    parser.add_argument(
        "--mode",
        default="bike",
        choices=["walk", "bike", "transit"],
        help="transit: walking and public transport, arriving by 09:00 on the next weekday (target p95 50 ms)",
    )
    parser.add_argument("--minutes", type=int, default=15)
    parser.add_argument("--origins", type=int, default=400, help="distinct points searched from")
    parser.add_argument("--client", choices=["wrk", "python"], default=_serve.default_client())
    parser.add_argument(
        "--floor",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the bare WSGI floor (benchmarks/_floor.py)",
    )
    args = parser.parse_args()

    env = _serve.demo_env(args.data_dir, args.setup)
    load_start = _serve.load()
    server = _serve.Server(env, args.workers, args.threads, args.worker_class)
    try:
        server.wait("/api/v1/registers")
        paths = origins(server, args.origins, args.mode, args.minutes)
        # Warm every worker: the street graphs, the index of places and the records are loaded once per process.
        _serve.closed_loop(server, paths, args.clients, min(5.0, args.duration), args.client)
        closed = _serve.closed_loop(server, paths, args.clients, args.duration, args.client)
        fixed = (
            _serve.fixed_rate(server, paths, args.rate, args.duration, args.clients)
            if args.rate > 0
            else None
        )
    finally:
        server.stop()
    floor = None
    if args.floor:
        bare = _serve.Server(env, args.workers, args.threads, args.worker_class, app="_floor:application")
        try:
            bare.wait("/")
            _serve.closed_loop(bare, paths, args.clients, min(5.0, args.duration), args.client)
            floor = _serve.closed_loop(bare, paths, args.clients, args.duration, args.client)
        finally:
            bare.stop()
    p95 = closed["latency_ms"]["p95"]
    print(
        json.dumps(
            {
                "benchmark": "nearby_api",
                "search": {"mode": args.mode, "minutes": args.minutes, "origins": len(paths)},
                "closed_loop": closed,
                "fixed_rate": fixed,
                "floor": floor,
                "target": {
                    "p95_ms": TARGET_P95_MS[args.mode],
                    "clients": args.clients,
                    "met": p95 is not None and p95 < 30,
                },
                **_serve.machine(server, load_start),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
