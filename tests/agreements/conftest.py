"""Agreement fixtures: the test place's operator hosts a company's employees on a desk room reserved to
agreements; times on Milan's wall clock around the booking tests' fixed 'now' (Monday 4 March 2030, 07:00)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.booking.conftest import NOW, TUESDAY, at, file_database, make_resource  # noqa: F401
from vicinato.agreements.models import Affiliation, Agreement, Community, VoucherApplication, VoucherProgramme
from vicinato.booking.models import Resource
from vicinato.booking.services import reserve
from vicinato.register.models import Membership, Organisation

# The helpers, and the fixtures that the API's and the pages' agreement tests take with
# `from tests.agreements.conftest import *` (tests/api/agreements, tests/web/agreements).
__all__ = [
    "NOW",
    "TUESDAY",
    "at",
    "make_resource",
    "affiliate",
    "make_agreement",
    "make_programme",
    "agreement",
    "association",
    "association_admin",
    "city_admin",
    "city_hall",
    "clerk",
    "community",
    "company",
    "company_admin",
    "desks",
    "employee",
    "file_database",
    "funder_people",
    "host",
    "host_admin",
    "host_staff",
    "pilot",
    "programme_people",
    "spent",
]


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
def host_admin(member_factory, host):
    return member_factory("hostadmin", host, Membership.Role.ADMIN, first_name="Hanna", last_name="Host")


@pytest.fixture
def host_staff(member_factory, host):
    return member_factory("hoststaff", host, Membership.Role.STAFF)


@pytest.fixture
def company(db):
    return Organisation.objects.create(kind=Organisation.Kind.COMPANY, legal_name="Lombarda Software S.p.A.")


@pytest.fixture
def city_hall(db):
    return Organisation.objects.create(kind=Organisation.Kind.PUBLIC_BODY, legal_name="Comune di Milano")


@pytest.fixture
def company_admin(member_factory, company):
    return member_factory("companyadmin", company, Membership.Role.ADMIN)


@pytest.fixture
def city_admin(member_factory, city_hall):
    return member_factory("cityadmin", city_hall, Membership.Role.ADMIN)


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


@pytest.fixture
def funder_people(user_factory, city_hall):
    """A member of the funder's staff, and two people with accounts to name as a programme's reviewers."""
    staff = user_factory("fundstaff")
    Membership.objects.create(organisation=city_hall, user=staff, role=Membership.Role.STAFF)
    return {"checker": user_factory("checker"), "marta": user_factory("marta"), "staff": staff}


@pytest.fixture
def programme_people(city_admin, company_admin, funder_people, user_factory) -> dict:
    """Who the programme desk's permission tests try, by name: the funder's and another organisation's
    administrators, the site's administrator ("root"), the funder's staff and the people it may name reviewers."""
    return {
        "city_admin": city_admin,
        "company_admin": company_admin,
        "root": user_factory("root", is_superuser=True),
        **funder_people,
    }


@pytest.fixture
def spent(city_hall, place, user_factory):
    """A programme with 10.00 EUR reserved for a booking of a beneficiary's."""
    programme = make_programme(city_hall, documents=[("ISEE", "ISEE"), ("Carta d'identità", "Identity card")])
    programme.places.add(place)
    person = user_factory("cora")
    beneficiary(programme, person)
    reserve(person, make_resource(place, price_cents_per_slot=1000), at("09:00"), at("10:00"), now=NOW)
    return programme


@pytest.fixture
def association(db):
    """A business association, which runs a community of its members."""
    return Organisation.objects.create(kind=Organisation.Kind.ASSOCIATION, legal_name="Assolombarda Smart")


@pytest.fixture
def association_admin(member_factory, association):
    return member_factory("assoadmin", association, Membership.Role.ADMIN)


@pytest.fixture
def community(association, company):
    """The association's community, which the company has joined."""
    community = Community.objects.create(owner=association, name="Associati")
    community.organisations.add(company)
    return community


@pytest.fixture
def pilot(host, desks):
    """An active agreement with no guest yet."""
    return make_agreement(host, [], [desks])
