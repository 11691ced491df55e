"""Prepared queries give what the ORM gives for the same values, and on PostgreSQL the server keeps their plan
while Django's query log still shows their SQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import DateTimeField, IntegerField
from django.test.utils import CaptureQueriesContext

from tests.booking.conftest import NOW, TUESDAY, at
from vicinato.booking.models import Reservation
from vicinato.booking.services import reserve
from vicinato.lib.prepared import Param, Prepared, PreparedInsert

pytestmark = pytest.mark.django_db

OVERLAPPING = Prepared(
    lambda: (
        Reservation.objects.filter(
            resource_id=Param("resource", IntegerField()),
            start__lt=Param("until", DateTimeField()),
            end__gt=Param("since", DateTimeField()),
        )
        .order_by("start")
        .values_list("pk", "start", "end", "units")
    )
)


def test_rows_are_those_of_the_orm_with_the_same_values(person, other_person, resource):
    for who, hour in ((person, "09:00"), (other_person, "10:00"), (person, "14:00")):
        start = at(hour)
        reserve(who, resource, start, start + timedelta(hours=1), now=NOW)
    since, until = at("09:30"), at("14:00")
    expected = list(
        Reservation.objects.filter(resource=resource, start__lt=until, end__gt=since)
        .order_by("start")
        .values_list("pk", "start", "end", "units")
    )
    assert len(expected) == 2
    assert OVERLAPPING.rows(resource=resource.pk, since=since, until=until) == expected
    assert OVERLAPPING.rows(resource=resource.pk, since=at("18:00"), until=at("19:00")) == []


def test_an_insert_stores_the_values_given_and_null_in_the_fields_left_out(person, resource):
    insert = PreparedInsert(
        Reservation, ("resource", "person", "start", "end", "units", "state", "price_cents", "created_at")
    )
    pk = insert.run(
        resource=resource.pk,
        person=person.pk,
        start=at("09:00"),
        end=at("10:00"),
        units=2,
        state=Reservation.State.CONFIRMED,
        price_cents=600,
        created_at=NOW,
    )
    stored = Reservation.objects.get(pk=pk)
    assert (stored.start, stored.end, stored.units, stored.price_cents) == (at("09:00"), at("10:00"), 2, 600)
    assert (stored.created_at, stored.idempotency_key, stored.reminded_at) == (NOW, None, None)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side prepared statements: PostgreSQL")
def test_postgresql_keeps_the_plan_and_the_log_keeps_the_sql(resource):
    connection.ensure_connection()
    threshold = connection.connection.prepare_threshold
    if threshold is None:
        pytest.skip("prepared statements are off (DATABASE_PREPARE_THRESHOLD=0)")
    with CaptureQueriesContext(connection) as queries:
        for _ in range(threshold + 2):
            OVERLAPPING.rows(resource=resource.pk, since=at("09:00"), until=at("10:00", TUESDAY))
    assert all('FROM "booking_reservation"' in q["sql"] for q in queries)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%booking_reservation%"]
        )
        assert cursor.fetchone()[0] >= 1
