#!/usr/bin/env python3
"""Two application servers on one PostgreSQL database, as README's "Running on several servers" describes.

Starts, on a new PostgreSQL database loaded with the demo: servers A and B (gunicorn with gunicorn.conf.py), each
with a data folder of its own (its routing caches and places index), one shared media folder, one shared cache
(CACHE_URL: Redis when one answers on 127.0.0.1:6379, as CI starts, else the database's table) and two task
workers (`vicinato db_worker`) sending e-mails to a small SMTP server of this script. Then checks, printing what it measured:

- a place approved through A is found by a nearby search on B within 2 s (the delay is printed);
- a photo uploaded through A (the place's edit page) is served by B;
- with two task workers running, each e-mail is sent once;
- an `import-osm` of Seregno's streets run as a command is used by both servers without restart (the delays are
  printed), and their Milan answers do not change.

Run with the project's Python: `.venv/bin/python scripts/two_servers.py` (DATABASE_URL names the PostgreSQL server;
default postgres://postgres@127.0.0.1:5432). Exit status 0 when every check passed, 1 otherwise.
"""

from __future__ import annotations

import email
import http.cookiejar
import io
import json
import os
import secrets
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "vicinato"  # the demo users'
NEARBY_LIMIT_S = 2.0


def png() -> bytes:
    """A small picture, as a phone would upload one (the site decodes and re-encodes it)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, "PNG")
    return out.getvalue()


# --- a small SMTP server that keeps what it receives -----------------------------------------------------------
class SmtpSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.messages: list[bytes] = []
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return self.server_address[1]


class _SmtpHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 sink ESMTP")
        while line := self.rfile.readline():
            verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-sink")
                self.reply("250 8BITMIME")
            elif verb == "DATA":
                self.reply("354 go on")
                body = []
                while (data := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    body.append(data)
                with self.server.lock:
                    self.server.messages.append(b"".join(body))
                self.reply("250 kept")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:  # HELO, MAIL, RCPT, RSET, NOOP
                self.reply("250 ok")


# --- a browser without JavaScript: cookies, CSRF, forms --------------------------------------------------------
class FormParser(HTMLParser):
    """The fields of the first form with a file input (or of every form), as a browser would send them."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("file", "submit", "button"):
                self.fields.append((name, a.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def get(self, path: str) -> tuple[int, bytes]:
        return self.request(path)

    def post(self, path: str, fields: dict | list) -> int:
        items = list(fields.items()) if isinstance(fields, dict) else fields
        body = urllib.parse.urlencode([("csrfmiddlewaretoken", self.csrf()), *items]).encode()
        status, _ = self.request(path, body, {"Content-Type": "application/x-www-form-urlencoded"})
        return status

    def post_multipart(self, path: str, fields: list, files: dict) -> tuple[int, bytes]:
        boundary = "vicinato" + secrets.token_hex(8)
        parts = []
        for name, value in [("csrfmiddlewaretoken", self.csrf()), *fields]:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        for name, (filename, content, kind) in files.items():
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {kind}\r\n\r\n"
            )
            parts.append(head.encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request(path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def sign_in(self, username: str) -> None:
        self.get("/accedi/")
        status = self.post("/accedi/", {"username": username, "password": PASSWORD})
        if status != 302:
            raise RuntimeError(f"{username} could not sign in on {self.base} (HTTP {status})")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# --- the installation ------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Installation:
    database_url: str
    folder: Path
    smtp_port: int
    cache_url: str = "db://"
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(50))
    processes: list[subprocess.Popen] = field(default_factory=list)

    def env(self, name: str, **extra: str) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VICINATO_", "GUNICORN_"))}
        env.update(
            DATABASE_URL=self.database_url,
            SECRET_KEY=self.secret_key,
            DEBUG="0",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            VICINATO_DATA_DIR=str(self.folder / name),  # each server's own local folder
            VICINATO_MEDIA_DIR=str(self.folder / "shared-media"),  # the media store every server shares
            CACHE_URL=self.cache_url,
            VICINATO_GTFS_FILES="",  # no timetable: the checks search on foot, and servers start sooner
            EMAIL_URL=f"smtp://127.0.0.1:{self.smtp_port}",
            TASKS_BACKEND="database",
            WEB_CONCURRENCY="2",
            GUNICORN_THREADS="4",
            LOG_LEVEL="ERROR",
            # The reviewer signs in with a password only: the second factor has tests of its own.
            VICINATO_STAFF_SECOND_FACTOR="0",
            **extra,
        )
        return env

    def command(self, name: str, *arguments: str) -> str:
        done = subprocess.run(
            [str(BIN / "vicinato"), *arguments], env=self.env(name), cwd=ROOT, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"vicinato {' '.join(arguments)} failed: {done.stderr.strip()[-800:]}")
        return done.stdout

    def start(self, name: str, *command: str, **extra: str) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            list(command), env=self.env(name, **extra), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        return process

    def server(self, name: str) -> str:
        port = free_port()
        self.start(name, str(BIN / "gunicorn"), "vicinato.wsgi", GUNICORN_BIND=f"127.0.0.1:{port}")
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=5) as response:
                    if response.status == 200:
                        return base
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"server {name} did not answer on {base}; see {self.folder / (name + '.log')}")

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def orm(installation: Installation):
    """Django's ORM in this process, on the same database (to find ids and count tasks)."""
    os.environ.update(installation.env("script"), DJANGO_SETTINGS_MODULE="vicinato.settings")
    import django

    django.setup()


