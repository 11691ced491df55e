"""The house plan's own checks (run by `make lint`): modules over 700 lines, domain imports hidden in functions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPTS / script), *args], capture_output=True, text=True, check=False
    )


def write_module(path: Path, lines: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"x{i} = {i}\n" for i in range(lines)))


def test_a_module_over_700_lines_fails_with_one_line_saying_which(tmp_path: Path) -> None:
    write_module(tmp_path / "booking" / "services.py", 701)
    write_module(tmp_path / "booking" / "rules.py", 700)
    result = run("check_module_sizes.py", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["booking/services.py: 701 lines, over 700: split it by concern"]


def test_migrations_do_not_count_and_the_largest_are_listed(tmp_path: Path) -> None:
    write_module(tmp_path / "booking" / "migrations" / "0001_initial.py", 2000)
    write_module(tmp_path / "geo" / "models.py", 650)
    write_module(tmp_path / "geo" / "views.py", 20)
    result = run("check_module_sizes.py", "--largest", "1", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["650", "geo/models.py"]


def test_the_project_itself_keeps_the_limit() -> None:
    result = run("check_module_sizes.py")
    assert result.returncode == 0, result.stderr


def test_a_domain_import_inside_a_function_of_another_app_is_found(tmp_path: Path) -> None:
    (tmp_path / "booking").mkdir()
    (tmp_path / "booking" / "rules.py").write_text(
        "def refusal():\n    from vicinato.agreements import services\n    return services\n"
    )
    (tmp_path / "agreements").mkdir()
    (tmp_path / "agreements" / "apps.py").write_text(
        "class Config:\n    def ready(self):\n        from vicinato.booking import access\n"
    )
    result = run("check_imports_in_functions.py", str(tmp_path))
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "booking/rules.py" in output and "vicinato.agreements" in output
    assert "apps.py" not in output  # registering in ready() is the allowed way
