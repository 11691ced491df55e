"""A bare WSGI application for the benchmarks' floor: a fixed JSON answer the size of a typical nearby search.

Served by the same gunicorn and driven by the same load as the real API (benchmarks/nearby_api.py, its "floor"), it
shows what the server, the client and the kernel cost on this machine with no Django and no search at all: the
best any endpoint could do under that configuration.
"""

import json

PLACE = {
    "id": "biblioteca-di-quartiere-esempio-28d6c2",
    "name": "Biblioteca di quartiere",
    "kind": "library",
    "address": "Via Esempio 13",
    "amenities": ["broadband", "common_areas", "meeting_room", "printer", "training_room"],
    "opening_hours": "Mo-Fr 09:00-19:00; Sa 09:00-13:00",
    "description": "x" * 570,
    "minutes": 7.5,
}
# About 4.4 kB: the mean size of a bike search within 15 minutes on the demo city (five places).
BODY = json.dumps([PLACE] * 5).encode()
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
