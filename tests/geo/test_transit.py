"""Public transport in the product, on the real Milan streets and the demo's 2014 ATM feed: the places
reachable by walking and the metro, the trip itself, coverage, the timetable's date, and `import-gtfs`."""

from __future__ import annotations

import importlib
import io
import shutil
import zipfile
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from vicinato.geo import networks, reach, transit, travel
from vicinato.geo.models import MunicipalNetwork, StreetNetwork, TransitFeed
from vicinato.geo.transit import When
from vicinato.register.models import Place

from ..conftest import list_place
from .conftest import CADORNA

ROME = ZoneInfo("Europe/Rome")
TUESDAY_9 = When(datetime(2027, 3, 9, 9, 0, tzinfo=ROME))


@pytest.fixture(autouse=True)
def _fresh_indexes():
    transit.drop_indexes()
    yield
    transit.drop_indexes()


def test_the_metro_brings_a_place_4_km_away_within_reach(by_the_metro):
    cadorna, loreto = by_the_metro
    walking = reach.reachable_places(*CADORNA, "walk", 25)
    assert loreto.public_id not in walking
    by_transit = reach.reachable_places(*CADORNA, "transit", 25, TUESDAY_9)
    assert cadorna.public_id in by_transit and loreto.public_id in by_transit
    assert by_transit[cadorna.public_id] < 2 < by_transit[loreto.public_id] < 25


def test_the_trip_itself_walks_rides_the_m2_and_walks(by_the_metro):
    _cadorna, loreto = by_the_metro
    trip = transit.itinerary(CADORNA, (loreto.lat, loreto.lon), TUESDAY_9)
    legs = trip["itinerary"]["legs"]
    assert [leg["kind"] for leg in legs] == ["walk", "ride", "walk"]
    assert (legs[1]["line"], legs[1]["mode"], legs[1]["from_name"]) == ("2", "metro", "CADORNA F.N.")
    assert legs[1]["to_name"] == "LORETO M2" and trip["itinerary"]["arrives"] <= "09:00"
    assert trip["fallback"] is True and trip["requested_date"] == "2027-03-09"


def test_a_date_the_feed_does_not_cover_is_answered_by_the_same_weekday_and_says_so(by_the_metro):
    answered = transit.service(TUESDAY_9)
    assert answered["requested_date"] == "2027-03-09" and answered["fallback"] is True
    used = date.fromisoformat(answered["service_date"])
    assert used.weekday() == 1 and date(2014, 10, 19) <= used <= date(2014, 11, 1)


def test_coverage_by_public_transport_is_at_least_that_on_foot(by_the_metro):
    walking = {row.code: row.share for row in reach.coverage("walk", 15)}
    by_transit = {row.code: row.share for row in reach.coverage("transit", 15, TUESDAY_9)}
    assert set(walking) == set(by_transit)
    assert all(by_transit[code] >= walking[code] - 1e-9 for code in walking if walking[code] is not None)


def test_coverage_side_by_side_is_computed_once_per_mode(by_the_metro):
    """The coverage page shows walking, cycling and public transport together: each answer is kept, and a
    second look at the page computes nothing again (one answer kept used to make every look compute all)."""
    first = [reach.coverage("walk", 15), reach.coverage("bike", 15), reach.coverage("transit", 15, TUESDAY_9)]
    again = [reach.coverage("walk", 15), reach.coverage("bike", 15), reach.coverage("transit", 15, TUESDAY_9)]
    assert all(a is b for a, b in zip(first, again, strict=True))
    assert first[0] is not first[1]


def test_a_place_listed_later_is_found_at_once(by_the_metro, register, organisation, city):
    first = reach.reachable_places(*CADORNA, "transit", 20, TUESDAY_9)
    near = Place.objects.create(
        operator=organisation, kind="coworking", name_it="Accanto", address="Foro Buonaparte",
        lat=CADORNA[0] + 0.001, lon=CADORNA[1], municipality=city, desks=12,
    )  # fmt: skip
    list_place(near, register)  # a new version of the listed places: the indexes of the old one go
    assert near.public_id not in first
    assert near.public_id in reach.reachable_places(*CADORNA, "transit", 20, TUESDAY_9)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 12, 6, 22, 35, tzinfo=ROME), date(2026, 12, 7)),  # Sunday night: Monday
        (datetime(2026, 12, 11, 8, 0, tzinfo=ROME), date(2026, 12, 14)),  # Friday: Monday
        (datetime(2026, 12, 7, 0, 5, tzinfo=ROME), date(2026, 12, 8)),  # Monday 00:05: Tuesday
    ],
)
def test_by_default_one_arrives_by_nine_on_the_next_weekday(now, expected):
    when = When.default(now)
    assert when.kind == "arrive_by" and when.at.date() == expected and when.at.hour == 9


def test_times_asked_for_are_read_on_milans_clock_and_checked():
    assert When.of(depart_at=datetime(2027, 1, 5, 8, 30)).at.utcoffset().total_seconds() == 3600
    with pytest.raises(travel.TravelError, match="not both"):
        When.of(depart_at=datetime(2027, 1, 5, 8), arrive_by=datetime(2027, 1, 5, 9))
    with pytest.raises(travel.TravelError, match="between 1900 and 2200"):
        When.of(arrive_by=datetime(1800, 1, 5, 9))


