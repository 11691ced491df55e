"""Fuzz the whole API with schemathesis against the demo city, as CI does (issue 18).

Builds the demo in a throw-away data folder (SQLite unless DATABASE_URL says otherwise), serves it with gunicorn,
and runs schemathesis three times: anonymously, as a worker ("lavoratrice") and as a place operator
("operatore"), each with a personal API token. Path parameters are set to real ids of the demo (a place, a
booking, a resource, an agreement...), so that requests reach the business logic instead of a 404.

Fails (exit 1) on any 5xx answer or any status code that the OpenAPI document does not declare. Prints one JSON
document with the figures of each run. Time budget per run: FUZZ_SECONDS (default 60).

    .venv/bin/python scripts/fuzz_api.py
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
ARTIFACTS = ROOT / "artifacts" / "fuzz-api"
SECONDS = int(os.environ.get("FUZZ_SECONDS", "60"))

# Real ids of the demo, read inside Django: {"place": public_id, "reservation": pk, ...} and one token per person.
IDS_SNIPPET = r"""
import json
from django.contrib.auth import get_user_model
from vicinato.register.models import ApiToken, Place
from vicinato.booking.models import Reservation, ReservationSeries as Series, Resource
from vicinato.agreements.models import Agreement, Organisation
users = {u.username: u for u in get_user_model().objects.filter(username__in=["lavoratrice", "operatore"])}
place = Place.objects.filter(operator__memberships__user=users["operatore"]).order_by("pk").first()
ids = {
    "place": str(place.public_id),
    "resource": Resource.objects.filter(place=place).order_by("pk").values_list("pk", flat=True).first(),
    "reservation": Reservation.objects.filter(resource__place__operator__memberships__user=users["operatore"]).order_by("-pk").values_list("pk", flat=True).first(),
    "series": Series.objects.order_by("pk").values_list("pk", flat=True).first(),
    "agreement": Agreement.objects.order_by("pk").values_list("pk", flat=True).first(),
    "organisation": Organisation.objects.filter(memberships__user=users["operatore"]).values_list("pk", flat=True).first(),
}
tokens = {}
for name, user in users.items():
    tokens[name] = ApiToken.objects.create(user=user, name="fuzz", scope="write").key
print(json.dumps({"ids": ids, "tokens": tokens}))
"""

# Which path parameter of which operations takes which demo id.
ID_BY_PATH = {
    "place": r"/places/\{public_id\}",
    "resource": r"/booking/resources/\{pk\}",
    "reservation": r"/booking/reservations/\{pk\}",
    "series": r"/booking/series/\{pk\}",
    "agreement": r"/agreements/\{pk\}",
    "organisation": r"/agreements/organisations/\{pk\}",
}


def run(*args: str, env: dict, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, check=True, text=True, **kw)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, server: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while server.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"fuzz_api: the server did not answer {url} within {seconds:.0f} s"
                ) from None
            time.sleep(0.5)
    raise SystemExit(f"fuzz_api: the server stopped with exit code {server.returncode}, see its log")


def config(ids: dict, folder: Path) -> Path:
    lines = []
    for key, path in ID_BY_PATH.items():
        if ids.get(key) is None:
            continue
        name = "public_id" if "public_id" in path else "pk"
        value = json.dumps(ids[key])
        lines += [
            "[[operations]]",
            f"include-path-regex = '{path}'",
            f'parameters = {{ "path.{name}" = {value} }}',
            "",
        ]
    path = folder / "schemathesis.toml"
    path.write_text("\n".join(lines))
    return path


def fuzz(name: str, schema: str, config_file: Path, header: str | None) -> dict:
    args = [
        str(BIN / "schemathesis"),
        "--config-file",
        str(config_file),
        "run",
        schema,
        "--checks",
        "not_a_server_error,status_code_conformance",
        "--phases",
        "examples,fuzzing",
        "--max-time",
        str(SECONDS),
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--seed",
        os.environ.get("FUZZ_SEED", "20261207"),
        "--no-color",
    ]
    if header:
        args += ["--header", header]
    # In the data folder: schemathesis keeps a cache of its own in the folder where it runs.
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(ROOT / "scripts" / "fuzz_hooks.py")}
    done = subprocess.run(args, text=True, capture_output=True, cwd=config_file.parent, env=env)
    out = done.stdout + done.stderr
    summary = {"exit": done.returncode}
    if m := re.search(r"Tested: (\d+)", out):
        summary["operations"] = int(m.group(1))
    for count, what in re.findall(
        r"(\d+) (generated|passed|failed|errored|skipped)", out.split("Test cases:")[-1]
    ):
        summary.setdefault(what, int(count))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.txt").write_text(out)
    if done.returncode:
        # What failed, with the curl command that reproduces it; the warnings are in the artifact.
        failures = out.split("FAILURES", 1)[-1].split("WARNINGS", 1)[0].split("SUMMARY", 1)[0]
        sys.stderr.write(f"== {name}: see {ARTIFACTS / name}.txt\n{failures[-8000:]}\n")
    return summary


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="vicinato-fuzz-") as folder:
        folder = os.environ.get("FUZZ_DATA_DIR", folder)  # a folder with the demo already in it: no new demo
        env = {
            **os.environ,
            "DEBUG": "1",
            "VICINATO_DATA_DIR": folder,
            "TASKS_BACKEND": "immediate",
            "EMAIL_URL": "console://",
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        quiet = {"stdout": subprocess.DEVNULL}
        run(str(BIN / "vicinato"), "migrate", "--verbosity", "0", env=env)
        run(str(BIN / "vicinato"), "createcachetable", env=env)
        started = time.monotonic()
        if "FUZZ_DATA_DIR" not in os.environ:
            run(str(BIN / "vicinato"), "demo", env=env, **quiet)
        demo_seconds = round(time.monotonic() - started, 1)
        shell = run(str(BIN / "vicinato"), "shell", "-c", IDS_SNIPPET, env=env, capture_output=True)
        found = json.loads(shell.stdout.strip().splitlines()[-1])
        config_file = config(found["ids"], Path(folder))
        port = free_port()
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                "2",
                "vicinato.wsgi",
            ],
            cwd=ROOT,
            env={**env, "GUNICORN_CMD_ARGS": ""},
            stdout=subprocess.DEVNULL,
            stderr=open(Path(folder) / "server.log", "w"),
        )
        try:
            schema = f"http://127.0.0.1:{port}/api/v1/openapi.json"
            wait_for(schema, server)
            runs = {
                "anonymous": fuzz("anonymous", schema, config_file, None),
                "worker": fuzz(
                    "worker", schema, config_file, f"Authorization: Bearer {found['tokens']['lavoratrice']}"
                ),
                "operator": fuzz(
                    "operator", schema, config_file, f"Authorization: Bearer {found['tokens']['operatore']}"
                ),
            }
        finally:
            server.terminate()
            server.wait(timeout=30)
        server_errors = [
            line for line in (Path(folder) / "server.log").read_text().splitlines() if "Traceback" in line
        ]
        print(
            json.dumps(
                {
                    "seconds_per_run": SECONDS,
                    "demo_seconds": demo_seconds,
                    "ids": found["ids"],
                    "runs": runs,
                    "server_tracebacks": len(server_errors),
                },
                indent=2,
            )
        )
        return 1 if any(r["exit"] for r in runs.values()) or server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
