"""Advisors' availability: inside the place's hours, never overlapping itself, and the slots it gives."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from tests.conftest import another_place
from vicinato.activities.models import AvailabilityException
from vicinato.activities.services import availability
from vicinato.register.models import Area, Closure, OpeningHours, Place

from .conftest import NOW, TUESDAY, at


@pytest.fixture
def second_place(place, service):
    other = another_place(
        place,
        kind=Place.Kind.OFFICINA,
        name_it="Officina Nord",
        address="Via Padova 2",
        district=Area.objects.get(code="2", level="district"),
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(place=other, weekday=d, opens=time(9), closes=time(18)) for d in range(5)
    )
    service.places.add(other)
    return other


def test_hours_outside_the_place_opening_are_refused_with_the_hours(advisor, union_admin, place):
    with pytest.raises(ValidationError) as error:
        availability.add_weekly(union_admin, advisor, place, 0, time(7), time(10), date(2030, 1, 1))
    assert error.value.message_dict["start_time"] == [
        "Duomo Cowork is open on Monday 08:30–19:00; choose times within its opening hours."
    ]
    with pytest.raises(ValidationError, match="closed on Saturday"):
        availability.add_weekly(union_admin, advisor, place, 5, time(9), time(10), date(2030, 1, 1))


def test_an_availability_overlapping_itself_at_another_place_is_refused(advisor, union_admin, second_place):
    with pytest.raises(ValidationError) as error:
        availability.add_weekly(
            union_admin, advisor, second_place, TUESDAY.weekday(), time(11), time(13), date(2030, 2, 1)
        )
    assert error.value.message_dict["start_time"] == [
        "This overlaps the hours already given on Tuesday from 09:00 to 12:00 at Duomo Cowork; "
        "choose other times, or end those hours first."
    ]
    # Back to back, or in a period the first hours do not cover, is fine.
    availability.add_weekly(
        union_admin, advisor, second_place, TUESDAY.weekday(), time(12), time(14), date(2030, 2, 1)
    )
    advisor.weekly.filter(place=second_place).delete()
    advisor.weekly.update(valid_until=date(2030, 6, 30))
    availability.add_weekly(
        union_admin, advisor, second_place, TUESDAY.weekday(), time(10), time(11), date(2030, 7, 1)
    )


def test_the_end_must_follow_the_start(advisor, union_admin, place):
    with pytest.raises(ValidationError, match="The end must come after the start"):
        availability.add_weekly(union_admin, advisor, place, 1, time(12), time(9), date(2030, 1, 1))


def test_only_the_advisor_and_the_organisation_manage_availability(advisor, place, person):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        availability.add_weekly(person, advisor, place, 2, time(9), time(10), date(2030, 1, 1))
    availability.add_weekly(advisor.user, advisor, place, 2, time(9), time(10), date(2030, 1, 1))


def test_slots_are_cut_from_the_weekly_hours(service, advisor):
    slots = availability.free_slots(service, TUESDAY, 1, now=NOW)
    assert [s.start for s in slots] == [at(f"{h:02d}:{m:02d}") for h in (9, 10, 11) for m in (0, 30)]
    assert all(s.end - s.start == timedelta(minutes=30) for s in slots)


def test_time_off_and_closures_remove_slots_and_one_off_sessions_add_them(
    service, advisor, union_admin, place
):
    availability.add_exception(union_admin, advisor, AvailabilityException.Kind.OFF, at("10:00"), at("11:00"))
    starts = [s.start for s in availability.free_slots(service, TUESDAY, 1, now=NOW)]
    assert at("10:00") not in starts and at("10:30") not in starts and at("11:00") in starts
    wednesday = TUESDAY + timedelta(days=1)
    availability.add_exception(
        union_admin,
        advisor,
        AvailabilityException.Kind.EXTRA,
        at("15:00", wednesday),
        at("16:00", wednesday),
        place,
    )
    assert [s.start for s in availability.free_slots(service, wednesday, 1, now=NOW)] == [
        at("15:00", wednesday),
        at("15:30", wednesday),
    ]
    Closure.objects.create(place=place, start_date=TUESDAY, end_date=TUESDAY, reason_it="Festa")
    assert availability.free_slots(service, TUESDAY, 1, now=NOW) == []


def test_a_one_off_session_overlapping_the_weekly_hours_or_outside_opening_is_refused(
    advisor, union_admin, place
):
    with pytest.raises(ValidationError, match="overlaps the advisor's hours"):
        availability.add_exception(
            union_admin, advisor, AvailabilityException.Kind.EXTRA, at("11:30"), at("12:30"), place
        )
    with pytest.raises(ValidationError, match="choose times within its opening hours"):
        availability.add_exception(
            union_admin, advisor, AvailabilityException.Kind.EXTRA, at("19:00"), at("20:00"), place
        )


def test_slots_respect_the_notice_and_the_days_ahead(service, advisor):
    late = at("09:45")  # 2 hours' notice: 12:00 is too late, 11:30 the last
    starts = [s.start for s in availability.free_slots(service, TUESDAY, 1, now=late)]
    assert starts == []
    starts = [s.start for s in availability.free_slots(service, TUESDAY, 1, now=at("08:30"))]
    assert starts == [at("10:30"), at("11:00"), at("11:30")]
    far = TUESDAY + timedelta(days=21)
    assert availability.free_slots(service, far, 1, now=NOW) == []
