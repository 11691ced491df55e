"""The permission table of memberships, agreements and vouchers, role by action, on each kind of subject."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from vicinato.agreements.models import VoucherApplication
from vicinato.agreements.permissions import Action, can
from vicinato.booking.services import reserve
from vicinato.register.models import Membership, Organisation

from .conftest import NOW, affiliate, at, beneficiary, make_programme

pytestmark = pytest.mark.django_db
A = Action
AGREEMENT_ACTIONS = [A.VIEW_AGREEMENT, A.EDIT_AGREEMENT, A.VIEW_USAGE, A.SEE_BOOKER_NAMES]
ORGANISATION_ACTIONS = [
    A.VIEW_ORGANISATION,
    A.MANAGE_MEMBERS,
    A.OFFER_AGREEMENT,
    A.VIEW_VOUCHER_REPORT,
    A.FUND_PROGRAMME,
    A.FORM_COMMUNITY,
]
PROGRAMME_ACTIONS = [
    A.EDIT_PROGRAMME,
    A.REVIEW_VOUCHERS,
    A.VIEW_PROGRAMME_REPORT,
    A.VIEW_VOUCHER_APPLICATION,
    A.EDIT_VOUCHER_APPLICATION,
]


@pytest.fixture
def users(
    user_factory, host_admin, host_staff, company_admin, city_admin, employee, company, other_organisation
):
    guest_staff = user_factory("gueststaff")
    Membership.objects.create(organisation=company, user=guest_staff, role=Membership.Role.STAFF)
    outsider_admin = user_factory("outsideradmin")
    Membership.objects.create(
        organisation=other_organisation, user=outsider_admin, role=Membership.Role.ADMIN
    )
    return {
        "host_admin": host_admin,
        "host_staff": host_staff,
        "guest_admin": company_admin,
        "guest_staff": guest_staff,
        "booker": employee,
        "stranger": user_factory("stranger"),
        "other_admin": outsider_admin,
        "site_admin": user_factory("root", is_superuser=True),
    }


AGREEMENT_EXPECTED = {
    "host_admin": set(AGREEMENT_ACTIONS),
    "host_staff": {A.VIEW_AGREEMENT, A.VIEW_USAGE, A.SEE_BOOKER_NAMES},
    "guest_admin": {A.VIEW_AGREEMENT, A.VIEW_USAGE, A.SEE_BOOKER_NAMES},
    "guest_staff": {A.VIEW_AGREEMENT, A.VIEW_USAGE, A.SEE_BOOKER_NAMES},
    "booker": {A.VIEW_AGREEMENT},
    "stranger": set(),
    "other_admin": set(),
    "site_admin": set(AGREEMENT_ACTIONS),
}


@pytest.mark.parametrize("role", AGREEMENT_EXPECTED)
def test_permission_matrix_on_an_agreement(role, users, agreement):
    assert {a for a in AGREEMENT_ACTIONS if can(users[role], a, agreement)} == AGREEMENT_EXPECTED[role]


NAMES_EXPECTED = {
    "host_admin": True,
    "host_staff": True,
    "guest_admin": False,  # an administrator of another guest (the company) ...
    "employer_admin": True,  # ... but the booker's own employer (the city) sees the name
    "booker": False,
    "stranger": False,
    "site_admin": True,
}


@pytest.mark.parametrize("role", NAMES_EXPECTED)
def test_who_sees_the_name_of_a_person_who_booked(role, users, agreement, desks, clerk, city_admin):
    booking = reserve(clerk, desks, at("09:00"), at("10:00"), now=NOW).agreement_booking
    who = {**users, "employer_admin": city_admin}[role]
    assert can(who, A.SEE_BOOKER_NAMES, booking) is NAMES_EXPECTED[role]


ORGANISATION_EXPECTED = {
    "guest_admin": set(ORGANISATION_ACTIONS),
    "guest_staff": {A.VIEW_ORGANISATION, A.VIEW_VOUCHER_REPORT},
    "booker": set(),  # an employee is not one who runs the organisation
    "other_admin": set(),
    "site_admin": set(ORGANISATION_ACTIONS),
}


@pytest.mark.parametrize("role", ORGANISATION_EXPECTED)
def test_permission_matrix_on_an_organisation(role, users, company):
    assert {a for a in ORGANISATION_ACTIONS if can(users[role], a, company)} == ORGANISATION_EXPECTED[role]


PROGRAMME_EXPECTED = {
    # Only the funder's administrators change the programme; its staff and the reviewers review.
    "funder_admin": {
        A.EDIT_PROGRAMME,
        A.REVIEW_VOUCHERS,
        A.VIEW_PROGRAMME_REPORT,
        A.VIEW_VOUCHER_APPLICATION,
    },
    "funder_staff": {A.REVIEW_VOUCHERS, A.VIEW_PROGRAMME_REPORT, A.VIEW_VOUCHER_APPLICATION},
    "reviewer": {A.REVIEW_VOUCHERS, A.VIEW_PROGRAMME_REPORT, A.VIEW_VOUCHER_APPLICATION},
    "applicant": {A.VIEW_VOUCHER_APPLICATION, A.EDIT_VOUCHER_APPLICATION},
    "other_applicant": set(),
    "stranger": set(),
    "site_admin": set(PROGRAMME_ACTIONS),
}


@pytest.mark.parametrize("role", PROGRAMME_EXPECTED)
def test_permission_matrix_on_a_voucher_application(role, user_factory, city_hall, city_admin):
    programme = make_programme(city_hall)
    staff = user_factory("fundstaff")
    Membership.objects.create(organisation=city_hall, user=staff, role=Membership.Role.STAFF)
    reviewer = user_factory("voucherreviewer")
    programme.reviewers.add(reviewer)
    applicant, other = user_factory("applicant"), user_factory("otherapplicant")
    application = beneficiary(programme, applicant)
    beneficiary(programme, other)
    who = {
        "funder_admin": city_admin,
        "funder_staff": staff,
        "reviewer": reviewer,
        "applicant": applicant,
        "other_applicant": other,
        "stranger": user_factory("stranger"),
        "site_admin": user_factory("root", is_superuser=True),
    }[role]
    assert {a for a in PROGRAMME_ACTIONS if can(who, a, application)} == PROGRAMME_EXPECTED[role]


def test_a_community_member_organisations_operators_are_guests(users, agreement, other_organisation):
    from vicinato.agreements.models import Community

    assert not can(users["other_admin"], A.VIEW_USAGE, agreement)
    community = Community.objects.create(name="Associazione")
    community.organisations.add(other_organisation)
    agreement.communities.add(community)
    assert can(users["other_admin"], A.VIEW_USAGE, agreement)


def test_anonymous_and_inactive_users_may_do_nothing(users, agreement, company, city_hall):
    application = VoucherApplication(programme=make_programme(city_hall), person=users["booker"])
    users["host_admin"].is_active = False
    for user in (AnonymousUser(), users["host_admin"]):
        assert not any(can(user, a, agreement) for a in AGREEMENT_ACTIONS)
        assert not any(can(user, a, company) for a in ORGANISATION_ACTIONS)
        assert not any(can(user, a, application) for a in PROGRAMME_ACTIONS)


def test_an_ended_membership_gives_no_right_to_book(users, agreement, user_factory, company):
    former = user_factory("former")
    affiliation = affiliate(former, company)
    assert can(former, A.VIEW_AGREEMENT, agreement)
    affiliation.state = "ended"
    affiliation.save()
    assert not can(former, A.VIEW_AGREEMENT, agreement)
    assert Organisation.objects.filter(affiliations__person=former).exists()


def test_a_draft_is_the_hosts_alone(users, agreement):
    agreement.state = "draft"
    agreement.save()
    assert can(users["host_staff"], A.VIEW_AGREEMENT, agreement)
    assert not any(
        can(users[role], A.VIEW_AGREEMENT, agreement) for role in ("guest_admin", "guest_staff", "booker")
    )
