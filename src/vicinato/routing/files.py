"""Writing the engine's files (graphs, indexes, timetables) so that a reader never sees half of one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

import numpy as np


def write_atomically(path: Path, write: Callable[[IO[bytes]], object]) -> Path:
    """Write `path` through `write(file)` into a temporary file next to it, then move that into place: readers
    find the old file or the new one whole. Nothing is left behind when `write` fails."""
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as tmp:
            write(tmp)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def save_npz(path: Path, payload: Mapping[str, np.ndarray]) -> Path:
    """`np.savez` of the arrays, atomically."""
    return write_atomically(path, lambda tmp: np.savez(tmp, **payload))
