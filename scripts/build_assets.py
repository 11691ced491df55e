#!/usr/bin/env python3
"""Copy the built front-end files Vicinato needs from node_modules/ into the static vendor folder.

Run after `npm ci`:  python scripts/build_assets.py
The result, src/vicinato/static/vendor/, is not committed. Running the script again gives the same tree
(files no longer in the list are removed). Only the standard library is used.
"""

from __future__ import annotations

import filecmp
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "src" / "vicinato" / "static" / "vendor"

# (source under node_modules/, destination under vendor/). A source ending in "/" is a whole folder.
FILES: list[tuple[str, str]] = [
    # Bootstrap Italia 2: the bundle includes Popper, Splide and the other dependencies.
    ("bootstrap-italia/dist/css/bootstrap-italia.min.css", "bootstrap-italia/css/bootstrap-italia.min.css"),
    (
        "bootstrap-italia/dist/js/bootstrap-italia.bundle.min.js",
        "bootstrap-italia/js/bootstrap-italia.bundle.min.js",
    ),
    ("bootstrap-italia/dist/svg/sprites.svg", "bootstrap-italia/svg/sprites.svg"),
    ("bootstrap-italia/dist/fonts/", "bootstrap-italia/fonts/"),
    ("bootstrap-italia/LICENSE", "bootstrap-italia/LICENSE"),
    # Leaflet: leaflet.css refers to images/ next to it.
    ("leaflet/dist/leaflet.css", "leaflet/leaflet.css"),
    ("leaflet/dist/leaflet.js", "leaflet/leaflet.js"),
    ("leaflet/dist/images/", "leaflet/images/"),
    ("leaflet/LICENSE", "leaflet/LICENSE"),
    # Leaflet.markercluster
    ("leaflet.markercluster/dist/MarkerCluster.css", "leaflet.markercluster/MarkerCluster.css"),
    (
        "leaflet.markercluster/dist/MarkerCluster.Default.css",
        "leaflet.markercluster/MarkerCluster.Default.css",
    ),
    ("leaflet.markercluster/dist/leaflet.markercluster.js", "leaflet.markercluster/leaflet.markercluster.js"),
    ("leaflet.markercluster/MIT-LICENCE.txt", "leaflet.markercluster/MIT-LICENCE.txt"),
    # htmx 2
    ("htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"),
    ("htmx.org/LICENSE", "htmx/LICENSE"),
    # axe-core, for the accessibility checks in browser tests
    ("axe-core/axe.min.js", "axe-core/axe.min.js"),
    ("axe-core/LICENSE", "axe-core/LICENSE"),
]

# Font formats worth serving: every browser we support reads woff2, and woff is the fallback.
FONT_SUFFIXES = {".woff2", ".woff"}
FONT_KEEP = {"OFL.txt", "LICENSE.txt"}

SOURCE_MAP = re.compile(rb"[#@]\s*sourceMappingURL=([^\s*'\"]+)")


def wanted_file(src: Path) -> bool:
    """Inside copied folders keep only what a browser will ask for (and the licences)."""
    if "fonts" in src.parts:
        return src.suffix in FONT_SUFFIXES or src.name in FONT_KEEP
    return True


def plan() -> dict[Path, Path]:
    """Map every destination file to its source."""
    mapping: dict[Path, Path] = {}
    missing: list[str] = []
    for src_rel, dst_rel in FILES:
        src = NODE_MODULES / src_rel
        if src_rel.endswith("/"):
            if not src.is_dir():
                missing.append(src_rel)
                continue
            for path in sorted(src.rglob("*")):
                if path.is_file() and wanted_file(path):
                    mapping[VENDOR / dst_rel / path.relative_to(src)] = path
            continue
        if not src.is_file():
            missing.append(src_rel)
            continue
        mapping[VENDOR / dst_rel] = src
        # Keep the source map a .css/.js file names, so no request for it ever fails.
        if src.suffix in {".css", ".js"}:
            match = SOURCE_MAP.search(src.read_bytes()[-500:])
            if match:
                map_src = src.parent / match.group(1).decode()
                if map_src.is_file():
                    mapping[(VENDOR / dst_rel).parent / match.group(1).decode()] = map_src
    if missing:
        raise FileNotFoundError(", ".join(missing))
    return mapping


def main() -> int:
    if not NODE_MODULES.is_dir():
        print(f"build_assets: {NODE_MODULES} is missing: run npm ci first", file=sys.stderr)
        return 1
    try:
        mapping = plan()
    except FileNotFoundError as exc:
        print(f"build_assets: not found in node_modules ({exc}): run npm ci first", file=sys.stderr)
        return 1

    copied = 0
    for dst, src in mapping.items():
        if dst.is_file() and filecmp.cmp(src, dst, shallow=False):
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        copied += 1

    # Remove whatever an older run left that is no longer in the list.
    removed = 0
    if VENDOR.is_dir():
        for path in sorted(VENDOR.rglob("*"), reverse=True):
            if path.is_file() and path not in mapping:
                path.unlink()
                removed += 1
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()

    print(
        f"build_assets: {len(mapping)} files in {VENDOR.relative_to(ROOT)} ({copied} copied, {removed} removed)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
