"""Django's PostgreSQL backend (ENGINE "vicinato.postgres"), with a cheaper health check of kept connections.

With CONN_HEALTH_CHECKS, Django checks before a request's first query that the connection kept from an earlier
request still works, with `SELECT 1`: a round trip to the server on every request (one in twelve of a booking's).
Here the check looks at the connection first: a connection that psycopg sees open and idle, whose socket has
nothing to read, is usable. A connection the server has ended (a restart, pg_terminate_backend, a timeout) has
something to read, its last message or the end of the stream: then `SELECT 1` decides, as before. What neither
check can tell quickly, a peer gone without a word, is found by the query itself, as before.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import is_psycopg3


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if not is_psycopg3 or connection is None or connection.closed:
            return super().is_usable()
        from psycopg import pq

        pgconn = connection.pgconn
        if pgconn.status == pq.ConnStatus.OK and pgconn.transaction_status == pq.TransactionStatus.IDLE:
            quiet = select.poll()
            quiet.register(pgconn.socket, select.POLLIN | select.POLLPRI)
            if not quiet.poll(0):
                return True
        return super().is_usable()
