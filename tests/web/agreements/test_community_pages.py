"""The community pages: an organisation forms a community of organisations and changes it, in either language,
with errors next to the fields; only the owner's administrators change it, its members see it."""

from __future__ import annotations

import re

import pytest

from vicinato.agreements.models import Community

pytestmark = pytest.mark.django_db


def test_the_community_pages(client, association, association_admin, company, city_hall):
    client.force_login(association_admin)
    listing = client.get(f"/en/gestione/organizzazioni/{association.pk}/comunita/").content.decode()
    assert "Communities we run" in listing and "New community" in listing
    italian = client.get(f"/gestione/organizzazioni/{association.pk}/comunita/nuova/").content.decode()
    assert 'lang="it"' in italian and "Nuova comunità gestita da Assolombarda Smart" in italian
    refused = client.post(f"/en/gestione/organizzazioni/{association.pk}/comunita/nuova/", {"name": ""})
    text = refused.content.decode()
    assert "The community was not saved" in text
    assert re.search(r'id="id_name"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="id_name"', text)
    assert re.search(r'id="id_name-error">This field is required.', text)
    answer = client.post(
        f"/en/gestione/organizzazioni/{association.pk}/comunita/nuova/",
        {"name": "Associati e Comune", "organisations": [company.pk, city_hall.pk]},
    )
    community = Community.objects.get()
    assert answer.status_code == 302 and community.owner == association
    # Invited, not members, until their administrators accept (tests/web/agreements/test_guest_invitations.py).
    assert not community.organisations.exists()
    assert set(community.invitations.values_list("organisation", flat=True)) == {company.pk, city_hall.pk}
    listing = client.get(f"/en/gestione/organizzazioni/{association.pk}/comunita/").content.decode()
    assert "Invited, waiting for their answer: Comune di Milano, Lombarda Software S.p.A." in listing
    community.organisations.add(company, city_hall)  # as if both had accepted
    client.post(
        f"/en/comunita/{community.pk}/modifica/", {"name": "Associati", "organisations": [company.pk]}
    )
    assert list(community.organisations.all()) == [company]
    huge = client.post(f"/en/comunita/{community.pk}/modifica/", {"name": "A", "organisations": [str(2**64)]})
    assert huge.status_code == 200 and "is not one of the available choices" in huge.content.decode()
    member_view = client.get(f"/en/gestione/organizzazioni/{association.pk}/comunita/").content.decode()
    assert "Associati" in member_view and "Lombarda Software S.p.A." in member_view


def test_community_pages_are_for_the_owners_administrators(
    client, association, company_admin, user_factory, company
):
    community = Community.objects.create(owner=association, name="Associati")
    community.organisations.add(company)
    client.force_login(company_admin)
    assert client.get(f"/en/gestione/organizzazioni/{association.pk}/comunita/nuova/").status_code == 403
    assert client.get(f"/en/comunita/{community.pk}/modifica/").status_code == 403
    # A member organisation sees the communities it belongs to.
    belongs = client.get(f"/en/gestione/organizzazioni/{company.pk}/comunita/").content.decode()
    assert "Associati (run by Assolombarda Smart)" in belongs and "New community" in belongs
