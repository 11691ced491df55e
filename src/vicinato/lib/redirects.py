"""Where a page may send a person back to: an address of this site only (a `next` posted by a form or
written in a link), never another host, scheme or a protocol-relative //host (an open redirect)."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme


def own_page(request, page: str | None) -> str:
    """`page` when it is an address of this site (on https, an https one), else ''."""
    page = page or ""
    safe = url_has_allowed_host_and_scheme(
        page, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return page if safe else ""
