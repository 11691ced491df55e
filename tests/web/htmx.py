"""Asking the search pages as htmx does: for the part of the page that fills an element, by its id."""

import re

HTMX = {"HX-Request": "true"}


def partial(client, url, target, **extra):
    return client.get(url, headers={**HTMX, "HX-Target": target, **extra})


def status_text(html: str, target: str) -> str:
    """The text htmx puts into #target (a live region that stays on the page) beside the main update."""
    found = re.search(rf'<(div|p) id="{target}" hx-swap-oob="innerHTML">(.*?)</\1>', html, re.S)
    assert found, f"no out-of-band update of #{target}"
    return re.sub(r"<[^>]+>", "", found.group(2)).strip()
