"""How long a change committed by one process takes to reach another process's searches (target: under 2 s).

Two processes share one database and nothing else (each has its own data folder, as two servers would):
this script, the writer, lists and unlists a place near the Duomo (an application approved, then withdrawn)
and imports a small extract as the network of another municipality; a reader (this script with --reader, in
a subprocess) searches from the Duomo and from the other town every 20 ms and reports the instant it first
sees each change. The delay is from the writer's commit to the reader's first answer that shows it.

    .venv/bin/python benchmarks/networks_propagation.py [--rounds 5] [--database-url postgres://...]

Prints JSON: the delays in seconds by kind of change (each, median, max) and whether all are under 2 s.
SQLite (a file in a temporary folder) by default; with --database-url, that database is emptied and used.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DUOMO = (45.4642, 9.1900)
TOWN, TOWN_CENTRE = "108039", (45.6530, 9.2040)
TARGET_S = 2.0


def environment(data_dir: Path, database_url: str) -> dict:
    env = {
        **os.environ,
        "DEBUG": "1",
        "VICINATO_DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "vicinato.settings",
    }
    env.setdefault("SECRET_KEY", "benchmark-" + "x" * 40)
    for name in ("VICINATO_ROUTING_CACHE_DIR", "VICINATO_ROUTING_INDEX_DIR", "VICINATO_OSM_FILE"):
        env.pop(name, None)
    return env


def django_setup(env: dict) -> None:
    os.environ.update(env)
    import django

    django.setup()


def reader() -> None:
    """Search every 20 ms; print a JSON line whenever what is seen changes (and once at the start)."""
    from vicinato.geo import reach, travel

    place_id = sys.argv[sys.argv.index("--place") + 1]
    last = None
    while True:
        seen = {"listed": place_id in reach.reachable_places(*DUOMO, "walk", 15)}
        try:
            seen["town"] = bool(reach.reachable_places(*TOWN_CENTRE, "walk", 15))
        except travel.NoNetworkError:
            seen["town"] = False
        if seen != last:
            print(json.dumps({"at": time.time(), **seen}), flush=True)
            last = seen
        time.sleep(0.02)


def prepare() -> tuple:
    """Milan (the site's municipality), another town with a listed place, and a place near the Duomo."""
    from datetime import timedelta

    from django.utils import timezone

    from vicinato.geo.models import Municipality
    from vicinato.register.models import Application, Organisation, Place, Register

    milan = Municipality.objects.create(name="Milano", slug="milano", istat_code="015146")
    ring = [[9.19, 45.64], [9.22, 45.64], [9.22, 45.665], [9.19, 45.665], [9.19, 45.64]]
    town = Municipality.objects.create(
        name="Seregno", slug="seregno", istat_code=TOWN, boundary={"type": "Polygon", "coordinates": [ring]}
    )
    operator = Organisation.objects.create(kind=Organisation.Kind.COOPERATIVE, legal_name="Coop")
    register = Register.objects.create(slug="milano", name_it="Elenco", owner="Comune", municipality=milan)
    near = Place.objects.create(
        operator=operator, kind=Place.Kind.COWORKING, name_it="Vicino al Duomo", address="Piazza Duomo",
        lat=DUOMO[0] + 0.001, lon=DUOMO[1], municipality=milan, desks=5,
    )  # fmt: skip
    there = Place.objects.create(
        operator=operator, kind=Place.Kind.COWORKING, name_it="Snodo", address="Via Verdi 1",
        lat=TOWN_CENTRE[0] + 0.001, lon=TOWN_CENTRE[1], municipality=town, desks=5,
    )  # fmt: skip
    until = timezone.now() + timedelta(days=300)
    Application.objects.create(
        place=there, register=register, state=Application.State.APPROVED, expires_at=until
    )
    return near, register, until


def wait_for(lines: queue.Queue, key: str, value: bool, since: float, timeout_s: float = 60.0) -> float:
    """Seconds from `since` to the reader's first report of `key` being `value`."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise SystemExit(
                f"networks_propagation: the reader did not see {key}={value} in {timeout_s} s"
            ) from None
        if line is None:
            raise SystemExit("networks_propagation: the reader stopped")
        seen = json.loads(line)
        if seen[key] == value:
            return seen["at"] - since


def follow(stream) -> queue.Queue:
    """The reader's lines, as they come (None when it stops)."""
    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        for line in iter(stream.readline, ""):
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5, help="listings and withdrawals, each")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary folder")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vicinato-propagation-") as folder:
        base = Path(folder)
        url = options.database_url or f"sqlite:///{base / 'shared.sqlite3'}"
        writer_env = environment(base / "writer", url)
        reader_env = environment(base / "reader", url)
        vicinato = [str(Path(sys.executable).parent / "vicinato")]
        if options.database_url:
            subprocess.run([*vicinato, "flush", "--no-input"], env=writer_env, check=True)
        subprocess.run([*vicinato, "migrate", "--verbosity", "0"], env=writer_env, check=True)
        django_setup(writer_env)
        from vicinato.geo import networks
        from vicinato.register.models import Application

        sys.path.insert(0, str(ROOT))
        from tests.geo.osm_grid import town_extract

        near, register, until = prepare()
        child = subprocess.Popen(
            [sys.executable, __file__, "--reader", "--place", near.public_id],
            env=reader_env,
            stdout=subprocess.PIPE,
            text=True,
        )
        lines = follow(child.stdout)
        try:
            wait_for(
                lines, "listed", False, time.time(), timeout_s=300
            )  # ready: graphs loaded, indexes built
            listed, withdrawn = [], []
            application = Application(place=near, register=register, expires_at=until)
            for _round in range(options.rounds):
                application.state = Application.State.APPROVED
                application.save()
                listed.append(round(wait_for(lines, "listed", True, time.time()), 3))
                application.state = Application.State.WITHDRAWN
                application.save()
                withdrawn.append(round(wait_for(lines, "listed", False, time.time()), 3))
            networks.import_network(town_extract(base / "seregno.osm", TOWN_CENTRE), [TOWN])
            imported = [round(wait_for(lines, "town", True, time.time()), 3)]
        finally:
            child.kill()
    figures = {
        kind: {"each_s": delays, "median_s": statistics.median(delays), "max_s": max(delays)}
        for kind, delays in (
            ("place_listed", listed),
            ("place_withdrawn", withdrawn),
            ("network_imported", imported),
        )
    }
    print(
        json.dumps(
            {
                "benchmark": "networks_propagation",
                "database": "postgresql" if options.database_url else "sqlite",
                "check_every_s": networks.CHECK_EVERY_S,
                "delays": figures,
                "target_s": TARGET_S,
                "all_under_target": all(f["max_s"] < TARGET_S for f in figures.values()),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    if "--reader" in sys.argv:
        django_setup({"DJANGO_SETTINGS_MODULE": "vicinato.settings"})
        reader()
    else:
        main()