# --- the checks --------------------------------------------------------------------------------------------------
@dataclass
class Result:
    name: str
    passed: bool | None  # None: not checked
    detail: str


NEARBY = "nearby search on B sees an approval made on A"
PHOTO = "photo uploaded through A is served by B"
EMAILS = "each e-mail sent once with two task workers"
IMPORT_OSM = "import-osm used by both servers without restart"


def check_nearby_search_sees_approval(a: Browser, b: Browser) -> Result:
    from vicinato.register.models import Application

    waiting = list(
        Application.objects.filter(state="submitted", register__reviewers__username="revisore")
        .filter(place__municipality__slug="milano")
        .select_related("place", "register")
        .order_by("pk")
    )
    if not waiting:
        return Result(NEARBY, False, "no submitted application")
    application = waiting[0]
    place = application.place
    query = f"/api/v1/places/nearby?lat={place.lat}&lon={place.lon}&mode=walk&minutes=15"

    def found_on(server: Browser) -> bool:
        status, body = server.get(query)
        if status != 200:
            raise RuntimeError(f"{server.base} answered the nearby search with HTTP {status}: {body[:300]!r}")
        return any(item["id"] == place.public_id for item in json.loads(body))

    # Every worker of both servers has searched once (its street graph and index are loaded: a worker's first
    # search is its start, not the delay measured here), and none lists the place yet.
    with ThreadPoolExecutor(max_workers=8) as pool:
        seen = list(pool.map(found_on, [a, b] * 8))
    if any(seen):
        return Result(NEARBY, False, "listed before approval")
    a.sign_in("revisore")
    for check in application.register.requirements.filter(kind="reviewer_check"):
        a.post(f"/revisione/candidature/{application.pk}/", {"requirement": check.pk, "ticked": "1"})
    status = a.post(
        f"/gestione/candidature/{application.pk}/azione/", {"action": "approve", "note": "", "from": "review"}
    )
    approved = time.monotonic()
    application.refresh_from_db()
    if application.state != "approved":
        return Result(NEARBY, False, f"approval refused (HTTP {status})")
    while not found_on(b):
        if time.monotonic() - approved > 10:
            on_a = "A finds it" if found_on(a) else "A does not find it either"
            return Result(
                NEARBY,
                False,
                f"not found on B 10 s after the approval on A ({on_a}): B answers from the places index in its own "
                "data folder, which nothing tells to change when another server lists a place (the places "
                "version in the database, issue 20's routing half, will)",
            )
        time.sleep(0.02)
    delay = time.monotonic() - approved
    return Result(
        NEARBY,
        delay <= NEARBY_LIMIT_S,
        f"found on B {delay:.2f} s after A answered the approval (limit {NEARBY_LIMIT_S:.0f} s)",
    )


