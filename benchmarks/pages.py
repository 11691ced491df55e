"""Benchmark: server time of the public pages on the demo city, served by gunicorn on loopback.

Run: .venv/bin/python benchmarks/pages.py [--duration 30] [--clients 1] [--workers 2]

Target (issue 5): server time p95 under 100 ms for the search and place pages. Server time is the time to the
full response measured by the client on loopback (the page's HTML only: no assets). The pages, each in Italian
and in English: home, the register list without and with filters, the nearby search from coordinates and from a
street name, the coverage by neighbourhood, and 20 random place pages (counted together as "place"); with
--htmx also the partial answers the search forms get when htmx updates the results in place.

`--clients` connections go round the pages for `--duration` seconds, each page name as often as the 20 place pages
together (1 client: one page at a time, the server time itself; more: the time under load). It prints one JSON
document with p50/p95/max per page (ms) and, with one client, the server's mean CPU time per page
(`server_cpu_mean`, from /proc: unlike the time to answer, it does not grow when other programs share the cores).
It exits non-zero with one line on stderr when gunicorn, the demo data or a page is missing.
The demo city lives in its own data folder (`--data-dir`, default var/bench-speed), built when missing.
"""

from __future__ import annotations

import http.client
import json
import random
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _serve  # noqa: E402

# The defaults of the options every server benchmark takes (_serve.arguments): one client, gthread workers.
SERVER = {
    "duration": (30, "seconds of measuring"),
    "clients": 1,
    "threads": (2, "threads per worker (gthread workers)"),
}
TARGET_P95_MS = 100
SEARCH_PAGES = {
    "register",
    "register_filtered",
    "register_search",
    "nearby_point",
    "nearby_street",
    "coverage",
}


def pages(base: str, places: int, htmx: bool) -> list[tuple[str, str, dict]]:
    """(name, path, headers) of every page measured, in both languages."""
    with urllib.request.urlopen(f"{base}/opendata/places.json", timeout=30) as response:
        ids = [p["id"] for p in json.load(response)["places"]]
    if not ids:
        _serve.fail("the demo city has no listed place; run `vicinato demo` on the data folder.")
    chosen = random.Random(5).sample(ids, min(places, len(ids)))
    common = [
        ("home", "", {}),
        ("register", "registro/", {}),
        ("register_filtered", "registro/?kind=coworking&amenity=broadband&amenity=printer", {}),
        ("register_search", "registro/?q=via&open_now=on&page=1", {}),
        ("nearby_point", "vicino-a-te/?lat=45.4655&lon=9.1885&mode=walk&minutes=15", {}),
        ("nearby_street", "vicino-a-te/?address=Via+Padova+21&mode=bike&minutes=15", {}),
        ("coverage", "copertura/?mode=walk&minutes=15", {}),
        *[("place", f"luoghi/{public_id}/", {}) for public_id in chosen],
    ]
    if htmx:
        partial = {"HX-Request": "true"}
        common += [
            ("register_filtered_htmx", "registro/?kind=coworking&amenity=broadband&amenity=printer", partial),
            ("nearby_point_htmx", "vicino-a-te/?lat=45.4655&lon=9.1885&mode=walk&minutes=15", partial),
        ]
    return [
        (f"{name} {language}", f"/{prefix}{path}", headers)
        for language, prefix in (("it", ""), ("en", "en/"))
        for name, path, headers in common
    ]


def schedule(listing: list[tuple[str, str, dict]]) -> list[tuple[str, str, dict]]:
    """The order the clients go round: every page name as often as the place pages together (shuffled)."""
    places = sum(1 for name, _p, _h in listing if name.startswith("place "))
    order = [
        page for page in listing for _ in range(1 if page[0].startswith("place ") else max(1, places // 2))
    ]
    random.Random(6).shuffle(order)
    return order


def check(base: str, listing: list[tuple[str, str, dict]]) -> None:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    for name, path, headers in listing:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            _serve.fail(f"page {name} ({path}) answered {response.status}, not 200.")


def measure(server: _serve.Server, order: list[tuple[str, str, dict]], clients: int, seconds: float) -> dict:
    """Time to the full answer per page; with one client also the server's CPU time per page (the machine may be
    shared: CPU time does not grow when other programs take turns on the cores, the time to answer does)."""
    host, port = server.base.removeprefix("http://").split(":")
    times: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, float] = defaultdict(float)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    pids = server.pids()

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
        i = offset
        while time.perf_counter() < stop:
            name, path, headers = order[i % len(order)]
            i += 1
            cpu_before = server.cpu_seconds(pids) if clients == 1 else 0.0
            start = time.perf_counter()
            ok, connection = _serve.get_or_reconnect(connection, path, headers)
            elapsed = (time.perf_counter() - start) * 1000
            used = server.cpu_seconds(pids) - cpu_before if clients == 1 else 0.0
            with lock:
                times[name].append(elapsed)
                cpu[name] += used
                errors[name] += not ok

    _serve.run_together([lambda n=n: client(n * len(order) // clients) for n in range(clients)])
    results = {}
    for name, t in sorted(times.items()):
        results[name] = {"requests": len(t), "errors": errors[name], **_serve.summary(t)}
        if clients == 1:
            results[name]["server_cpu_mean"] = round(1000 * cpu[name] / len(t), 1)
    return results


def main() -> None:
    parser = _serve.arguments("pages benchmark", __doc__, SERVER)
    parser.add_argument("--places", type=int, default=20, help="random place pages")
    parser.add_argument("--htmx", action="store_true", help="also the partial answers to htmx requests")
    args = parser.parse_args()

    env = _serve.demo_env(args.data_dir, args.setup)
    load_start = _serve.load()
    server = _serve.Server(env, args.workers, args.threads)
    try:
        server.wait("/")
        listing = pages(server.base, args.places, args.htmx)
        for _ in range(args.workers * args.threads):  # warm every worker's caches
            check(server.base, listing)
        cpu_before = server.cpu_seconds()
        results = measure(server, schedule(listing), args.clients, args.duration)
        cpu = server.cpu_seconds() - cpu_before
    finally:
        server.stop()
    requests = sum(r["requests"] for r in results.values())
    worst = max(
        (r["p95"] for name, r in results.items() if name.split()[0] in SEARCH_PAGES | {"place"}), default=None
    )
    print(
        json.dumps(
            {
                "benchmark": "pages",
                "clients": args.clients,
                "duration_s": args.duration,
                "requests": requests,
                "server_cpu_ms_per_request": round(1000 * cpu / requests, 2) if requests else None,
                "pages_ms": results,
                "target": {
                    "p95_ms": TARGET_P95_MS,
                    "worst_search_or_place_p95_ms": worst,
                    "met": worst < 100,
                },
                **_serve.machine(server, load_start),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
