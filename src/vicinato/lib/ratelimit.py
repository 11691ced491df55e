"""Limits on what people can make the site do often (send e-mails, sign up): counted in the configured cache
(settings.CACHES, from CACHE_URL), so that every server behind the same cache counts together.

A limit is a number of actions per period for one key (a sender, an organisation, an address); the period is a
fixed window (e.g. each hour from its start). Over the limit, the action is refused with `RateLimited` (429 in
the API, with Retry-After; a message on the page).
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .errors import Conflict


class RateLimited(Conflict):
    """Too many actions of a kind for now (429); `retry_after` is in seconds."""

    status = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    scope: str  # what is counted, e.g. "invitation-address"
    count: int  # at most this many
    seconds: int  # per this many seconds


def _cache_key(limit: Limit, key: object, window: int) -> str:
    digest = hashlib.sha256(str(key).lower().encode()).hexdigest()[:32]
    return f"vicinato:rate:{limit.scope}:{digest}:{window}"


def remaining(limit: Limit, key: object) -> int:
    """How many more actions (limit, key) allows now, counting none: to refuse a batch before starting it."""
    window = int(time.time() // limit.seconds)
    return max(0, limit.count - (cache.get(_cache_key(limit, key, window)) or 0))


def hit(limit: Limit, key: object) -> None:
    """Count one action under (limit, key); refuse with RateLimited once it goes over the limit."""
    now = time.time()
    window = int(now // limit.seconds)
    cache_key = _cache_key(limit, key, window)
    if cache.add(cache_key, 1, timeout=limit.seconds):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired in between: a new window
            cache.add(cache_key, 1, timeout=limit.seconds)
            count = 1
    if count > limit.count:
        retry_after = max(1, math.ceil((window + 1) * limit.seconds - now))
        minutes = math.ceil(retry_after / 60)
        raise RateLimited(
            _("Too many requests of this kind for now; try again in %(time)s.")
            % {"time": ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}},
            retry_after=retry_after,
        )


def hit_all(*limits: tuple[Limit, object]) -> None:
    """Count the action under every (limit, key) given; refuse if any is over."""
    refused = None
    for limit, key in limits:
        if key in (None, ""):
            continue
        try:
            hit(limit, key)
        except RateLimited as error:
            refused = refused or error
    if refused:
        raise refused
