"""Communities (e.g. all members of a business association plus the municipality) are set up by the
organisation that runs them (through the API here; the pages: tests/web/agreements/test_community_pages.py),
whose invitations the other organisations accept (tests/agreements/test_guest_invitations.py); an agreement
that names a community is open to the people of every organisation in it."""

from __future__ import annotations

import pytest

from tests.api.agreements.test_api import client_for
from vicinato.agreements import consent
from vicinato.agreements.models import Community
from vicinato.agreements.permissions import Action, can
from vicinato.agreements.services import bookable_agreements
from vicinato.register.models import Membership

from .conftest import affiliate

pytestmark = pytest.mark.django_db
URL = "/api/v1/agreements/communities"


def accept_all(community: Community, *admins) -> None:
    for admin in admins:
        for invitation in consent.pending(community=community, organisation__memberships__user=admin):
            consent.answer(admin, invitation, accept=True)


def test_an_association_forms_a_community_whose_people_book_under_an_agreement(
    association,
    association_admin,
    company,
    company_admin,
    city_hall,
    city_admin,
    agreement,
    user_factory,
    member_factory,
    other_organisation,
):
    api = client_for(association_admin)
    created = api.post(
        URL,
        {
            "owner": association.pk,
            "name": "Associati e Comune",
            "organisations": [company.pk, city_hall.pk],
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    # The organisations ticked are invited: members once their administrators accept.
    assert (
        body["owner_name"],
        body["can_edit"],
        body["organisations"],
        [o["name"] for o in body["invited"]],
    ) == (
        "Assolombarda Smart",
        True,
        [],
        ["Comune di Milano", "Lombarda Software S.p.A."],
    )
    pk = body["id"]
    accept_all(Community.objects.get(pk=pk), company_admin, city_admin)
    added = api.post(
        f"{URL}/{pk}/organisations", {"organisation": other_organisation.pk}, content_type="application/json"
    )
    assert added.status_code == 202 and [o["id"] for o in added.json()["invited"]] == [other_organisation.pk]
    accept_all(
        Community.objects.get(pk=pk), member_factory("unionadmin", other_organisation, Membership.Role.ADMIN)
    )
    assert [o["id"] for o in api.get(f"{URL}/{pk}").json()["organisations"]] == [
        other_organisation.pk,
        city_hall.pk,
        company.pk,
    ]
    # Its people book under an agreement that names the community.
    agreement.guests.clear()
    agreement.communities.add(Community.objects.get(pk=pk))
    member = user_factory("unionist")
    affiliate(member, other_organisation)
    assert list(bookable_agreements(member)) == [agreement]
    removed = api.delete(f"{URL}/{pk}/organisations/{other_organisation.pk}")
    assert removed.status_code == 200 and other_organisation.pk not in [
        o["id"] for o in removed.json()["organisations"]
    ]
    assert list(bookable_agreements(member)) == []
    again = api.delete(f"{URL}/{pk}/organisations/{other_organisation.pk}")
    assert again.status_code == 422 and again.json()["errors"]["organisation"] == [
        "Altro Sindacato is not a member of Associati e Comune."
    ]
    renamed = api.patch(f"{URL}/{pk}", {"name": "Associati, Comune"}, content_type="application/json")
    assert (renamed.json()["name"], len(renamed.json()["organisations"])) == ("Associati, Comune", 2)
    listed = client_for(user_factory("anyone")).get(URL, {"owner": association.pk}).json()
    assert [(c["name"], c["can_edit"]) for c in listed] == [("Associati, Comune", False)]


def test_only_the_owners_administrators_change_a_community(
    association, association_admin, company_admin, user_factory, company
):
    staff = user_factory("assostaff")
    Membership.objects.create(organisation=association, user=staff, role=Membership.Role.STAFF)
    community = Community.objects.create(owner=association, name="Associati")
    made_in_admin = Community.objects.create(name="Fatta in admin")
    root = user_factory("root", is_superuser=True)
    assert can(association_admin, Action.EDIT_COMMUNITY, community)
    assert not can(staff, Action.EDIT_COMMUNITY, community)
    assert not can(company_admin, Action.EDIT_COMMUNITY, community)
    assert not can(association_admin, Action.EDIT_COMMUNITY, made_in_admin)
    assert can(root, Action.EDIT_COMMUNITY, made_in_admin)
    for user in (staff, company_admin):
        api = client_for(user)
        assert (
            api.patch(f"{URL}/{community.pk}", {"name": "X"}, content_type="application/json").status_code
            == 403
        )
        assert (
            api.post(
                f"{URL}/{community.pk}/organisations",
                {"organisation": company.pk},
                content_type="application/json",
            ).status_code
            == 403
        )
        assert (
            api.post(
                URL, {"owner": association.pk, "name": "Mia"}, content_type="application/json"
            ).status_code
            == 403
        )
    assert (
        client_for(association_admin)
        .patch(f"{URL}/{made_in_admin.pk}", {"name": "X"}, content_type="application/json")
        .status_code
        == 403
    )
    assert client_for(association_admin).post(URL, {"name": "Mia"}, content_type="application/json").json()[
        "errors"
    ] == {"owner": ["Give the id of the organisation that runs the community."]}


def test_refusals_of_communities_say_what_to_fix(association, association_admin, company):
    api = client_for(association_admin)
    bad = api.post(
        URL,
        {"owner": association.pk, "name": "", "organisations": [company.pk, 2**64]},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["errors"] == {
        "name": ["This field is required."],
        "organisations": [f"Select a valid choice. {2**64} is not one of the available choices."],
    }
    community = Community.objects.create(owner=association, name="Associati")
    unknown = api.post(
        f"{URL}/{community.pk}/organisations", {"organisation": 2**64}, content_type="application/json"
    )
    assert unknown.status_code == 422 and unknown.json()["errors"] == {
        "organisation": ["No organisation has this id."]
    }
    assert api.delete(f"{URL}/{community.pk}/organisations/{2**64}").status_code == 404
    assert api.get(f"{URL}/{2**64}").status_code == 404


def test_the_administrators_of_an_organisation_invited_or_taken_out_are_told(
    association,
    association_admin,
    company,
    company_admin,
    city_hall,
    agreement,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    api = client_for(association_admin)
    with django_capture_on_commit_callbacks(execute=True):
        pk = api.post(
            URL,
            {"owner": association.pk, "name": "Associati", "organisations": [company.pk]},
            content_type="application/json",
        ).json()["id"]
    agreement.communities.add(Community.objects.get(pk=pk))
    [invited] = mailoutbox
    italian, english = invited.body.split("----------")
    assert invited.to == ["companyadmin@example.org"]
    assert invited.subject == (
        "Lombarda Software S.p.A. è invitata a entrare nella comunità Associati / "
        "Lombarda Software S.p.A. is invited to join the community Associati"
    )
    assert f"/gestione/organizzazioni/{company.pk}/inviti/" in english
    assert "Nothing changes unless one of your administrators accepts" in english
    assert "Non cambia nulla finché uno dei vostri amministratori non accetta" in italian
    # Inviting it again while it has not answered, or saving without changing the members, tells nobody.
    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(
            f"{URL}/{pk}/organisations", {"organisation": company.pk}, content_type="application/json"
        )
        api.patch(f"{URL}/{pk}", {"name": "Associati Smart"}, content_type="application/json")
    assert again.status_code == 202 and len(mailoutbox) == 1
    accept_all(Community.objects.get(pk=pk), company_admin)
    with django_capture_on_commit_callbacks(execute=True):
        api.delete(f"{URL}/{pk}/organisations/{company.pk}")
    left = mailoutbox[-1]
    assert (
        left.to == ["companyadmin@example.org"] and "has left the community Associati Smart" in left.subject
    )
    assert "bookings already made stay" in left.body
