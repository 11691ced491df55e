"""The PostgreSQL backend's health check (vicinato.postgres): no query for a working connection, and a connection
the server has ended is found unusable, so that Django opens a new one instead of failing the request."""

from __future__ import annotations

import time

import pytest
from django.db import connection, connections

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]


@pytest.fixture
def kept():
    """A second connection to the test database, as a worker keeps one between requests (autocommit, idle)."""
    other = connection.copy()
    other.ensure_connection()
    yield other
    other.close()


def test_the_backend_is_the_projects():
    assert type(connections["default"]).__module__ == "vicinato.postgres.base"


def test_a_working_connection_is_usable_without_a_query(kept, monkeypatch):
    sent = []
    real = type(kept.connection).execute
    monkeypatch.setattr(
        type(kept.connection), "execute", lambda self, *a, **k: sent.append(a) or real(self, *a, **k)
    )
    monkeypatch.setattr(type(kept.connection), "cursor", lambda self, *a, **k: sent.append("cursor"))
    assert kept.is_usable()
    assert sent == []


def wait_for_the_end(kept) -> None:
    """Until the server's goodbye reached the socket (it usually has by the time the call returns)."""
    import select

    poll = select.poll()
    poll.register(kept.connection.pgconn.socket, select.POLLIN)
    poll.poll(2000)


def test_a_connection_the_server_ended_is_not_usable(kept):
    pid = kept.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone()[0]
    wait_for_the_end(kept)
    assert not kept.is_usable()
    # Django's check before a request's first query closes it, and the next query connects again.
    kept.health_check_enabled, kept.health_check_done = True, False
    kept.close_if_health_check_failed()
    assert kept.connection is None
    with kept.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_a_connection_left_in_a_transaction_is_checked_with_a_query(kept):
    kept.connection.execute("BEGIN")
    started = time.perf_counter()
    assert kept.is_usable()  # SELECT 1 inside the open transaction works
    assert time.perf_counter() - started < 5
    kept.connection.execute("ROLLBACK")
