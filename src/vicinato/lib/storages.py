"""Moving stored files from one of settings.STORAGES to another: the data migrations that took uploaded
documents out of the public media into the private storage."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.files.storage import storages


def move_files(names: Iterable[str], source: str = "default", target: str = "private") -> int:
    """Move each named file that is in `source` and not yet in `target` (a run cut short can run again);
    gives back how many moved."""
    origin, destination = storages[source], storages[target]
    moved = 0
    for name in names:
        if name and origin.exists(name) and not destination.exists(name):
            with origin.open(name, "rb") as content:
                destination.save(name, content)
            origin.delete(name)
            moved += 1
    return moved
