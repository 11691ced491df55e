"""Changing a booking's time (and its named desk): every rule is checked again, not counting the booking itself;
the same booking keeps its id, check-in code and calendar event; the person before the deadline, the place's
staff at any time; the units it frees go to the waiting list; the person gets a "changed" mail with the .ics."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from icalendar import Calendar

from vicinato.booking import calendar
from vicinato.booking.models import Block, Reservation, WaitingListEntry
from vicinato.booking.services import (
    BookingError,
    cancel,
    join_waiting_list,
    reschedule,
    reserve,
    transition,
    units,
)
from vicinato.register.models import Closure

from .conftest import NOW, TUESDAY, at

pytestmark = pytest.mark.django_db
S = Reservation.State
WEDNESDAY = TUESDAY + timedelta(days=1)


def codes(error: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


@pytest.fixture
def booking(person, resource) -> Reservation:
    return reserve(person, resource, at("09:00"), at("11:00"), now=NOW)


def test_a_move_changes_the_same_booking_and_records_it(booking, person, resource):
    code = booking.checkin_code
    moved = reschedule(
        booking, at("10:00", WEDNESDAY), at("12:00", WEDNESDAY), person, now=NOW, reason="Meeting"
    )
    assert (moved.pk, moved.checkin_code) == (booking.pk, code)
    booking.refresh_from_db()
    assert (booking.start, booking.end, booking.state) == (
        at("10:00", WEDNESDAY),
        at("12:00", WEDNESDAY),
        S.CONFIRMED,
    )
    event = booking.events.last()
    assert (event.action, event.from_state, event.to_state, event.actor) == (
        "move",
        S.CONFIRMED,
        S.CONFIRMED,
        person,
    )
    assert event.note == "2030-03-05 09:00–11:00 → 2030-03-06 10:00–12:00\nMeeting"
    assert Reservation.objects.count() == 1


def test_the_price_follows_the_new_length(person, user_factory, place):
    from .conftest import make_resource

    paid = make_resource(place, price_cents_per_slot=150)
    reservation = reserve(person, paid, at("09:00"), at("10:00"), now=NOW)
    assert reservation.price_cents == 300
    assert reschedule(reservation, at("09:00"), at("11:00"), person, now=NOW).price_cents == 600


def test_moving_to_the_same_time_is_refused_as_unchanged(booking, person):
    with pytest.raises(ValidationError) as error:
        reschedule(booking, at("09:00"), at("11:00"), person, now=NOW)
    assert codes(error.value) == {"start": ["unchanged"]}
    assert "already at this time" in error.value.messages[0]
    assert booking.events.count() == 1


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        ("08:00", "09:00", "opening_hours"),  # opens at 08:30
        ("18:30", "19:30", "opening_hours"),  # closes at 19:00
        ("09:15", "10:15", "slot"),
        ("09:00", "09:30", "min_duration"),
        ("09:00", "14:00", "max_duration"),
    ],
)
def test_a_move_is_checked_against_the_opening_hours_and_the_lengths(booking, person, start, end, code):
    with pytest.raises(ValidationError) as error:
        reschedule(booking, at(start), at(end), person, now=NOW)
    assert code in sum(codes(error.value).values(), [])
    booking.refresh_from_db()
    assert booking.start == at("09:00")


def test_the_opening_boundaries_are_allowed(booking, person):
    reschedule(booking, at("08:30"), at("09:30"), person, now=NOW)
    reschedule(booking, at("18:00"), at("19:00"), person, now=NOW)
    booking.refresh_from_db()
    assert booking.end == at("19:00")


def test_a_move_into_a_closure_or_a_block_is_refused(booking, person, place, resource, staff):
    Closure.objects.create(place=place, start_date=WEDNESDAY, end_date=WEDNESDAY, reason_it="Holiday")
    with pytest.raises(ValidationError) as error:
        reschedule(booking, at("09:00", WEDNESDAY), at("10:00", WEDNESDAY), staff, now=NOW)
    assert codes(error.value) == {"start": ["closure"]}
    Block.objects.create(resource=resource, start=at("12:00"), end=at("13:00"))
    with pytest.raises(ValidationError) as error:
        reschedule(booking, at("11:30"), at("12:30"), staff, now=NOW)
    assert codes(error.value) == {"start": ["block"]}
    reschedule(booking, at("13:00"), at("14:00"), staff, now=NOW)  # right after the block


def test_notice_refuses_a_move_too_close(place, person):
    from .conftest import make_resource

    resource = make_resource(place, min_notice_minutes=27 * 60, max_days_ahead=3)
    booking = reserve(person, resource, at("11:00", WEDNESDAY), at("12:00", WEDNESDAY), now=NOW)
    # Monday 07:00 + 27 h = Tuesday 10:00: 10:00 is the first start allowed.
    with pytest.raises(ValidationError) as error:
        reschedule(booking, at("09:30"), at("10:30"), person, now=NOW)
    assert codes(error.value) == {"start": ["notice"]}
    reschedule(booking, at("10:00"), at("11:00"), person, now=NOW)
    # Three days ahead: Thursday is the last day.
    with pytest.raises(ValidationError) as error:
        reschedule(booking, at("10:00", date(2030, 3, 8)), at("11:00", date(2030, 3, 8)), person, now=NOW)
    assert codes(error.value) == {"start": ["days_ahead"]}
    reschedule(booking, at("10:00", date(2030, 3, 7)), at("11:00", date(2030, 3, 7)), person, now=NOW)


def test_the_per_day_limit_does_not_count_the_booking_moved(place, person):
    from .conftest import make_resource

    resource = make_resource(place, max_per_day_per_person=1, max_per_week_per_person=2)
    booking = reserve(person, resource, at("09:00"), at("10:00"), now=NOW)
    reschedule(booking, at("11:00"), at("12:00"), person, now=NOW)  # the same day: itself is not counted
    reserve(person, resource, at("09:00", WEDNESDAY), at("10:00", WEDNESDAY), now=NOW)
    with pytest.raises(ValidationError) as error:
        reschedule(booking, at("14:00", WEDNESDAY), at("15:00", WEDNESDAY), person, now=NOW)
    assert codes(error.value) == {"start": ["per_day"]}


def test_capacity_counts_the_buffer_but_not_the_booking_itself(place, person, other_person, user_factory):
    from .conftest import make_resource

    resource = make_resource(place, capacity=1, buffer_minutes=30)
    booking = reserve(person, resource, at("09:00"), at("10:00"), now=NOW)
    # Overlapping its own period is fine: it does not count against itself.
    reschedule(booking, at("09:30"), at("10:30"), person, now=NOW)
    reserve(other_person, resource, at("12:00"), at("13:00"), now=NOW)
    # Ending at 11:30 leaves the 30 minutes of buffer before 12:00: refused at 11:31 as at 12:00.
    with pytest.raises(BookingError, match="No unit of this resource is free"):
        reschedule(booking, at("11:00"), at("12:00"), person, now=NOW)
    with pytest.raises(BookingError):
        reschedule(booking, at("13:00"), at("14:00"), person, now=NOW)  # the other's buffer until 13:30
    reschedule(booking, at("10:30"), at("11:30"), person, now=NOW)
    reschedule(booking, at("13:30"), at("14:30"), person, now=NOW)


def test_the_person_may_move_until_the_deadline_the_staff_after_it(place, person, staff):
    from .conftest import make_resource

    resource = make_resource(place, cancellation_deadline_minutes=60)
    booking = reserve(person, resource, at("10:00"), at("11:00"), now=NOW)
    reschedule(booking, at("11:00"), at("12:00"), person, now=at("09:00"))  # exactly the deadline
    # Now at 11:00: its deadline is 10:00.
    with pytest.raises(BookingError, match="could be changed until 2030-03-05 10:00"):
        reschedule(booking, at("12:00"), at("13:00"), person, now=at("10:01"))
    moved = reschedule(booking, at("12:00"), at("13:00"), staff, now=at("10:01"))
    assert moved.start == at("12:00")


def test_only_requested_or_confirmed_bookings_move(booking, person):
    cancel(booking, person, now=NOW)
    with pytest.raises(BookingError, match="cannot be changed"):
        reschedule(booking, at("10:00"), at("11:00"), person, now=NOW)


def test_a_person_move_needs_approval_again_a_staff_move_keeps_the_state(place, person, staff):
    from .conftest import make_resource

    resource = make_resource(place, requires_approval=True)
    booking = reserve(person, resource, at("09:00"), at("10:00"), now=NOW)
    transition(booking, "confirm", staff, now=NOW)
    moved = reschedule(booking, at("10:00"), at("11:00"), person, now=NOW)
    assert moved.state == S.REQUESTED
    assert booking.events.last().from_state == S.CONFIRMED
    transition(booking, "confirm", staff, now=NOW)
    assert reschedule(booking, at("11:00"), at("12:00"), staff, now=NOW).state == S.CONFIRMED


def test_who_may_move(booking, other_person, outsider, admin):
    with pytest.raises(PermissionDenied):
        reschedule(booking, at("10:00"), at("11:00"), other_person, now=NOW)
    with pytest.raises(PermissionDenied):
        reschedule(booking, at("10:00"), at("11:00"), outsider, now=NOW)
    assert reschedule(booking, at("10:00"), at("11:00"), admin, now=NOW).start == at("10:00")


def test_the_freed_period_is_offered_to_the_waiting_list_not_the_new_one(single, person, user_factory):
    first, second = user_factory("carla"), user_factory("dario")
    booking = reserve(person, single, at("09:00"), at("10:00"), now=NOW)
    reserve(first, single, at("11:00"), at("12:00"), now=NOW)
    waiting_old = join_waiting_list(first, single, at("09:00"), at("10:00"), now=NOW)
    reschedule(booking, at("14:00"), at("15:00"), person, now=NOW)
    waiting_new = join_waiting_list(second, single, at("14:00"), at("15:00"), now=NOW)
    # Moving back to 09:00 is refused now: the freed hour is held by the offer.
    waiting_old.refresh_from_db()
    assert waiting_old.state == WaitingListEntry.State.OFFERED
    with pytest.raises(BookingError):
        reschedule(booking, at("09:00"), at("10:00"), person, now=NOW)
    waiting_new.refresh_from_db()
    assert waiting_new.state == WaitingListEntry.State.WAITING


def test_the_new_slot_is_never_offered(single, person, user_factory):
    waiter = user_factory("carla")
    booking = reserve(person, single, at("09:00"), at("10:00"), now=NOW)
    reserve(user_factory("dario"), single, at("14:00"), at("15:00"), now=NOW)
    entry = join_waiting_list(waiter, single, at("14:00"), at("15:00"), now=NOW)
    Reservation.objects.filter(start=at("14:00")).update(state=S.CANCELLED)  # freed without an offer
    reschedule(booking, at("14:00"), at("15:00"), person, now=NOW)
    entry.refresh_from_db()
    assert entry.state == WaitingListEntry.State.WAITING


# --- named desks ------------------------------------------------------------------------------------------------
@pytest.fixture
def named(resource, admin):
    units.add_units(resource, admin, [("A1", ""), ("A2", ""), ("A3", "")], now=NOW)
    resource.refresh_from_db()
    return resource


def desk(resource, name):
    return resource.units.get(name_it=name)


def test_a_move_keeps_the_desk_if_free_else_takes_a_free_one(named, person, other_person):
    a1, a2, a3 = desk(named, "A1"), desk(named, "A2"), desk(named, "A3")
    booking = reserve(person, named, at("09:00"), at("10:00"), unit=a2.pk, now=NOW)
    assert reschedule(booking, at("10:00"), at("11:00"), person, now=NOW).unit == a2
    reserve(other_person, named, at("14:00"), at("15:00"), unit=a2.pk, now=NOW)
    moved = reschedule(booking, at("14:00"), at("15:00"), person, now=NOW)
    assert moved.unit == a1
    assert booking.events.last().note == "2030-03-05 10:00–11:00 → 2030-03-05 14:00–15:00 (A2 → A1)"
    assert reschedule(booking, at("14:00"), at("15:00"), person, unit=a3.pk, now=NOW).unit == a3


def test_a_chosen_desk_that_is_taken_is_refused_with_the_same_message(named, person, other_person):
    a1, a2 = desk(named, "A1"), desk(named, "A2")
    booking = reserve(person, named, at("09:00"), at("10:00"), unit=a1.pk, now=NOW)
    reserve(other_person, named, at("09:00"), at("10:00"), unit=a2.pk, now=NOW)
    # Its own desk counts as free for it.
    with pytest.raises(BookingError, match="Desk A2 is taken at that time; choose desk A1 or any free desk"):
        reschedule(booking, at("09:00"), at("10:00"), person, unit=a2.pk, now=NOW)


# --- e-mail and calendar ----------------------------------------------------------------------------------------
def test_the_changed_mail_in_both_languages_with_the_updated_ics(
    named, person, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    a1, a2 = desk(named, "A1"), desk(named, "A2")
    booking = reserve(person, named, at("09:00"), at("11:00"), unit=a1.pk, now=NOW)
    first_uid = Calendar.from_ical(calendar.reservation_ics(booking)).walk("VEVENT")[0]["UID"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reschedule(booking, at("10:00", WEDNESDAY), at("12:00", WEDNESDAY), person, unit=a2.pk, now=NOW)
    [message] = mail.outbox
    # Italian first ("Prenotazione modificata" once the catalogue has it), then English.
    assert message.subject.endswith("Booking changed")
    italian, english = message.body.split("\n----------\n")
    change = "2030-03-05 09:00–11:00 → 2030-03-06 10:00–12:00 (A1 → A2)"
    assert change in italian and f"Change: {change}" in english
    assert "mercoledì 6 marzo 2030, 10:00–12:00" in italian
    assert "Wednesday 6 March 2030, 10:00–12:00" in english
    [(name, content, mimetype)] = message.attachments
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert (event["UID"], int(event["SEQUENCE"])) == (first_uid, 1)
    assert event.decoded("dtstart") == at("10:00", WEDNESDAY)


def test_the_private_feed_shows_the_new_time(booking, person):
    reschedule(booking, at("13:00"), at("14:00"), person, now=NOW)
    feed = calendar.feed_for(person)
    [event] = Calendar.from_ical(calendar.feed_ics(feed)).walk("VEVENT")
    assert event.decoded("dtstart") == at("13:00") and int(event["SEQUENCE"]) == 1


def test_moving_bookings_off_a_deactivated_desk_mails_the_person(
    named, person, admin, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    booking = reserve(person, named, at("09:00"), at("10:00"), unit=desk(named, "A1").pk, now=NOW)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        units.update_unit(desk(named, "A1"), admin, is_active=False, move_bookings=True, now=NOW)
    [message] = mail.outbox
    assert message.subject.endswith("Booking changed")
    assert "Change: A1 → A2" in message.body
    event = Calendar.from_ical(message.attachments[0][1]).walk("VEVENT")[0]
    assert int(event["SEQUENCE"]) == 1 and "A2" in str(event["SUMMARY"])
    booking.refresh_from_db()
    assert booking.unit.name == "A2"
