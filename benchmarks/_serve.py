"""What benchmarks/nearby_api.py and benchmarks/pages.py share: the demo database, gunicorn, the load clients.

Standard library only (the app runs in its own gunicorn process); `wrk` (Debian package) drives closed-loop load
when it is on the PATH, a Python client otherwise.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NAME = "benchmark"


def fail(message: str) -> None:
    print(f"{NAME}: {message}", file=sys.stderr)
    sys.exit(2)


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def arguments(name: str, doc: str, defaults: dict) -> argparse.ArgumentParser:
    """The options every server benchmark takes (how long, how many clients, the gunicorn workers and threads,
    the demo's data folder); the benchmark adds its own. `defaults`: the benchmark's (value, help) of
    "duration" and "threads" and its number of "clients". `name` names the benchmark in its failures."""
    global NAME
    NAME = name
    duration, duration_help = defaults["duration"]
    threads, threads_help = defaults["threads"]
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=duration, help=duration_help)
    parser.add_argument("--clients", type=int, default=defaults["clients"])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=threads, help=threads_help)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "bench-speed")
    parser.add_argument("--setup", action="store_true", help="migrate and load the demo even if present")
    return parser


def demo_env(data_dir: Path, setup: bool) -> dict:
    """Environment of a server on the demo city in `data_dir` (SQLite), set up when missing or asked."""
    for tool in ("vicinato", "gunicorn"):
        if not (BIN / tool).exists():
            fail(
                f"{tool} is not installed in {BIN}; run `make setup` (or `.venv/bin/pip install -e .`) first."
            )
    env = {**os.environ, "VICINATO_DATA_DIR": str(data_dir), "DEBUG": "0", "LOG_LEVEL": "ERROR"}
    # The deployment's settings need a signing key: a random one for this run.
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    env.pop("DATABASE_URL", None)
    if setup or not (data_dir / "vicinato.sqlite3").exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        for command in (["migrate", "-v0"], ["demo", "--quiet-users"]):
            done = subprocess.run([BIN / "vicinato", *command], env=env, capture_output=True, text=True)
            if done.returncode:
                last = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
                fail(f"`vicinato {' '.join(command)}` failed in {data_dir}: {last[-1]}")
    # Build (or check) the street graphs and the indexes of places once, before the workers need them.
    warm = (
        "from vicinato.geo import travel; [travel.reach_index(m) for m in ('walk', 'bike')]; travel.streets()"
    )
    done = subprocess.run([BIN / "vicinato", "shell", "-c", warm], env=env, capture_output=True, text=True)
    if done.returncode:
        last = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
        fail(f"the street graphs of the demo city could not be loaded: {last[-1]}")
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn on loopback; `cpu_seconds()` is the CPU time its processes used so far."""

    def __init__(
        self, env: dict, workers: int, threads: int, worker_class: str = "gthread", app: str = "vicinato.wsgi"
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers, self.threads, self.app = workers, threads, app
        # sync closes each connection after its answer (the clients connect again: one accept queue shared by
        # the workers); gthread keeps connections alive, threads=1 too. gunicorn runs sync with threads as gthread.
        self.worker_class = "gthread" if threads > 1 else worker_class
        command = [BIN / "gunicorn", app, "-b", f"127.0.0.1:{self.port}", "-w", str(workers)]
        command += ["-k", self.worker_class, "--threads", str(threads)]
        command += ["--preload", "--keep-alive", "30", "--backlog", "2048", "--log-level", "warning"]
        if app != "vicinato.wsgi":  # a benchmark's own application (benchmarks/_floor.py)
            command += ["--pythonpath", str(Path(__file__).resolve().parent)]
        self.process = subprocess.Popen(command, env=env, cwd=ROOT)

    def wait(self, path: str) -> None:
        for _ in range(300):
            if self.process.poll() is not None:
                fail(
                    f"gunicorn exited with code {self.process.returncode} before serving; see its messages above."
                )
            try:
                with urllib.request.urlopen(self.base + path, timeout=5) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.2)
        fail(f"gunicorn did not answer {path} within a minute.")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def pids(self) -> list[int]:
        """The master and its workers."""
        found = [self.process.pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.process.pid:
                    found.append(int(entry.name))
        return found

    def cpu_seconds(self, pids: list[int] | None = None) -> float:
        """User + system CPU the server's processes used so far (from /proc; 0 where /proc is missing)."""
        total = 0
        for pid in pids or self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def settings(self) -> dict:
        return {
            "app": self.app,
            "workers": self.workers,
            "threads": self.threads,
            "worker_class": self.worker_class,
        }


def status(base: str, path: str) -> int:
    try:
        with urllib.request.urlopen(base + path, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def summary(latencies_ms: list[float]) -> dict:
    if not latencies_ms:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    ordered = sorted(latencies_ms)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "max": round(ordered[-1], 2)}


# --- closed loop: `clients` connections, each sending its next request as soon as the last one is answered ----
# The wrk script: each request is REQUEST's Lua expression, which reads `lines[index]`, the next line of the
# listing file (a path to GET, or a body to POST: see wrk_script()); the threads start at different lines.
LUA = """
local lines = {}
local index = 0
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 7919)
end
function init(args)
  for line in io.lines(args[1]) do lines[#lines + 1] = line end
  index = (offset or 0) % #lines
end
function request()
  index = index % #lines + 1
  return REQUEST
end
function done(summary, latency, requests)
  local q = function(p) return latency:percentile(p) / 1000 end
  io.write(string.format('WRK {"requests": %d, "non_2xx": %d, "socket_errors": %d, "seconds": %.3f, ' ..
    '"p50": %.2f, "p95": %.2f, "p99": %.2f, "max": %.2f}\\n', summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6, q(50), q(95), q(99), latency.max / 1000))
end
"""
GET = 'wrk.format("GET", lines[index])'


def post(path: str) -> str:
    """The request line of wrk_script() that POSTs each line of the listing as a JSON body to `path`."""
    return f'wrk.format("POST", "{path}", {{["Content-Type"] = "application/json"}}, lines[index])'


def wrk_script(request: str = GET) -> str:
    """The wrk Lua script of a closed loop whose requests are the Lua expression `request` (GET: each line of
    the listing is a path; post(path): each line a JSON body)."""
    return LUA.replace("REQUEST", request)


def closed_loop(server: Server, paths: list[str], clients: int, seconds: float, client: str) -> dict:
    """Saturating load: requests per second, latency percentiles (ms), server CPU per request (ms)."""
    cpu_before, load_before = server.cpu_seconds(), load()
    if client == "wrk":
        result = wrk(server.base, paths, clients, seconds)
        result["errors"] = result.pop("non_2xx") + result.pop("socket_errors")
    else:
        result = _python_closed(server.base, paths, clients, seconds)
    cpu = server.cpu_seconds() - cpu_before
    requests = result.pop("requests")
    return {
        "client": client,
        "clients": clients,
        "requests": requests,
        "requests_per_s": round(requests / result.pop("seconds"), 1),
        **result,
        "server_cpu_ms_per_request": round(1000 * cpu / requests, 2) if requests else None,
        "load_avg_before": load_before,
    }


def need_wrk() -> None:
    """Exit with one line when wrk, the load generator, is missing (before any work that would be lost)."""
    if shutil.which("wrk") is None:
        fail("wrk is not installed: run `sh scripts/system-packages.sh bench` (or `make bench`, which does)")


def wrk(base: str, lines: list[str], clients: int, seconds: float, request: str = GET) -> dict:
    """wrk with `clients` connections for `seconds`, each request `request` over `lines` (see wrk_script()):
    requests, seconds, non_2xx, socket_errors and latency_ms (p50, p95, p99, max)."""
    need_wrk()
    with tempfile.TemporaryDirectory() as work:
        script, listing = Path(work, "load.lua"), Path(work, "lines.txt")
        script.write_text(wrk_script(request))
        listing.write_text("\n".join(lines) + "\n")
        threads = 2 if clients >= 2 else 1
        command = ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{seconds:g}s", "--timeout", "10s"]
        done = subprocess.run(
            [*command, "-s", str(script), base, "--", str(listing)], capture_output=True, text=True
        )
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK ")), None)
    if line is None:
        fail(f"wrk gave no result: {(done.stderr or done.stdout).strip()[-200:]}")
    data = json.loads(line[4:])
    return {
        "requests": data["requests"],
        "seconds": data["seconds"],
        "non_2xx": data["non_2xx"],
        "socket_errors": data["socket_errors"],
        "latency_ms": {k: data[k] for k in ("p50", "p95", "p99", "max")},
    }


def _get(connection: http.client.HTTPConnection, path: str, headers: dict | None = None) -> int:
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.read()
    return response.status


def get_or_reconnect(
    connection: http.client.HTTPConnection, path: str, headers: dict | None = None
) -> tuple[bool, http.client.HTTPConnection]:
    """GET `path`: whether it answered 200, and the connection to go on with (a new one, with the same timeout,
    after a broken one)."""
    try:
        return _get(connection, path, headers) == 200, connection
    except (OSError, http.client.HTTPException):
        connection.close()
        return False, http.client.HTTPConnection(connection.host, connection.port, timeout=connection.timeout)


def run_together(clients: list) -> None:
    """Run each of the callables in a thread of its own, all at once, until all are done."""
    threads = [threading.Thread(target=client) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def machine(server: Server, load_start: list[float]) -> dict:
    """What a server benchmark's JSON tells about the server and the machine it ran on."""
    return {
        "gunicorn": server.settings(),
        "cpu_count": os.cpu_count(),
        "load_avg_start": load_start,
        "load_avg_end": load(),
    }


def _python_closed(base: str, paths: list[str], clients: int, seconds: float) -> dict:
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(offset: int) -> None:
        nonlocal errors
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        i = offset
        while time.perf_counter() < stop:
            i += 1
            start = time.perf_counter()
            ok, connection = get_or_reconnect(connection, paths[i % len(paths)])
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(elapsed)
                errors += not ok

    began = time.perf_counter()
    run_together([lambda n=n: client(n * 7919) for n in range(clients)])
    return {
        "requests": len(latencies),
        "seconds": time.perf_counter() - began,
        "errors": errors,
        "latency_ms": summary(latencies),
    }


def fixed_rate(server: Server, paths: list[str], rate: float, seconds: float, clients: int) -> dict:
    """Open loop: requests sent at `rate` per second whatever the answers; latency counted from the moment each
    request was due (so a slow server cannot hide its backlog), on up to `clients` connections."""
    host, port = server.base.removeprefix("http://").split(":")
    due = [i / rate for i in range(int(rate * seconds))]
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    next_index = 0
    cpu_before, load_before = server.cpu_seconds(), load()
    began = time.perf_counter()

    def client() -> None:
        nonlocal errors, next_index
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        while True:
            with lock:
                if next_index >= len(due):
                    return
                i = next_index
                next_index += 1
            wait = began + due[i] - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            ok, connection = get_or_reconnect(connection, paths[i % len(paths)])
            elapsed = (time.perf_counter() - began - due[i]) * 1000
            with lock:
                latencies.append(elapsed)
                errors += not ok

    run_together([client] * clients)
    cpu = server.cpu_seconds() - cpu_before
    wall = time.perf_counter() - began
    return {
        "client": "python (open loop)",
        "rate_per_s": rate,
        "achieved_per_s": round(len(latencies) / wall, 1),
        "requests": len(latencies),
        "errors": errors,
        "latency_ms": summary(latencies),
        "server_cpu_ms_per_request": round(1000 * cpu / len(latencies), 2) if latencies else None,
        "load_avg_before": load_before,
    }


def default_client() -> str:
    return "wrk" if shutil.which("wrk") else "python"
