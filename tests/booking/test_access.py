"""The booking engine asks the apps above it through `booking.access`, never by importing them."""

from __future__ import annotations

import pytest

from vicinato.booking import access


@pytest.fixture
def no_answers(monkeypatch):
    monkeypatch.setattr(access, "_gates", [])
    monkeypatch.setattr(access, "_affiliations", [])


def test_with_nobody_registered_nobody_holds_an_agreement_or_is_a_member(no_answers):
    assert access.agreement_refusal(object(), object(), None, None) == (
        "Only holders of an agreement may book this resource."
    )
    assert access.is_affiliated(object(), [1]) is False


def test_the_first_gate_that_admits_wins_else_the_first_refusal_is_told(no_answers):
    access.register_gate(lambda *args: "Not under this agreement.")
    access.register_gate(lambda *args: "Quota of the day reached.")
    assert access.agreement_refusal("p", "r", None, None) == "Not under this agreement."
    access.register_gate(lambda *args: None)
    assert access.agreement_refusal("p", "r", None, None) is None


def test_a_function_registers_once(no_answers):
    def member(person, organisations):
        return person == "ada" and 7 in organisations

    access.register_affiliation(member)
    access.register_affiliation(member)
    assert access._affiliations == [member]
    assert access.is_affiliated("ada", iter([3, 7])) and not access.is_affiliated("bruno", [7])


def test_the_agreements_app_answers_once_it_is_ready():
    from vicinato.agreements.memberships import verified_member
    from vicinato.agreements.services import booking_refusal

    assert booking_refusal in access._gates and verified_member in access._affiliations
