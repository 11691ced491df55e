"""Benchmark: bookings through the API on PostgreSQL, served by gunicorn on loopback. Prints one JSON document.

Run (PostgreSQL at 127.0.0.1:5432, trust auth for user postgres; `wrk` and `pgbench` on the PATH):

    .venv/bin/python benchmarks/booking.py [--duration 30] [--clients 50] [--resources 200] [--keep-db]

If PostgreSQL is down: `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`.
If wrk is missing: `apt-get install wrk`. Without it a Python client drives the load from this process: it is
slower, takes CPU from the server on a 2-core machine and adds its own waits to the latencies (availability's
p95 with 4 clients read 38 ms against 25 ms with wrk); the JSON says which client ran, and stderr warns.

What it does, in one run:
1. drops and creates the database `vicinato_bench` (`--database`), migrates it and seeds `--resources`
   resources (10 per listed place, open 07:00-23:00 every day, hourly slots, a per-day limit per person,
   half of them priced) and `--people` people, each with an API token;
2. serves the app with gunicorn on 127.0.0.1 with the deployment's settings (gunicorn.conf.py: one worker
   process more than the cores, 8 threads each, gthread; the threads let many bookings wait for their
   commit's disk flush together; preload imports every view once in the master, see vicinato.wsgi), or `--workers`
   processes of `--threads` threads; DEBUG off, persistent connections (CONN_MAX_AGE), the app's default of
   prepared statements for its hot queries (DATABASE_PREPARE_THRESHOLD); no server setting of PostgreSQL is
   changed; reads warm every worker first;
3. booking phase: `--clients` concurrent clients POST /api/v1/booking/reservations for `--duration` seconds,
   each with a random person, resource, day (the next 14) and 1-2 hour slot and a new Idempotency-Key;
   `--hot` of the requests go to 4 small "hot" resources (3 units) at 09:00-12:00 on one day: they race
   for the same units under the resource's row lock, and once these are taken are refused (409);
4. availability phases: GET /api/v1/booking/places/<id>/availability for one day (10 resources x 16 slots),
   with `--clients` clients and then with `--light-clients` (the latency one person sees);
5. counts the confirmed bookings, and the oversold units (at any moment, units held beyond the capacity
   of a resource: must be 0);
6. runs `pgbench -b simple-update` with the same number of clients on the same server: the ceiling of
   small write transactions per second that this machine's PostgreSQL reaches;
7. per phase, the CPU used by gunicorn, by PostgreSQL's backends of the database (and its WAL writer), by
   the load client and by everything else on the machine (from /proc), in seconds and per request;
   `cpu_budget` turns them into what the run could reach with every core to itself.

The load average (os.getloadavg) is recorded before each phase: the machine may be shared, and then
`cpu_s.others` says how much of it other work took. Exits with 2 and one line on stderr when PostgreSQL,
gunicorn or the app cannot be reached, with 1 when a unit was oversold.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SERVER = "postgres://postgres@127.0.0.1:5432"
ROME = ZoneInfo("Europe/Rome")
DAYS = 14  # bookable days, from tomorrow
OPENS, CLOSES = 7, 23  # every day, hourly slots
PER_PLACE = 10  # resources per place
HOT_CAPACITY = 3
HOT_HOUR = 9  # hot bookings start at 09:00 or 10:00 and last 1-2 hours: they race for the same units


def use_server(url: str) -> None:
    global SERVER
    SERVER = url.rstrip("/")


def django_on(database: str, conn_max_age: int) -> dict:
    """Create `database` on the server, set Django up on it in this process (to seed it) and give back the
    environment of the server processes (the same database, persistent connections, no DEBUG)."""
    create_database(database)
    env = {
        **os.environ,
        "DATABASE_URL": f"{SERVER}/{database}",
        "CONN_MAX_AGE": str(conn_max_age),
        "DEBUG": "0",
        # The deployment's settings need a signing key: a random one for this run.
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
    }
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "CONN_MAX_AGE", "DEBUG", "SECRET_KEY")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vicinato.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    return env


def fail(message: str) -> None:
    print(f"booking benchmark: {message}", file=sys.stderr)
    sys.exit(2)


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --- the database ----------------------------------------------------------------------------------------------
def create_database(name: str) -> None:
    import psycopg

    try:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        fail(
            f"PostgreSQL is not available at {SERVER} ({first}); start it with "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`."
        )


def seed(resources: int, people: int) -> dict:
    """Places, resources and people with tokens; gives back what the load scripts need."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.utils import timezone

    from vicinato.booking.models import Resource
    from vicinato.geo.models import Municipality
    from vicinato.register.models import ApiToken, Application, OpeningHours, Organisation, Place, Register

    call_command("migrate", verbosity=0)
    municipality = Municipality.objects.create(name="Bench", slug="bench")
    register = Register.objects.create(
        slug="bench", name_it="Bench", owner="Bench", municipality=municipality
    )
    operator = Organisation.objects.create(kind=Organisation.Kind.COOPERATIVE, legal_name="Bench")
    rng = random.Random(1)
    places = []
    for i in range(-(-resources // PER_PLACE)):
        place = Place.objects.create(
            operator=operator,
            kind=Place.Kind.COWORKING,
            name_it=f"Bench {i}",
            address=f"Via Bench {i}",
            lat=45.44 + rng.random() / 20,
            lon=9.14 + rng.random() / 10,
            municipality=municipality,
            desks=20,
        )
        places.append(place)
    expires = timezone.now() + timedelta(days=365)
    Application.objects.bulk_create(
        Application(place=p, register=register, state=Application.State.APPROVED, expires_at=expires)
        for p in places
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(place=p, weekday=d, opens=clock_time(OPENS), closes=clock_time(CLOSES))
        for p in places
        for d in range(7)
    )
    Resource.objects.bulk_create(
        Resource(
            place=places[i // PER_PLACE],
            kind=Resource.Kind.DESK,
            name_it=f"Scrivanie {i}",
            capacity=HOT_CAPACITY if i < 4 else 6,
            slot_minutes=60,
            min_minutes=60,
            max_minutes=240,
            max_days_ahead=30,
            max_per_day_per_person=4,
            price_cents_per_slot=300 if i % 2 else 0,
        )
        for i in range(resources)
    )
    password = make_password(None)
    User = get_user_model()
    User.objects.bulk_create(User(username=f"bench{i}", password=password) for i in range(people))
    users = list(User.objects.filter(username__startswith="bench").order_by("pk"))
    # Only a token's digest is stored: its key is known here, when it is made.
    tokens = ApiToken.objects.bulk_create(ApiToken(user=u, name="bench").new_key() for u in users)
    ids = list(Resource.objects.order_by("pk").values_list("pk", flat=True))
    tomorrow = timezone.localdate() + timedelta(days=1)
    days = []
    for n in range(DAYS):
        day = tomorrow + timedelta(days=n)
        offset = datetime.combine(day, clock_time(12), tzinfo=ROME).strftime("%z")
        days.append((day.isoformat(), f"{offset[:3]}:{offset[3:]}"))
    return {
        "tokens": [t.key for t in tokens],
        "resources": ids,
        "hot": ids[:4],
        "days": days,
        "places": [p.public_id for p in places],
    }


def reservation_counts() -> dict[str, int]:
    from django.db.models import Count

    from vicinato.booking.models import Reservation

    rows = Reservation.objects.values("state").annotate(n=Count("pk"))
    return {row["state"]: row["n"] for row in rows}


OVERSOLD_SQL = """
    -- Units held at each moment a reservation starts (the held total only rises at starts), minus capacity.
    SELECT COUNT(*), COALESCE(MAX(held - capacity), 0), COALESCE(SUM(held - capacity), 0) FROM (
        SELECT DISTINCT r.resource_id, r.start, res.capacity, SUM(o.units) AS held
        FROM booking_reservation r
        JOIN booking_resource res ON res.id = r.resource_id
        JOIN booking_reservation o ON o.resource_id = r.resource_id
            AND o.state IN ('requested', 'confirmed', 'checked_in')
            AND o.start <= r.start
            AND o."end" + res.buffer_minutes * INTERVAL '1 minute' > r.start
        WHERE r.state IN ('requested', 'confirmed', 'checked_in')
        GROUP BY r.id, r.resource_id, r.start, res.capacity
        HAVING SUM(o.units) > res.capacity
    ) AS over
"""


def oversold() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(OVERSOLD_SQL)
        moments, most, total = cursor.fetchone()
    # moments: (resource, start) where more units are held than exist; units: beyond capacity, summed.
    return {"moments": moments, "units_max": int(most), "units": int(total)}


# --- the load --------------------------------------------------------------------------------------------------
def lua_list(values) -> str:
    return "{" + ",".join(json.dumps(v) if isinstance(v, str) else str(v) for v in values) + "}"


LUA_COMMON = """
statuses = {}  -- a global: done() reads each thread's copy with thread:get
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(tid * 7919 + os.time())
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses") or {}) do
      total[status] = (total[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(total) do table.insert(parts, string.format('"%d": %d', status, n)) end
  local e = summary.errors
  io.write(string.format(
    'WRK-JSON {"requests": %d, "duration_us": %d, "statuses": {%s}, ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}}\\n',
    summary.requests, summary.duration, table.concat(parts, ", "),
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean))
end
"""

LUA_BOOKING = """
local tokens = %(tokens)s
local resources = %(resources)s
local hot = %(hot)s
local days = %(days)s
local offsets = %(offsets)s
local run = "%(run)s"

function request()
  counter = counter + 1
  local resource, d, hour
  if math.random() < %(hot_share)s then
    resource, d, hour = hot[math.random(#hot)], 1, math.random(%(hot_hour)d, %(hot_hour)d + 1)
  else
    resource, d, hour = resources[math.random(#resources)], math.random(#days), math.random(%(opens)d, %(closes)d - 1)
  end
  local hours = math.min(math.random(1, 2), %(closes)d - hour)
  local body = string.format(
    '{"resource": %%d, "start": "%%sT%%02d:00:00%%s", "end": "%%sT%%02d:00:00%%s"}',
    resource, days[d], hour, offsets[d], days[d], hour + hours, offsets[d])
  local headers = {
    ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)],
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("%%s-%%d-%%d", run, tid, counter),
  }
  return wrk.format("POST", "/api/v1/booking/reservations", headers, body)
end
"""

LUA_AVAILABILITY = """
local places = %(places)s
local days = %(days)s

function request()
  local path = string.format("/api/v1/booking/places/%%s/availability?day=%%s",
    places[math.random(#places)], days[math.random(#days)])
  return wrk.format("GET", path)
end
"""


def booking_requests(data: dict, hot_share: float, run: str):
    """Endless (method, path, headers, body) of the booking phase, for the Python client."""
    rng = random.Random()
    n = 0
    while True:
        n += 1
        if rng.random() < hot_share:
            resource, (day, offset) = rng.choice(data["hot"]), data["days"][0]
            hour = rng.choice([HOT_HOUR, HOT_HOUR + 1])
        else:
            resource, (day, offset) = rng.choice(data["resources"]), rng.choice(data["days"])
            hour = rng.randrange(OPENS, CLOSES)
        hours = min(rng.randint(1, 2), CLOSES - hour)
        body = json.dumps(
            {
                "resource": resource,
                "start": f"{day}T{hour:02d}:00:00{offset}",
                "end": f"{day}T{hour + hours:02d}:00:00{offset}",
            }
        ).encode()
        headers = {
            "Authorization": f"Bearer {rng.choice(data['tokens'])}",
            "Content-Type": "application/json",
            "Idempotency-Key": f"{run}-py-{threading.get_ident()}-{n}",
        }
        yield "POST", "/api/v1/booking/reservations", headers, body


def availability_requests(data: dict):
    rng = random.Random()
    while True:
        place, (day, _offset) = rng.choice(data["places"]), rng.choice(data["days"])
        yield "GET", f"/api/v1/booking/places/{place}/availability?day={day}", {}, None


def client_version(client: str) -> str:
    if client == "python":
        why = "chosen with --client" if shutil.which("wrk") else "wrk is not installed (apt-get install wrk)"
        return f"Python {sys.version.split()[0]} threads (http.client): {why}"
    found = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return (found.stdout or found.stderr).strip().splitlines()[0] + " (Debian package wrk, found on the PATH)"


def run_wrk(base: str, script: str, clients: int, duration: int, workdir: Path) -> dict:
    path = workdir / f"load-{time.monotonic_ns()}.lua"
    path.write_text(LUA_COMMON + script)
    threads = min(2, clients)
    result = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(clients),
            "-d",
            f"{duration}s",
            "--timeout",
            "10s",
            "-s",
            path,
            base,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("WRK-JSON ")), None)
    if line is None:
        fail(
            f"wrk gave no result (exit {result.returncode}): {result.stderr.strip() or result.stdout[-300:]}"
        )
    raw = json.loads(line.removeprefix("WRK-JSON "))
    seconds = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "seconds": round(seconds, 2),
        "requests_per_s": round(raw["requests"] / seconds, 1),
        "statuses": dict(sorted(raw["statuses"].items())),
        "socket_errors": raw["socket_errors"],
        "latency_ms": {k: round(v / 1000, 1) for k, v in raw["latency_us"].items()},
    }


