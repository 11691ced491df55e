"""schemathesis hooks for scripts/fuzz_api.py (loaded through SCHEMATHESIS_HOOKS).

A request line longer than the HTTP server in front of the application takes (gunicorn: 4,094 bytes; a reverse
proxy has such a limit too) is refused by that server with its own 414 page before Django sees it: what such a
request would test is the server's limit, not the API's contract. The fuzzer does not make them: queries and path
parameters stay under 3,000 bytes once encoded, far above what any operation needs."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import schemathesis

MAX_ENCODED = 3000


def _encoded_length(value) -> int:
    try:
        if isinstance(value, dict):
            return len(urlencode(value, doseq=True))
        return len(quote(str(value)))
    except (TypeError, ValueError, UnicodeError):
        return 0  # not ours to judge: the request goes as it is


@schemathesis.hook
def filter_query(ctx, query):
    return query is None or _encoded_length(query) <= MAX_ENCODED


@schemathesis.hook
def filter_path_parameters(ctx, path_parameters):
    return path_parameters is None or _encoded_length(path_parameters) <= MAX_ENCODED
