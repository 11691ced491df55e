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


LANGUAGES = ("it", "en")


def in_both_languages(text: Callable[[], str]) -> str:
    """A text to store where people of either language read it (e.g. a cancelled booking's reason):
    "Italian / English", or the one text when both are the same."""
    texts = []
    for language in LANGUAGES:
        with translation.override(language):
            texts.append(str(text()))
    return texts[0] if texts[0] == texts[1] else " / ".join(texts)


def _both(render: Render) -> tuple[str, str]:
    """Each half rendered in its own language: every text a mail shows must be put into words inside
    `render` (never translated beforehand), so that the Italian half is Italian and the English English."""
    texts = []
    for language in LANGUAGES:
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
