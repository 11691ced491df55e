"""Errors of the public-transport engine: a broken GTFS feed, a timetable that no longer fits its street graph."""

from __future__ import annotations

from ..errors import RoutingError


class GTFSError(RoutingError):
    """A GTFS feed that cannot be read; the message names the file, the line and what to fix."""

    def __init__(self, feed: str, file: str, line: int | None, problem: str, fix: str) -> None:
        self.feed = feed
        self.file = file
        self.line = line
        self.problem = problem
        self.fix = fix
        where = f"{file}, line {line}" if line is not None else file
        super().__init__(f"GTFS feed {feed}: {where}: {problem}; {fix}")


class TransitError(RoutingError, ValueError):
    """A public-transport query that cannot be answered as asked (the message says what to change)."""
