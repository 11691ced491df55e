"""Benchmark: latency of the nearby-search API under 20 concurrent clients, served by gunicorn on loopback.

Run: .venv/bin/python benchmarks/nearby_api.py [--clients 20] [--requests 3000]. Prints one JSON document.
Uses the demo city in a database of its own (var/bench-nearby.sqlite3), built if missing.
"""

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--path", default="/api/v1/places/nearby")
    args = parser.parse_args()

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{ROOT / 'var' / 'bench-nearby.sqlite3'}", "DEBUG": "0"}
    subprocess.run([BIN / "vicinato", "migrate", "-v0"], env=env, check=True)
    subprocess.run(
        [BIN / "vicinato", "demo", "--quiet-users"], env=env, check=True, stdout=subprocess.DEVNULL
    )
    port = free_port()
    server = subprocess.Popen(
        [
            BIN / "gunicorn",
            "vicinato.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(args.workers),
            "--preload",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/api/v1/registers", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        rng = random.Random(7)
        origins = [(rng.uniform(45.44, 45.50), rng.uniform(9.14, 9.24)) for _ in range(args.requests)]
        urls = [
            f"{base}{args.path}?lat={lat:.5f}&lon={lon:.5f}&mode={rng.choice(['walk', 'bike'])}&minutes=15"
            for lat, lon in origins
        ]
        for url in urls[:50]:  # warm every worker's caches
            urllib.request.urlopen(url).read()
        latencies: list[float] = []
        errors = 0
        lock = threading.Lock()
        queue = iter(urls)

        def client() -> None:
            nonlocal errors
            while True:
                with lock:
                    url = next(queue, None)
                if url is None:
                    return
                start = time.perf_counter()
                try:
                    with urllib.request.urlopen(url, timeout=10) as response:
                        response.read()
                        ok = response.status == 200
                except OSError:
                    ok = False
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(elapsed)
                    errors += not ok

        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
    latencies.sort()
    ms = [x * 1000 for x in latencies]
    print(
        json.dumps(
            {
                "benchmark": "nearby_api",
                "path": args.path,
                "clients": args.clients,
                "requests": len(ms),
                "gunicorn_workers": args.workers,
                "errors": errors,
                "requests_per_s": round(len(ms) / wall, 1),
                "latency_ms": {
                    "p50": round(statistics.median(ms), 2),
                    "p95": round(ms[int(0.95 * len(ms)) - 1], 2),
                    "p99": round(ms[int(0.99 * len(ms)) - 1], 2),
                    "max": round(ms[-1], 2),
                },
                "target_p95_ms": 30,
                "cpu_count": os.cpu_count(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
