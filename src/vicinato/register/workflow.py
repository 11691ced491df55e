"""The accreditation workflow: requirement checks and the one function that moves an application."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from vicinato.lib.errors import Conflict
from vicinato.lib.transitions import StateMachine, Transition, record_step

from . import notifications
from .models import Application, ApplicationCheck, ApplicationEvent, Place, Register, Requirement
from .permissions import Action, can, require
from .translation import writing_language

S = Application.State


class WorkflowError(Conflict):
    """A transition that is not allowed now (409); the message says why and what to do."""

    def __init__(self, message: str, failures: list[CheckResult] | None = None):
        super().__init__(message)
        self.failures = failures or []


# The allowed transitions, next to the states; anything else is refused by `transition`.
TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(
        {S.DRAFT: S.SUBMITTED, S.CHANGES_REQUESTED: S.SUBMITTED},
        Action.SUBMIT_APPLICATION,
        gettext_lazy("Submit"),
    ),
    "request_changes": Transition(
        {S.SUBMITTED: S.CHANGES_REQUESTED},
        Action.REVIEW_APPLICATION,
        gettext_lazy("Request changes"),
        note_required=True,
    ),
    "approve": Transition({S.SUBMITTED: S.APPROVED}, Action.REVIEW_APPLICATION, gettext_lazy("Approve")),
    "reject": Transition(
        {S.SUBMITTED: S.REJECTED}, Action.REVIEW_APPLICATION, gettext_lazy("Reject"), note_required=True
    ),
    "suspend": Transition(
        {S.APPROVED: S.SUSPENDED}, Action.REVIEW_APPLICATION, gettext_lazy("Suspend"), note_required=True
    ),
    "reinstate": Transition({S.SUSPENDED: S.APPROVED}, Action.REVIEW_APPLICATION, gettext_lazy("Reinstate")),
    "withdraw": Transition(
        {
            S.DRAFT: S.WITHDRAWN,
            S.SUBMITTED: S.WITHDRAWN,
            S.CHANGES_REQUESTED: S.WITHDRAWN,
            S.APPROVED: S.WITHDRAWN,
            S.SUSPENDED: S.WITHDRAWN,
        },
        Action.SUBMIT_APPLICATION,
        gettext_lazy("Withdraw"),
    ),
    "expire": Transition({S.APPROVED: S.EXPIRED}, None, gettext_lazy("Expire")),
    # A listed entry renews itself within the reminder window if it still meets the requirements;
    # an expired one goes back to a reviewer.
    "renew": Transition(
        {S.APPROVED: S.APPROVED, S.EXPIRED: S.SUBMITTED}, Action.SUBMIT_APPLICATION, gettext_lazy("Renew")
    ),
    "reopen": Transition(
        {S.REJECTED: S.DRAFT, S.WITHDRAWN: S.DRAFT},
        Action.SUBMIT_APPLICATION,
        gettext_lazy("Reopen as draft"),
    ),
}


MACHINE = StateMachine(
    TRANSITIONS,
    lambda state: S(state).label,
    gettext_lazy("an application"),
    note_prompt=gettext_lazy("Write a note for the applicant explaining the decision."),
    conflict=WorkflowError,
)


@dataclass(frozen=True)
class CheckResult:
    requirement: Requirement
    passed: bool
    message: str


def check_requirement(requirement: Requirement, place: Place) -> CheckResult:
    kind = Requirement.Kind
    passed, message = True, ""
    if requirement.kind == kind.MIN_DESKS:
        passed = place.desks >= (requirement.min_desks or 0)
        if not passed:
            message = ngettext(
                "The place has %(desks)d desk; this register requires at least %(min)d.",
                "The place has %(desks)d desks; this register requires at least %(min)d.",
                place.desks,
            ) % {
                "desks": place.desks,
                "min": requirement.min_desks,
            }
    elif requirement.kind in (kind.AMENITIES_ALL, kind.AMENITIES_ANY):
        present = set(place.amenities.values_list("pk", flat=True))
        wanted = list(requirement.amenities.all())
        missing = [a for a in wanted if a.pk not in present]
        if requirement.kind == kind.AMENITIES_ALL and missing:
            passed = False
            message = _("Add these amenities to the place: %(names)s.") % {
                "names": ", ".join(a.label for a in missing)
            }
        elif requirement.kind == kind.AMENITIES_ANY and len(missing) == len(wanted):
            passed = False
            message = _("Add at least one of these amenities to the place: %(names)s.") % {
                "names": ", ".join(a.label for a in wanted)
            }
    elif requirement.kind == kind.PLACE_KINDS:
        passed = place.kind in requirement.place_kinds
        if not passed:
            message = _("This register accepts only: %(kinds)s.") % {
                "kinds": ", ".join(str(Place.Kind(k).label) for k in requirement.place_kinds)
            }
    elif requirement.kind == kind.IN_MUNICIPALITY:
        municipality = requirement.register.municipality
        passed = municipality is None or place.municipality_id == municipality.pk
        if not passed:
            message = _("The place is in %(place)s; this register accepts places in %(register)s only.") % {
                "place": place.municipality,
                "register": municipality,
            }
    return CheckResult(requirement, passed, message)


def check_requirements(place: Place, register: Register) -> list[CheckResult]:
    """Results of the machine-checkable requirements of a register for a place."""
    requirements = register.requirements.exclude(kind=Requirement.Kind.REVIEWER_CHECK).prefetch_related(
        "amenities"
    )
    return [check_requirement(r, place) for r in requirements]


def pending_reviewer_checks(application: Application) -> list[Requirement]:
    ticked = set(application.checks.values_list("requirement_id", flat=True))
    return [
        r
        for r in application.register.requirements.filter(kind=Requirement.Kind.REVIEWER_CHECK)
        if r.pk not in ticked
    ]


def missing_documents(application: Application) -> list[Requirement]:
    """The register's checks that need a document for which the applicant has uploaded none yet."""
    return list(
        application.register.requirements.filter(needs_document=True).exclude(
            documents__application=application
        )
    )


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def allowed_actions(user, application: Application) -> list[str]:
    """The transitions this user may apply to the application now (for buttons and API hints)."""
    return MACHINE.allowed(application.state, lambda t: t.by is not None and can(user, t.by, application))


