"""A person sees, exports and deletes their data on their account page; deleting anonymises what the ledger and
statistics keep, and is refused, saying why, while a booking or a voucher is open (issue 18, finding 8)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import time_machine
from django.contrib.admin.sites import site
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.urls import reverse

from tests.agreements.conftest import NOW, at, city_hall, spent  # noqa: F401  (fixtures)
from vicinato.agreements.models import LedgerEntry, VoucherApplication
from vicinato.booking.models import Reservation
from vicinato.booking.services import release_no_shows
from vicinato.register.models import Membership

pytestmark = pytest.mark.django_db
AFTER = at("12:00")  # the beneficiary's booking (09:00-10:00) is over


@pytest.fixture
def cora(spent):  # noqa: F811
    return VoucherApplication.objects.get(programme=spent).person


def test_the_account_page_shows_the_persons_data(client, cora):
    cora.first_name = "Cora"
    cora.save()
    client.force_login(cora)
    page = client.get(reverse("web:account")).content.decode()
    assert "Cora" in page and "cora@example.org" in page
    assert "Desk room" in page  # the booking
    assert "Coworking voucher" in page  # the voucher application


def test_the_export_holds_everything_in_json_and_csv(client, cora):
    client.force_login(cora)
    data = json.loads(client.get(reverse("web:account_json")).content)
    assert data["account"][0]["email"] == "cora@example.org"
    assert [b["resource"] for b in data["bookings"]] == ["Desk room"]
    assert data["voucher_ledger"][0]["subsidy_eur"] == "10.00"
    answer = client.get(reverse("web:account_csv"))
    assert answer["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(answer.content.decode())))
    assert rows[0] == ["kind", "item", "field", "value"]
    assert ["bookings", "1", "resource", "Desk room"] in rows


def test_a_formula_in_ones_own_data_comes_out_as_text(client, user_factory):
    person = user_factory("formula", first_name='=HYPERLINK("http://evil.example")')
    client.force_login(person)
    rows = list(csv.reader(io.StringIO(client.get(reverse("web:account_csv")).content.decode())))
    assert ["account", "1", "first_name", '\'=HYPERLINK("http://evil.example")'] in rows


def test_deleting_is_refused_saying_why_while_a_booking_and_a_subsidy_are_open(client, cora):
    with time_machine.travel(NOW, tick=False):
        client.force_login(cora)
        page = client.get(reverse("web:account")).content.decode()
        answer = client.post(reverse("web:account_delete"), {"password": "pw-12345!"})
    assert "delete-account" not in page and "1 booking still to come" in page
    assert answer.status_code == 409
    said = [str(m) for m in get_messages(answer.wsgi_request)]
    assert any("booking still to come" in m for m in said)
    assert any("subsidy of yours is not settled" in m for m in said)
    cora.refresh_from_db()
    assert cora.is_active and cora.email == "cora@example.org"


def test_a_wrong_password_deletes_nothing(client, cora):
    with time_machine.travel(AFTER, tick=False):
        client.force_login(cora)
        release_no_shows(now=AFTER)
        answer = client.post(reverse("web:account_delete"), {"password": "not mine"})
    assert answer.status_code == 422 and "This is not your password." in answer.content.decode()
    cora.refresh_from_db()
    assert cora.is_active


def test_deleting_a_beneficiary_anonymises_what_the_ledger_keeps(client, cora):
    application = VoucherApplication.objects.get(person=cora)
    application.statement = "I design bicycles."
    application.save()
    document = application.documents.create(file=ContentFile(b"%PDF-1.4 id", name="id.pdf"), description="ID")
    stored = Path(document.file.path)
    assert stored.exists()
    with time_machine.travel(AFTER, tick=False):
        client.force_login(cora)
        release_no_shows(now=AFTER)
        answer = client.post(reverse("web:account_delete"), {"password": "pw-12345!"})
    assert answer.status_code == 302 and answer["Location"] == reverse("web:home")
    person = get_user_model().objects.get(pk=cora.pk)
    assert (person.first_name, person.email, person.is_active) == ("", "", False)
    assert person.username.startswith("deleted-") and not person.has_usable_password()
    signing_in = client.post(reverse("web:login"), {"username": "cora", "password": "pw-12345!"})
    assert signing_in.status_code == 200 and "_auth_user_id" not in client.session
    application.refresh_from_db()
    assert not application.documents.exists() and not stored.exists()
    assert application.statement == "" and (application.birth_date.month, application.birth_date.day) == (
        1,
        1,
    )
    # The ledger and the booking stay for the programme's and the place's figures.
    assert LedgerEntry.objects.filter(application=application).count() == 1
    assert Reservation.objects.filter(person=person).count() == 1


def test_a_site_administrator_anonymises_a_beneficiary_without_a_protected_error(rf, cora, user_factory):
    root = user_factory("root", is_superuser=True, is_staff=True)
    User = get_user_model()
    admin = site._registry[User]
    request = rf.post("/admin/")
    request.user = root
    request.session = {}
    request._messages = _Messages()
    with time_machine.travel(AFTER, tick=False):
        release_no_shows(now=AFTER)
        admin.get_actions(request)["forget_people"][0](admin, request, User.objects.filter(pk=cora.pk))
    assert request._messages.said == ["The personal data of 1 person are deleted."]
    assert User.objects.get(pk=cora.pk).email == ""
    assert LedgerEntry.objects.filter(application__person=cora).exists()


def test_the_only_administrator_of_an_organisation_is_asked_to_name_another(
    client, member_factory, organisation
):
    admin = member_factory("boss", organisation, Membership.Role.ADMIN)
    client.force_login(admin)
    answer = client.post(reverse("web:account_delete"), {"password": "pw-12345!"})
    assert answer.status_code == 409
    assert "only administrator of Cowork Test S.r.l." in answer.content.decode()


class _Messages(list):
    """What the admin's message_user would show."""

    @property
    def said(self):
        return [str(m) for m in self]

    def add(self, level, message, extra_tags=""):
        self.append(message)
