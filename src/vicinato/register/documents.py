"""The documents an applicant uploads for the reviewer's checks that need one (a self-declaration, a chamber of
commerce record): each checked by what it holds (vicinato.lib.uploads) and kept in the private storage, served
only by the application's document view, which checks who asks."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vicinato.lib import uploads

from .models import Application, ApplicationCheck, ApplicationDocument, Requirement
from .permissions import Action, require
from .workflow import WorkflowError

S = Application.State
MAX_DOCUMENTS = 20


def takes_documents(application: Application) -> bool:
    """Whether the applicant may add documents now: before submitting, under review, or when asked to."""
    return application.state in (S.DRAFT, S.SUBMITTED, S.CHANGES_REQUESTED)


def add_document(application: Application, requirement: Requirement, actor, upload) -> ApplicationDocument:
    """Upload a file for one of the register's checks that needs one. A new file takes back the reviewer's tick
    on that check: the new file has to be checked."""
    require(actor, Action.PREPARE_APPLICATION, application.place)
    application.refresh_from_db(fields=["state"])
    if not takes_documents(application):
        raise WorkflowError(
            _("Documents can be added before the decision only; reopen the application first.")
        )
    if requirement.register_id != application.register_id or not requirement.needs_document:
        raise ValidationError(
            {"requirement": [_("Choose one of the checks of this register that need a document.")]}
        )
    upload = uploads.accepted_document(upload, application.documents.count(), MAX_DOCUMENTS)
    document = ApplicationDocument(
        application=application, requirement=requirement, file=upload, uploaded_by=actor
    )
    document.full_clean(exclude=["application", "requirement", "uploaded_by"])
    with transaction.atomic():
        document.save()
        ApplicationCheck.objects.filter(application=application, requirement=requirement).delete()
    return document


def documents_by_requirement(application: Application) -> dict[int, list[ApplicationDocument]]:
    """The application's documents, by the check they were uploaded for, oldest first."""
    found: dict[int, list[ApplicationDocument]] = {}
    for document in application.documents.all():
        found.setdefault(document.requirement_id, []).append(document)
    return found
