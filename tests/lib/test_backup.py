"""Nothing lost: `vicinato backup` of a loaded demo (bookings with their history, a voucher ledger, a photo, a
document) restored by `vicinato restore` into an empty database and an empty storage gives identical counts of every
model, booking history, ledger balances, open data files and files; a backup made at an older migration is restored
and migrated forward. Each step is the real command in a process of its own, on a database of its own (SQLite
files, or PostgreSQL databases when DATABASE_URL names one)."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

PROJECT = Path(settings.PROJECT_DIR)
VICINATO = [sys.executable, "-m", "vicinato.manage"]
STATE = str(PROJECT / "tests" / "lib" / "backup_state.py")


class Site:
    """One installation: its database and its data folder (uploads included)."""

    def __init__(self, tmp_path: Path, name: str):
        self.data = tmp_path / name
        self.data.mkdir()
        if connection.vendor == "postgresql":
            self.database = f"vicinato_backup_{name}_{uuid.uuid4().hex[:8]}"
            base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", self.database], check=True)
            self.url = f"{base}/{self.database}"
        else:
            self.database, self.url = None, f"sqlite:///{self.data / 'vicinato.sqlite3'}"

    def env(self) -> dict:
        env = {key: value for key, value in os.environ.items() if not key.startswith("VICINATO_")}
        return {
            **env,
            "DJANGO_SETTINGS_MODULE": "vicinato.settings",
            "DEBUG": "1",
            "DATABASE_URL": self.url,
            "VICINATO_DATA_DIR": str(self.data),
            # No street network nor timetable: the demo loads faster, and a backup has nothing to do with them.
            "VICINATO_OSM_FILE": str(self.data / "no-street-network.osm.pbf"),
            "VICINATO_GTFS_FILES": "",
            "EMAIL_URL": "console://",
            "TASKS_BACKEND": "database",
        }

    def run(self, *command: str) -> str:
        done = subprocess.run(list(command), env=self.env(), cwd=PROJECT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def vicinato(self, *arguments: str) -> str:
        return self.run(*VICINATO, *arguments)

    def snapshot(self) -> dict:
        return json.loads(self.run(sys.executable, STATE, "snapshot"))

    def drop(self) -> None:
        if self.database:
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", self.database])


@pytest.fixture
def sites(tmp_path):
    made = []

    def make(name: str) -> Site:
        made.append(Site(tmp_path, name))
        return made[-1]

    yield make
    for site in made:
        site.drop()


@pytest.mark.processes
def test_restore_into_an_empty_database_keeps_everything_and_migrates_an_older_backup(sites, tmp_path):
    source = sites("source")
    source.vicinato("migrate", "--verbosity", "0")
    source.vicinato("demo", "--quiet-users")
    source.run(sys.executable, STATE, "prepare")
    before = source.snapshot()
    assert before["history"] and len(before["history"]) >= 2
    # The places' photo in the public storage and the voucher document in the private one.
    assert before["ledger"] and {name.split("/")[0] for name in before["files"]} == {"default", "private"}
    assert any(name.startswith("private/") and name.endswith(".pdf") for name in before["files"])
    assert before["counts"]["booking.Reservation"] > 0 and before["counts"]["register.Place"] > 0

    archive = tmp_path / "backup.tar.gz"
    assert f"and {len(before['files'])} files" in source.vicinato("backup", str(archive))

    restored = sites("restored")
    out = restored.vicinato("restore", str(archive))
    assert "Restored" in out and "run `vicinato migrate`" not in out
    after = restored.snapshot()
    for part in before:
        assert after[part] == before[part], part

    # A second restore into the same database is refused with one line, and changes nothing.
    done = subprocess.run(
        [*VICINATO, "restore", str(archive)], env=restored.env(), cwd=PROJECT, capture_output=True, text=True
    )
    assert done.returncode != 0 and done.stderr.strip().startswith(
        "CommandError: The database of DATABASE_URL"
    )
    assert restored.snapshot()["counts"] == before["counts"]

    # A backup made at an older migration (before geo's population of municipalities and what came after) is
    # restored as it was and migrated forward.
    source.vicinato("migrate", "geo", "0003_house_numbers", "--verbosity", "0")
    older = tmp_path / "older.tar.gz"
    source.vicinato("backup", str(older))
    migrated = sites("migrated")
    later = [
        m
        for m in (Path(settings.BASE_DIR) / "geo" / "migrations").glob("0*.py")
        if m.stem > "0003_house_numbers"
    ]
    assert f"predates {len(later)} migrations" in migrated.vicinato("restore", str(older))
    migrated.vicinato("migrate", "--verbosity", "0")
    forward = migrated.snapshot()
    for part in before:
        assert forward[part] == before[part], part


@pytest.mark.processes
def test_restore_refuses_what_is_not_a_backup(sites, tmp_path):
    site = sites("refusals")
    for content, message in [
        (None, "does not exist"),
        (b"hello", "not a .tar.gz archive"),
    ]:
        path = tmp_path / "not-a-backup.tar.gz"
        if content is not None:
            path.write_bytes(content)
        done = subprocess.run(
            [*VICINATO, "restore", str(path)], env=site.env(), cwd=PROJECT, capture_output=True, text=True
        )
        assert done.returncode != 0
        [line] = done.stderr.strip().splitlines()
        assert message in line
