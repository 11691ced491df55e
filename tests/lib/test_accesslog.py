"""Search addresses never reach the request logs (issue 18, finding 8): gunicorn, run with the project's
gunicorn.conf.py in a process of its own, logs the path of a search and not its address, nor the address in the
Referer; the development server's log (`django.server`) leaves query values out too."""

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from vicinato.lib.accesslog import hide_values, redact_query

PROJECT = Path(settings.PROJECT_DIR)
REGISTER_SEARCH = "/registro/?q=Via+Padova+21&kind=coworking"
SEARCH = "/vicino-a-te/?address=Via+Padova+21&lat=45.4912&lon=9.2165&mode=walk&minutes=15"


def test_every_query_value_is_left_out_and_the_path_and_names_kept():
    assert redact_query(f"GET {SEARCH} HTTP/1.1") == (
        "GET /vicino-a-te/?address=-&lat=-&lon=-&mode=-&minutes=- HTTP/1.1"
    )
    assert redact_query("http://127.0.0.1:8000/copertura/?q=Via%20Roma&x=1") == (
        "http://127.0.0.1:8000/copertura/?q=-&x=-"
    )
    assert redact_query("/registro/") == "/registro/"
    assert hide_values("home=Via+Roma+3;lat=45") == "home=-;lat=-"


def test_the_development_servers_log_leaves_query_values_out():
    logger = logging.getLogger("django.server")
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logger.addHandler(handler)
    try:
        # As django.core.servers.basehttp.WSGIRequestHandler.log_message logs a request.
        logger.info('"%s" %s %s', f"GET {SEARCH} HTTP/1.1", "200", "5120")
    finally:
        logger.removeHandler(handler)
    assert lines == ['"GET /vicino-a-te/?address=-&lat=-&lon=-&mode=-&minutes=- HTTP/1.1" 200 5120']


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.processes
def test_gunicorns_access_log_has_the_search_path_and_not_the_address(tmp_path):
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("VICINATO_", "DJANGO_ALLOW"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="vicinato.settings",
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'vicinato.sqlite3'}",
        VICINATO_DATA_DIR=str(tmp_path),
        VICINATO_OSM_FILE=str(tmp_path / "no-street-network.osm.pbf"),
        VICINATO_GTFS_FILES="",
        GUNICORN_CMD_ARGS="",
    )
    migrate = subprocess.run(
        [sys.executable, "-m", "vicinato.manage", "migrate", "--verbosity", "0"],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    port, log = free_port(), tmp_path / "access.log"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "-c", str(PROJECT / "gunicorn.conf.py"), "-b", f"127.0.0.1:{port}", "-w", "1"]
        + ["--access-logfile", str(log), "vicinato.wsgi"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # The register's search by name or address (it needs no street network, which this server has not).
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{REGISTER_SEARCH}",
            headers={"Referer": f"http://127.0.0.1:{port}{SEARCH}"},
        )
        for _ in range(240):  # the server starts (the project is imported once, before the worker)
            try:
                answer = urllib.request.urlopen(request, timeout=60)
            except urllib.error.HTTPError:
                raise
            except urllib.error.URLError:  # not listening yet
                assert server.poll() is None, server.stderr.read().decode()[-3000:]
                time.sleep(0.25)
                continue
            with answer:
                assert answer.status == 200
                assert "Via Padova 21" in answer.read().decode()  # the page itself keeps the search
            break
        else:
            pytest.fail("gunicorn did not start in 60 s")
        for _ in range(50):  # written by the worker after the answer
            if log.exists() and "registro" in log.read_text():
                break
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    written = log.read_text()
    assert '"GET /registro/?q=-&kind=- HTTP/1.1" 200' in written, written
    referer = f'"http://127.0.0.1:{port}/vicino-a-te/?address=-&lat=-&lon=-&mode=-&minutes=-"'
    assert referer in written, written
    for secret in ("Padova", "45.4912", "9.2165", "coworking"):
        assert secret not in written, written
