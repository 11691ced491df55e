"""A broken feed is refused with one GTFSError naming the file, the line and what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from transit_world import basic_files, stop_row, write_feed

from vicinato.routing import RoutingError
from vicinato.routing.transit import GTFSError, GTFSSource, read_feed

STOPS = [stop_row("A", 0, 0), stop_row("B", 400, 0), stop_row("C", 800, 0)]
TRIPS = [("T1", "L1", "S1"), ("T2", "L1", "S1")]
TIMES = [
    ("T1", "A", 1, "08:00:00", "08:00:00"),
    ("T1", "B", 2, "08:05:00", "08:05:00"),
    ("T1", "C", 3, "08:10:00", "08:10:00"),
    ("T2", "A", 1, "09:00:00", "09:00:00"),
    ("T2", "B", 2, "09:05:00", "09:05:00"),
]


def feed(tmp_path: Path, **changes: object) -> Path:
    files: dict = basic_files(STOPS, TRIPS, TIMES)
    for name, content in changes.items():
        files[name.replace("__", ".")] = content
    for name in [n for n, c in files.items() if c is None]:
        del files[name]
    return write_feed(tmp_path / "feed.zip", files)


def refused(path: Path) -> GTFSError:
    with pytest.raises(GTFSError) as caught:
        read_feed(GTFSSource(path, "t"))
    assert isinstance(caught.value, RoutingError)
    return caught.value


def times_with(row: int, replacement: tuple) -> tuple[list[str], list]:
    header, rows = basic_files(STOPS, TRIPS, TIMES)["stop_times.txt"]
    rows = [list(r) for r in rows]
    rows[row] = [replacement[0], replacement[3], replacement[4], replacement[1], replacement[2], "", ""]
    return header, rows


def test_a_good_feed_reads(tmp_path: Path) -> None:
    data = read_feed(GTFSSource(feed(tmp_path), "t"))
    assert data.trip_ids == ["T1", "T2"]
    assert data.st_ptr.tolist() == [0, 3, 5]
    assert data.st_arr.tolist() == [28800, 29100, 29400, 32400, 32700]


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "feed.zip"
    path.write_text("stop_id,stop_name\n")
    error = refused(path)
    assert "feed.zip" in str(error) and "not a zip archive" in str(error)
    assert "give the GTFS feed's .zip file" in str(error)


def test_missing_required_file(tmp_path: Path) -> None:
    error = refused(feed(tmp_path, stop_times__txt=None))
    assert error.file == "stop_times.txt"
    assert "stop_times.txt" in str(error) and "add stop_times.txt to the feed" in str(error)


def test_missing_calendar(tmp_path: Path) -> None:
    error = refused(feed(tmp_path, calendar_dates__txt=None))
    assert "calendar.txt" in str(error) and "calendar_dates.txt" in str(error)


def test_missing_required_column(tmp_path: Path) -> None:
    error = refused(feed(tmp_path, trips__txt="route_id,trip_id\nL1,T1\n"))
    assert (error.file, error.line) == ("trips.txt", 1)
    assert "trips.txt, line 1: the header has no service_id column" in str(error)
    assert "add the service_id column" in str(error)


def test_bad_time(tmp_path: Path) -> None:
    error = refused(feed(tmp_path, stop_times__txt=times_with(1, ("T1", "B", 2, "08:6x:00", "08:06:00"))))
    assert (error.file, error.line) == ("stop_times.txt", 3)
    assert "'08:6x:00' is not a time" in str(error) and "HH:MM:SS" in str(error)


def test_bad_time_in_a_quoted_file(tmp_path: Path) -> None:
    text = 'trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"T1","08:00:00","08:00:00","A","1"\n"T1","8:61:00","8:61:00","B","2"\n'
    error = refused(feed(tmp_path, stop_times__txt=text))
    assert (error.file, error.line) == ("stop_times.txt", 3)
    assert "'8:61:00' is not a time" in str(error)


def test_decreasing_times(tmp_path: Path) -> None:
    error = refused(feed(tmp_path, stop_times__txt=times_with(2, ("T1", "C", 3, "08:04:00", "08:04:00"))))
    assert (error.file, error.line) == ("stop_times.txt", 4)
    assert "before it leaves its previous stop" in str(error) and "correct the times" in str(error)


def test_departure_before_arrival(tmp_path: Path) -> None:
    error = refused(feed(tmp_path, stop_times__txt=times_with(1, ("T1", "B", 2, "08:06:00", "08:05:30"))))
    assert error.line == 3 and "departure_time is before the arrival_time" in str(error)


def test_unknown_stop(tmp_path: Path) -> None:
    error = refused(feed(tmp_path, stop_times__txt=times_with(4, ("T2", "Z", 2, "09:05:00", "09:05:00"))))
    assert (error.file, error.line) == ("stop_times.txt", 6)
    assert "stop_id 'Z' is not a stop_id of stops.txt" in str(error) and "add it to stops.txt" in str(error)


def test_unknown_trip(tmp_path: Path) -> None:
    error = refused(feed(tmp_path, stop_times__txt=times_with(3, ("T9", "A", 1, "09:00:00", "09:00:00"))))
    assert (error.file, error.line) == ("stop_times.txt", 5)
    assert "trip_id 'T9' is not a trip_id of trips.txt" in str(error)


def test_unknown_route(tmp_path: Path) -> None:
    error = refused(feed(tmp_path, trips__txt="route_id,service_id,trip_id\nL1,S1,T1\nL9,S1,T2\n"))
    assert (error.file, error.line) == ("trips.txt", 3)
    assert "route_id 'L9' is not a route_id of routes.txt" in str(error) and "correct the id" in str(error)


def test_unknown_service(tmp_path: Path) -> None:
    error = refused(feed(tmp_path, trips__txt="route_id,service_id,trip_id\nL1,S1,T1\nL1,NOPE,T2\n"))
    assert (error.file, error.line) == ("trips.txt", 3)
    assert "service_id 'NOPE' is not a service_id of calendar.txt or calendar_dates.txt" in str(error)


def test_a_station_in_stop_times(tmp_path: Path) -> None:
    stops = [*STOPS[:2], stop_row("C", 800, 0, location_type=1)]
    error = refused(feed(tmp_path, stops__txt=(basic_files(STOPS, TRIPS, TIMES)["stops.txt"][0], stops)))
    assert error.file == "stop_times.txt" and error.line == 4
    assert "is a station" in str(error)


def test_unknown_parent_station(tmp_path: Path) -> None:
    stops = [*STOPS[:2], stop_row("C", 800, 0, parent_station="NOWHERE")]
    error = refused(feed(tmp_path, stops__txt=(basic_files(STOPS, TRIPS, TIMES)["stops.txt"][0], stops)))
    assert (error.file, error.line) == ("stops.txt", 4) and "parent_station 'NOWHERE'" in str(error)


def test_bad_coordinates(tmp_path: Path) -> None:
    stops = [*STOPS[:2], ["C", "C", "145.5", "9.19", "", ""]]
    error = refused(feed(tmp_path, stops__txt=(basic_files(STOPS, TRIPS, TIMES)["stops.txt"][0], stops)))
    assert (error.file, error.line) == ("stops.txt", 4) and "stop_lat '145.5'" in str(error)


def test_bad_date(tmp_path: Path) -> None:
    error = refused(feed(tmp_path, calendar_dates__txt="service_id,date,exception_type\nS1,20250230,1\n"))
    assert (error.file, error.line) == ("calendar_dates.txt", 2) and "YYYYMMDD" in str(error)


def test_duplicate_trip(tmp_path: Path) -> None:
    error = refused(feed(tmp_path, trips__txt="route_id,service_id,trip_id\nL1,S1,T1\nL1,S1,T1\n"))
    assert (error.file, error.line) == ("trips.txt", 3) and "appears twice" in str(error)


def test_untimed_stops_are_interpolated(tmp_path: Path) -> None:
    data = read_feed(GTFSSource(feed(tmp_path, stop_times__txt=times_with(1, ("T1", "B", 2, "", ""))), "t"))
    # B is halfway between A and C (400 m of 800): halfway between 08:00 and 08:10.
    assert data.st_arr[1] == data.st_dep[1] == 28800 + 300


def test_quoted_files_with_crlf_and_bom_read_the_same(tmp_path: Path) -> None:
    plain = read_feed(GTFSSource(feed(tmp_path), "t"))
    header, rows = basic_files(STOPS, TRIPS, TIMES)["stop_times.txt"]
    lines = [",".join(f'"{v}"' for v in header)] + [",".join(f'"{v}"' for v in row) for row in rows]
    quoted = "\ufeff" + "\r\n".join(lines) + "\r\n"
    unquoted = "\r\n".join(",".join(str(v) for v in row) for row in [header, *rows]) + "\r\n\r\n"
    for number, text in enumerate((quoted, unquoted)):
        folder = tmp_path / f"other{number}"
        folder.mkdir()
        data = read_feed(GTFSSource(feed(folder, stop_times__txt=text), "t"))
        for name in ("st_ptr", "st_stop", "st_arr", "st_dep", "st_board", "st_alight"):
            assert getattr(data, name).tolist() == getattr(plain, name).tolist(), name
