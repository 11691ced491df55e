"""Drafting, activating, suspending and ending agreements: what activation checks, and how suspension and
ending offer to cancel the bookings still to come and tell the people."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from vicinato.agreements import consent, services
from vicinato.agreements.errors import ConflictError
from vicinato.agreements.models import Agreement
from vicinato.booking.models import Reservation, Resource
from vicinato.booking.services import check_rules, reserve

from .conftest import NOW, TUESDAY, at, make_resource

pytestmark = pytest.mark.django_db
A = Agreement.State


def terms(resources, guests, **extra) -> dict:
    return {
        "name": "Pilota Municipio 9",
        "guests": [g.pk for g in guests],
        "resources": [r.pk for r in resources],
        "desks_per_day": 3,
        "weekdays": ["0", "2", "4"],
        "starts_on": "2030-03-01",
        "ends_on": "2030-06-30",
        "price": "0",
        "approval": "automatic",
        **extra,
    }


def test_the_host_drafts_and_activates_an_agreement(host, host_admin, desks, company, company_admin):
    agreement = services.save_agreement(host_admin, host, terms([desks], [company]))
    # The guest named is invited: a guest once its administrator accepts (tests/agreements/test_guest_invitations.py).
    consent.answer(company_admin, consent.pending(agreement=agreement).get(), accept=True)
    assert (agreement.state, agreement.weekdays, agreement.desks_per_day) == (A.DRAFT, [0, 2, 4], 3)
    change = services.change_agreement_state(agreement, "activate", host_admin, now=NOW)
    assert change.agreement.state == A.ACTIVE
    event = agreement.events.get()
    assert (event.action, event.from_state, event.to_state, event.actor) == (
        "activate",
        "draft",
        "active",
        host_admin,
    )


def test_the_form_refuses_bad_terms_next_to_their_fields(
    host, host_admin, desks, company, place, other_organisation
):
    foreign = make_resource(place)
    foreign.place.operator = other_organisation  # not the host's: not offered by the form
    with pytest.raises(ValidationError) as caught:
        services.save_agreement(
            host_admin,
            host,
            terms(
                [desks],
                [company],
                opens_at="13:00",
                closes_at="09:00",
                ends_on="2030-02-01",
                desks_per_day="0",
                price="-1",
            ),
        )
    errors = caught.value.message_dict
    assert errors["closes_at"] == ["The end of the bookable hours must come after their start."]
    assert errors["ends_on"] == ["The last day must not come before the first; choose a later one."]
    assert set(errors) >= {"desks_per_day", "price"}


def test_only_the_hosts_administrators_draft_and_move_agreements(
    host, host_staff, company_admin, desks, company, agreement
):
    for user in (host_staff, company_admin):
        with pytest.raises(PermissionDenied):
            services.save_agreement(user, host, terms([desks], [company]))
        with pytest.raises(PermissionDenied):
            services.change_agreement_state(agreement, "suspend", user, "Works")


def test_activation_lists_every_problem(host, host_admin, place, other_organisation, city):
    open_desk = make_resource(place)  # bookable by everyone
    approving = make_resource(place, who_may_book=Resource.WhoMayBook.AGREEMENT, requires_approval=True)
    agreement = Agreement.objects.create(
        host=host, name="Vecchio", desks_per_day=1, starts_on=date(2030, 1, 1), ends_on=date(2030, 2, 1)
    )
    agreement.resources.set([open_desk, approving])
    with pytest.raises(ValidationError) as caught:
        services.change_agreement_state(agreement, "activate", host_admin, now=NOW)
    errors = caught.value.message_dict
    assert errors["guests"] == ["Choose at least one guest organisation or community."]
    assert errors["ends_on"] == ["The last day has passed; choose a later last day."]
    assert errors["resources"] == [
        "Desk room at Duomo Cowork is not reserved to holders of an agreement; set its “who may book” to agreements first."
    ]
    assert errors["approval"] == [
        "Desk room at Duomo Cowork needs the operator's approval for every booking; choose approval by the host's staff."
    ]
    agreement.refresh_from_db()
    assert agreement.state == A.DRAFT


def test_suspension_needs_a_note_and_offers_to_cancel_the_bookings_to_come(
    agreement, host_admin, desks, employee, clerk, mailoutbox, django_capture_on_commit_callbacks
):
    started = reserve(employee, desks, at("09:00"), at("10:00"), now=NOW)
    coming = reserve(clerk, desks, at("11:00"), at("12:00"), now=NOW)
    moment = at("09:30")
    with pytest.raises(ValidationError, match="Write a note for the people who book"):
        services.change_agreement_state(agreement, "suspend", host_admin, now=moment)
    assert services.affected_bookings(agreement, moment) == [coming]
    with django_capture_on_commit_callbacks(execute=True):
        change = services.change_agreement_state(
            agreement, "suspend", host_admin, "Office closed for works", cancel_bookings=True, now=moment
        )
    assert change.cancelled == [coming] and change.kept == []
    coming.refresh_from_db()
    started.refresh_from_db()
    assert coming.state == Reservation.State.CANCELLED and started.state == Reservation.State.CONFIRMED
    assert coming.events.last().note == "Office closed for works"
    [mail] = [m for m in mailoutbox if "Agreement suspended" in m.subject]
    assert (
        mail.to == ["marco@example.org"]
        and "Office closed for works" in mail.body
        and "cancelled" in mail.body
    )
    refusals = {r.rule: r.message for r in check_rules(clerk, desks, at("14:00"), at("15:00"), now=moment)}
    assert "is suspended" in refusals["who_may_book"]


def test_suspension_may_keep_the_bookings_and_still_tells_the_people(
    agreement, host_admin, desks, clerk, mailoutbox, django_capture_on_commit_callbacks
):
    coming = reserve(clerk, desks, at("09:00"), at("10:00"), now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        change = services.change_agreement_state(agreement, "suspend", host_admin, "Audit", now=NOW)
    assert change.cancelled == [] and [r for r, _reason in change.kept] == [coming]
    italian, english = mailoutbox[-1].body.split("----------")
    assert "mantenuta: l'ente ospitante rispetta le prenotazioni già fatte" in italian
    assert "kept: the host honours bookings already made" in english


def test_resume_and_end_and_what_cannot_be_applied(agreement, host_admin, desks, clerk):
    services.change_agreement_state(agreement, "suspend", host_admin, "Audit", now=NOW)
    services.change_agreement_state(agreement, "resume", host_admin, now=NOW)
    assert reserve(clerk, desks, at("09:00"), at("10:00"), now=NOW)
    services.change_agreement_state(agreement, "end", host_admin, "Pilot over", cancel_bookings=True, now=NOW)
    with pytest.raises(
        ConflictError,
        match="'resume' is not possible for an agreement that is 'Ended'; it is possible from: Suspended",
    ):
        services.change_agreement_state(agreement, "resume", host_admin, now=NOW)
    with pytest.raises(ConflictError, match="Unknown action 'renew'"):
        services.change_agreement_state(agreement, "renew", host_admin, now=NOW)
    with pytest.raises(ConflictError, match="has ended and cannot change"):
        services.save_agreement(host_admin, agreement.host, {}, agreement)
    assert [e.action for e in agreement.events.all()] == ["suspend", "resume", "end"]


def test_the_scheduled_job_ends_agreements_after_their_last_day(agreement, host, company, desks):
    assert services.end_finished_agreements(now=NOW) == 0
    assert services.end_finished_agreements(now=NOW + timedelta(days=61)) == 1
    agreement.refresh_from_db()
    # The job's own note is stored in both languages: people of either read the agreement's history.
    assert agreement.state == A.ENDED and agreement.events.get().note == (
        "La convenzione ha raggiunto l'ultimo giorno. / The agreement reached its last day."
    )


def test_a_person_sees_the_agreements_they_may_book_under(
    agreement, employee, user_factory, host, company, desks
):
    draft = Agreement.objects.create(
        host=host, name="Bozza", desks_per_day=1, starts_on=TUESDAY, ends_on=TUESDAY
    )
    draft.guests.add(company)
    assert list(services.bookable_agreements(employee, NOW.date())) == [agreement]
    assert list(services.bookable_agreements(user_factory("nobody"), NOW.date())) == []
    assert list(services.received_agreements(company)) == [agreement]


def test_the_jobs_command_runs(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("agreements-jobs", stdout=out)
    assert out.getvalue().strip() == "0 agreements ended, 0 documents deleted."