def _require_renewal_window(application: Application, now: datetime) -> None:
    if application.state != S.APPROVED:
        return
    opens = application.expires_at - timedelta(days=application.register.reminder_days)
    if now < opens:
        raise WorkflowError(
            _("Renewal opens on %(date)s, %(days)d days before the entry expires; come back then.")
            % {
                "date": timezone.localtime(opens).date().isoformat(),
                "days": application.register.reminder_days,
            }
        )


def transition(application: Application, action: str, actor=None, note: str = "") -> Application:
    """Apply one workflow action, record who/when/why, or refuse it with a clear error."""
    try:
        return _apply_transition(application, action, actor, note)
    except WorkflowError as error:
        if error.failures:
            # Kept after the refusal so that the applicant sees what failed at the last attempt.
            Application.objects.filter(pk=application.pk).update(
                failed_checks=[
                    {"requirement": f.requirement.pk, "message": f.message} for f in error.failures
                ]
            )
        raise


@transaction.atomic
def _apply_transition(application: Application, action: str, actor, note: str) -> Application:
    application = (
        Application.objects.select_for_update().select_related("place", "register").get(pk=application.pk)
    )
    note = (note or "").strip()
    _spec, target = MACHINE.check(
        action, application.state, note, actor=actor, require=lambda by: require(actor, by, application)
    )
    now = timezone.now()
    source = application.state
    if action == "renew":
        _require_renewal_window(application, now)
    if target in (S.SUBMITTED, S.APPROVED) and action != "reinstate":
        failures = [r for r in check_requirements(application.place, application.register) if not r.passed]
        application.failed_checks = []
        if failures:
            raise WorkflowError(
                ngettext(
                    "The place does not meet %(count)d requirement of the register yet; fix it and submit again.",
                    "The place does not meet %(count)d requirements of the register yet; fix them and submit again.",
                    len(failures),
                )
                % {"count": len(failures)},
                failures,
            )
    if target == S.SUBMITTED and (missing := missing_documents(application)):
        raise WorkflowError(
            _("Upload the documents for these checks first: %(labels)s.")
            % {"labels": ", ".join(r.label for r in missing)}
        )
    if action == "submit" and not application.register.is_open:
        raise WorkflowError(_("This register is not accepting applications at the moment."))
    if action == "approve":
        pending = pending_reviewer_checks(application)
        if pending:
            raise WorkflowError(
                _("Tick the remaining checks before approving: %(labels)s.")
                % {"labels": ", ".join(r.label for r in pending)}
            )

    if target == S.SUBMITTED:
        application.submitted_at = now
    if action in ("approve", "request_changes", "reject"):
        application.decided_at = now
    if action == "approve":
        application.expires_at = add_months(now, application.register.validity_months)
        application.reminder_sent_at = None
    elif action == "renew" and target == S.APPROVED:
        application.expires_at = add_months(application.expires_at, application.register.validity_months)
        application.reminder_sent_at = None
    if target == S.DRAFT:
        application.checks.all().delete()
    application.state = target
    application.save()
    record_step(
        ApplicationEvent,
        action,
        source,
        target,
        actor,
        now,
        note,
        application=application,
        note_language=writing_language() if note else "",
    )
    transaction.on_commit(lambda: notifications.application_changed(application, action, note))
    return application


