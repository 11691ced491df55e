"""The signing key: never a fixed one; a random one kept in the data folder for development; refused when missing
in production (issue 18, finding 1)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import vicinato

SETTINGS_FILE = Path(vicinato.__file__).parent / "settings.py"
PRINT_KEY = "from django.conf import settings; print(settings.SECRET_KEY)"


def run(code: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", "VICINATO_TEST_NOW"}
    }
    environment.update(VICINATO_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="vicinato.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=120
    )


def test_no_fixed_key_in_the_settings():
    source = SETTINGS_FILE.read_text()
    assert "insecure" not in source.lower()
    assert 'SECRET_KEY = os.environ.get("SECRET_KEY") or "' not in source


def test_development_key_is_random_kept_private_and_reused(tmp_path):
    first = run(PRINT_KEY, tmp_path, DEBUG="1")
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = first.stdout.strip()
    assert len(key) >= 50 and key == key_file.read_text().strip()
    again = run(PRINT_KEY, tmp_path, DEBUG="1")
    assert again.stdout.strip() == key
    # Another data folder, another key.
    other = run(PRINT_KEY, tmp_path / "other", DEBUG="1")
    assert other.stdout.strip() not in {"", key}


def test_configured_key_wins_and_nothing_is_written(tmp_path):
    result = run(PRINT_KEY, tmp_path, DEBUG="1", SECRET_KEY="k" * 60)
    assert result.stdout.strip() == "k" * 60
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("debug", ["0", ""])
def test_production_without_a_key_refuses_to_start_with_one_line(tmp_path, debug):
    result = run(
        "from vicinato.manage import main; import sys; sys.argv = ['vicinato', 'check']; main()",
        tmp_path,
        DEBUG=debug,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "SECRET_KEY" in lines[0]
    assert not (tmp_path / "secret_key").exists()


def test_the_wsgi_server_refuses_too(tmp_path):
    result = run("import vicinato.wsgi", tmp_path, DEBUG="0")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].count("SECRET_KEY") >= 1
    assert "Traceback" not in result.stderr
