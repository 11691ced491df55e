"""The waiting list of a service: joined only when the next weeks are full; a freed time is offered to the
first in line, who accepts it before the offer expires, else it goes to the next."""

from __future__ import annotations

from datetime import timedelta

import pytest

from vicinato.activities.models import Appointment, AppointmentWait
from vicinato.activities.services import appointments
from vicinato.activities.services.common import ActivityError

from .conftest import NOW, TUESDAY


@pytest.fixture
def full(service, advisor, place, user_factory):
    """Every slot of the bookable weeks taken (the advisor's only hours are 09:00-12:00 on Tuesdays)."""
    service.days_ahead = 6  # one Tuesday in reach
    service.save()
    booked = []
    for n, slot in enumerate(appointments.free_slots(service, TUESDAY, 7, now=NOW)):
        person = user_factory(f"taken{n}")
        booked.append(appointments.book(person, service, slot.advisor_id, slot.place_id, slot.start, now=NOW))
    return booked


def test_joining_is_refused_while_a_time_is_free(service, advisor, person):
    with pytest.raises(ActivityError, match="A time is free on"):
        appointments.join_waiting_list(person, service, now=NOW)


def test_a_cancelled_time_is_offered_to_the_first_in_line_who_accepts_it(full, service, person, other_person):
    first = appointments.join_waiting_list(person, service, reason="Pensione", now=NOW)
    appointments.join_waiting_list(other_person, service, now=NOW + timedelta(minutes=1))
    with pytest.raises(ActivityError, match="already on the waiting list"):
        appointments.join_waiting_list(person, service, now=NOW)
    freed = full[2]
    appointments.cancel(freed, freed.person, now=NOW)
    offer = Appointment.objects.get(state="offered")
    first.refresh_from_db()
    assert (offer.person, offer.start, offer.reason, first.state) == (
        person,
        freed.start,
        "Pensione",
        "offered",
    )
    assert offer.offer_expires_at == NOW + timedelta(hours=service.offer_hours)
    # Nobody else may book the offered time meanwhile.
    assert freed.start not in [s.start for s in appointments.free_slots(service, TUESDAY, 1, now=NOW)]
    with pytest.raises(Exception, match="Only the person it is offered to"):
        appointments.accept_offer(offer, other_person, now=NOW)
    assert appointments.accept_offer(offer, person, now=NOW + timedelta(hours=1)).state == "booked"


def test_an_offer_not_accepted_in_time_goes_to_the_next_in_line(full, service, person, other_person):
    appointments.join_waiting_list(person, service, now=NOW)
    appointments.join_waiting_list(other_person, service, now=NOW + timedelta(minutes=1))
    appointments.cancel(full[0], full[0].person, now=NOW)
    offer = Appointment.objects.get(state="offered")
    later = offer.offer_expires_at
    with pytest.raises(ActivityError, match="This offer expired"):
        appointments.accept_offer(offer, person, now=later)
    assert appointments.expire_offers(now=later) == 1
    offer.refresh_from_db()
    assert offer.state == "expired"
    second = Appointment.objects.get(state="offered")
    assert second.person == other_person and second.start == offer.start
    assert AppointmentWait.objects.get(person=person).state == "done"


def test_the_offer_never_outlasts_the_deadline_to_book(full, service, person):
    appointments.join_waiting_list(person, service, now=NOW)
    late = full[0].start - timedelta(hours=3)
    appointments.cancel(full[0], full[0].advisor.user, "Malattia", now=late)
    offer = Appointment.objects.get(state="offered")
    assert offer.offer_expires_at == full[0].start - timedelta(hours=service.notice_hours)


def test_leaving_the_waiting_list(full, service, person, other_person):
    wait = appointments.join_waiting_list(person, service, now=NOW)
    with pytest.raises(Exception, match="Only the person waiting"):
        appointments.leave_waiting_list(wait, other_person)
    appointments.leave_waiting_list(wait, person)
    appointments.cancel(full[0], full[0].person, now=NOW)
    assert not Appointment.objects.filter(state="offered").exists()
