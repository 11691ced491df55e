"""gunicorn's settings for Vicinato (read from the working directory: `gunicorn vicinato.wsgi`); benchmarks/booking.py
serves with them. Environment: WEB_CONCURRENCY (worker processes, default one more than the cores),
GUNICORN_THREADS (threads per worker, default 8), GUNICORN_BIND (default 127.0.0.1:8000, behind the reverse
proxy).

Threads: a booking waits for its commit's disk flush with its thread idle, so the threads of a worker let many
bookings wait for the same flush. Processes: one runs Python on one core at a time (the GIL), and one more than
the cores fills the time the others wait; more cost CPU (database connections, switching) for nothing. On the
2-core development machine (benchmarks/booking.py, 50 clients): 3 workers of 8 threads confirmed 327 bookings/s,
2 of 12 296-300/s, 2 of 16 308/s, 4 of 8 287/s.

The access log (off unless asked for: `--access-logfile FILE`, or `-` for standard output) never holds a query
string's values, so that the addresses and coordinates of searches stay out of it (vicinato.lib.accesslog).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# Import the project (every view, see vicinato.wsgi) once in the master, before forking the workers.
preload_app = True
keepalive = 30
backlog = 2048
# The access log without what people searched for: query values left out of the request line and the Referer.
logger_class = "vicinato.lib.accesslog.RedactingLogger"
