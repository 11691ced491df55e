"""Fail when a function imports another app of the project: an import hidden in a function to dodge a cycle.

The house plan (../shared/ARCHITECTURE.md) has no cycles to dodge: a lower app asks a higher one through a
registry it fills in its AppConfig.ready(). Allowed inside functions: the function's own app (e.g. a lazy
import of a heavy module), an `AppConfig.ready()` (that is where registering happens), `TYPE_CHECKING` blocks.
Usage: python scripts/check_imports_in_functions.py [src/vicinato]   (exit 1 and one line per import found)
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src" / "vicinato"


def app_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "vicinato" else ""


def imported(node: ast.Import | ast.ImportFrom, module: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:  # relative: resolve against the module's package
        base = module.split(".")[: -node.level]
        return [".".join([*base, *([node.module] if node.module else [])])]
    return [node.module or ""]


def found_in(path: Path, root: Path) -> list[str]:
    module = ".".join(("vicinato", *path.relative_to(root).with_suffix("").parts))
    module = module.removesuffix(".__init__")
    tree = ast.parse(path.read_text(), filename=str(path))
    problems = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) or function.name == "ready":
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in imported(node, module):
                    if target.startswith("vicinato.") and app_of(target) != app_of(module):
                        problems.append(f"{path}:{node.lineno}: {function.name}() imports {target}")
    return problems


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else ROOT
    problems = [
        p
        for path in sorted(root.rglob("*.py"))
        if "migrations" not in path.parts
        for p in found_in(path, root)
    ]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
