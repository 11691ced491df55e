"""Identity documents live in a private storage apart from the public media, and are deleted a set number of
days after their application is decided (issue 18, finding 8)."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as configured
from django.core.management import call_command
from django.utils import timezone

from vicinato.agreements import vouchers
from vicinato.agreements.models import VoucherApplication

from .test_voucher_applications import MARCH, pdf, programme  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
V = VoucherApplication.State


@pytest.fixture
def application(programme, user_factory):  # noqa: F811
    application = vouchers.apply(user_factory("docs"), programme, date(2000, 1, 1), "riders", now=MARCH)
    vouchers.add_document(application, application.person, pdf(), "ID")
    return application


def test_documents_are_kept_apart_from_the_public_media(application):
    stored = Path(application.documents.get().file.path)
    assert stored.exists()
    assert Path(configured.STORAGES["private"]["OPTIONS"]["location"]) in stored.parents
    assert Path(configured.MEDIA_ROOT) not in stored.parents


def test_documents_go_a_set_number_of_days_after_the_decision(application, settings):
    settings.VOUCHER_DOCUMENT_RETENTION_DAYS = 30
    under_review = vouchers.apply(
        application.person.__class__.objects.create_user("waiting"),
        application.programme,
        date(2000, 1, 1),
        "riders",
        now=MARCH,
    )
    vouchers.add_document(under_review, under_review.person, pdf(), "ID")
    stored = Path(application.documents.get().file.path)
    VoucherApplication.objects.filter(pk=application.pk).update(state=V.REJECTED, decided_at=timezone.now())
    out = StringIO()
    with time_machine.travel(timezone.now() + timedelta(days=29), tick=False):
        call_command("agreements-jobs", stdout=out)
    assert application.documents.exists() and out.getvalue().strip().endswith("0 documents deleted.")
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        call_command("agreements-jobs", stdout=out)
    assert out.getvalue().strip().endswith("1 documents deleted.")
    assert not application.documents.exists() and not stored.exists()
    assert under_review.documents.exists()  # still under review: its documents stay
