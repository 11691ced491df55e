"""E-mails that people can make the site send are limited per sender, per organisation and per address, in the
configured cache so that every server counts together (issue 18, finding 5)."""

from __future__ import annotations

import pytest
import time_machine
from django.utils import timezone

from vicinato.agreements import memberships
from vicinato.agreements.models import AllowedDomain, Invitation
from vicinato.lib.ratelimit import RateLimited

pytestmark = pytest.mark.django_db


def test_invitations_to_one_address_are_limited(company_admin, company):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(3):
            memberships.invite(company_admin, company, email="outside@example.org")
        with pytest.raises(RateLimited) as refused:
            memberships.invite(company_admin, company, email="outside@example.org")
        assert "Too many" in str(refused.value)
        assert Invitation.objects.filter(email="outside@example.org").count() == 3
        # Another address is still fine; the same one again the next day.
        memberships.invite(company_admin, company, email="other@example.org")
        clock.shift(60 * 60 * 24 + 1)
        memberships.invite(company_admin, company, email="outside@example.org")


def test_invitations_by_one_sender_are_limited(company_admin, company):
    with time_machine.travel(timezone.now(), tick=False):
        for number in range(20):
            memberships.invite(company_admin, company, email=f"p{number}@example.org")
        with pytest.raises(RateLimited):
            memberships.invite(company_admin, company, email="p20@example.org")


def test_work_email_confirmations_are_limited(user_factory, company):
    AllowedDomain.objects.create(organisation=company, domain="lombarda.example")
    with time_machine.travel(timezone.now(), tick=False):
        for number in range(3):
            person = user_factory(f"worker{number}")
            memberships.request_by_email(person, "boss@lombarda.example")
        with pytest.raises(RateLimited):
            memberships.request_by_email(user_factory("worker9"), "boss@lombarda.example")


def test_the_api_answers_429_with_retry_after(company_admin, company):
    from django.test import Client

    from vicinato.register.models import ApiToken

    token = ApiToken.objects.create(user=company_admin)
    api = Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Bearer {token.key}")
    url = f"/api/v1/agreements/organisations/{company.pk}/invitations"
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(3):
            answer = api.post(
                url, {"kind": "employee", "email": "x@example.org"}, content_type="application/json"
            )
            assert answer.status_code == 201, answer.content
        refused = api.post(
            url, {"kind": "employee", "email": "x@example.org"}, content_type="application/json"
        )
    assert refused.status_code == 429
    assert "Too many" in refused.json()["detail"] and int(refused["Retry-After"]) > 0


def test_the_cache_is_configured_from_the_environment():
    from vicinato.settings import cache_from_url

    assert cache_from_url("")["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert cache_from_url("db://") == {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "vicinato_cache",
    }
    assert cache_from_url("redis://cache.example:6379/1") == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache.example:6379/1",
    }