@transaction.atomic
def checks_open(application: Application) -> bool:
    """Whether the reviewer checks may be ticked (or unticked) now: while the application is under review."""
    return application.state == S.SUBMITTED


def tick_check(application: Application, requirement: Requirement, actor, ticked: bool = True) -> None:
    require(actor, Action.REVIEW_APPLICATION, application)
    application.refresh_from_db(fields=["state"])
    if requirement.register_id != application.register_id or requirement.is_machine_checked:
        raise WorkflowError(_("This check does not belong to the application's register."))
    if not checks_open(application):
        raise WorkflowError(_("Checks can be ticked only while the application is under review."))
    if (
        ticked
        and requirement.needs_document
        and not application.documents.filter(requirement=requirement).exists()
    ):
        raise WorkflowError(
            _("Nothing has been uploaded for “%(check)s” yet; request changes to ask for it.")
            % {"check": requirement.label}
        )
    if ticked:
        ApplicationCheck.objects.get_or_create(
            application=application, requirement=requirement, defaults={"checked_by": actor}
        )
    else:
        ApplicationCheck.objects.filter(application=application, requirement=requirement).delete()


def start_application(place: Place, register: Register, actor) -> Application:
    """Create a draft application of a place to a register (one per place and register)."""
    require(actor, Action.PREPARE_APPLICATION, place)
    if not register.is_open:
        raise WorkflowError(_("This register is not accepting applications at the moment."))
    existing = Application.objects.filter(place=place, register=register).first()
    if existing:
        raise WorkflowError(
            _("This place already has an application to this register (%(state)s); open it instead.")
            % {"state": existing.get_state_display()}
        )
    with transaction.atomic():
        application = Application.objects.create(place=place, register=register, created_by=actor)
        ApplicationEvent.objects.create(
            application=application, action="create", to_state=S.DRAFT, actor=actor
        )
    return application


def run_scheduled_jobs(now: datetime | None = None) -> dict[str, int]:
    """Expire entries past their date and remind operators before expiry; safe to run repeatedly."""
    now = now or timezone.now()
    expired = 0
    for application in Application.objects.filter(state=S.APPROVED, expires_at__lte=now):
        transition(application, "expire")
        expired += 1
    reminded = 0
    candidates = Application.objects.filter(
        state=S.APPROVED, expires_at__gt=now, reminder_sent_at__isnull=True
    ).select_related("register", "place")
    for application in candidates:
        if application.expires_at - timedelta(days=application.register.reminder_days) <= now:
            notifications.expiry_reminder(application)
            application.reminder_sent_at = now
            application.save(update_fields=["reminder_sent_at"])
            reminded += 1
    return {"expired": expired, "reminded": reminded}
