"""Reviewers, funders' people and site administrators give a code of an authenticator app at every sign-in,
set up the first time; other people are not asked; the API's session answers them only once they have
(issue 18, finding 6)."""

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.STAFF_SECOND_FACTOR = True


def code_of(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):0{device.digits}d}"


def test_a_reviewer_sets_up_the_app_then_gives_a_code_at_every_sign_in(client, people):
    reviewer = people["reviewer"]
    client.force_login(reviewer)
    sent = client.get(reverse("web:review_queue"))
    assert sent.status_code == 302 and sent["Location"].startswith(reverse("web:second_factor_setup"))
    setup = client.get(sent["Location"]).content.decode()
    assert "<svg" in setup and re.search(r'id="second-factor-key">[A-Z2-7]+<', setup)
    assert client.get("/api/v1/applications").status_code == 403  # the session, before the code
    device = TOTPDevice.objects.get(user=reviewer)
    wrong = client.post(sent["Location"], {"code": "000000" if code_of(device) != "000000" else "111111"})
    assert "This code is not right" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp waits a moment after a wrong code: the person tries again later
    done = client.post(sent["Location"], {"code": code_of(device), "next": reverse("web:review_queue")})
    assert done["Location"] == reverse("web:review_queue")
    assert client.get(reverse("web:review_queue")).status_code == 200
    assert client.get("/api/v1/applications").status_code == 200

    client.logout()
    client.force_login(reviewer)  # a new sign-in: the code again, the app already set up
    asked = client.get(reverse("web:review_queue"))
    assert asked["Location"].startswith(reverse("web:second_factor"))
    assert not asked["Location"].startswith(reverse("web:second_factor_setup"))
    device.refresh_from_db()
    device.last_t = -1  # the same 30 s window may be used once: a new sign-in a moment later
    device.save()
    client.post(asked["Location"], {"code": code_of(device)})
    assert client.get(reverse("web:review_queue")).status_code == 200


@pytest.mark.parametrize("who", ["site_admin", "org_admin", "worker"])
def test_who_is_asked(client, people, who):
    client.force_login(people[who])
    answer = client.get(reverse("web:account"))
    asked = answer.status_code == 302 and reverse("web:second_factor_setup") in answer["Location"]
    assert asked == (who == "site_admin")


def test_a_funders_people_are_asked_and_stop_being_asked_when_it_funds_nothing(client, people, organisation):
    """The people of an organisation that funds a voucher programme (its ledger, its beneficiaries' data) give a
    code too; the same people were not asked before it funded one."""
    from tests.agreements.conftest import make_programme

    staff = people["org_staff"]
    client.force_login(staff)
    assert client.get(reverse("web:account")).status_code == 200
    programme = make_programme(organisation)
    answer = client.get(reverse("web:account"))
    assert answer.status_code == 302 and reverse("web:second_factor_setup") in answer["Location"]
    programme.delete()
    assert client.get(reverse("web:account")).status_code == 200
