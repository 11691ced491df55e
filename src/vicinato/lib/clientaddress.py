"""The network address of whoever sent a request, behind the reverse proxies the site is told of.

Every limit per network address (sign-ups, password resets, wrong API tokens, sign-in lockouts) counts
`REMOTE_ADDR`. Behind a proxy that is the proxy's own address, so all visitors would count as one: one person's
wrong tokens would lock everyone out. With `TRUSTED_PROXY_COUNT=N` (the proxies in front of the site, each adding
the address it received the request from to X-Forwarded-For), the client's address is the N-th entry from the
right of that header; entries further left were written by the client and are never trusted. Without proxies
(the default, 0) the header is ignored, so nobody can choose their address by sending it.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address(meta: dict, proxies: int) -> str:
    """The client's address from a request's META, with `proxies` trusted proxies in front of the site."""
    peer = meta.get("REMOTE_ADDR", "")
    if proxies <= 0:
        return peer
    hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return peer  # not through all the proxies (a health check from inside): the peer itself
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer  # a proxy that wrote no address: the peer, never a made-up text


class ClientAddressMiddleware:
    """Puts the client's address in REMOTE_ADDR (the peer's stays in VICINATO_PEER_ADDR), before the rest of the
    middleware of both stacks (the pages' and the API's), so that every limit and the sign-in lockout count people,
    not the proxy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        proxies = settings.TRUSTED_PROXY_COUNT
        if proxies:
            request.META["VICINATO_PEER_ADDR"] = request.META.get("REMOTE_ADDR", "")
            request.META["REMOTE_ADDR"] = client_address(request.META, proxies)
        return self.get_response(request)
