"""A register's check on papers takes a document from the applicant: kept in the private storage, apart from the
public media (the files uploaded before are moved there), checked by what it holds, needed before submitting and
before the reviewer ticks the check, shown to the reviewer and to nobody else."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile

from vicinato.register.documents import add_document
from vicinato.register.models import Application, ApplicationCheck, ApplicationDocument, Requirement
from vicinato.register.workflow import WorkflowError, start_application, tick_check, transition

S = Application.State
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def papers(register) -> Requirement:
    """The register's reviewer check on papers, which needs a document."""
    requirement = register.requirements.get(kind=Requirement.Kind.REVIEWER_CHECK)
    requirement.needs_document = True
    requirement.save()
    return requirement


@pytest.fixture
def draft(place, register, people, papers, settings, tmp_path) -> Application:
    settings.MEDIA_ROOT = tmp_path
    return start_application(place, register, people["org_admin"])


def pdf(name="dichiarazione.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_submitting_waits_for_the_document(draft, papers, people):
    with pytest.raises(WorkflowError, match="Upload the documents for these checks first: Documents."):
        transition(draft, "submit", people["org_admin"])
    document = add_document(draft, papers, people["org_staff"], pdf())
    assert document.file.name.startswith("registers/")
    assert storages["private"].exists(document.file.name) and not default_storage.exists(document.file.name)
    assert transition(draft, "submit", people["org_admin"]).state == S.SUBMITTED


def test_the_reviewer_ticks_a_check_only_once_something_is_uploaded(draft, papers, people):
    ApplicationCheck.objects.all().delete()
    Application.objects.filter(pk=draft.pk).update(state=S.SUBMITTED)
    with pytest.raises(WorkflowError, match="Nothing has been uploaded for “Documents” yet"):
        tick_check(draft, papers, people["reviewer"])
    add_document(draft, papers, people["org_admin"], pdf())
    tick_check(draft, papers, people["reviewer"])
    assert draft.checks.filter(requirement=papers).exists()
    add_document(draft, papers, people["org_admin"], pdf("nuova.pdf"))  # a new file takes the tick back
    assert not draft.checks.filter(requirement=papers).exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [("visura.pdf", b"<html><script>alert(1)</script></html>"), ("visura.png", PDF), ("visura.exe", PDF)],
)
def test_a_file_that_is_not_what_its_name_says_is_refused(draft, papers, people, name, content):
    with pytest.raises(ValidationError) as caught:
        add_document(draft, papers, people["org_admin"], SimpleUploadedFile(name, content))
    assert list(caught.value.message_dict) == ["file"]
    assert not draft.documents.exists()


def test_only_the_places_people_upload_and_only_for_a_check_that_needs_one(draft, papers, register, people):
    with pytest.raises(PermissionDenied):
        add_document(draft, papers, people["worker"], pdf())
    desks = register.requirements.get(kind=Requirement.Kind.MIN_DESKS)
    with pytest.raises(ValidationError) as caught:
        add_document(draft, desks, people["org_admin"], pdf())
    assert list(caught.value.message_dict) == ["requirement"]


def test_the_reviewer_downloads_it_from_the_application_page_and_a_stranger_cannot(
    client, draft, papers, people
):
    client.force_login(people["org_admin"])
    page = f"/en/gestione/candidature/{draft.pk}/"
    assert "Document needed: not uploaded yet." in client.get(page).content.decode()
    sent = client.post(f"{page}documenti/", {"requirement": papers.pk, "file": pdf()})
    assert sent.status_code == 302
    document = draft.documents.get()
    html = client.get(page).content.decode()
    assert f'href="{page}documenti/{document.pk}/"' in html and "Document uploaded for “Documents”." in html
    refused = client.post(f"{page}documenti/", {"requirement": papers.pk, "file": pdf("x.pdf", b"GIF89a")})
    assert "This file is not a PDF" in client.get(refused["Location"]).content.decode()
    client.force_login(people["reviewer"])
    # Reviewers do not see drafts (issue 18, finding 11), nor their papers; once submitted, they do.
    assert client.get(f"{page}documenti/{document.pk}/").status_code == 403
    Application.objects.filter(pk=draft.pk).update(state=Application.State.SUBMITTED)
    download = client.get(f"{page}documenti/{document.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    client.force_login(people["other_reviewer"])
    assert client.get(f"{page}documenti/{document.pk}/").status_code == 403


def test_the_migration_moves_the_documents_uploaded_before_to_the_private_storage(draft, papers, people):
    """register 0009: a document kept in the public media before moves to the private storage, same name."""
    name = default_storage.save("registers/0123abcd/visura.pdf", ContentFile(PDF))
    document = ApplicationDocument.objects.create(
        application=draft, requirement=papers, file=name, uploaded_by=people["org_admin"]
    )
    migration = importlib.import_module(
        "vicinato.register.migrations.0009_register_documents_in_private_storage"
    )
    migration.move_to_private_storage(apps, None)
    assert not default_storage.exists(name) and storages["private"].open(name).read() == PDF
    document.refresh_from_db()
    assert document.file.name == name and document.file.read() == PDF
    migration.move_to_private_storage(apps, None)  # run again: nothing to move, nothing lost
    assert storages["private"].exists(name)
