"""The funder's desk on the site: a funder's administrators create and change voucher programmes (budget,
coverage, cap, where it applies, who may apply, dates, documents, reviewers) in either language, with errors
next to the fields, never below what the ledger already holds; applicants upload the documents one by one and
reviewers tick them."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.agreements.conftest import make_programme
from vicinato.agreements.models import VoucherApplication, VoucherProgramme

pytestmark = pytest.mark.django_db


def form_data(register=None, **changes) -> dict:
    """A new programme's terms as the desk's form sends them, with two documents to upload."""
    data = {
        "name_it": "Voucher giovani",
        "name_en": "Youth voucher",
        "description_it": "Per chi lavora da vicino a casa",
        "budget": "5000.00",
        "coverage_percent": "40",
        "cap_per_person_year": "600.00",
        "registers": [register.slug] if register else [],
        "audiences": ["freelancers", "riders"],
        "younger_than": "35",
        "priority_younger_than": "30",
        "applications_from": "2030-01-01",
        "applications_until": "2030-06-30",
        "valid_from": "2030-01-01",
        "valid_until": "2030-12-31",
        "reviewers": "marta@example.org",
        "documents-TOTAL_FORMS": "3",
        "documents-INITIAL_FORMS": "0",
        "documents-MIN_NUM_FORMS": "0",
        "documents-MAX_NUM_FORMS": "1000",
        "documents-0-label_it": "ISEE",
        "documents-0-label_en": "ISEE (family income statement)",
        "documents-1-label_it": "Attestazione della partita IVA",
        "documents-1-label_en": "Proof of self-employment",
        "documents-2-label_it": "",
        "documents-2-label_en": "",
    }
    data.update(changes)
    return data


def error_next_to(text: str, field_id: str, message: str) -> None:
    """The field is marked invalid and described by its message, which follows it."""
    assert re.search(rf'<[^>]*id="{field_id}"[^>]*aria-invalid="true"', text) or re.search(
        rf'<[^>]*aria-invalid="true"[^>]*id="{field_id}"', text
    ), field_id
    assert re.search(rf'id="{field_id}-error">{re.escape(message)}', text), (field_id, message)


def test_a_funder_creates_a_programme_on_its_desk_in_either_language(
    client, city_hall, city_admin, register, funder_people
):
    client.force_login(city_admin)
    listing = client.get(f"/en/gestione/organizzazioni/{city_hall.pk}/programmi/").content.decode()
    assert "Voucher programmes we fund" in listing and "New voucher programme" in listing
    english = client.get(f"/en/gestione/organizzazioni/{city_hall.pk}/programmi/nuovo/").content.decode()
    assert "New voucher programme of Comune di Milano" in english
    for legend in (
        "Money",
        "Eligibility and priorities",
        "Documents to upload",
        "Where it applies",
        "Review",
    ):
        assert f'<legend class="h4">{legend}</legend>' in english
    assert '<label for="id_budget" class="form-label active">Budget (EUR) *</label>' in english
    italian = client.get(f"/gestione/organizzazioni/{city_hall.pk}/programmi/nuovo/").content.decode()
    assert 'lang="it"' in italian and "Nuovo programma voucher di Comune di Milano" in italian
    assert "Documenti da caricare" in italian

    answer = client.post(f"/en/gestione/organizzazioni/{city_hall.pk}/programmi/nuovo/", form_data(register))
    programme = VoucherProgramme.objects.get()
    assert answer.status_code == 302 and answer.url == f"/en/voucher/{programme.pk}/sportello/"
    assert (programme.funder, programme.name, programme.budget, programme.coverage_percent) == (
        city_hall,
        "Youth voucher",
        Decimal("5000.00"),
        Decimal("40"),
    )
    assert (programme.audiences, programme.younger_than, programme.priority_younger_than) == (
        ["freelancers", "riders"],
        35,
        30,
    )
    assert list(programme.registers.all()) == [register]
    assert [(d.label_it, d.label_en, d.order) for d in programme.required_documents.all()] == [
        ("ISEE", "ISEE (family income statement)", 0),
        ("Attestazione della partita IVA", "Proof of self-employment", 1),
    ]
    # Marta is invited, not made a reviewer (tests/agreements/test_reviewer_invitations.py).
    assert not programme.reviewers.exists()
    assert [i.email for i in programme.reviewer_invitations.all()] == ["marta@example.org"]
    desk = client.get(answer.url).content.decode()
    assert '<ul id="invited-reviewers"><li>marta@example.org (until' in desk
    assert (
        "Change the programme" in desk and "ISEE (family income statement); Proof of self-employment" in desk
    )


def test_the_desk_puts_each_error_next_to_its_field(client, city_hall, city_admin, register, funder_people):
    client.force_login(city_admin)
    wrong = form_data(
        register,
        name_it="",
        coverage_percent="150",
        valid_until="2029-12-31",
        younger_than="0",
        reviewers="checker ghost",
        **{"documents-1-label_it": "", "documents-1-label_en": "Proof of self-employment"},
    )
    for prefix, expected in (
        ("/en", {"alert": "The programme was not saved", "required": "This field is required."}),
        ("", {"alert": "Il programma non è stato salvato", "required": "Questo campo è obbligatorio."}),
    ):
        answer = client.post(f"{prefix}/gestione/organizzazioni/{city_hall.pk}/programmi/nuovo/", wrong)
        text = answer.content.decode()
        assert answer.status_code == 200 and expected["alert"] in text
        error_next_to(text, "id_name_it", expected["required"])
        error_next_to(text, "id_documents-1-label_it", expected["required"])
        assert 'id="id_coverage_percent-error"' in text and 'id="id_younger_than-error"' in text
    english = client.post(
        f"/en/gestione/organizzazioni/{city_hall.pk}/programmi/nuovo/", wrong
    ).content.decode()
    error_next_to(english, "id_coverage_percent", "Ensure this value is less than or equal to 100.")
    error_next_to(english, "id_valid_until", "The last day covered must not come before the first.")
    error_next_to(
        english,
        "id_reviewers",
        "checker, ghost: not an e-mail address. A username no longer adds a reviewer: enter their e-mail "
        "address, and they become a reviewer by accepting the invitation sent there.",
    )
    assert 'value="Proof of self-employment"' in english  # what was typed is kept, to correct
    assert not VoucherProgramme.objects.exists()


def _edit_data(programme, **changes) -> dict:
    identity = programme.required_documents.get(label_en="Identity card")
    isee = programme.required_documents.get(label_en="ISEE")
    data = form_data(
        **{
            "name_it": programme.name_it,
            "name_en": programme.name_en,
            "places": [p.public_id for p in programme.places.all()],
            "reviewers": "",
            "documents-TOTAL_FORMS": "3",
            "documents-INITIAL_FORMS": "2",
            "documents-0-id": str(isee.pk),
            "documents-0-label_it": "ISEE",
            "documents-0-label_en": "ISEE",
            "documents-0-DELETE": "on",
            "documents-1-id": str(identity.pk),
            "documents-1-label_it": "Documento d'identità",
            "documents-1-label_en": "Identity card",
            "documents-2-label_it": "Curriculum",
            "documents-2-label_en": "CV",
        }
    )
    data.update(changes)
    return data


def test_the_budget_is_never_lowered_below_what_the_ledger_holds(client, spent, city_admin):
    assert spent.ledger.get().amount == Decimal("10.00")
    client.force_login(city_admin)
    page = client.get(f"/en/voucher/{spent.pk}/modifica/").content.decode()
    assert f"Change “{spent.name_en}”" in page
    assert "At least 10.00 EUR: what is already reserved and committed for bookings." in page
    answer = client.post(f"/en/voucher/{spent.pk}/modifica/", _edit_data(spent, budget="9.99"))
    error_next_to(
        answer.content.decode(),
        "id_budget",
        "The budget cannot be lower than the 10.00 EUR already reserved and committed for bookings; "
        "enter at least that much.",
    )
    spent.refresh_from_db()
    assert spent.budget == Decimal("1000.00")
    # Exactly what is held is enough; the documents change as the form says.
    answer = client.post(f"/en/voucher/{spent.pk}/modifica/", _edit_data(spent, budget="10.00"))
    assert answer.status_code == 302
    spent.refresh_from_db()
    assert spent.budget == Decimal("10.00")
    assert [(d.label_it, d.order) for d in spent.required_documents.all()] == [
        ("Documento d'identità", 0),
        ("Curriculum", 1),
    ]


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("city_admin", True), ("staff", False), ("checker", False), ("company_admin", False), ("root", True)],
)
def test_who_may_create_and_change_a_funders_programmes(
    who, allowed, client, city_hall, funder_people, programme_people, register
):
    """The funder's administrators (and the site's); not its staff, not the programme's reviewers, not
    another organisation's administrators."""
    programme = make_programme(city_hall)
    programme.reviewers.add(funder_people["checker"])
    user = programme_people[who]
    client.force_login(user)
    status = 200 if allowed else 403
    assert client.get(f"/en/gestione/organizzazioni/{city_hall.pk}/programmi/nuovo/").status_code == status
    assert client.get(f"/en/voucher/{programme.pk}/modifica/").status_code == status
    answer = client.post(f"/en/voucher/{programme.pk}/modifica/", form_data(register))
    assert answer.status_code == (302 if allowed else 403)