def run_python(base: str, requests, clients: int, duration: int) -> dict:
    """Closed-loop threads with keep-alive connections (http.client): slower than wrk, same shape of result."""
    import http.client

    host, port = base.removeprefix("http://").split(":")
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    errors = {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    stop = time.perf_counter() + duration

    def client() -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        while time.perf_counter() < stop:
            with lock:
                method, path, headers, body = next(requests)
            began = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = str(response.status)
            except OSError:
                connection.close()
                connection = http.client.HTTPConnection(host, int(port), timeout=10)
                with lock:
                    errors["read"] += 1
                continue
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed * 1000)
                statuses[status] = statuses.get(status, 0) + 1

    began = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - began
    latencies.sort()
    pick = lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1)  # noqa: E731
    return {
        "requests": len(latencies),
        "seconds": round(seconds, 2),
        "requests_per_s": round(len(latencies) / seconds, 1),
        "statuses": dict(sorted(statuses.items())),
        "socket_errors": errors,
        "latency_ms": {
            "p50": pick(0.50),
            "p95": pick(0.95),
            "p99": pick(0.99),
            "max": round(latencies[-1], 1),
            "mean": round(statistics.fmean(latencies), 1),
        },
    }


# --- where the CPU went ----------------------------------------------------------------------------------------
TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """Seconds of CPU (user + system) the process has used; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return found


def postgres_pids(database: str) -> list[int]:
    """The server's processes working for the benchmark: its database's backends and the WAL writer."""
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s OR backend_type = 'walwriter'", [database]
        ).fetchall()
    return [pid for (pid,) in rows]


def settle(database: str, limit: float = 60) -> float:
    """Wait until no query of the database is running (twice in a row); gives back the seconds waited."""
    import psycopg

    began, quiet = time.perf_counter(), 0
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        while quiet < 2 and time.perf_counter() - began < limit:
            busy = admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state <> 'idle'", [database]
            ).fetchone()[0]
            quiet = quiet + 1 if busy == 0 else 0
            time.sleep(0.1)
    return round(time.perf_counter() - began, 1)


def machine_busy() -> float:
    """Seconds of CPU all processes of the machine have used (every core)."""
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / TICK


class CpuMeter:
    """CPU used during a phase by gunicorn, PostgreSQL's backends, the load client and everything else."""

    def __init__(self, server: subprocess.Popen, database: str):
        self.server, self.database = server, database

    def _sample(self) -> dict:
        import resource

        app = [self.server.pid, *children(self.server.pid)]
        database = postgres_pids(self.database)
        # wrk is a child that has ended; the Python client runs in this process.
        client = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
        return {
            "pids": {"gunicorn": app, "postgres": database},
            "gunicorn": {pid: process_cpu(pid) for pid in app},
            "postgres": {pid: process_cpu(pid) for pid in database},
            "client": sum(usage.ru_utime + usage.ru_stime for usage in client),
            "machine": machine_busy(),
        }

    def start(self) -> None:
        self.before = self._sample()

    def stop(self, requests: int) -> dict:
        after = self._sample()
        used = {}
        for kind in ("gunicorn", "postgres"):
            used[kind] = sum(cpu - self.before[kind].get(pid, 0.0) for pid, cpu in after[kind].items())
        used["client"] = after["client"] - self.before["client"]
        used["machine"] = after["machine"] - self.before["machine"]
        used["others"] = used["machine"] - used["gunicorn"] - used["postgres"] - used["client"]
        return {
            "cpu_s": {k: round(v, 2) for k, v in used.items()},
            "cpu_ms_per_request": {
                k: round(1000 * used[k] / max(requests, 1), 2) for k in ("gunicorn", "postgres", "client")
            },
        }


