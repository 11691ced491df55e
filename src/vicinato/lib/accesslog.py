"""Request logs without what people searched for: the values of query strings are left out of gunicorn's access
log and of the development server's log.

The searches stay GET forms, so that a result can be bookmarked, shared and reached again with the back button;
their addresses and coordinates (`address`, `lat`, `lon`, the coverage's and the estimates' points) would
otherwise be written to the log with every request, and by the previous page's address in the Referer. Every
value is left out, not a list of known names, so that a form added later cannot leak one: the parameters' names
stay, which is what an operator needs to tell one kind of request from another.
"""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger

HIDDEN = "-"
# A name=value pair of a query string, up to the next pair, a fragment or a space (the end of a request's URL).
_PAIR = re.compile(r"(^|[&;])([^=&;#\s]*)=[^&;#\s]*")


def hide_values(query: str) -> str:
    """A query string ("address=Via+Padova&mode=walk") with every value replaced by "-"."""
    return _PAIR.sub(rf"\1\2={HIDDEN}", query)


def redact_query(text: str) -> str:
    """`text` (a URL, or a request line "GET /path?a=1 HTTP/1.1") with every query value replaced by "-"; the
    path and the parameters' names are kept."""
    head, mark, tail = text.partition("?")
    if not mark:
        return text
    query, space, rest = tail.partition(" ")
    return head + mark + hide_values(query) + space + rest


class RedactQueries(logging.Filter):
    """For Django's `django.server` logger (runserver): its first argument is the request line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
            record.args = (redact_query(record.args[0]), *record.args[1:])
        return True


class RedactingLogger(Logger):
    """gunicorn's logger (`logger_class` in gunicorn.conf.py) whose access log shows no query value, in the
    request line, the query string or the Referer."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "f", "{referer}i"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact_query(atoms[key])
        if atoms.get("q"):
            atoms["q"] = hide_values(atoms["q"])
        return atoms
