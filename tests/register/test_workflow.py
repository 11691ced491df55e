"""Every transition of the accreditation workflow, allowed and refused, and every requirement check."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from vicinato.register.models import Application, ApplicationCheck, Place, Requirement
from vicinato.register.workflow import (
    TRANSITIONS,
    WorkflowError,
    add_months,
    check_requirements,
    run_scheduled_jobs,
    start_application,
    tick_check,
    transition,
)

from ..conftest import amenities, another_place

S = Application.State
ACTOR_FOR = {
    "submit": "org_admin",
    "withdraw": "org_admin",
    "renew": "org_admin",
    "reopen": "org_admin",
    "request_changes": "reviewer",
    "approve": "reviewer",
    "reject": "reviewer",
    "suspend": "reviewer",
    "reinstate": "reviewer",
    "expire": None,
}
ALLOWED = [
    (action, source, target)
    for action, spec in TRANSITIONS.items()
    for source, target in spec.sources.items()
]
REFUSED = [
    (action, state) for action, spec in TRANSITIONS.items() for state in S.values if state not in spec.sources
]


def application_in(place, register, state, **fields) -> Application:
    application = Application.objects.create(place=place, register=register, state=state, **fields)
    if state in (S.SUBMITTED,):
        for requirement in register.requirements.filter(kind=Requirement.Kind.REVIEWER_CHECK):
            ApplicationCheck.objects.create(application=application, requirement=requirement)
    return application


def prepare(action, source, place, register):
    fields = {}
    if source in (S.APPROVED, S.SUSPENDED):
        # Inside the renewal window, so that 'renew' is allowed too.
        fields["expires_at"] = timezone.now() + timedelta(days=10)
    if action == "expire":
        fields["expires_at"] = timezone.now() - timedelta(minutes=1)
    return application_in(place, register, source, **fields)


@pytest.mark.parametrize(("action", "source", "target"), ALLOWED)
def test_allowed_transition_moves_and_records(action, source, target, place, register, people):
    application = prepare(action, source, place, register)
    actor = people[ACTOR_FOR[action]] if ACTOR_FOR[action] else None
    result = transition(application, action, actor, note="Perché sì")
    assert result.state == target
    assert Application.objects.get(pk=application.pk).state == target
    event = application.events.get()
    assert (event.action, event.from_state, event.to_state, event.actor, event.note) == (
        action,
        source,
        target,
        actor,
        "Perché sì",
    )


@pytest.mark.parametrize(("action", "state"), REFUSED)
def test_refused_transition_is_a_clear_error_and_changes_nothing(action, state, place, register, people):
    application = prepare(action, state, place, register)
    actor = people[ACTOR_FOR[action]] if ACTOR_FOR[action] else None
    with pytest.raises(
        WorkflowError, match=re.escape(f"is not possible for an application that is '{S(state).label}'")
    ):
        transition(application, action, actor, note="x")
    assert Application.objects.get(pk=application.pk).state == state
    assert not application.events.exists()


def test_unknown_action_is_refused(place, register, people):
    application = application_in(place, register, S.DRAFT)
    with pytest.raises(WorkflowError, match="Unknown action 'publish'"):
        transition(application, "publish", people["org_admin"])


@pytest.mark.parametrize("action", ["request_changes", "reject", "suspend"])
def test_reviewer_must_explain_negative_decisions(action, place, register, people):
    source = S.APPROVED if action == "suspend" else S.SUBMITTED
    application = prepare(action, source, place, register)
    with pytest.raises(ValidationError) as refused:
        transition(application, action, people["reviewer"], note="  ")
    assert refused.value.message_dict == {"note": ["Write a note for the applicant explaining the decision."]}
    assert refused.value.error_dict["note"][0].code == "note_required"
    assert Application.objects.get(pk=application.pk).state == source


def test_submission_runs_machine_checks_and_shows_failures(place, register, people):
    place.desks = 10
    place.save()
    place.amenities.set(amenities("broadband"))
    application = start_application(place, register, people["org_admin"])
    with pytest.raises(WorkflowError) as refused:
        transition(application, "submit", people["org_admin"])
    messages = [f.message for f in refused.value.failures]
    assert messages == [
        "The place has 10 desks; this register requires at least 11.",
        "Add these amenities to the place: Printer.",
        "Add at least one of these amenities to the place: Kitchen / refreshment area, Canteen or meals.",
    ]
    application.refresh_from_db()
    assert application.state == S.DRAFT
    assert len(application.failed_checks) == 3
    # Fixing the place lets the same application through.
    place.desks = 11
    place.save()
    place.amenities.set(amenities("broadband", "printer", "canteen"))
    assert transition(application, "submit", people["org_admin"]).state == S.SUBMITTED


def test_min_desks_boundary(place, register):
    requirement = register.requirements.get(kind=Requirement.Kind.MIN_DESKS)
    place.desks = 11
    assert next(r for r in check_requirements(place, register) if r.requirement == requirement).passed
    place.desks = 10
    assert not next(r for r in check_requirements(place, register) if r.requirement == requirement).passed


def test_place_kind_and_municipality_checks(place, register, city):
    from vicinato.geo.models import Municipality

    place.kind = Place.Kind.LIBRARY
    place.municipality = Municipality.objects.create(name="Seregno", slug="seregno")
    failed = {r.requirement.kind: r.message for r in check_requirements(place, register) if not r.passed}
    assert failed == {
        Requirement.Kind.PLACE_KINDS: "This register accepts only: Coworking space, Officina territoriale.",
        Requirement.Kind.IN_MUNICIPALITY: "The place is in Seregno; this register accepts places in Milano only.",
    }


def test_approval_needs_every_reviewer_check(place, register, people):
    application = Application.objects.create(place=place, register=register, state=S.SUBMITTED)
    with pytest.raises(WorkflowError, match="Tick the remaining checks before approving: Documents"):
        transition(application, "approve", people["reviewer"])
    documents = register.requirements.get(kind=Requirement.Kind.REVIEWER_CHECK)
    tick_check(application, documents, people["reviewer"])
    approved = transition(application, "approve", people["reviewer"])
    assert approved.state == S.APPROVED
    assert approved.expires_at.date() == add_months(approved.decided_at, 24).date()
    assert approved.is_listed and Place.objects.listed().filter(pk=place.pk).exists()


def test_reviewer_checks_only_during_review(place, register, people):
    application = Application.objects.create(place=place, register=register, state=S.DRAFT)
    documents = register.requirements.get(kind=Requirement.Kind.REVIEWER_CHECK)
    with pytest.raises(WorkflowError, match="only while the application is under review"):
        tick_check(application, documents, people["reviewer"])
    machine = register.requirements.get(kind=Requirement.Kind.MIN_DESKS)
    application.state = S.SUBMITTED
    application.save()
    with pytest.raises(WorkflowError, match="does not belong"):
        tick_check(application, machine, people["reviewer"])


def test_reopening_clears_previous_ticks(place, register, people):
    application = application_in(place, register, S.SUBMITTED)
    assert application.checks.exists()
    transition(application, "reject", people["reviewer"], "Documenti scaduti")
    transition(application, "reopen", people["org_admin"])
    assert not application.checks.exists()


def test_renewal_window(place, register, people):
    far = timezone.now() + timedelta(days=200)
    application = application_in(place, register, S.APPROVED, expires_at=far)
    with pytest.raises(WorkflowError, match="Renewal opens on"):
        transition(application, "renew", people["org_admin"])
    soon = timezone.now() + timedelta(days=5)
    Application.objects.filter(pk=application.pk).update(expires_at=soon)
    renewed = transition(application, "renew", people["org_admin"])
    assert renewed.state == S.APPROVED
    assert renewed.expires_at == add_months(soon, 24)


def test_renewal_of_expired_entry_goes_back_to_review(place, register, people):
    application = application_in(place, register, S.EXPIRED, expires_at=timezone.now() - timedelta(days=1))
    assert transition(application, "renew", people["org_admin"]).state == S.SUBMITTED


def test_expired_entries_are_not_listed_even_before_the_job_runs(place, register):
    application_in(place, register, S.APPROVED, expires_at=timezone.now() - timedelta(seconds=1))
    assert not Place.objects.listed().exists()


def test_scheduled_jobs_expire_and_remind_once(
    place, register, people, organisation, settings, django_capture_on_commit_callbacks
):
    organisation.email = "ops@example.org"
    organisation.save()
    expired = application_in(place, register, S.APPROVED, expires_at=timezone.now() - timedelta(hours=1))
    other_place = another_place(place, name_it="B", address="x", lat=45.465, lon=9.20, desks=12)
    due = application_in(other_place, register, S.APPROVED, expires_at=timezone.now() + timedelta(days=10))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # mails leave once the change commits
        assert run_scheduled_jobs() == {"expired": 1, "reminded": 1}
        assert run_scheduled_jobs() == {"expired": 0, "reminded": 0}
    assert Application.objects.get(pk=expired.pk).state == S.EXPIRED
    assert Application.objects.get(pk=due.pk).reminder_sent_at is not None
    assert expired.events.get().actor is None
    subjects = [m.subject for m in mail.outbox]
    assert any("expires soon" in s and "scade" in s for s in subjects), subjects


def test_only_the_system_may_expire(place, register, people):
    application = application_in(place, register, S.APPROVED, expires_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(PermissionDenied):
        transition(application, "expire", people["site_admin"])


def test_one_application_per_place_and_register(place, register, people):
    start_application(place, register, people["org_staff"])
    with pytest.raises(WorkflowError, match="already has an application"):
        start_application(place, register, people["org_admin"])


def test_closed_register_refuses_new_applications(place, register, people):
    register.is_open = False
    register.save()
    with pytest.raises(WorkflowError, match="not accepting applications"):
        start_application(place, register, people["org_admin"])


def test_transitions_send_bilingual_emails(
    place, register, people, organisation, django_capture_on_commit_callbacks
):
    organisation.email = "ops@example.org"
    organisation.save()
    application = start_application(place, register, people["org_admin"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        transition(application, "submit", people["org_admin"])
    recipients = sorted(r for m in mail.outbox for r in m.to)
    assert "ops@example.org" in recipients and "reviewer@example.org" in recipients
    body = mail.outbox[0].body
    assert "Inviata" in body and "Submitted" in body
