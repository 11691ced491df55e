"""A backup of the whole installation in one archive, and its restore into an empty database.

The database is copied by its engine's own tool, so that the copy is exact (every table, the migrations applied,
the sequences) whatever the models of the code that reads it: PostgreSQL with `pg_dump --format=custom` (one
consistent snapshot while the site runs) restored by `pg_restore`; the embedded SQLite with its online backup API.
The files are every file of the storages of STORED (STORAGES["default"]: the places' photos; STORAGES["private"]:
the voucher and register documents), read and written through each storage, so a backup of a local folder can be restored into an S3 bucket and back.

An archive is a .tar.gz holding `manifest.json` (format, database engine, time, migrations applied, files),
`database.pgdump` or `database.sqlite3`, and `files/<name>` for each stored file. A restore refuses a database that
already has tables; a backup made by older code is restored as it was and `vicinato migrate` brings it forward.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.core.files import File
from django.core.files.storage import Storage, default_storage, storages
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 2  # 2: the files of every storage of STORED, each under files/<storage>/
DUMP_NAMES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
ENGINE_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says what to do."""


@dataclass(frozen=True)
class Summary:
    engine: str
    files: int
    migrations: int  # applied in the backup
    pending: int = 0  # after a restore: migrations of this code that the restored database lacks


def _engine() -> str:
    if connection.vendor not in DUMP_NAMES:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
    return connection.vendor


def _pg_command(program: str, *arguments: str) -> tuple[list[str], dict]:
    """A PostgreSQL client command for the database of DATABASE_URL (its password in the environment)."""
    if shutil.which(program) is None:
        raise BackupError(
            f"{program} is not installed; install PostgreSQL's client (apt-get install postgresql-client)."
        )
    db = connection.settings_dict
    command = [program, "--no-password", "--dbname", db["NAME"]]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            command += [option, str(db[key])]
    env = {**os.environ, **({"PGPASSWORD": db["PASSWORD"]} if db.get("PASSWORD") else {})}
    return command + list(arguments), env


def _run(command: list[str], env: dict) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()] or ["no message"]
        raise BackupError(f"{Path(command[0]).name} failed: {lines[-1].strip()}")


def _dump_database(target: Path) -> None:
    if _engine() == "postgresql":
        _run(
            *_pg_command("pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target))
        )
    else:
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)
        finally:
            copy.close()


def _load_database(source: Path) -> None:
    if _engine() == "postgresql":
        arguments = ("--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", str(source))
        _run(*_pg_command("pg_restore", *arguments))
    else:
        connection.ensure_connection()
        dump = sqlite3.connect(source)
        try:
            dump.backup(connection.connection)
        finally:
            dump.close()
    connection.close()  # the next query sees the restored tables


# The storages whose files a backup holds: public media (places' photos) and private documents (voucher papers,
# register documents), each restored into the storage of the same name.
STORED = ("default", "private")


def stored_files(storage: Storage = default_storage, folder: str = "") -> list[str]:
    """The names of every file of the storage, folders walked."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [f"{folder}/{name}" if folder else name for name in files]
    for sub in folders:
        names += stored_files(storage, f"{folder}/{sub}" if folder else sub)
    return sorted(names)


def _applied() -> list[list[str]]:
    return sorted([app, name] for app, name in MigrationRecorder(connection).applied_migrations())


def create_backup(path: Path) -> Summary:
    """Write the archive at `path` (made complete beside it, then renamed: never a half-written backup)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist; create it or choose another path.")
    engine = _engine()
    files = {alias: stored_files(storages[alias]) for alias in STORED}
    applied = _applied()
    manifest = {
        "format": FORMAT,
        "engine": engine,
        "created": timezone.now().isoformat(),
        "migrations": applied,
        "files": files,
    }
    partial = path.with_name(path.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="vicinato-backup-") as work:
        dump = Path(work) / DUMP_NAMES[engine]
        _dump_database(dump)
        with tarfile.open(partial, "w:gz") as archive:
            _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=1).encode())
            archive.add(dump, arcname=dump.name)
            for alias, names in files.items():
                storage = storages[alias]
                for name in names:
                    with storage.open(name, "rb") as handle:
                        info = tarfile.TarInfo(f"files/{alias}/{name}")
                        info.size = storage.size(name)
                        info.mtime = int(timezone.now().timestamp())
                        archive.addfile(info, handle)
    partial.replace(path)
    return Summary(engine, sum(map(len, files.values())), len(applied))


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    archive.addfile(info, fileobj=io.BytesIO(data))


def database_is_empty() -> bool:
    return not connection.introspection.table_names()


def _read_manifest(archive: tarfile.TarFile, path: Path) -> dict:
    try:
        manifest = json.load(archive.extractfile("manifest.json"))
    except (KeyError, ValueError):
        raise BackupError(f"{path.name} is not a Vicinato backup (it has no manifest.json).") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{path.name} is a backup of format {manifest.get('format')}; this version reads {FORMAT}."
        )
    return manifest


def restore_backup(path: Path) -> Summary:
    """Restore the archive into the database of DATABASE_URL, which must be empty, and its files into the storages
    of the same names."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} does not exist; give the path of a backup made by `vicinato backup`.")
    engine = _engine()
    try:
        archive = tarfile.open(path, "r:gz")
    except (tarfile.TarError, OSError):
        raise BackupError(f"{path.name} is not a Vicinato backup (not a .tar.gz archive).") from None
    with archive, tempfile.TemporaryDirectory(prefix="vicinato-restore-") as work:
        manifest = _read_manifest(archive, path)
        if manifest["engine"] != engine:
            raise BackupError(
                f"{path.name} is a backup of a {ENGINE_NAMES[manifest['engine']]} database and DATABASE_URL names a "
                f"{ENGINE_NAMES[engine]} one; restore it into a {ENGINE_NAMES[manifest['engine']]} database."
            )
        if not database_is_empty():
            raise BackupError(
                "The database of DATABASE_URL already has tables; restore into a new, empty database "
                "(e.g. createdb vicinato_restored) so that nothing is mixed or lost."
            )
        member = archive.getmember(DUMP_NAMES[engine])
        archive.extract(member, work, filter="data")
        _load_database(Path(work) / member.name)
        for alias, names in manifest["files"].items():
            storage = storages[alias]
            for name in names:
                handle = archive.extractfile(f"files/{alias}/{name}")
                if storage.exists(name):
                    storage.delete(name)
                saved = storage.save(name, File(handle, name=name))
                if saved != name:
                    raise BackupError(f"The storage saved {name} as {saved}; restore into an empty storage.")
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    count = sum(map(len, manifest["files"].values()))
    return Summary(engine, count, len(manifest["migrations"]), len(pending))