def test_documents_are_uploaded_and_ticked_one_by_one_on_the_pages(
    client, city_hall, city_admin, user_factory, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    programme = make_programme(
        city_hall,
        applications_from=date(2020, 1, 1),
        documents=[("ISEE", "ISEE"), ("Attestazione della partita IVA", "Proof of self-employment")],
    )
    isee, proof = programme.required_documents.all()
    person = user_factory("applicant")
    client.force_login(person)
    apply_page = client.get(f"/en/voucher/{programme.pk}/domanda/").content.decode()
    assert "After submitting, upload each of these documents:" in apply_page and "<li>ISEE</li>" in apply_page
    answer = client.post(
        f"/en/voucher/{programme.pk}/domanda/", {"birth_date": "2000-01-01", "audience": "freelancers"}
    )
    application = VoucherApplication.objects.get(person=person)
    url = answer.url
    text = client.get(url).content.decode()
    assert '<label for="id_requirement" class="form-label active">Document</label>' in text
    assert text.count("Not uploaded yet") == 2
    missing = client.post(url, {"requirement": "", "file": SimpleUploadedFile("x.pdf", b"%PDF-1.4")})
    assert re.search(r'id="id_description-error">Say what the document is', missing.content.decode())
    client.post(url, {"requirement": isee.pk, "file": SimpleUploadedFile("isee.pdf", b"%PDF-1.4")})
    assert application.documents.get().requirement == isee

    client.force_login(city_admin)
    review = client.get(url).content.decode()
    assert "Uploaded, to be checked" in review and "Not uploaded yet" in review
    assert review.count("Mark as checked<span") == 1  # only what was uploaded can be ticked
    refused = client.post(url, {"action": "approve"}, follow=True).content.decode()
    assert "Not uploaded yet: Proof of self-employment; request them before approving." in refused
    assert "Tick the remaining documents before approving: ISEE." in refused
    client.post(url, {"check": isee.pk, "checked": "1"})
    assert list(application.document_checks.values_list("requirement", flat=True)) == [isee.pk]
    assert client.post(url, {"check": "abc", "checked": "1"}).status_code == 404
    assert client.post(url, {"check": str(2**64), "checked": "1"}).status_code == 404
    client.post(url, {"action": "request_changes", "note": "Upload the proof of self-employment"})

    client.force_login(person)
    client.post(url, {"action": "resubmit"})
    client.post(url, {"requirement": proof.pk, "file": SimpleUploadedFile("piva.pdf", b"%PDF-1.4")})
    client.post(url, {"requirement": isee.pk, "file": SimpleUploadedFile("isee2.pdf", b"%PDF-1.4")})
    # The new ISEE takes the tick back: the reviewer checks the new file.
    assert not application.document_checks.exists()

    client.force_login(city_admin)
    client.post(url, {"check": isee.pk, "checked": "1"})
    client.post(url, {"check": proof.pk, "checked": "1"})
    italian = client.get(f"/voucher/domande/{application.pk}/").content.decode()
    assert italian.count("Verificato") >= 2 and "Togli la verifica" in italian
    client.post(url, {"action": "approve"})
    application.refresh_from_db()
    assert application.state == VoucherApplication.State.APPROVED
