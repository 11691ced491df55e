"""The client's address behind the site's reverse proxies (TRUSTED_PROXY_COUNT): what every limit per network
address counts (issue 18: limits shared by everyone behind a proxy would let one person lock all out)."""

import pytest
from django.test import Client

from vicinato.lib.clientaddress import client_address

PROXY = "10.0.0.2"


@pytest.mark.parametrize(
    ("forwarded", "proxies", "address"),
    [
        ("203.0.113.9", 0, PROXY),  # no proxy configured: the header is the client's own text, ignored
        ("203.0.113.9", 1, "203.0.113.9"),
        ("6.6.6.6, 203.0.113.9", 1, "203.0.113.9"),  # what the client wrote on the left is never taken
        ("6.6.6.6, 203.0.113.9, 10.0.0.1", 2, "203.0.113.9"),
        ("", 1, PROXY),  # not through the proxy (a health check from inside)
        ("203.0.113.9", 2, PROXY),  # fewer entries than proxies
        ("unknown", 1, PROXY),  # a proxy that wrote no address
        ("2001:db8::1", 1, "2001:db8::1"),
    ],
)
def test_the_client_is_the_entry_the_nearest_trusted_proxy_wrote(forwarded, proxies, address):
    assert client_address({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}, proxies) == address


@pytest.mark.django_db
def test_wrong_tokens_behind_a_proxy_hold_back_only_their_sender(settings, user_factory):
    """Behind one proxy every request comes from its address: each client is counted on its own, and one who
    guesses tokens (and writes a fake X-Forwarded-For on the left) does not lock the others out."""
    from vicinato.register import tokens

    settings.TRUSTED_PROXY_COUNT = 1
    key = tokens.make(user_factory("ada"), "script", "write", 30).key
    for n in range(21):
        guesser = Client(
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.9",
            HTTP_AUTHORIZATION=f"Bearer g{n}",
        )
        answer = guesser.get("/api/v1/applications")
    assert answer.status_code == 429
    other = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert other.get("/api/v1/applications").status_code == 200
