"""People join organisations by an administrator's approval, an invitation link or a confirmed work e-mail;
a person may belong to several; leaving ends the rights and says what happens to each booking."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail, signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.utils import timezone, translation

from vicinato.agreements import memberships
from vicinato.agreements.errors import ConflictError
from vicinato.agreements.models import INVITATION_SALT, Affiliation, AllowedDomain
from vicinato.booking.models import Reservation, Resource
from vicinato.booking.services import check_rules, reserve

from .conftest import NOW, TUESDAY, affiliate, at, make_resource

pytestmark = pytest.mark.django_db
AS = Affiliation.State


def spoken(outcomes) -> list[tuple]:
    """Each booking with what happens to it, in the active language."""
    return [(reservation, str(outcome)) for reservation, outcome in outcomes]


def halves(mail) -> tuple[str, str]:
    """The Italian and the English half of a bilingual e-mail's body."""
    italian, english = mail.body.split("\n\n----------\n\n")
    return italian, english


@pytest.fixture
def newcomer(user_factory):
    return user_factory("nina", first_name="Nina", last_name="Nuova")


def test_request_and_approval_by_an_administrator(
    newcomer, company, company_admin, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        affiliation = memberships.request_affiliation(newcomer, company)
    assert (affiliation.state, affiliation.method) == (AS.PENDING, Affiliation.Method.ADMIN)
    assert mailoutbox[-1].to == ["companyadmin@example.org"]
    assert "Nina Nuova asks to join Lombarda Software S.p.A." in mailoutbox[-1].subject
    with pytest.raises(ConflictError, match="waiting for verification"):
        memberships.request_affiliation(newcomer, company)
    approved = memberships.decide_affiliation(affiliation, company_admin, approve=True, now=NOW)
    assert (approved.state, approved.started_at, approved.decided_by) == (AS.ACTIVE, NOW, company_admin)
    with pytest.raises(ConflictError, match="already been decided"):
        memberships.decide_affiliation(affiliation, company_admin, approve=False, note="no")
    with pytest.raises(ConflictError, match="You already belong to Lombarda Software"):
        memberships.request_affiliation(newcomer, company)


def test_a_refusal_needs_a_reason_and_only_administrators_decide(
    newcomer, company, company_admin, user_factory
):
    affiliation = memberships.request_affiliation(newcomer, company)
    with pytest.raises(ValidationError) as caught:
        memberships.decide_affiliation(affiliation, company_admin, approve=False)
    assert caught.value.message_dict == {"note": ["Write the reason for the person who asked."]}
    with pytest.raises(PermissionDenied):
        memberships.decide_affiliation(affiliation, newcomer, approve=True)
    refused = memberships.decide_affiliation(
        affiliation, company_admin, approve=False, note="Not on our payroll"
    )
    assert (refused.state, refused.note) == (AS.ENDED, "Not on our payroll")


def test_an_invitation_link_verifies_the_invited_person_once(
    newcomer, company, company_admin, user_factory, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = memberships.invite(company_admin, company, Affiliation.Kind.MEMBER, "Nina@example.org")
    token = re.search(r"/invito/([^/\s]+)/", mailoutbox[-1].body).group(1)
    assert token == invitation.token
    affiliation = memberships.accept_invitation(token, newcomer)
    assert (affiliation.state, affiliation.method, affiliation.kind) == (AS.ACTIVE, "invitation", "member")
    with pytest.raises(ConflictError, match="already been used"):
        memberships.accept_invitation(token, user_factory("latecomer"))


def test_an_invitation_to_an_address_admits_no_other_account(newcomer, company, company_admin, user_factory):
    """A forwarded or leaked link is refused to anyone but the account of the invited address (finding 4)."""
    invitation = memberships.invite(company_admin, company, Affiliation.Kind.MEMBER, "nina@example.org")
    with pytest.raises(ConflictError, match="sent to another e-mail address"):
        memberships.accept_invitation(invitation.token, user_factory("intruder"))
    assert memberships.accept_invitation(invitation.token, newcomer).state == AS.ACTIVE


def test_an_invitation_link_is_the_same_whenever_it_is_shown(newcomer, company, company_admin):
    """The mail, the administrator's page and the API show one link, seconds or days apart; a link sent
    before links were stable (signed with a timestamp) still opens the same invitation."""
    invitation = memberships.invite(company_admin, company)
    shown = invitation.token
    with time_machine.travel(timezone.now() + timedelta(days=3, seconds=1), tick=False):
        assert invitation.token == shown
    older = signing.TimestampSigner(salt=INVITATION_SALT).sign_object(invitation.pk)
    assert older != shown
    assert memberships.invitation_from_token(older) == invitation
    assert memberships.accept_invitation(older, newcomer).state == AS.ACTIVE


@pytest.mark.parametrize("problem", ["expired", "revoked", "forged"])
def test_invitations_that_cannot_be_used(problem, newcomer, company, company_admin):
    invitation = memberships.invite(company_admin, company)
    token = invitation.token
    if problem == "expired":
        invitation.expires_at = timezone.now() - timedelta(days=1)
        invitation.save()
        with pytest.raises(ConflictError, match="has expired; ask the organisation for a new one"):
            memberships.accept_invitation(token, newcomer)
    elif problem == "revoked":
        memberships.revoke_invitation(company_admin, invitation)
        with pytest.raises(ConflictError, match="was withdrawn"):
            memberships.accept_invitation(token, newcomer)
    else:
        with pytest.raises(ValidationError, match="not valid; ask for a new one"):
            memberships.accept_invitation(token[:-2] + "xx", newcomer)
    assert not Affiliation.objects.filter(person=newcomer).exists()


def prove_domain(admin, organisation, domain: str) -> AllowedDomain:
    """Claim a domain with an address at it, and open the link mailed there."""
    address = "it@" + domain.strip().lstrip("@").lower()
    with TestCase.captureOnCommitCallbacks(execute=True):
        claimed = memberships.add_domain(admin, organisation, domain, address=address)
    assert claimed.verified_at is None
    token = re.search(r"/conferma-dominio/([^/\s]+)/", mail.outbox[-1].body).group(1)
    assert mail.outbox[-1].to == [address]
    return memberships.confirm_domain(token)


def test_only_administrators_invite_and_manage_domains(company, user_factory, employee):
    for stranger in (user_factory("somebody"), employee):
        with pytest.raises(PermissionDenied):
            memberships.invite(stranger, company)
        with pytest.raises(PermissionDenied):
            memberships.add_domain(stranger, company, "lombarda.example", address="it@lombarda.example")


def test_a_work_email_in_an_allowed_domain_is_confirmed_by_a_link(
    newcomer, company, company_admin, user_factory, mailoutbox, django_capture_on_commit_callbacks
):
    domain = prove_domain(company_admin, company, " @Lombarda.Example ")
    assert domain.domain == "lombarda.example"
    with django_capture_on_commit_callbacks(execute=True):
        [pending] = memberships.request_by_email(newcomer, "nina@LOMBARDA.example")
    assert (pending.state, pending.method) == (AS.PENDING, Affiliation.Method.DOMAIN)
    assert mailoutbox[-1].to == ["nina@LOMBARDA.example"]
    token = re.search(r"/conferma-email/([^/\s]+)/", mailoutbox[-1].body).group(1)
    with pytest.raises(PermissionDenied, match="another account"):
        memberships.confirm_email(token, user_factory("intruder"))
    with pytest.raises(ValidationError, match="copy the whole address"):
        memberships.confirm_email(token[:-3] + "abc", newcomer)
    confirmed = memberships.confirm_email(token, newcomer)
    assert confirmed.state == AS.ACTIVE and confirmed.email == "nina@LOMBARDA.example"
    with pytest.raises(ConflictError, match="already been confirmed"):
        memberships.confirm_email(token, newcomer)


def test_an_email_link_expires_and_a_removed_domain_verifies_nobody(
    newcomer, company, company_admin, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    prove_domain(company_admin, company, "lombarda.example")
    with django_capture_on_commit_callbacks(execute=True):
        memberships.request_by_email(newcomer, "nina@lombarda.example")
    token = re.search(r"/conferma-email/([^/\s]+)/", mailoutbox[-1].body).group(1)
    memberships.remove_domain(company_admin, AllowedDomain.objects.get())
    with pytest.raises(ConflictError, match="no longer verifies this domain"):
        memberships.confirm_email(token, newcomer)
    later = time.time() + 4 * 24 * 3600
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    with pytest.raises(ValidationError, match="This link has expired; send your work e-mail again."):
        memberships.confirm_email(token, newcomer)


def test_an_unknown_domain_says_what_to_do(newcomer):
    with pytest.raises(ValidationError) as caught:
        memberships.request_by_email(newcomer, "nina@nowhere.example")
    assert caught.value.message_dict["email"] == [
        "No organisation on Vicinato verifies addresses at @nowhere.example; ask your employer to add the "
        "domain, or ask to join by the organisation's name."
    ]


def test_a_person_may_belong_to_several_organisations(employee, city_hall, company):
    affiliate(employee, city_hall)
    assert set(
        Affiliation.objects.filter(person=employee, state=AS.ACTIVE).values_list("organisation", flat=True)
    ) == {company.pk, city_hall.pk}


def test_leaving_cancels_the_bookings_it_allowed_and_says_so(
    agreement, desks, employee, mailoutbox, django_capture_on_commit_callbacks
):
    booked = reserve(employee, desks, at("09:00"), at("10:00"), now=NOW)
    affiliation = Affiliation.objects.get(person=employee)
    assert spoken(memberships.leaving_consequences(affiliation, NOW)) == [(booked, "cancelled")]
    with django_capture_on_commit_callbacks(execute=True):
        leaving = memberships.end_affiliation(affiliation, employee, now=NOW)
    assert leaving.cancelled == [booked] and leaving.kept == []
    booked.refresh_from_db()
    assert booked.state == Reservation.State.CANCELLED
    # Kept with the booking, which people of either language read.
    assert booked.events.last().note == (
        "La tua appartenenza a Lombarda Software S.p.A. è terminata il 2030-03-04. / "
        "Your membership of Lombarda Software S.p.A. ended on 2030-03-04."
    )
    assert any("Membership ended: Lombarda Software" in m.subject for m in mailoutbox)
    # The rights end with it.
    refusals = {r.rule: r.message for r in check_rules(employee, desks, at("11:00"), at("12:00"), now=NOW)}
    assert "ask your employer or association" in refusals["who_may_book"]


def test_leaving_ends_members_only_bookings_unless_another_membership_covers_them(
    place, company, city_hall, employee
):
    lounge = make_resource(place, capacity=2, who_may_book=Resource.WhoMayBook.MEMBERS, name_en="Lounge")
    lounge.organisations.add(company, city_hall)
    first = reserve(employee, lounge, at("09:00"), at("10:00"), now=NOW)
    second = reserve(employee, lounge, at("11:00"), at("12:00"), now=NOW)
    company_affiliation = Affiliation.objects.get(person=employee, organisation=company)
    assert spoken(memberships.leaving_consequences(company_affiliation, NOW)) == [
        (first, "cancelled"),
        (second, "cancelled"),
    ]
    # A second membership among the resource's organisations keeps them; ending that one too cancels them.
    city = affiliate(employee, city_hall)
    leaving = memberships.end_affiliation(company_affiliation, employee, now=NOW)
    assert leaving.cancelled == [] and {r.pk for r, _ in leaving.kept} == {first.pk, second.pk}
    leaving = memberships.end_affiliation(city, employee, now=NOW)
    assert sorted(r.pk for r in leaving.cancelled) == [first.pk, second.pk]
    refusals = {r.rule for r in check_rules(employee, lounge, at("14:00"), at("15:00"), now=NOW)}
    assert "who_may_book" in refusals


def test_a_booking_another_membership_covers_is_kept_and_moves_to_it(agreement, desks, employee, city_hall):
    booked = reserve(employee, desks, at("09:00"), at("10:00"), now=NOW)
    affiliate(employee, city_hall)
    company_affiliation = Affiliation.objects.get(
        person=employee, organisation=booked.agreement_booking.guest
    )
    leaving = memberships.end_affiliation(company_affiliation, employee, now=NOW)
    assert spoken(leaving.kept) == [(booked, "kept: your membership of Comune di Milano covers it")]
    booked.refresh_from_db()
    assert booked.state == Reservation.State.CONFIRMED and booked.agreement_booking.guest == city_hall


def test_a_booking_past_its_cancellation_deadline_is_kept_with_the_reason(agreement, desks, employee):
    desks.cancellation_deadline_minutes = 48 * 60
    desks.save()
    booked = reserve(employee, desks, at("09:00"), at("10:00"), now=NOW)
    affiliation = Affiliation.objects.get(person=employee)
    past = "kept: it is past the cancellation deadline; tell the place if you will not come"
    assert spoken(memberships.leaving_consequences(affiliation, NOW)) == [(booked, past)]
    leaving = memberships.end_affiliation(affiliation, employee, now=NOW)
    assert spoken(leaving.kept) == [(booked, past)]
    booked.refresh_from_db()
    assert booked.state == Reservation.State.CONFIRMED


def test_an_administrator_ends_a_membership_but_a_stranger_cannot(
    agreement, desks, employee, company_admin, user_factory
):
    reserve(employee, desks, at("09:00", TUESDAY), at("10:00", TUESDAY), now=NOW)
    affiliation = Affiliation.objects.get(person=employee)
    with pytest.raises(PermissionDenied):
        memberships.end_affiliation(affiliation, user_factory("stranger"), now=NOW)
    leaving = memberships.end_affiliation(affiliation, company_admin, "Contract over", now=NOW)
    assert len(leaving.cancelled) == 1
    affiliation.refresh_from_db()
    assert (affiliation.state, affiliation.decided_by, affiliation.note) == (
        AS.ENDED,
        company_admin,
        "Contract over",
    )
    with pytest.raises(ConflictError, match="already ended"):
        memberships.end_affiliation(affiliation, employee, now=NOW)


@pytest.mark.parametrize("language", ["en", "it"])
def test_the_leaving_mail_says_each_outcome_in_each_language(
    language, agreement, desks, employee, city_hall, mailoutbox, django_capture_on_commit_callbacks
):
    """Whatever the language of the person who ends the membership, each half of the mail is in its own."""
    reserve(employee, desks, at("09:00"), at("10:00"), now=NOW)
    company_affiliation = Affiliation.objects.get(person=employee)
    city_affiliation = affiliate(employee, city_hall)  # the city is a guest of the same agreement
    with translation.override(language), django_capture_on_commit_callbacks(execute=True):
        memberships.end_affiliation(company_affiliation, employee, now=NOW)
    italian, english = halves(mailoutbox[-1])
    assert mailoutbox[-1].subject == (
        "Appartenenza terminata: Lombarda Software S.p.A. / Membership ended: Lombarda Software S.p.A."
    )
    assert "La tua appartenenza a Lombarda Software S.p.A. è terminata il 2030-03-04." in italian
    assert "mantenuta: la copre la tua appartenenza a Comune di Milano" in italian
    assert "kept" not in italian and "membership" not in italian
    assert "Your membership of Lombarda Software S.p.A. ended on 2030-03-04." in english
    assert "kept: your membership of Comune di Milano covers it" in english
    assert "mantenuta" not in english and "appartenenza" not in english
    assert city_affiliation.state == AS.ACTIVE


@pytest.mark.parametrize("language", ["en", "it"])
def test_the_mail_of_bookings_kept_past_their_deadline_is_bilingual(
    language, agreement, desks, employee, mailoutbox, django_capture_on_commit_callbacks
):
    desks.cancellation_deadline_minutes = 48 * 60
    desks.save()
    reserve(employee, desks, at("09:00"), at("10:00"), now=NOW)
    with translation.override(language), django_capture_on_commit_callbacks(execute=True):
        memberships.end_affiliation(Affiliation.objects.get(person=employee), employee, now=NOW)
    italian, english = halves(mailoutbox[-1])
    assert "mantenuta: il termine per annullarla è passato; avvisa il luogo se non andrai" in italian
    assert "kept: it is past the cancellation deadline; tell the place if you will not come" in english


def test_verified_member_of_any_of_the_organisations(
    employee, company, city_hall, other_organisation, user_factory
):
    assert memberships.verified_member(employee, [company.pk])
    assert memberships.verified_member(employee, [city_hall.pk, company])  # ids or organisations
    assert not memberships.verified_member(employee, [city_hall.pk, other_organisation.pk])
    assert not memberships.verified_member(employee, [])
    # Ids no database holds, and values that are not ids, name no organisation (and raise nothing).
    assert not memberships.verified_member(employee, [2**64, -1, "x", None])
    assert memberships.verified_member(employee, [2**64, str(company.pk)])
    pending = user_factory("pending")
    Affiliation.objects.create(person=pending, organisation=company, method=Affiliation.Method.ADMIN)
    assert not memberships.verified_member(pending, [company.pk])  # waiting for verification
    affiliation = Affiliation.objects.get(person=employee, organisation=company)
    affiliation.state = AS.ENDED
    affiliation.save()
    assert not memberships.verified_member(employee, [company.pk])  # ended
    from django.contrib.auth.models import AnonymousUser

    assert not memberships.verified_member(AnonymousUser(), [company.pk])
    assert not memberships.verified_member(None, [company.pk])
