"""A retried booking (same Idempotency-Key) gives back the booking it made, whatever would refuse it now.

`reserve` looks for the earlier booking only when the new attempt fails (the rules, the capacity or the
unique key refuse it), so each refusal path is checked here; a new key costs no lookup."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vicinato.booking.models import Reservation
from vicinato.booking.services import BookingError, reserve

from .conftest import NOW, at

pytestmark = pytest.mark.django_db


def test_a_retry_of_the_booking_that_took_the_last_unit_gives_it_back(person, other_person, single):
    first = reserve(person, single, at("09:00"), at("10:00"), idempotency_key="k-1", now=NOW)
    again = reserve(person, single, at("09:00"), at("10:00"), idempotency_key="k-1", now=NOW)
    assert again.pk == first.pk
    with pytest.raises(BookingError, match="No unit"):
        reserve(other_person, single, at("09:00"), at("10:00"), idempotency_key="k-1", now=NOW)


def test_a_retry_counted_by_the_per_day_limit_gives_the_booking_back(person, resource):
    resource.max_per_day_per_person = 1
    resource.save()
    first = reserve(person, resource, at("09:00"), at("10:00"), idempotency_key="k-1", now=NOW)
    again = reserve(person, resource, at("09:00"), at("10:00"), idempotency_key="k-1", now=NOW)
    assert again.pk == first.pk
    with pytest.raises(ValidationError) as refusal:
        reserve(person, resource, at("11:00"), at("12:00"), idempotency_key="k-2", now=NOW)
    assert [e.code for e in refusal.value.error_dict["start"]] == ["per_day"]


def test_a_retry_after_the_start_gives_the_booking_back(person, resource):
    first = reserve(person, resource, at("09:00"), at("10:00"), idempotency_key="k-1", now=NOW)
    later = at("09:30")
    assert (
        reserve(person, resource, at("09:00"), at("10:00"), idempotency_key="k-1", now=later).pk == first.pk
    )
    assert Reservation.objects.count() == 1


def test_a_key_reused_for_another_booking_is_refused_even_when_the_rules_refuse_it(person, resource):
    reserve(person, resource, at("09:00"), at("10:00"), idempotency_key="k-1", now=NOW)
    with pytest.raises(ValidationError) as refusal:
        reserve(person, resource, at("07:00"), at("08:00"), idempotency_key="k-1", now=NOW)
    assert list(refusal.value.message_dict) == ["idempotency_key"]


def test_a_new_key_is_not_looked_up(person, resource):
    with CaptureQueriesContext(connection) as queries:
        reserve(person, resource, at("09:00"), at("10:00"), idempotency_key="k-new", now=NOW)
    lookups = [q["sql"] for q in queries if "idempotency_key" in q["sql"] and q["sql"].startswith("SELECT")]
    assert lookups == []
    assert Reservation.objects.get().idempotency_key == "k-new"
