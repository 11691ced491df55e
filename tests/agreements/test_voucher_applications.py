"""Applying to a voucher programme and its review: rules checked at once, documents, decisions with notes,
the history, and priorities in the reviewers' queue."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from vicinato.agreements import vouchers
from vicinato.agreements.errors import ConflictError
from vicinato.agreements.models import VoucherApplication

from .conftest import make_programme

pytestmark = pytest.mark.django_db
V = VoucherApplication.State
MARCH = datetime(2030, 3, 4, 10, 0, tzinfo=ZoneInfo("Europe/Rome"))


@pytest.fixture
def programme(city_hall):
    return make_programme(
        city_hall,
        audiences=["freelancers", "riders"],
        younger_than=36,
        priority_younger_than=30,
        documents=[("Carta d'identità", "Identity card"), ("Visura della partita IVA", "VAT registration")],
    )


@pytest.fixture
def reviewer(user_factory, programme):
    user = user_factory("checker")
    programme.reviewers.add(user)
    return user


def pdf(name: str = "id.pdf", size: int = 100) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + b"x" * size, content_type="application/pdf")


def test_apply_add_a_document_and_get_approved_with_the_history(
    programme, user_factory, reviewer, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    person = user_factory("young")
    application = vouchers.apply(
        person, programme, date(2001, 2, 3), "freelancers", "Web designer", now=MARCH
    )
    assert (application.state, application.submitted_at) == (V.SUBMITTED, MARCH)
    identity, vat = programme.required_documents.all()
    with pytest.raises(ConflictError) as caught:
        vouchers.transition(application, "approve", reviewer, now=MARCH)
    assert str(caught.value) == (
        "Not uploaded yet: Identity card, VAT registration; request them before approving."
    )
    document = vouchers.add_document(application, person, pdf(), requirement=identity)
    assert document.file.name.startswith("vouchers/") and document.filename == "id.pdf"
    assert document.title == "Identity card"
    vouchers.add_document(application, person, pdf("cv.pdf"), "Curriculum")  # another one, unasked
    with pytest.raises(ConflictError, match="Nothing has been uploaded for “VAT registration” yet"):
        vouchers.check_document(application, vat, reviewer)
    vouchers.add_document(application, person, pdf("vat.pdf"), requirement=vat)
    vouchers.check_document(application, identity, reviewer)
    with pytest.raises(ConflictError) as caught:
        vouchers.transition(application, "approve", reviewer, now=MARCH)
    assert str(caught.value) == "Tick the remaining documents before approving: VAT registration."
    vouchers.check_document(application, vat, reviewer)
    assert [s.state for s in vouchers.document_statuses(application)] == ["checked", "checked"]
    vouchers.transition(application, "approve", reviewer, now=MARCH)
    assert [(e.action, e.from_state, e.to_state, e.actor) for e in application.events.all()] == [
        ("submit", "", V.SUBMITTED, person),
        ("approve", V.SUBMITTED, V.APPROVED, reviewer),
    ]


@pytest.mark.parametrize(
    ("birth_date", "audience", "errors"),
    [
        (date(1980, 1, 1), "freelancers", {"birth_date": ["This programme is for people younger than 36."]}),
        (
            date(2000, 1, 1),
            "students",
            {"audience": ["This programme is for: Freelancers, Delivery riders."]},
        ),
        (
            date(2031, 1, 1),
            "castles",
            {
                "audience": ["Choose what describes your work."],
                "birth_date": ["Enter your date of birth, in the past."],
            },
        ),
    ],
)
def test_the_programmes_rules_are_checked_when_applying(
    programme, user_factory, birth_date, audience, errors
):
    with pytest.raises(ValidationError) as caught:
        vouchers.apply(user_factory("someone"), programme, birth_date, audience, now=MARCH)
    assert caught.value.message_dict == errors


def test_applications_outside_the_window_and_twice_are_refused(programme, user_factory):
    person = user_factory("twice")
    with pytest.raises(ConflictError, match="open from 2030-01-01 to 2030-12-31"):
        vouchers.apply(
            person,
            programme,
            date(2000, 1, 1),
            "riders",
            now=datetime(2031, 1, 2, tzinfo=ZoneInfo("Europe/Rome")),
        )
    vouchers.apply(person, programme, date(2000, 1, 1), "riders", now=MARCH)
    with pytest.raises(ConflictError, match=r"already applied to this programme \(Submitted\)"):
        vouchers.apply(person, programme, date(2000, 1, 1), "riders", now=MARCH)


def test_documents_rules(programme, user_factory, reviewer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    person = user_factory("docs")
    application = vouchers.apply(person, programme, date(2000, 1, 1), "riders", now=MARCH)
    with pytest.raises(ValidationError) as caught:
        vouchers.add_document(application, person, pdf(size=6 * 1024 * 1024), "")
    assert caught.value.message_dict == {
        "description": ["Say what the document is, e.g. “identity card”."],
        "file": ["The file is larger than 5 MB; upload a smaller scan."],
    }
    with pytest.raises(ValidationError, match="File extension “exe” is not allowed"):
        vouchers.add_document(application, person, pdf("run.exe"), "Program")
    with pytest.raises(PermissionDenied):
        vouchers.add_document(application, reviewer, pdf(), "Reviewer's upload")
    vouchers.transition(application, "withdraw", person, now=MARCH)
    with pytest.raises(ConflictError, match="while the application is under review"):
        vouchers.add_document(application, person, pdf(), "Late")


def test_changes_requested_then_resubmitted_then_rejected_with_notes(
    programme, user_factory, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    person = user_factory("resubmit")
    application = vouchers.apply(person, programme, date(2000, 1, 1), "riders", now=MARCH)
    with pytest.raises(ValidationError, match="Write a note for the applicant"):
        vouchers.transition(application, "request_changes", reviewer, now=MARCH)
    with django_capture_on_commit_callbacks(execute=True):
        vouchers.transition(application, "request_changes", reviewer, "Upload your identity card", now=MARCH)
    assert (
        mailoutbox[-1].to == ["resubmit@example.org"] and "Upload your identity card" in mailoutbox[-1].body
    )
    with pytest.raises(PermissionDenied):
        vouchers.transition(application, "resubmit", reviewer, now=MARCH)
    vouchers.transition(application, "resubmit", person, now=MARCH)
    with pytest.raises(PermissionDenied):
        vouchers.transition(application, "approve", person, now=MARCH)
    vouchers.transition(application, "reject", reviewer, "Not resident in Milan", now=MARCH)
    with pytest.raises(
        ConflictError, match="'Withdraw' is not possible for an application that is 'Rejected'"
    ):
        vouchers.transition(application, "withdraw", person, now=MARCH)
    assert vouchers.allowed_actions(person, VoucherApplication.objects.get(pk=application.pk)) == []


def test_the_queue_puts_priorities_first(programme, user_factory):
    older = vouchers.apply(user_factory("older"), programme, date(1996, 1, 1), "riders", now=MARCH)
    younger = vouchers.apply(user_factory("younger"), programme, date(2005, 1, 1), "riders", now=MARCH)
    assert (vouchers.is_priority(older), vouchers.is_priority(younger)) == (False, True)
    assert vouchers.review_queue(programme) == [younger, older]


def test_a_date_of_birth_before_1900_is_refused(programme, user_factory):
    with pytest.raises(ValidationError) as caught:
        vouchers.apply(user_factory("old"), programme, date(1800, 5, 17), "riders", now=MARCH)
    assert caught.value.message_dict["birth_date"] == ["Enter your date of birth: it cannot be before 1900."]
