"""GTFS text files (CSV) read from a zip archive or a folder, in chunks of columns, with line numbers for errors.

Most feeds write their big file, stop_times.txt, without quotes: such chunks are cut into fields
with numpy (the positions of the commas and line ends), and times are parsed digit by digit over
whole columns. A chunk with a quote in it goes through Python's csv module instead (the same
values, slower). Either way a value keeps the line it came from, so that errors can name it.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from .errors import GTFSError

CHUNK_BYTES = 16 << 20
BOM = b"\xef\xbb\xbf"


class Archive:
    """The text files of one feed, in a zip archive (possibly inside one folder of it) or a folder."""

    def __init__(self, path: Path, feed_id: str) -> None:
        self.path = path
        self.feed_id = feed_id
        self._zip: zipfile.ZipFile | None = None
        self._members: dict[str, str] = {}
        if path.is_dir():
            self._members = {p.name: str(p) for p in path.iterdir() if p.suffix == ".txt"}
            return
        if not path.exists():
            raise GTFSError(
                feed_id,
                path.name,
                None,
                f"there is no file at {path}",
                "give the path of the feed's .zip file",
            )
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as error:
            raise GTFSError(
                feed_id,
                path.name,
                None,
                f"the file is not a zip archive ({error})",
                "give the GTFS feed's .zip file as its publisher distributes it",
            ) from None
        for name in self._zip.namelist():
            base = name.rsplit("/", 1)[-1]
            if base.endswith(".txt") and not name.startswith("__MACOSX"):
                self._members.setdefault(base, name)

    def has(self, name: str) -> bool:
        return name in self._members

    def size(self, name: str) -> int:
        if not self.has(name):
            return 0
        if self._zip is not None:
            return self._zip.getinfo(self._members[name]).file_size
        return Path(self._members[name]).stat().st_size

    def open(self, name: str) -> io.BufferedIOBase:
        if self._zip is not None:
            return self._zip.open(self._members[name])  # type: ignore[return-value]
        return open(self._members[name], "rb")  # noqa: SIM115 - closed by the caller

    def require(self, name: str, why: str = "") -> None:
        if not self.has(name):
            raise GTFSError(
                self.feed_id,
                name,
                None,
                "the feed has no such file" + (f" ({why})" if why else ""),
                f"add {name} to the feed: GTFS requires it",
            )

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def parse_time(text: str | bytes) -> int | None:
    """Seconds of an H:MM:SS time (hours may pass 24); -1 for an empty value, None if it is not a time."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    value = text.strip()
    if not value:
        return -1
    parts = value.split(":")
    if len(parts) != 3 or not all(p.isdigit() and p.isascii() for p in parts):
        return None
    hours, minutes, seconds = (int(p) for p in parts)
    if len(parts[1]) != 2 or len(parts[2]) != 2 or minutes > 59 or seconds > 59:
        return None
    return hours * 3600 + minutes * 60 + seconds


