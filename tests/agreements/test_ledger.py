"""The voucher ledger follows each paid booking: reserved when booked, committed at check-in or completion,
released on cancellation, rejection or no-show; never beyond the budget or the person's yearly cap."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from vicinato.agreements import vouchers
from vicinato.agreements.models import LedgerEntry, VoucherApplication
from vicinato.booking.services import (
    cancel,
    check_in,
    complete_finished,
    release_no_shows,
    reserve,
    transition,
)
from vicinato.register.models import Organisation

from .conftest import NOW, TUESDAY, at, beneficiary, make_programme, make_resource

pytestmark = pytest.mark.django_db
L = LedgerEntry.State
WEDNESDAY = TUESDAY + timedelta(days=1)


@pytest.fixture
def funder(db):
    return Organisation.objects.create(kind=Organisation.Kind.PUBLIC_BODY, legal_name="Comune di Milano")


@pytest.fixture
def paid(place):
    """Desks at 5.00 EUR an hour (2.50 EUR a 30-minute slot)."""
    return make_resource(place, capacity=5, price_cents_per_slot=250, max_days_ahead=60)


@pytest.fixture
def programme(funder, listed, register):
    """50 % of the price, at places listed in the test register."""
    programme = make_programme(funder)
    programme.registers.add(register)
    return programme


@pytest.fixture
def coworker(user_factory, programme):
    person = user_factory("cora")
    beneficiary(programme, person)
    return person


def entry_of(reservation) -> LedgerEntry:
    return LedgerEntry.objects.get(reservation=reservation)


def test_a_paid_booking_reserves_half_its_price(coworker, paid):
    reservation = reserve(coworker, paid, at("09:00"), at("11:00"), now=NOW)  # 4 slots: 10.00 EUR
    entry = entry_of(reservation)
    assert (entry.price, entry.share, entry.amount, entry.state) == (
        Decimal("10.00"),
        Decimal("5.00"),
        Decimal("5.00"),
        L.RESERVED,
    )
    assert (entry.day, entry.year, entry.note) == (TUESDAY, 2030, "")


def test_check_in_commits_and_completion_keeps_it_committed(coworker, paid, host_staff):
    reservation = reserve(coworker, paid, at("09:00"), at("10:00"), now=NOW)
    check_in(reservation.checkin_code, host_staff, now=at("09:00"))
    entry = entry_of(reservation)
    assert entry.state == L.COMMITTED and entry.committed_at == at("09:00")
    complete_finished(now=at("10:00"))
    assert entry_of(reservation).state == L.COMMITTED


def test_cancellation_and_no_show_release(coworker, paid):
    cancelled = reserve(coworker, paid, at("09:00"), at("10:00"), now=NOW)
    absent = reserve(coworker, paid, at("11:00"), at("12:00"), now=NOW)
    cancel(cancelled, coworker, now=NOW)
    release_no_shows(now=at("11:30"))
    assert [entry_of(r).state for r in (cancelled, absent)] == [L.RELEASED, L.RELEASED]
    assert vouchers.programme_status(cancelled.voucher_entry.programme)["left"] == Decimal("1000.00")


def test_a_rejected_request_releases(coworker, place, host_staff):
    room = make_resource(place, price_cents_per_slot=250, requires_approval=True)
    reservation = reserve(coworker, room, at("09:00"), at("10:00"), now=NOW)
    assert entry_of(reservation).state == L.RESERVED
    transition(reservation, "reject", host_staff, "Room needed for a meeting", now=NOW)
    assert entry_of(reservation).state == L.RELEASED


def test_a_released_entry_cannot_be_committed(coworker, paid):
    reservation = reserve(coworker, paid, at("09:00"), at("10:00"), now=NOW)
    cancel(reservation, coworker, now=NOW)
    assert vouchers.ledger_transition(reservation, "commit", NOW).state == L.RELEASED


@pytest.mark.parametrize(
    "case",
    [
        "free booking",
        "not a beneficiary",
        "place not covered",
        "day outside the programme",
        "application withdrawn",
    ],
)
def test_what_gets_no_subsidy(case, coworker, paid, place, user_factory, programme):
    person, resource, day = coworker, paid, TUESDAY
    if case == "free booking":
        resource = make_resource(place)
    elif case == "not a beneficiary":
        person = user_factory("nobody")
    elif case == "place not covered":
        programme.registers.clear()
    elif case == "day outside the programme":
        programme.valid_until = TUESDAY
        programme.save()
        day = WEDNESDAY
    else:
        VoucherApplication.objects.filter(person=coworker).update(state=VoucherApplication.State.WITHDRAWN)
    reservation = reserve(person, resource, at("09:00", day), at("10:00", day), now=NOW)
    assert not LedgerEntry.objects.filter(reservation=reservation).exists()


def test_a_place_named_by_the_programme_is_covered_without_a_register(funder, paid, place, user_factory):
    programme = make_programme(funder)
    programme.places.add(place)
    person = user_factory("named")
    beneficiary(programme, person)
    assert entry_of(reserve(person, paid, at("09:00"), at("10:00"), now=NOW)).amount == Decimal("2.50")


def test_the_yearly_cap_is_never_exceeded_and_the_person_is_told(
    coworker, paid, programme, mailoutbox, django_capture_on_commit_callbacks
):
    programme.cap_per_person_year = Decimal("12.00")
    programme.save()
    with django_capture_on_commit_callbacks(execute=True):
        amounts = [
            entry_of(reserve(coworker, paid, at(f"{9 + 2 * n}:00"), at(f"{11 + 2 * n}:00"), now=NOW)).amount
            for n in range(4)
        ]
    assert amounts == [Decimal("5.00"), Decimal("5.00"), Decimal("2.00"), Decimal("0.00")]
    last = LedgerEntry.objects.order_by("pk").last()
    assert last.note == "Your yearly cap of 12.00 EUR leaves 0.00 EUR for this booking instead of 5.00 EUR."
    assert any("Your voucher covers less of this booking" in m.subject for m in mailoutbox)
    # Cancelling gives the share back to the cap.
    cancel(LedgerEntry.objects.order_by("pk").first().reservation, coworker, now=NOW)
    assert entry_of(
        reserve(coworker, paid, at("09:00", WEDNESDAY), at("11:00", WEDNESDAY), now=NOW)
    ).amount == (Decimal("5.00"))


def test_the_cap_is_per_calendar_year(coworker, paid, programme):
    programme.cap_per_person_year = Decimal("5.00")
    programme.save()
    first = entry_of(reserve(coworker, paid, at("09:00"), at("11:00"), now=NOW))
    LedgerEntry.objects.filter(pk=first.pk).update(year=2029, day=date(2029, 12, 31))
    assert entry_of(reserve(coworker, paid, at("11:00"), at("13:00"), now=NOW)).amount == Decimal("5.00")


def test_the_budget_is_never_exceeded(coworker, paid, programme, user_factory):
    programme.budget = Decimal("7.50")
    programme.save()
    other = user_factory("otto")
    beneficiary(programme, other)
    assert entry_of(reserve(coworker, paid, at("09:00"), at("11:00"), now=NOW)).amount == Decimal("5.00")
    late = entry_of(reserve(other, paid, at("09:00"), at("11:00"), now=NOW))
    assert (late.amount, late.note) == (
        Decimal("2.50"),
        "The programme's budget leaves 2.50 EUR for this booking instead of 5.00 EUR.",
    )
    assert vouchers.programme_status(programme)["left"] == Decimal("0.00")


def test_shares_are_exact_decimals_rounded_down_to_the_cent(coworker, paid, programme):
    programme.coverage_percent = Decimal("33.33")
    programme.save()
    entries = [
        entry_of(reserve(coworker, paid, at(f"{9 + n}:00"), at(f"{10 + n}:00"), now=NOW)) for n in range(3)
    ]
    assert [e.share for e in entries] == [Decimal("1.66")] * 3  # 33.33 % of 5.00 = 1.6665
    assert sum(e.amount for e in entries) == Decimal("4.98")


def test_withdrawing_releases_what_is_reserved_but_not_what_is_committed(coworker, paid, host_staff):
    used = reserve(coworker, paid, at("09:00"), at("10:00"), now=NOW)
    future = reserve(coworker, paid, at("09:00", WEDNESDAY), at("10:00", WEDNESDAY), now=NOW)
    check_in(used.checkin_code, host_staff, now=at("09:00"))
    application = VoucherApplication.objects.get(person=coworker)
    vouchers.transition(application, "withdraw", coworker, now=at("12:00"))
    assert (entry_of(used).state, entry_of(future).state) == (L.COMMITTED, L.RELEASED)
    assert entry_of(future).note == "You withdrew from the programme."


def test_statement_totals_per_programme_and_year(coworker, paid, host_staff, programme):
    used = reserve(coworker, paid, at("09:00"), at("11:00"), now=NOW)
    reserve(coworker, paid, at("09:00", WEDNESDAY), at("10:00", WEDNESDAY), now=NOW)
    cancelled = reserve(coworker, paid, at("14:00"), at("15:00"), now=NOW)
    check_in(used.checkin_code, host_staff, now=at("09:00"))
    cancel(cancelled, coworker, now=NOW)
    entries, years = vouchers.statement(coworker)
    assert len(entries) == 3
    [year] = years
    assert (year.year, year.totals.committed, year.totals.reserved, year.totals.released, year.left) == (
        2030,
        Decimal("5.00"),
        Decimal("2.50"),
        Decimal("2.50"),
        Decimal("1492.50"),
    )


def test_monthly_report_for_the_funder_and_the_operator(coworker, paid, host_staff, programme, organisation):
    used = reserve(coworker, paid, at("09:00"), at("11:00"), now=NOW)
    reserve(coworker, paid, at("09:00", date(2030, 4, 2)), at("10:00", date(2030, 4, 2)), now=NOW)
    check_in(used.checkin_code, host_staff, now=at("09:00"))
    rows = vouchers.monthly_report(programme.ledger.all())
    assert [(r.month, r.bookings, r.price, r.totals.committed, r.totals.reserved) for r in rows] == [
        ("2030-03", 1, Decimal("10.00"), Decimal("5.00"), Decimal("0.00")),
        ("2030-04", 1, Decimal("5.00"), Decimal("0.00"), Decimal("2.50")),
    ]
    assert [r.month for r in vouchers.monthly_report(vouchers.operator_entries(organisation), "2030-04")] == [
        "2030-04"
    ]
    assert vouchers.monthly_report(vouchers.operator_entries(Organisation(pk=999))) == []


@pytest.mark.parametrize("language", ["en", "it"])
def test_a_smaller_subsidy_is_kept_as_a_code_and_told_in_each_language(
    language, coworker, paid, programme, mailoutbox, django_capture_on_commit_callbacks
):
    """Whatever language the booking is made in, the note is stored as a code with its figures and each half
    of the e-mail, and each reader, gets it in their own language."""
    programme.cap_per_person_year = Decimal("3.00")
    programme.save()
    with translation.override(language), django_capture_on_commit_callbacks(execute=True):
        entry = entry_of(reserve(coworker, paid, at("09:00"), at("11:00"), now=NOW))  # share 5.00
    assert entry.notes == [{"code": "cap", "cap": "3.00", "left": "3.00", "share": "5.00"}]
    italian_note = (
        "Il tuo tetto annuale di 3,00 EUR lascia 3,00 EUR per questa prenotazione invece di 5,00 EUR."
    )
    english_note = "Your yearly cap of 3.00 EUR leaves 3.00 EUR for this booking instead of 5.00 EUR."
    with translation.override("it"):
        assert entry.note == italian_note
    with translation.override("en"):
        assert entry.note == english_note
    [mail] = [m for m in mailoutbox if "covers less" in m.subject]
    assert mail.subject == (
        "Il tuo voucher copre meno di questa prenotazione / Your voucher covers less of this booking"
    )
    italian, english = mail.body.split("\n\n----------\n\n")
    assert italian_note in italian and english_note not in italian
    assert english_note in english and italian_note not in english
    assert "Voucher coworking" in italian and "Coworking voucher" in english  # the programme's own names


def test_the_release_note_on_withdrawal_is_read_in_each_language(coworker, paid, programme):
    future = reserve(coworker, paid, at("09:00", WEDNESDAY), at("10:00", WEDNESDAY), now=NOW)
    with translation.override("it"):
        vouchers.transition(
            VoucherApplication.objects.get(person=coworker), "withdraw", coworker, now=at("12:00")
        )
    entry = entry_of(future)
    assert entry.notes == [{"code": "withdrawn"}]
    with translation.override("it"):
        assert entry.note == "Ti sei ritirata o ritirato dal programma."
    assert entry.note == "You withdrew from the programme."
