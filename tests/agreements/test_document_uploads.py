"""Documents are checked by what they hold, not by their name, and an application holds a bounded number of them
(issue 18, finding 10)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from vicinato.agreements import vouchers

from .test_voucher_applications import MARCH, pdf, programme  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def image_bytes(kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), (200, 30, 30)).save(out, kind)
    return out.getvalue()


@pytest.fixture
def application(programme, user_factory, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path
    return vouchers.apply(user_factory("docs"), programme, date(2000, 1, 1), "riders", now=MARCH)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("id.pdf", b"<html><script>alert(1)</script></html>"),
        ("id.pdf", image_bytes()),
        ("id.png", b"%PDF-1.4\n..."),
        ("id.jpg", b"\xff\xd8\xff\xe0 not really a jpeg"),
        ("id.png", b"<svg onload=alert(1)>"),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_refused(application, name, content):
    with pytest.raises(ValidationError) as caught:
        vouchers.add_document(application, application.person, SimpleUploadedFile(name, content), "ID")
    assert list(caught.value.message_dict) == ["file"]
    assert not application.documents.exists()


@pytest.mark.parametrize(("name", "kind"), [("scan.png", "PNG"), ("scan.jpg", "JPEG"), ("scan.jpeg", "JPEG")])
def test_real_images_and_pdfs_are_taken(application, name, kind):
    vouchers.add_document(
        application, application.person, SimpleUploadedFile(name, image_bytes(kind)), "Scan"
    )
    vouchers.add_document(application, application.person, pdf(), "PDF")
    assert application.documents.count() == 2


def test_an_application_holds_at_most_twenty_documents(application):
    for number in range(20):
        vouchers.add_document(application, application.person, pdf(f"d{number}.pdf"), f"Document {number}")
    with pytest.raises(ValidationError) as caught:
        vouchers.add_document(application, application.person, pdf("one-more.pdf"), "One more")
    assert "at most 20 documents" in caught.value.message_dict["file"][0]