# --- the server ------------------------------------------------------------------------------------------------
GUNICORN_CONF = ROOT / "gunicorn.conf.py"


def gunicorn_settings(workers: int | None, threads: int | None) -> dict:
    """The deployment's settings (gunicorn.conf.py, with this environment), but for --workers and --threads."""
    import runpy

    conf = runpy.run_path(str(GUNICORN_CONF))
    workers, threads = workers or conf["workers"], threads or conf["threads"]
    return {
        "config": GUNICORN_CONF.name,
        "workers": workers,
        "threads": threads,
        "worker_class": conf["worker_class"] if threads > 1 else "sync",
    }


def start_gunicorn(env: dict, port: int, settings: dict) -> subprocess.Popen:
    gunicorn = BIN / "gunicorn"
    if not gunicorn.exists():
        fail(f"gunicorn is not installed in {BIN}; run `.venv/bin/pip install -e .` first.")
    command = [gunicorn, "vicinato.wsgi", "-c", GUNICORN_CONF, "-b", f"127.0.0.1:{port}"]
    command += ["-w", str(settings["workers"]), "-k", settings["worker_class"]]
    command += ["--threads", str(settings["threads"]), "--log-level", "warning"]
    # Django logs every refused booking (409, 422) as a warning: into a file, read when gunicorn fails.
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-gunicorn-", suffix=".log", delete=False)
    server = subprocess.Popen(command, env=env, cwd=ROOT, stderr=log)
    server.log = Path(log.name)
    return server