class Chunk:
    """Some rows of a file: values column by column, and the line of each row."""

    def __init__(self, table: TableReader, lines: np.ndarray) -> None:
        self.table = table
        self.lines = lines

    def __len__(self) -> int:
        return len(self.lines)

    def values(self, column: str) -> list:  # of str or bytes: see lookup()
        raise NotImplementedError

    def raw_times(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """(seconds, undecided): seconds where the fast parse succeeded, -1 for empty values."""
        raise NotImplementedError

    def times(self, column: str) -> np.ndarray:
        """int32 seconds, -1 where empty; a value that is not a time is a GTFSError naming its line."""
        seconds, undecided = self.raw_times(column)
        if undecided.any():
            values = self.values(column)
            for row in np.flatnonzero(undecided).tolist():
                parsed = parse_time(values[row])
                if parsed is None:
                    raise self.error(
                        row,
                        f"the {column} {_show(values[row])} is not a time",
                        "write it as HH:MM:SS (hours may pass 24 for trips after midnight)",
                    )
                seconds[row] = parsed
        return seconds

    def ints(self, column: str, default: int, low: int = 0, high: int = 2**31 - 1) -> np.ndarray:
        """int64 values, `default` where the column is absent or empty; others are GTFSErrors."""
        if column not in self.table.index:
            return np.full(len(self), default, dtype=np.int64)
        out, undecided, empty = self.raw_ints(column, default)
        if undecided.any():
            values = self.values(column)
            for row in np.flatnonzero(undecided).tolist():
                value = values[row]
                text = (value.decode("utf-8", "replace") if isinstance(value, bytes) else value).strip()
                if not text:
                    out[row] = default
                    empty[row] = True
                    continue
                if not (text.lstrip("-").isdigit() and text.isascii()):
                    raise self.error(row, f"the {column} {_show(value)} is not a whole number", "correct it")
                out[row] = int(text)
        bad = np.flatnonzero(((out < low) | (out > high)) & ~empty)
        if len(bad):
            row = int(bad[0])
            raise self.error(
                row,
                f"the {column} {out[row]} is not from {low} to {high}",
                "correct it to a value GTFS allows",
            )
        return out

    def raw_ints(self, column: str, default: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(values, undecided, empty) as raw_times() for whole numbers."""
        values = self.values(column)
        n = len(values)
        return np.full(n, default, dtype=np.int64), np.ones(n, dtype=bool), np.zeros(n, dtype=bool)

    def lookup(self, column: str, index: dict[str, int], what: str, where: str) -> np.ndarray:
        """Positions of the values in `index` (ids as text); an unknown value is a GTFSError naming its line."""
        values = self.values(column)
        get = self._keyed(index).get
        found = np.fromiter((get(v, -1) for v in values), dtype=np.int64, count=len(values))
        missing = np.flatnonzero(found < 0)
        if len(missing):
            row = int(missing[0])
            raise self.error(
                row,
                f"the {column} {_show(values[row])} is not a {what} of {where}",
                f"add it to {where} or correct the id",
            )
        return found

    def _keyed(self, index: dict[str, int]) -> dict:
        return index

    def error(self, row: int, problem: str, fix: str) -> GTFSError:
        return GTFSError(self.table.feed, self.table.name, int(self.lines[row]), problem, fix)


def _show(value: str | bytes) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return repr(text[:60])


class _ByteChunk(Chunk):
    """Rows cut with numpy from unquoted text: each field is a (start, end) range of `data`."""

    def __init__(
        self, table: TableReader, data: bytes, starts: np.ndarray, ends: np.ndarray, lines: np.ndarray
    ):
        super().__init__(table, lines)
        self.data = data
        self.array = np.frombuffer(data, dtype=np.uint8)
        self.starts = starts  # (rows, columns)
        self.ends = ends

    def values(self, column: str) -> list[bytes]:
        j = self.table.index[column]
        data = self.data
        return [data[s:e] for s, e in zip(self.starts[:, j].tolist(), self.ends[:, j].tolist(), strict=True)]

    def raw_times(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        j = self.table.index[column]
        start, end = self.starts[:, j], self.ends[:, j]
        length = end - start
        a = self.array
        safe = np.where(length >= 7, end, 7)

        def digit(back: int) -> np.ndarray:
            return a[safe - back].astype(np.int32) - 48

        seconds = digit(1) + 10 * digit(2)
        minutes = digit(4) + 10 * digit(5)
        hours = digit(7) + np.where(length == 8, 10 * digit(8), 0)
        digits = [digit(1), digit(2), digit(4), digit(5), digit(7), np.where(length == 8, digit(8), 0)]
        ok = (length == 7) | (length == 8)
        for d in digits:
            ok &= (d >= 0) & (d <= 9)
        ok &= (a[safe - 3] == 58) & (a[safe - 6] == 58) & (minutes < 60) & (seconds < 60)
        value = np.where(ok, hours * 3600 + minutes * 60 + seconds, -1).astype(np.int32)
        return value, ~ok & (length > 0)

    def raw_ints(self, column: str, default: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        j = self.table.index[column]
        start, end = self.starts[:, j], self.ends[:, j]
        length = end - start
        out = np.zeros(len(start), dtype=np.int64)
        ok = (length > 0) & (length <= 9)
        scale = 1
        for back in range(1, min(9, int(length.max(initial=0))) + 1):
            inside = ok & (length >= back)
            d = self.array[np.where(inside, end - back, 0)].astype(np.int64) - 48
            ok &= ~inside | ((d >= 0) & (d <= 9))
            out += np.where(inside, d * scale, 0)
            scale *= 10
        out[length == 0] = default
        return out, ~ok & (length > 0), length == 0

    def lookup(self, column: str, index: dict[str, int], what: str, where: str) -> np.ndarray:
        """As Chunk.lookup; ids of up to 8 bytes (stop ids, mostly) become integers that numpy
        sorts, so that each distinct one is looked up once."""
        j = self.table.index[column]
        start, length = self.starts[:, j], self.ends[:, j] - self.starts[:, j]
        width = int(length.max(initial=0))
        if not 0 < width <= 8:
            return super().lookup(column, index, what, where)
        last = len(self.array) - 1
        packed = np.zeros(len(start), dtype=np.uint64)
        for k in range(width):
            byte = np.where(length > k, self.array[np.minimum(start + k, last)], 0)
            packed |= byte.astype(np.uint64) << np.uint64(8 * k)
        _, first, inverse = np.unique(packed, return_index=True, return_inverse=True)
        keyed = self._keyed(index)
        data = self.data
        values = [data[a : a + n] for a, n in zip(start[first].tolist(), length[first].tolist(), strict=True)]
        found = np.fromiter((keyed.get(v, -1) for v in values), dtype=np.int64, count=len(values))[
            inverse.ravel()
        ]
        missing = np.flatnonzero(found < 0)
        if len(missing):
            row = int(missing[0])
            value = data[int(start[row]) : int(start[row] + length[row])]
            raise self.error(
                row,
                f"the {column} {_show(value)} is not a {what} of {where}",
                f"add it to {where} or correct the id",
            )
        return found

    def _keyed(self, index: dict[str, int]) -> dict:
        cache = self.table.byte_keys
        keyed = cache.get(id(index))
        if keyed is None or keyed[0] is not index:
            keyed = (index, {k.encode("utf-8"): v for k, v in index.items()})
            cache[id(index)] = keyed
        return keyed[1]


class _TextChunk(Chunk):
    """Rows read by the csv module (quoted fields): columns as lists of str."""

    def __init__(self, table: TableReader, columns: list[list[str]], lines: np.ndarray) -> None:
        super().__init__(table, lines)
        self.columns = columns

    def values(self, column: str) -> list[str]:
        return self.columns[self.table.index[column]]

    def raw_times(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        values = self.values(column)
        out = np.full(len(values), -1, dtype=np.int32)
        undecided = np.array([bool(v) for v in values], dtype=bool)
        return out, undecided


class TableReader:
    """One file of a feed: its header, then its rows chunk by chunk (see chunks())."""

    def __init__(self, archive: Archive, name: str, required: tuple[str, ...] = ()) -> None:
        self.archive = archive
        self.feed = archive.feed_id
        self.name = name
        archive.require(name)
        self.size = archive.size(name)
        with archive.open(name) as handle:
            first = handle.readline()
        if first.startswith(BOM):
            first = first[len(BOM) :]
        header_text = first.decode("utf-8", "replace").strip("\r\n")
        self.header = [h.strip().strip('"').strip() for h in next(csv.reader([header_text]), [])]
        self.index = {h: i for i, h in enumerate(self.header) if h}
        self.byte_keys: dict[int, tuple[dict, dict]] = {}
        for column in required:
            self.need(column)

    def need(self, column: str) -> None:
        if column not in self.index:
            raise GTFSError(
                self.feed,
                self.name,
                1,
                f"the header has no {column} column",
                f"add the {column} column: GTFS requires it in {self.name}",
            )

    def has(self, column: str) -> bool:
        return column in self.index

    def chunks(self, progress: Callable[[int], None] | None = None) -> Iterator[Chunk]:
        """The file's rows in chunks (about CHUNK_BYTES of text each); progress(bytes read) after each."""
        width = len(self.header)
        line = 2  # of the next chunk's first row
        done = 0
        with self.archive.open(self.name) as handle:
            handle.readline()
            rest = b""
            while True:
                block = handle.read(CHUNK_BYTES)
                data = rest + block
                if not data:
                    break
                if block:
                    cut = data.rfind(b"\n") + 1
                    if cut == 0:
                        rest = data
                        continue
                    data, rest = data[:cut], data[cut:]
                else:
                    rest = b""
                    if not data.endswith(b"\n"):
                        data += b"\n"
                chunk = self._chunk(data, width, line)
                line += data.count(b"\n")
                done += len(data)
                if len(chunk):
                    yield chunk
                if progress is not None:
                    progress(done)
                if not block:
                    break

    def rows(self) -> Chunk:
        """The whole file as one chunk of text columns (for the small files)."""
        with self.archive.open(self.name) as handle:
            data = handle.read()
        if data.startswith(BOM):
            data = data[len(BOM) :]
        cut = data.find(b"\n") + 1
        return self._text_chunk(data[cut:] if cut else b"", len(self.header), 2)

    def _chunk(self, data: bytes, width: int, first_line: int) -> Chunk:
        if b'"' not in data:
            fast = self._byte_chunk(data, width, first_line)
            if fast is not None:
                return fast
        return self._text_chunk(data, width, first_line)

    def _byte_chunk(self, data: bytes, width: int, first_line: int) -> Chunk | None:
        a = np.frombuffer(data, dtype=np.uint8)
        ends = np.flatnonzero(a == 10)
        starts = np.empty_like(ends)
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
        lines = np.arange(first_line, first_line + len(ends), dtype=np.int64)
        ends = ends - (a[np.maximum(ends - 1, 0)] == 13) * (ends > starts)
        filled = ends > starts
        starts, ends, lines = starts[filled], ends[filled], lines[filled]
        commas = np.flatnonzero(a == 44)
        first = np.searchsorted(commas, starts)
        count = np.searchsorted(commas, ends) - first
        if len(count) and not (count == width - 1).all():
            return None  # rows with missing or extra fields: the csv module's reading decides
        pos = first[:, None] + np.arange(width - 1)[None, :]
        inner = commas[pos] if len(pos) else np.empty((0, width - 1), dtype=np.int64)
        field_starts = np.column_stack([starts, inner + 1])
        field_ends = np.column_stack([inner, ends])
        return _ByteChunk(self, data, field_starts, field_ends, lines)

    def _text_chunk(self, data: bytes, width: int, first_line: int) -> Chunk:
        text = data.decode("utf-8", "replace")
        reader = csv.reader(io.StringIO(text, newline=""))
        rows: list[list[str]] = []
        lines: list[int] = []
        previous = 0
        for row in reader:
            line = first_line + previous
            previous = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) > width and any(v.strip() for v in row[width:]):
                raise GTFSError(
                    self.feed,
                    self.name,
                    line,
                    f"the line has {len(row)} fields but the header names {width}",
                    "remove the extra fields or add their column to the header",
                )
            if len(row) != width:
                row = (row + [""] * width)[:width]
            rows.append(row)
            lines.append(line)
        columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]
        return _TextChunk(self, columns, np.asarray(lines, dtype=np.int64))


def as_text(values: list) -> list[str]:
    """Values of a chunk as str (byte chunks give bytes)."""
    return [v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in values]
