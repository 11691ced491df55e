"""E-mails about memberships, agreements and vouchers, in Italian and English, sent after the change commits."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation

Render = Callable[[], tuple[str, str]]  # gives (subject, body) in the active language


def link(view: str, **kwargs) -> str:
    """An absolute address of a page, in the site's default language (no prefix)."""
    with translation.override(settings.LANGUAGE_CODE):
        return settings.SITE_URL.rstrip("/") + reverse(view, kwargs=kwargs)


def _both(render: Render) -> tuple[str, str]:
    texts = []
    for language in ("it", "en"):
        with translation.override(language):
            subject, body = render()
            texts.append((str(subject), str(body)))
    subjects, bodies = zip(*texts, strict=True)
    return " / ".join(subjects), "\n\n----------\n\n".join(bodies)


def send(addresses: str | list[str], render: Render) -> None:
    """Send once the current transaction commits (at once outside one); nothing when there is no address."""
    recipients = [a for a in ([addresses] if isinstance(addresses, str) else addresses) if a]
    if not recipients:
        return

    def deliver() -> None:
        subject, body = _both(render)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=True)

    transaction.on_commit(deliver)
