"""The booking engine's "who may book" hook for agreements: guests, quotas at their boundary, dates, weekdays,
hours and monthly limits, each refused with its sentence."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from vicinato.agreements.models import Affiliation, AgreementBooking, Community
from vicinato.booking.models import Reservation, Resource
from vicinato.booking.services import (
    BookingError,
    cancel,
    check_rules,
    create_series,
    release_no_shows,
    reserve,
)

from .conftest import NOW, TUESDAY, affiliate, at, make_agreement, make_resource

pytestmark = pytest.mark.django_db
WEDNESDAY, THURSDAY, FRIDAY = (TUESDAY + timedelta(days=n) for n in (1, 2, 3))


def refusal(person, resource, start, end) -> str:
    refusals = {r.rule: r.message for r in check_rules(person, resource, start, end, now=NOW)}
    return refusals.get("who_may_book", "")


def refused(person, resource, start, end, units: int = 1) -> str:
    with pytest.raises((ValidationError, BookingError)) as caught:
        reserve(person, resource, start, end, units, now=NOW)
    error = caught.value
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def test_an_employee_of_a_guest_books_and_the_booking_records_its_agreement(
    agreement, employee, desks, company
):
    reservation = reserve(employee, desks, at("09:00"), at("11:00"), now=NOW)
    booking = AgreementBooking.objects.get(reservation=reservation)
    assert (booking.agreement, booking.guest, booking.day) == (agreement, company, TUESDAY)


def test_people_outside_the_guests_are_told_whom_to_ask(agreement, desks, user_factory, company):
    stranger = user_factory("stranger")
    assert "open to people of the organisations that have an agreement with Cowork Test S.r.l." in refusal(
        stranger, desks, at("09:00"), at("10:00")
    )
    # A request waiting for verification gives no right yet.
    Affiliation.objects.create(person=stranger, organisation=company, method=Affiliation.Method.ADMIN)
    assert "ask your employer or association" in refusal(stranger, desks, at("09:00"), at("10:00"))


def test_a_resource_without_agreements_says_so(place, employee):
    lonely = make_resource(place, who_may_book=Resource.WhoMayBook.AGREEMENT)
    assert refusal(employee, lonely, at("09:00"), at("10:00")) == (
        "No agreement opens this resource at the moment; ask the place how to book it."
    )


def test_the_quota_of_the_day_at_its_boundary(agreement, desks, employee, clerk, user_factory, company):
    third = user_factory("third")
    affiliate(third, company)
    first = reserve(employee, desks, at("09:00"), at("10:00"), now=NOW)
    reserve(clerk, desks, at("14:00"), at("15:00"), now=NOW)  # the 2nd of 2 desks: allowed
    message = refused(third, desks, at("16:00"), at("17:00"))
    assert message == (
        "All 2 desks a day of the agreement “Smart Working Community” are taken on March 5, 2030; "
        "choose another day."
    )
    assert reserve(third, desks, at("09:00", WEDNESDAY), at("10:00", WEDNESDAY), now=NOW)  # another day
    cancel(first, employee, now=NOW)
    assert reserve(third, desks, at("16:00"), at("17:00"), now=NOW).state == Reservation.State.CONFIRMED


def test_the_quota_counts_units_and_undoes_a_booking_of_more_than_is_left(agreement, desks, employee, clerk):
    reserve(employee, desks, at("09:00"), at("10:00"), now=NOW)
    message = refused(clerk, desks, at("09:00"), at("10:00"), units=2)
    assert (
        message
        == "Only 1 desk of the agreement “Smart Working Community” is left on March 5, 2030; book fewer units."
    )
    assert Reservation.objects.filter(person=clerk).count() == 0
    assert reserve(clerk, desks, at("09:00"), at("10:00"), units=1, now=NOW)


def test_the_quota_spans_the_agreements_resources(host, company, place, employee, clerk, city_hall):
    rooms = [
        make_resource(place, who_may_book=Resource.WhoMayBook.AGREEMENT, name_it=f"Sala {n}") for n in (1, 2)
    ]
    make_agreement(host, [company, city_hall], rooms, desks_per_day=1)
    reserve(employee, rooms[0], at("09:00"), at("10:00"), now=NOW)
    assert refused(clerk, rooms[1], at("09:00"), at("10:00")) == (
        "The 1 desk a day of the agreement “Smart Working Community” is taken on March 5, 2030; choose another day."
    )


def test_no_shows_give_their_desk_back(agreement, desks, employee, clerk):
    reservation = reserve(employee, desks, at("09:00"), at("10:00"), now=NOW)
    reserve(clerk, desks, at("09:00"), at("10:00"), now=NOW)
    assert "are taken on" in refusal(employee, desks, at("11:00"), at("12:00"))
    release_no_shows(now=at("10:30"))
    reservation.refresh_from_db()
    assert reservation.state == Reservation.State.NO_SHOW
    assert refusal(employee, desks, at("11:00"), at("12:00")) == ""


def test_dates_of_the_agreement(host, company, desks, employee):
    make_agreement(host, [company], [desks], starts_on=WEDNESDAY, ends_on=THURSDAY)
    assert refusal(employee, desks, at("09:00"), at("10:00")) == (
        "The agreement “Smart Working Community” starts on March 6, 2030; choose a day from then."
    )
    assert refusal(employee, desks, at("09:00", FRIDAY), at("10:00", FRIDAY)) == (
        "The agreement “Smart Working Community” ends on March 7, 2030; choose a day until then."
    )
    assert refusal(employee, desks, at("09:00", THURSDAY), at("10:00", THURSDAY)) == ""
    with translation.override("it"):
        assert refusal(employee, desks, at("09:00", FRIDAY), at("10:00", FRIDAY)) == (
            "La convenzione «Smart Working Community» termina il 7 marzo 2030; scegli un giorno entro quella data."
        )


def test_weekdays_of_the_agreement(host, company, desks, employee):
    make_agreement(host, [company], [desks], weekdays=[1, 3])
    assert refusal(employee, desks, at("09:00", WEDNESDAY), at("10:00", WEDNESDAY)) == (
        "The agreement “Smart Working Community” is for Tuesday, Thursday only; choose one of those days."
    )
    assert refusal(employee, desks, at("09:00", THURSDAY), at("10:00", THURSDAY)) == ""


def test_hours_of_the_agreement(host, company, desks, employee):
    make_agreement(host, [company], [desks], opens_at=time(9), closes_at=time(13))
    sentence = "The agreement “Smart Working Community” allows bookings from 09:00 to 13:00; choose a time within them."
    assert refusal(employee, desks, at("08:30"), at("09:30")) == sentence
    assert refusal(employee, desks, at("12:30"), at("13:30")) == sentence
    assert refusal(employee, desks, at("09:00"), at("13:00")) == ""


def test_days_a_month_per_person(host, company, desks, employee):
    make_agreement(host, [company], [desks], days_per_month_per_person=1)
    reserve(employee, desks, at("09:00"), at("10:00"), now=NOW)
    assert refusal(employee, desks, at("14:00"), at("15:00")) == ""  # the same day counts once
    assert refusal(employee, desks, at("09:00", WEDNESDAY), at("10:00", WEDNESDAY)) == (
        "You have used your 1 day this month under the agreement “Smart Working Community”; "
        "choose a day in another month."
    )


def test_a_suspended_or_ended_agreement_refuses_with_its_reason(agreement, desks, employee):
    agreement.state = "suspended"
    agreement.save()
    assert "is suspended" in refusal(employee, desks, at("09:00"), at("10:00"))
    agreement.state = "ended"
    agreement.save()
    assert "has ended" in refusal(employee, desks, at("09:00"), at("10:00"))


def test_a_draft_lets_nobody_book(agreement, desks, employee):
    agreement.state = "draft"
    agreement.save()
    assert "No agreement opens this resource" in refusal(employee, desks, at("09:00"), at("10:00"))


def test_another_agreement_on_the_same_resource_is_tried_when_one_is_full(
    agreement, host, company, desks, employee, clerk
):
    make_agreement(host, [company], [desks], name="Second pilot", desks_per_day=1)
    agreement.desks_per_day = 1
    agreement.save()
    reserve(clerk, desks, at("09:00"), at("10:00"), now=NOW)  # takes the first agreement's only desk
    reservation = reserve(employee, desks, at("09:00"), at("10:00"), now=NOW)
    assert reservation.agreement_booking.agreement.name == "Second pilot"


def test_a_community_makes_every_member_organisation_a_guest(host, desks, user_factory, other_organisation):
    community = Community.objects.create(name="Associazione imprese")
    community.organisations.add(other_organisation)
    agreement = make_agreement(host, [], [desks])
    agreement.communities.add(community)
    member = user_factory("member")
    affiliate(member, other_organisation, Affiliation.Kind.MEMBER)
    reservation = reserve(member, desks, at("09:00"), at("10:00"), now=NOW)
    assert reservation.agreement_booking.guest == other_organisation


def test_a_weekly_series_reports_the_days_the_agreement_refuses(host, company, desks, employee):
    make_agreement(host, [company], [desks], ends_on=TUESDAY)
    result = create_series(
        employee, desks, [1], time(9), time(10), TUESDAY, TUESDAY + timedelta(days=7), now=NOW
    )
    assert len(result.reservations) == 1
    assert [day for day, _reason in result.conflicts] == [date(2030, 3, 12)]
    assert "ends on March 5, 2030; choose a day until then." in result.conflicts[0][1]
