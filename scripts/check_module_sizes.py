"""Fail when a module of the project is longer than the house plan allows (700 lines; migrations excepted).

A module that long holds several concerns: split it by family, as booking/services/ is (../shared/ARCHITECTURE.md).
Usage: python scripts/check_module_sizes.py [--largest N] [src/vicinato]
       (exit 1 and one line per module over the limit; --largest prints the N longest, as the closing notes report)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src" / "vicinato"
LIMIT = 700


def sizes(root: Path) -> list[tuple[int, Path]]:
    """(lines, path) of every Python module below root but migrations, longest first."""
    found = [
        (len(path.read_text(encoding="utf-8").splitlines()), path)
        for path in root.rglob("*.py")
        if "migrations" not in path.relative_to(root).parts
    ]
    return sorted(found, key=lambda item: (-item[0], str(item[1])))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, default=ROOT)
    parser.add_argument("--largest", type=int, default=0, metavar="N", help="print the N longest modules")
    args = parser.parse_args(argv)
    if not args.root.is_dir():
        print(f"check_module_sizes: {args.root} is not a folder", file=sys.stderr)
        return 2
    found = sizes(args.root)
    for lines, path in found[: args.largest]:
        print(f"{lines:5d} {path.relative_to(args.root)}")
    over = [(lines, path) for lines, path in found if lines > LIMIT]
    for lines, path in over:
        print(
            f"{path.relative_to(args.root)}: {lines} lines, over {LIMIT}: split it by concern",
            file=sys.stderr,
        )
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