def test_an_unknown_mode_is_refused_with_the_modes_to_choose():
    with pytest.raises(travel.TravelError, match="choose walk, bike or transit"):
        reach.check_mode("boat")


# --- vicinato import-gtfs -----------------------------------------------------------------------------------------
DEMO_FEED = settings.SOURCE_DATA_DIR / "milano" / "milano_small_gtfs.zip"


@pytest.fixture(autouse=True)
def _default_feeds_after():
    """An import chooses feeds in the test's database, rolled back after: forget the timetables it loaded."""
    yield
    transit.forget()
    networks.expire()


def chosen_feeds() -> list | None:
    row = (
        MunicipalNetwork.objects.filter(istat_code=settings.SITE_MUNICIPALITY)
        .select_related("network")
        .first()
    )
    return row.network.transit_feeds if row else None


def test_import_gtfs_summarises_the_feed_and_uses_it(db, capsys):
    call_command("import-gtfs", str(DEMO_FEED), "--feed-id", "atm", verbosity=0)
    out = capsys.readouterr().out
    assert "15 routes, 10608 trips, 516 stops" in out and "2014-10-19 to 2014-11-01" in out
    assert "Routes by type: bus 9, metro 1, tram 5" in out and "mon 3359" in out
    assert [f["feed_id"] for f in chosen_feeds()] == ["atm"]


def broken_feed(tmp_path, leave_out: str = "", replace: dict | None = None):
    path = tmp_path / "broken.zip"
    with zipfile.ZipFile(DEMO_FEED) as good, zipfile.ZipFile(path, "w") as bad:
        for name in good.namelist():
            if name != leave_out:
                bad.writestr(name, (replace or {}).get(name, good.read(name)))
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing.zip", "no such file"),
        (lambda tmp: (tmp / "notes.zip").write_text("not a zip") and tmp / "notes.zip", "not a zip archive"),
        (lambda tmp: broken_feed(tmp, leave_out="stop_times.txt"), "stop_times.txt"),
    ],
)
def test_a_broken_feed_is_refused_in_one_line_and_changes_nothing(db, tmp_path, make, message):
    call_command("import-gtfs", str(DEMO_FEED), "--feed-id", "atm", verbosity=0)
    before = chosen_feeds()
    with pytest.raises(CommandError, match=message) as refused:
        call_command("import-gtfs", str(make(tmp_path)), verbosity=0)
    assert "\n" not in str(refused.value)
    assert chosen_feeds() == before


def test_feed_ids_are_one_per_feed(db):
    with pytest.raises(CommandError, match="one --feed-id per feed"):
        call_command("import-gtfs", str(DEMO_FEED), str(DEMO_FEED), "--feed-id", "a", verbosity=0)


def test_a_feed_is_kept_in_the_database_and_used_where_its_file_never_was(db, tmp_path):
    """Another machine has neither the importer's file nor a copy in its data folder: it writes the feed from the
    database and builds the same timetable."""
    brought = tmp_path / "atm.zip"
    shutil.copy(DEMO_FEED, brought)
    call_command("import-gtfs", str(brought), "--feed-id", "atm", verbosity=0)
    [entry] = chosen_feeds()
    assert "path" not in entry
    assert bytes(TransitFeed.objects.get(sha256=entry["sha256"]).content) == DEMO_FEED.read_bytes()
    brought.unlink()
    kept = networks.stored_feed_path(entry["sha256"], entry["name"])
    kept.unlink()
    transit.forget()
    networks.expire()
    assert [feed["feed_id"] for feed in transit.summary()["feeds"]] == ["atm"]
    assert kept.read_bytes() == DEMO_FEED.read_bytes()
    # A feed no network uses any more leaves the database.
    call_command("import-gtfs", str(broken_feed(tmp_path)), verbosity=0)  # the same feed, zipped anew
    assert not TransitFeed.objects.filter(sha256=entry["sha256"]).exists()


def test_feeds_chosen_as_paths_before_move_into_the_database(db, tmp_path):
    """Migration geo 0005: a feed chosen as a path is kept in the database if its file (or folder) is still
    there, and dropped from its network if not."""
    folder = tmp_path / "atm"
    with zipfile.ZipFile(DEMO_FEED) as feed:
        feed.extractall(folder)
    network = networks.import_network(settings.ROUTING_OSM_FILE, []) and StreetNetwork.objects.get()
    network.transit_feeds = [
        {"path": str(folder), "feed_id": ""},
        {"path": str(tmp_path / "gone.zip"), "feed_id": "gone"},
    ]
    network.save()
    migration = importlib.import_module("vicinato.geo.migrations.0005_transit_feeds_in_the_database")
    migration.feeds_into_the_database(apps, None)
    network.refresh_from_db()
    [entry] = network.transit_feeds
    assert entry["name"] == "atm.zip" and entry["feed_id"] == ""
    with zipfile.ZipFile(io.BytesIO(bytes(TransitFeed.objects.get().content))) as kept:
        assert "stop_times.txt" in kept.namelist()