def wait_until_up(server: subprocess.Popen, url: str) -> None:
    for _ in range(150):
        if server.poll() is not None:
            lines = server.log.read_text().strip().splitlines()
            fail(
                f"gunicorn exited with code {server.returncode} before serving: {lines[-1] if lines else '-'}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.HTTPError):
            time.sleep(0.2)
    fail(f"gunicorn did not answer {url} within 30 s.")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- pgbench ---------------------------------------------------------------------------------------------------
def pgbench(database: str, clients: int, seconds: int) -> dict:
    """pgbench's simple-update on the benchmark's database, with PostgreSQL's CPU per transaction measured
    between its second second and its last (the backends live as long as the run)."""
    if shutil.which("pgbench") is None:
        return {"error": "pgbench is not installed (Debian package postgresql-client)"}
    common = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
    subprocess.run(["pgbench", "-i", "-q", *common, database], capture_output=True, check=True)
    command = ["-b", "simple-update", "-c", str(clients), "-j", "2", "-T", str(seconds), "-P", "1"]
    run = subprocess.Popen(
        ["pgbench", *common, *command, database], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    window = max(seconds - 2, 1)
    time.sleep(1)
    pids = postgres_pids(database)
    before = {pid: process_cpu(pid) for pid in pids}
    time.sleep(window)
    used = sum(process_cpu(pid) - cpu for pid, cpu in before.items())
    out, err = run.communicate()
    subprocess.run(["pgbench", "-i", "-I", "d", *common, database], capture_output=True, check=False)
    found = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    latency = re.search(r"latency average = ([\d.]+) ms", out)
    if found is None:
        return {"error": (err or out).strip()[-300:]}
    tps = float(found.group(1))
    return {
        "command": f"pgbench {' '.join(command[:-2])}",
        "tps": round(tps, 1),
        "latency_avg_ms": float(latency.group(1)) if latency else None,
        "postgres_cpu_ms_per_transaction": round(1000 * used / (tps * window), 2),
    }


# --- main ------------------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=30, help="seconds of the booking phase")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--resources", type=int, default=200)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument(
        "--hot", type=float, default=0.1, help="share of bookings aimed at the 4 hot resources"
    )
    parser.add_argument("--availability-duration", type=int, default=10)
    parser.add_argument(
        "--light-clients", type=int, default=4, help="clients of the light availability phase"
    )
    parser.add_argument(
        "--workers", type=int, help="gunicorn worker processes (default: gunicorn.conf.py's, cores + 1)"
    )
    parser.add_argument(
        "--threads", type=int, help="threads per worker (default: gunicorn.conf.py's; 1: sync workers)"
    )
    parser.add_argument("--conn-max-age", type=int, default=300)
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    parser.add_argument("--database", default="vicinato_bench")
    parser.add_argument("--postgres", default=SERVER, help="the server, as a URL without database name")
    parser.add_argument(
        "--client", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python"
    )
    parser.add_argument("--keep-db", action="store_true", help="leave the database for inspection")
    args = parser.parse_args()
    if args.resources < 4:
        parser.error("--resources must be at least 4 (the hot ones)")
    if args.client == "python":
        print(
            f"booking benchmark: {client_version('python')}; latencies include the client's own waits.",
            file=sys.stderr,
        )

    load_start = load()
    use_server(args.postgres)
    env = django_on(args.database, args.conn_max_age)
    from django.db import connection

    data = seed(args.resources, args.people)
    connection.close()
    run = f"bench{int(time.time())}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    served = gunicorn_settings(args.workers, args.threads)
    server = start_gunicorn(env, port, served)
    phases = {}
    try:
        wait_until_up(
            server, f"{base}/api/v1/booking/places/{data['places'][0]}/availability?day={data['days'][0][0]}"
        )
        with tempfile.TemporaryDirectory() as workdir:
            workdir = Path(workdir)
            day_names = [d for d, _o in data["days"]]
            booking_lua = LUA_BOOKING % {
                "tokens": lua_list(data["tokens"]),
                "resources": lua_list(data["resources"]),
                "hot": lua_list(data["hot"]),
                "days": lua_list(day_names),
                "offsets": lua_list([o for _d, o in data["days"]]),
                "run": run,
                "hot_share": args.hot,
                "hot_hour": HOT_HOUR,
                "opens": OPENS,
                "closes": CLOSES,
            }
            availability_lua = LUA_AVAILABILITY % {
                "places": lua_list(data["places"]),
                "days": lua_list(day_names),
            }

            meter = CpuMeter(server, args.database)

            def drive(kind: str, clients: int, seconds: int) -> dict:
                loadavg = load()
                meter.start()
                if args.client == "wrk":
                    script = booking_lua if kind == "booking" else availability_lua
                    result = run_wrk(base, script, clients, seconds, workdir)
                else:
                    requests = (
                        booking_requests(data, args.hot, run)
                        if kind == "booking"
                        else availability_requests(data)
                    )
                    result = run_python(base, requests, clients, seconds)
                return {
                    "clients": clients,
                    "load_avg_before": loadavg,
                    **result,
                    **meter.stop(result["requests"]),
                }

            # Warm every worker (imports, connections, caches) on reads only: the bookings start from zero.
            drive("availability", args.clients, 3)
            settle(args.database)
            before = reservation_counts()
            connection.close()
            phases["booking"] = drive("booking", args.clients, args.duration)
            # The requests under way when the client stopped still finish: counted, before the next phase.
            phases["booking"]["settled_after_s"] = settle(args.database)
            after = reservation_counts()
            connection.close()
            phases["availability"] = drive("availability", args.clients, args.availability_duration)
            settle(args.database)
            phases["availability_light"] = drive(
                "availability", args.light_clients, args.availability_duration
            )
    finally:
        server.terminate()
        server.wait(timeout=20)
        server.log.unlink(missing_ok=True)

    booking = phases["booking"]
    confirmed = after.get("confirmed", 0) - before.get("confirmed", 0)
    over = oversold()
    connection.close()
    load_pgbench = load()
    ceiling = pgbench(args.database, args.clients, args.pgbench_seconds)
    ceiling["load_before"] = load_pgbench
    if not args.keep_db:
        import psycopg

        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')

    # Answered 201 (confirmed: no resource asks for approval) while the client ran; the database also
    # holds those answered after it stopped.
    answered = booking["statuses"].get("201", 0)
    confirmed_per_s = round(answered / booking["seconds"], 1)
    light_p95 = phases["availability_light"]["latency_ms"]["p95"]
    cores, spent = os.cpu_count() or 1, booking["cpu_ms_per_request"]
    per_request = spent["gunicorn"] + spent["postgres"] + spent["client"]
    # What the CPU measured per request allows if the benchmark had every core to itself (other work on
    # the machine takes its share during the run; see cpu_s.others).
    share = booking["statuses"].get("201", 0) / max(booking["requests"], 1)
    budget = {
        "cpu_ms_per_booking_request": round(per_request, 2),
        "confirmed_share_of_requests": round(share, 3),
        "confirmed_per_s_with_every_core": round(cores * 1000 / per_request * share, 1),
        "requests_per_s_postgres_alone_allows": round(cores * 1000 / max(spent["postgres"], 0.01)),
        "cpu_ms_per_request_the_target_allows": round(cores * 1000 / 300, 2),
    }
    print(
        json.dumps(
            {
                "benchmark": "booking",
                "confirmed_bookings": answered,
                "confirmed_in_database": confirmed,
                "confirmed_per_s": confirmed_per_s,
                "booking": booking,
                "availability": phases["availability"],
                "availability_light": phases["availability_light"],
                "reservations_by_state": after,
                "oversold": over,
                "cpu_budget": budget,
                "pgbench_ceiling": ceiling,
                "target": {
                    "confirmed_per_s": 300,
                    "availability_p95_ms": 50,
                    "met": confirmed_per_s >= 300 and light_p95 < 50 and over["units"] == 0,
                },
                "settings": {
                    "client": args.client,
                    "client_version": client_version(args.client),
                    "clients": args.clients,
                    "light_clients": args.light_clients,
                    "duration_s": args.duration,
                    "resources": args.resources,
                    "places": len(data["places"]),
                    "people": args.people,
                    "hot_share": args.hot,
                    "hot_capacity": HOT_CAPACITY,
                    "gunicorn": served,
                    "conn_max_age": args.conn_max_age,
                    "database": args.database,
                    "cpu_count": os.cpu_count(),
                },
                "load_avg_start": load_start,
                "load_avg_end": load(),
            },
            indent=2,
        )
    )
    sys.exit(0 if over["units"] == 0 else 1)


if __name__ == "__main__":
    main()
