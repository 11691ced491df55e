"""Agreement fixtures: the test place's operator hosts a company's employees on a desk room reserved to
agreements; times on Milan's wall clock around the booking tests' fixed 'now' (Monday 4 March 2030, 07:00)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.booking.conftest import NOW, TUESDAY, at, file_database, make_resource  # noqa: F401
from vicinato.agreements.models import Affiliation, Agreement, VoucherApplication, VoucherProgramme
from vicinato.booking.models import Resource
from vicinato.register.models import Membership, Organisation

__all__ = ["NOW", "TUESDAY", "at", "make_resource", "affiliate", "make_agreement", "make_programme"]


def affiliate(person, organisation, kind=Affiliation.Kind.EMPLOYEE) -> Affiliation:
    """An active, verified employee (the verification paths have their own tests)."""
    return Affiliation.objects.create(
        person=person,
        organisation=organisation,
        kind=kind,
        state=Affiliation.State.ACTIVE,
        method=Affiliation.Method.ADMIN,
        started_at=timezone.now(),
    )


def make_agreement(host, guests, resources, **terms) -> Agreement:
    values = {
        "name": "Smart Working Community",
        "desks_per_day": 2,
        "weekdays": [0, 1, 2, 3, 4],
        "starts_on": NOW.date(),
        "ends_on": NOW.date() + timedelta(days=60),
        "state": Agreement.State.ACTIVE,
        **terms,
    }
    agreement = Agreement.objects.create(host=host, **values)
    agreement.guests.set(guests)
    agreement.resources.set(resources)
    return agreement


def make_programme(funder, documents=(), **terms) -> VoucherProgramme:
    """A programme; `documents` names what applicants upload, as (Italian, English) pairs."""
    values = {
        "name_it": "Voucher coworking",
        "name_en": "Coworking voucher",
        "budget": Decimal("1000.00"),
        "coverage_percent": Decimal("50"),
        "cap_per_person_year": Decimal("1500.00"),
        "applications_from": date(2030, 1, 1),
        "applications_until": date(2030, 12, 31),
        "valid_from": date(2030, 1, 1),
        "valid_until": date(2030, 12, 31),
        **terms,
    }
    programme = VoucherProgramme.objects.create(funder=funder, **values)
    for order, (label_it, label_en) in enumerate(documents):
        programme.required_documents.create(label_it=label_it, label_en=label_en, order=order)
    return programme


def beneficiary(programme, person) -> VoucherApplication:
    """An approved application (the review has its own tests)."""
    return VoucherApplication.objects.create(
        programme=programme,
        person=person,
        birth_date=date(1995, 5, 17),
        audience="freelancers",
        state=VoucherApplication.State.APPROVED,
    )


@pytest.fixture
def host(organisation):
    """The test place's operator."""
    return organisation


@pytest.fixture
def host_admin(user_factory, host):
    user = user_factory("hostadmin", first_name="Hanna", last_name="Host")
    Membership.objects.create(organisation=host, user=user, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def host_staff(user_factory, host):
    user = user_factory("hoststaff")
    Membership.objects.create(organisation=host, user=user, role=Membership.Role.STAFF)
    return user


@pytest.fixture
def company(db):
    return Organisation.objects.create(kind=Organisation.Kind.COMPANY, legal_name="Lombarda Software S.p.A.")


@pytest.fixture
def city_hall(db):
    return Organisation.objects.create(kind=Organisation.Kind.PUBLIC_BODY, legal_name="Comune di Milano")


@pytest.fixture
def company_admin(user_factory, company):
    user = user_factory("companyadmin")
    Membership.objects.create(organisation=company, user=user, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def city_admin(user_factory, city_hall):
    user = user_factory("cityadmin")
    Membership.objects.create(organisation=city_hall, user=user, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def employee(user_factory, company):
    person = user_factory("giulia", first_name="Giulia", last_name="Verdi")
    affiliate(person, company)
    return person


@pytest.fixture
def clerk(user_factory, city_hall):
    """A municipal employee."""
    person = user_factory("marco", first_name="Marco", last_name="Neri")
    affiliate(person, city_hall)
    return person


@pytest.fixture
def desks(place):
    """Five desks reserved to agreements, free of charge."""
    return make_resource(place, capacity=5, who_may_book=Resource.WhoMayBook.AGREEMENT)


@pytest.fixture
def agreement(host, company, city_hall, desks):
    return make_agreement(host, [company, city_hall], [desks])