def check_photo_served_by_b(a: Browser, b: Browser) -> Result:
    from vicinato.register.models import Place

    name = PHOTO
    place = (
        Place.objects.filter(
            operator__memberships__user__username="operatore", operator__memberships__role="admin"
        )
        .order_by("pk")
        .first()
    )
    a.sign_in("operatore")
    path = f"/gestione/luoghi/{place.public_id}/modifica/"
    status, page = a.get(path)
    parser = FormParser()
    parser.feed(page.decode())
    fields = [(k, v) for k, v in parser.fields if k not in ("csrfmiddlewaretoken", "photo_alt")]
    fields.append(("photo_alt", "La facciata / The front"))
    status, body = a.post_multipart(path, fields, {"photo": ("facciata.png", png(), "image/png")})
    place.refresh_from_db()
    if status != 302 or not place.photo:
        return Result(name, False, f"the upload on A was not saved (HTTP {status})")
    served_a = a.get(f"/media/{place.photo.name}")
    served_b = b.get(f"/media/{place.photo.name}")
    if served_b[0] != 200 or served_b[1] != served_a[1]:
        return Result(name, False, f"B answered HTTP {served_b[0]} for /media/{place.photo.name}")
    return Result(name, True, f"/media/{place.photo.name}: {len(served_b[1])} bytes, the same on A and B")


def _fingerprint(raw: bytes) -> tuple:
    """What two copies of one e-mail share (their Message-ID and MIME boundaries differ)."""
    message = email.message_from_bytes(raw)
    texts = [
        part.get_payload(decode=True) for part in message.walk() if part.get_content_type() == "text/plain"
    ]
    return message["To"], message["Subject"], tuple(texts)


def check_each_email_sent_once(installation: Installation, sink: SmtpSink) -> Result:
    """The e-mails of the queue (the demo's bookings and appointments left hundreds) sent by two workers that race
    for them: every task run by exactly one worker, both workers at work, every message received once."""
    from django_tasks_db.models import DBTaskResult

    name = EMAILS
    expected = DBTaskResult.objects.filter(status="READY").count()
    with sink.lock:
        sink.messages.clear()  # the register's e-mails, sent by the servers themselves, are not the workers'
    for worker in ("worker-1", "worker-2"):
        installation.start(
            worker, str(BIN / "vicinato"), "db_worker", "--interval", "0.2", "--worker-id", worker
        )
    deadline = time.monotonic() + 300
    while (
        DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists() and time.monotonic() < deadline
    ):
        time.sleep(0.2)
    time.sleep(3)  # a task run twice would send its second copy now
    runs = [len(ids) for ids in DBTaskResult.objects.values_list("worker_ids", flat=True)]
    workers = {w for ids in DBTaskResult.objects.values_list("worker_ids", flat=True) for w in ids}
    failed = DBTaskResult.objects.filter(status="FAILED").count()
    with sink.lock:
        messages = list(sink.messages)
    unique = {_fingerprint(message) for message in messages}
    detail = (
        f"{expected} tasks, {len(messages)} messages received, {len(unique)} distinct, {failed} failed, "
        f"run by {', '.join(sorted(workers)) or 'no worker'} ({sum(runs)} runs)"
    )
    passed = (
        expected > 0
        and len(messages) == len(unique) == expected
        and not failed
        and set(runs) == {1}
        and len(workers) == 2
    )
    return Result(name, passed, detail)


SEREGNO = "108039"  # ISTAT code; the demo has Seregno's boundary and places, and no street network for it
SEREGNO_CENTRE = (45.6503, 9.2031)
MILAN_POINT = (45.4642, 9.1900)


def nearby(server: Browser, point: tuple[float, float]) -> tuple[bool, list]:
    """(travel times known, [(place, minutes)]) of a nearby search on foot from `point` through the API."""
    query = urllib.parse.urlencode({"lat": point[0], "lon": point[1], "mode": "walk", "minutes": 15})
    with urllib.request.urlopen(f"{server.base}/api/v1/places/nearby?{query}", timeout=30) as response:
        known = response.headers.get("X-Travel-Times") != "straight-line"
        return known, [(item["id"], item["minutes"]) for item in json.loads(response.read())]


