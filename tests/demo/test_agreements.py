"""The demo's agreement and voucher load on top of demo companies and desks, once, and skip what is missing."""

from __future__ import annotations

import pytest

from tests.booking.conftest import make_resource
from vicinato.agreements.models import Agreement, Community, VoucherApplication, VoucherProgramme
from vicinato.agreements.services import bookable_agreements
from vicinato.booking.models import Resource
from vicinato.demo import agreements as demo
from vicinato.register.models import Membership, Organisation, Register

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_people(user_factory):
    return {name: user_factory(name) for name in ("azienda", "revisore", "lavoratrice")}


def _companies(demo_people, count=2):
    companies = []
    for n in range(count):
        company = Organisation.objects.create(
            kind=Organisation.Kind.COMPANY, legal_name=f"Azienda {n} (demo)", is_demo=True
        )
        Membership.objects.create(
            organisation=company, user=demo_people["azienda"], role=Membership.Role.ADMIN
        )
        companies.append(company)
    return companies


def test_without_the_demo_places_resources_only_the_voucher_loads(demo_people):
    _companies(demo_people)
    assert demo.load_demo() == {"agreements": 0, "voucher_programmes": 1}
    assert not Agreement.objects.exists()


def test_the_demo_loads_once_and_the_worker_may_book(demo_people, place, city):
    companies = _companies(demo_people)
    place.operator = companies[0]
    place.save()
    desks = make_resource(place)
    Register.objects.create(slug="elenco-coworking-milano", name_it="Elenco", owner="Comune")
    assert demo.load_demo() == {"agreements": 1, "voucher_programmes": 1}
    assert demo.load_demo() == {"agreements": 0, "voucher_programmes": 0}
    agreement = Agreement.objects.get()
    desks.refresh_from_db()
    assert agreement.state == "active" and desks.who_may_book == Resource.WhoMayBook.AGREEMENT
    assert list(bookable_agreements(demo_people["lavoratrice"])) == [agreement]
    programme = VoucherProgramme.objects.get()
    assert (programme.coverage_percent, programme.cap_per_person_year, programme.registers.get().slug) == (
        50,
        1500,
        "elenco-coworking-milano",
    )
    assert VoucherApplication.objects.get().state == "approved"
    demo.remove_demo()
    assert not (VoucherProgramme.objects.exists() or Community.objects.exists() or Agreement.objects.exists())
