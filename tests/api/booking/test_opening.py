"""A place's opening in the API, day by day: its weekly hours and dated closures as the booking engine sees
them; public for listed places."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from tests.booking.conftest import ROME
from vicinato.booking import services
from vicinato.register.models import Closure, OpeningHours

from .test_api import URL

pytestmark = pytest.mark.django_db
MONDAY = date(2030, 3, 4)


@pytest.fixture
def holiday(listed):
    return Closure.objects.create(
        place=listed,
        start_date=MONDAY + timedelta(days=2),
        end_date=MONDAY + timedelta(days=3),
        reason_it="Works",
    )


def test_a_week_with_a_closure(client, listed, holiday):
    answer = client.get(f"{URL}/places/{listed.public_id}/opening", {"day": MONDAY.isoformat(), "days": 7})
    assert answer.status_code == 200
    opening = answer.json()
    assert opening["weekly"][0] == {"weekday": 0, "opens": "08:30:00", "closes": "19:00:00"}
    assert len(opening["weekly"]) == 5
    assert opening["closures"] == [{"start_date": "2030-03-06", "end_date": "2030-03-07", "reason": "Works"}]
    days = {d["day"]: d for d in opening["days"]}
    assert list(days) == [(MONDAY + timedelta(days=n)).isoformat() for n in range(7)]
    assert days["2030-03-04"]["intervals"] == [
        {"opens": "2030-03-04T08:30:00+01:00", "closes": "2030-03-04T19:00:00+01:00"}
    ]
    assert days["2030-03-04"]["closure"] is None
    assert days["2030-03-06"]["intervals"] == [] and days["2030-03-06"]["closure"]["reason"] == "Works"
    assert days["2030-03-09"]["intervals"] == [] and days["2030-03-09"]["closure"] is None  # Saturday


def test_the_days_are_the_booking_engines(client, listed, holiday):
    """The same intervals as `services.opening_intervals`, day by day, also with two intervals a day and
    across the change to summer time."""
    OpeningHours.objects.filter(place=listed, weekday=1).delete()
    OpeningHours.objects.create(place=listed, weekday=1, opens="14:00", closes="18:00")
    OpeningHours.objects.create(place=listed, weekday=1, opens="08:00", closes="12:00")
    first = date(2030, 3, 25)  # summer time starts on Sunday 31 March 2030
    answer = client.get(f"{URL}/places/{listed.public_id}/opening", {"day": first, "days": 14}).json()
    for item in answer["days"]:
        day = date.fromisoformat(item["day"])
        expected = services.opening_intervals(listed, day)
        got = [
            (datetime.fromisoformat(i["opens"]), datetime.fromisoformat(i["closes"]))
            for i in item["intervals"]
        ]
        assert got == expected, day
    tuesday = answer["days"][1]
    assert [i["opens"][11:16] for i in tuesday["intervals"]] == ["08:00", "14:00"]
    assert answer["days"][8]["intervals"][0]["opens"].endswith("+02:00")
    # Days the closure covers, with the engine's refusal.
    closed = client.get(
        f"{URL}/places/{listed.public_id}/opening", {"day": holiday.start_date, "days": 1}
    ).json()
    assert closed["days"][0]["intervals"] == [] == services.opening_intervals(listed, holiday.start_date)


def test_default_is_a_week_from_today(client, listed):
    answer = client.get(f"{URL}/places/{listed.public_id}/opening").json()
    assert len(answer["days"]) == 7


def test_unlisted_places_are_not_found_for_the_public(client, place):
    assert client.get(f"{URL}/places/{place.public_id}/opening").status_code == 404
    assert client.get(f"{URL}/places/no-such-place/opening").status_code == 404


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ({"days": 0}, "days", "greater_than_equal"),
        ({"days": 63}, "days", "less_than_equal"),
        ({"day": "2030-02-30"}, "day", "date_from_datetime_parsing"),
        ({"day": "yesterday"}, "day", "date_from_datetime_parsing"),
        ({"day": "9999-12-31", "days": 7}, "day", "out_of_range"),
    ],
)
def test_bad_periods_are_422_per_field(client, listed, query, field, code):
    answer = client.get(f"{URL}/places/{listed.public_id}/opening", query)
    assert answer.status_code == 422, answer.content
    assert answer.json()["errors"][field] and answer.json()["codes"][field] == [code]


@pytest.mark.parametrize("far", ["9999-12-31", "0001-01-01"])
def test_far_single_days_answer_without_a_crash(client, listed, far):
    """Dates outside 1900-2200 are refused with a field message (issue 18)."""
    answer = client.get(f"{URL}/places/{listed.public_id}/opening", {"day": far, "days": 1})
    assert answer.status_code == 422, answer.content
    assert answer.json()["codes"] == {"day": ["out_of_range"]}


def test_rome_is_the_wall_clock(client, listed):
    answer = client.get(f"{URL}/places/{listed.public_id}/opening", {"day": MONDAY, "days": 1}).json()
    opens = datetime.fromisoformat(answer["days"][0]["intervals"][0]["opens"])
    assert opens == datetime(2030, 3, 4, 8, 30, tzinfo=ROME)