def check_import_osm_used_by_both(installation: Installation, a: Browser, b: Browser) -> Result:
    """`vicinato import-osm FILE --municipality 108039` run as a command, next to Milan's network: both servers
    then search Seregno on its streets, with no restart, and their Milan answers do not change."""
    sys.path.insert(0, str(ROOT))
    from tests.geo.osm_grid import town_extract

    milan_before = {name: nearby(server, MILAN_POINT) for name, server in (("A", a), ("B", b))}
    before = {name: nearby(server, SEREGNO_CENTRE)[0] for name, server in (("A", a), ("B", b))}
    if any(before.values()):
        return Result(IMPORT_OSM, False, f"Seregno had travel times before the import: {before}")
    extract = town_extract(installation.folder / "seregno.osm", SEREGNO_CENTRE)
    installation.command("script", "import-osm", str(extract), "--municipality", SEREGNO)
    imported = time.monotonic()
    delays: dict[str, float] = {}
    while time.monotonic() - imported < 10 and len(delays) < 2:
        for name, server in (("A", a), ("B", b)):
            if name not in delays and nearby(server, SEREGNO_CENTRE)[0]:
                delays[name] = time.monotonic() - imported
        time.sleep(0.1)
    milan_after = {name: nearby(server, MILAN_POINT) for name, server in (("A", a), ("B", b))}
    unchanged = milan_after == milan_before and bool(milan_before["A"][1])
    waited = ", ".join(f"{name} after {seconds:.2f} s" for name, seconds in sorted(delays.items()))
    detail = (
        f"Seregno on its streets: {waited or 'on neither server within 10 s'}; Milan unchanged: {unchanged!r}"
    )
    return Result(IMPORT_OSM, len(delays) == 2 and bool(unchanged), detail)


def checked(name: str, check, *arguments) -> Result:
    """One check's result; one that breaks is a failure of that check, and the others still run."""
    try:
        return check(*arguments)
    except Exception as error:  # noqa: BLE001 (reported, and the exit says it failed)
        return Result(name, False, f"{type(error).__name__}: {error}")


def shared_cache() -> str:
    """Redis, as in production, when one answers on 127.0.0.1:6379 (CI starts one); else the database's table."""
    url = os.environ.get("TWO_SERVERS_CACHE_URL")
    if url:
        return url
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            if connection.recv(16).startswith(b"+PONG"):
                return "redis://127.0.0.1:6379/9"
    except OSError:
        pass
    return "db://"


def main() -> int:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vicinato")
    if not base.startswith(("postgres://", "postgresql://")):
        print("two_servers.py needs PostgreSQL: set DATABASE_URL to a postgres:// URL.", file=sys.stderr)
        return 2
    import psycopg

    server_url, _, _ = base.rpartition("/")
    database = f"vicinato_two_servers_{os.getpid()}"
    admin = psycopg.connect(f"{server_url}/postgres", autocommit=True)
    admin.execute(f'CREATE DATABASE "{database}"')
    folder = Path(tempfile.mkdtemp(prefix="vicinato-two-servers-"))
    sink = SmtpSink()
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    installation = Installation(f"{server_url}/{database}", folder, sink.port, shared_cache())
    print(f"shared cache: {installation.cache_url}", flush=True)
    results: list[Result] = []
    try:
        started = time.monotonic()
        installation.command("a", "migrate", "--verbosity", "0")
        installation.command("a", "createcachetable")
        installation.command("a", "demo", "--quiet-users")
        print(f"database {database} loaded with the demo in {time.monotonic() - started:.0f} s", flush=True)
        orm(installation)
        a, b = Browser(installation.server("a")), Browser(installation.server("b"))
        print(f"servers A {a.base} and B {b.base}", flush=True)
        results.append(checked(NEARBY, check_nearby_search_sees_approval, a, b))
        results.append(checked(PHOTO, check_photo_served_by_b, Browser(a.base), b))
        results.append(checked(EMAILS, check_each_email_sent_once, installation, sink))
        results.append(checked(IMPORT_OSM, check_import_osm_used_by_both, installation, a, b))
    except Exception as error:  # noqa: BLE001 (reported, and the exit says it failed)
        results.append(Result("setup", False, f"{type(error).__name__}: {error}"))
    finally:
        installation.stop()
        sink.shutdown()
        from django.conf import settings

        if settings.configured:
            from django.db import connections

            connections.close_all()
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()
        if all(r.passed is not False for r in results):
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"logs kept in {folder}")
    for result in results:
        mark = {True: "PASS", False: "FAIL", None: "SKIP"}[result.passed]
        print(f"{mark}  {result.name}: {result.detail}")
    return 0 if results and all(r.passed is True for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
