"""Appointments: booking a slot, the rules, rescheduling and cancelling until the deadline, marking, and what
each person may see."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from vicinato.activities.models import AdviceService, Appointment, Mode
from vicinato.activities.permissions import Action, can
from vicinato.activities.services import appointments
from vicinato.activities.services.common import ActivityError

from .conftest import NOW, TUESDAY, at


def book(person, service, advisor, place, start, **extra):
    extra.setdefault("now", NOW)
    return appointments.book(person, service, advisor.pk, place.pk, start, **extra)


def test_a_person_books_a_free_slot_with_a_private_reason(service, advisor, place, person):
    appointment = book(person, service, advisor, place, at("09:30"), reason="Riscatto della laurea")
    assert (appointment.start, appointment.end, appointment.state) == (at("09:30"), at("10:00"), "booked")
    assert appointment.changes.get().action == "book"
    assert at("09:30") not in [s.start for s in appointments.free_slots(service, TUESDAY, 1, now=NOW)]


@pytest.mark.parametrize(
    ("start", "extra", "field", "message"),
    [
        (at("09:10"), {}, "start", "The advisor does not receive at this place at"),
        (at("12:00"), {}, "start", "The advisor does not receive at this place at"),
        (at("09:00"), {"mode": Mode.VIDEO}, "mode", "This service is offered In person, By phone"),
        (at("09:00"), {"mode": Mode.PHONE}, "phone", "Give the phone number the advisor should call."),
        (at("09:00"), {"reason": "x" * 2001}, "reason", "Write the reason in at most 2000 characters."),
        (at("09:00"), {"now": at("08:00")}, "start", "Appointments are booked at least 2 hours ahead"),
        (at("09:00", TUESDAY + timedelta(days=21)), {}, "start", "Appointments open 14 days ahead"),
    ],
)
def test_bad_requests_are_refused_next_to_their_field(
    service, advisor, place, person, start, extra, field, message
):
    with pytest.raises(ValidationError) as error:
        book(person, service, advisor, place, start, **extra)
    assert error.value.message_dict[field][0].startswith(message), error.value.message_dict


def test_a_naive_time_is_refused(service, advisor, place, person):
    with pytest.raises(ValidationError, match="offset"):
        book(person, service, advisor, place, at("09:00").replace(tzinfo=None))


def test_an_advisor_is_never_booked_twice_at_the_same_time_whatever_the_service(
    service, advisor, place, person, other_person, other_organisation
):
    tax = AdviceService.objects.create(
        organisation=other_organisation, kind="tax", name_it="730", modes=["in_person"], minutes=60
    )
    tax.places.add(place)
    advisor.services.add(tax)
    book(person, service, advisor, place, at("10:00"))
    with pytest.raises(ActivityError, match="This time has just been taken"):
        appointments.book(
            other_person, tax, advisor.pk, place.pk, at("09:00"), now=NOW
        )  # 09:00-10:00 is free
        appointments.book(other_person, tax, advisor.pk, place.pk, at("10:00"), now=NOW)
    # the first succeeded: 09:00-10:00 does not meet 10:00-10:30
    assert Appointment.objects.filter(advisor=advisor, state="booked").count() == 2


def test_a_person_holds_one_coming_appointment_per_service(service, advisor, place, person):
    book(person, service, advisor, place, at("09:00"))
    with pytest.raises(ActivityError, match="You already have an appointment for this service"):
        book(person, service, advisor, place, at("11:00"))


def test_the_person_reschedules_and_cancels_until_the_deadline(service, advisor, place, person):
    appointment = book(person, service, advisor, place, at("11:00"))
    moved = appointments.reschedule(appointment, person, at("09:00"), now=NOW)
    assert (moved.pk, moved.start) == (appointment.pk, at("09:00"))
    assert moved.changes.last().action == "reschedule"
    with pytest.raises(ActivityError, match="could be changed until"):
        appointments.reschedule(moved, person, at("10:00"), now=at("07:30"))
    with pytest.raises(ActivityError, match="could be cancelled until"):
        appointments.cancel(moved, person, now=at("07:30"))
    cancelled = appointments.cancel(moved, person, now=at("06:30"))
    assert cancelled.state == "cancelled"


def test_the_advisor_cancels_at_any_time_with_a_reason(service, advisor, place, person):
    appointment = book(person, service, advisor, place, at("09:00"))
    with pytest.raises(ValidationError, match="Write the reason"):
        appointments.cancel(appointment, advisor.user, now=at("08:50"))
    assert appointments.cancel(appointment, advisor.user, "Malattia", now=at("08:50")).state == "cancelled"


def test_marking_done_or_no_show_waits_for_the_start_and_only_the_advisor_marks(
    service, advisor, place, person
):
    appointment = book(person, service, advisor, place, at("09:00"))
    with pytest.raises(ActivityError, match="mark it once it has begun"):
        appointments.mark(appointment, advisor.user, "done", now=at("08:00"))
    with pytest.raises(PermissionDenied):
        appointments.mark(appointment, person, "done", now=at("09:10"))
    assert appointments.mark(appointment, advisor.user, "no_show", now=at("09:10")).state == "no_show"
    assert appointments.mark(appointment, advisor.user, "done", now=at("09:15")).state == "done"
    with pytest.raises(ActivityError, match="'cancel' is not possible for an appointment"):
        appointments.cancel(appointment, person, now=at("09:20"))


def test_the_reason_is_seen_by_the_person_and_the_advisor_only(
    service, advisor, place, person, union_admin, place_admin
):
    appointment = book(person, service, advisor, place, at("09:00"), reason="Debiti")
    assert can(person, Action.VIEW_REASON, appointment)
    assert can(advisor.user, Action.VIEW_REASON, appointment)
    assert not can(union_admin, Action.VIEW_REASON, appointment)
    assert not can(place_admin, Action.VIEW_REASON, appointment)
    assert not can(place_admin, Action.VIEW_APPOINTMENT, appointment)
    taken = appointments.place_day(place, TUESDAY, place_admin)
    assert [(t.start, t.service) for t in taken] == [(at("09:00"), "Pension advice")]
    assert not hasattr(taken[0], "reason") and not hasattr(taken[0], "person")
    with pytest.raises(PermissionDenied):
        appointments.place_day(place, TUESDAY, person)


def test_the_advisor_day_lists_appointments_at_every_place(service, advisor, place, person, other_person):
    book(person, service, advisor, place, at("10:00"), reason="A")
    book(other_person, service, advisor, place, at("09:00"), reason="B")
    day = appointments.advisor_day(advisor, TUESDAY, advisor.user)
    assert [(a.start, a.reason) for a in day] == [(at("09:00"), "B"), (at("10:00"), "A")]
    with pytest.raises(PermissionDenied):
        appointments.advisor_day(advisor, TUESDAY, person)


def test_the_organisation_counts_appointments_per_service_and_month(
    service, advisor, place, person, other_person, union_admin, other_organisation
):
    first = book(person, service, advisor, place, at("09:00"))
    book(other_person, service, advisor, place, at("10:00"))
    appointments.mark(first, advisor.user, "done", now=at("09:30"))
    counts = appointments.monthly_counts(other_organisation, union_admin, date(2030, 3, 1), date(2030, 3, 31))
    assert counts[(service.pk, "2030-03")] == {"done": 1, "booked": 1}
    with pytest.raises(PermissionDenied):
        appointments.monthly_counts(other_organisation, person, date(2030, 3, 1), date(2030, 3, 31))


def test_reasons_are_deleted_the_set_number_of_months_after_the_appointment(service, advisor, place, person):
    appointment = book(person, service, advisor, place, at("09:00"), reason="Debiti")
    assert appointments.purge_reasons(now=at("09:00", date(2030, 9, 5))) == 0  # exactly six months: kept
    assert appointments.purge_reasons(now=at("09:31", date(2030, 9, 5))) == 1
    appointment.refresh_from_db()
    assert appointment.reason == "" and appointment.reason_deleted_at is not None


def test_month_arithmetic_keeps_the_end_of_shorter_months():
    from vicinato.activities.services.common import add_months

    moment = at("10:00", date(2030, 8, 31))
    assert add_months(moment, -6).date() == date(2030, 2, 28)
    assert add_months(moment, 6).date() == date(2031, 2, 28)


def test_reminders_go_out_once_for_appointments_booked_before_the_window(
    service, advisor, place, person, other_person
):
    early = book(person, service, advisor, place, at("09:00"), now=NOW - timedelta(days=2))
    monday = TUESDAY - timedelta(days=1)
    # booked within 24 hours of its start: its confirmation is enough
    book(other_person, service, advisor, place, at("09:30"), now=at("10:00", monday))
    assert appointments.due_reminders(at("11:00", monday), 24) == [early.pk]
    assert appointments.due_reminders(at("11:00", monday), 24) == []


def test_weekly_hours_in_force_only_from_their_first_day(service, advisor, union_admin, place):
    advisor.weekly.update(valid_from=date(2030, 3, 10))
    assert appointments.free_slots(service, TUESDAY, 1, now=NOW) == []
    assert len(appointments.free_slots(service, TUESDAY + timedelta(days=7), 1, now=NOW)) == 6
    assert time(9) == advisor.weekly.get().start_time
