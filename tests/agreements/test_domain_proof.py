"""An e-mail domain verifies an organisation's people only once a link mailed to an address at the domain has
been opened, and a proved domain belongs to one organisation; a new organisation is pending until a site
administrator approves it, and may not claim domains or invite people meanwhile (issue 18, finding 3)."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from vicinato.agreements import memberships
from vicinato.agreements.errors import ConflictError
from vicinato.lib.errors import Conflict
from vicinato.register.models import Organisation
from vicinato.register.services import approve_organisation, create_organisation

from .test_memberships import prove_domain

pytestmark = pytest.mark.django_db


def test_a_claimed_domain_verifies_nobody_until_proved(company, company_admin, user_factory):
    claimed = memberships.add_domain(
        company_admin, company, "lombarda.example", address="it@lombarda.example"
    )
    assert claimed.verified_at is None
    with pytest.raises(ValidationError, match="No organisation on Vicinato verifies addresses"):
        memberships.request_by_email(user_factory("nina"), "nina@lombarda.example")


def test_the_proof_goes_to_an_address_at_the_domain(company, company_admin):
    with pytest.raises(ValidationError) as caught:
        memberships.add_domain(company_admin, company, "lombarda.example", address="boss@gmail.example")
    assert caught.value.message_dict["address"] == [
        "Enter an e-mail address at @lombarda.example: a link sent to it proves the domain is yours."
    ]


def test_a_proved_domain_belongs_to_one_organisation(company, company_admin, city_hall, city_admin):
    prove_domain(company_admin, company, "lombarda.example")
    with pytest.raises(ConflictError, match="Another organisation has proved"):
        memberships.add_domain(city_admin, city_hall, "lombarda.example", address="it@lombarda.example")


def test_a_lookalike_organisation_waits_for_approval_and_cannot_claim_domains(user_factory, city_hall):
    city_hall.partita_iva = "01199250158"
    city_hall.save()
    impostor = user_factory("impostor")
    with pytest.raises(ValidationError, match="already on Vicinato"):
        create_organisation(
            impostor, {"kind": "public_body", "legal_name": "Comune di Milano", "partita_iva": "01199250158"}
        )
    lookalike = create_organisation(
        impostor, {"kind": "public_body", "legal_name": "Comune di Milan0", "partita_iva": "12345678903"}
    )
    assert lookalike.is_pending
    with pytest.raises(PermissionDenied):
        memberships.add_domain(impostor, lookalike, "comune.milano.it", address="it@comune.milano.it")
    with pytest.raises(PermissionDenied):
        memberships.invite(impostor, lookalike, email="someone@example.org")
    assert mail.outbox == []
    approve_organisation(lookalike)
    assert Organisation.objects.get(pk=lookalike.pk).approved_at is not None


def test_a_second_organisation_with_the_same_partita_iva_is_not_approved(user_factory, city_hall):
    twin = Organisation.objects.create(
        kind="public_body", legal_name="Comune di Milano bis", partita_iva="01199250158", approved_at=None
    )
    city_hall.partita_iva = "01199250158"
    city_hall.save()
    with pytest.raises(Conflict, match="cannot be approved twice"):
        approve_organisation(twin)


def test_a_second_organisation_with_the_same_codice_fiscale_is_not_approved(user_factory, city_hall):
    """The same for the codice fiscale, which bodies without a partita IVA (associations) give instead."""
    city_hall.codice_fiscale = "01199250158"
    city_hall.save()
    twin = Organisation.objects.create(
        kind="association", legal_name="Comune di Milano ter", codice_fiscale="01199250158", approved_at=None
    )
    with pytest.raises(Conflict, match="cannot be approved twice"):
        approve_organisation(twin)
    twin.refresh_from_db()
    assert twin.approved_at is None
