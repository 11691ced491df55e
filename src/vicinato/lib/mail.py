"""The one bilingual sender: every mail says everything in Italian, then in English (people have no stored
language), with times on Milan's wall clock. Each app keeps only its templates and what to say."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends import console
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

LANGUAGES = ("it", "en")
SEPARATOR = "\n\n----------\n\n"
Render = Callable[[], tuple[str, str]]  # (subject, body) in the active language


def in_both_languages(text: Callable[[], str]) -> str:
    """A text to store where people of either language read it (e.g. a cancelled booking's reason):
    "Italian / English", or the one text when both are the same."""
    texts = []
    for language in LANGUAGES:
        with translation.override(language):
            texts.append(str(text()))
    return texts[0] if texts[0] == texts[1] else " / ".join(texts)


def _tidy(body: str) -> str:
    """Templates leave blank runs where a block is left out: one blank line at most, no trailing spaces."""
    return re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]+\n", "\n", body)).strip()


def both(render: Render) -> tuple[str, str]:
    """Subject and body, each half rendered in its own language: every text a mail shows must be put into words
    inside `render` (never translated beforehand), so that the Italian half is Italian and the English English.
    Until a subject is translated both read the same: it is said once."""
    subjects, bodies = [], []
    with timezone.override(settings.TIME_ZONE):
        for language in LANGUAGES:
            with translation.override(language):
                subject, body = render()
                subjects.append(str(subject).strip())
                bodies.append(_tidy(str(body)))
    return " / ".join(dict.fromkeys(subjects)), SEPARATOR.join(bodies)


def template(name: str, context: dict) -> Render:
    """A mail whose template gives the subject on its first line and the body below it."""

    def render() -> tuple[str, str]:
        text = render_to_string(name, {**context, "site_url": settings.SITE_URL}).strip()
        subject, _sep, body = text.partition("\n")
        return subject, body

    return render


def link(view: str, **kwargs) -> str:
    """The full address of a page, in the site's default language (no prefix)."""
    with translation.override(settings.LANGUAGE_CODE):
        return url(view, **kwargs)


def url(view: str, **kwargs) -> str:
    """The full address of a page, in the active language."""
    return settings.SITE_URL.rstrip("/") + reverse(view, kwargs=kwargs)


def _recipients(addresses: str | Iterable[str]) -> list[str]:
    return sorted({a for a in ([addresses] if isinstance(addresses, str) else addresses) if a})


def message(
    addresses: str | Iterable[str],
    render: Render,
    *,
    reply_to: str | None = None,
    attachments: Iterable[tuple[str, str | bytes, str]] = (),
) -> EmailMessage | None:
    """The mail to send (None when there is no address): both languages, from the site's address."""
    recipients = _recipients(addresses)
    if not recipients:
        return None
    subject, body = both(render)
    mail = EmailMessage(
        subject, body, settings.DEFAULT_FROM_EMAIL, recipients, reply_to=[reply_to] if reply_to else None
    )
    for attachment in attachments:
        mail.attach(*attachment)
    return mail


def send(addresses: str | Iterable[str], render: Render, **options) -> None:
    """Send once the current transaction commits (at once outside one), so that a change rolled back tells
    nobody; nothing when there is no address. A mail server that fails loses the mail, not the change."""
    recipients = _recipients(addresses)
    if not recipients:
        return

    def deliver() -> None:
        mail = message(recipients, render, **options)
        if mail is not None:
            mail.send(fail_silently=True)

    transaction.on_commit(deliver)


class LogBackend(console.EmailBackend):
    """The console backend (EMAIL_URL=console://) fit for a server's log: with DEBUG off a mail is written as
    its recipients and subject only, for its body holds what must not sit in a log: links that confirm an
    address or accept an invitation, check-in codes, people's names. With DEBUG on (development) it is written
    whole, so that a developer can follow the links."""

    def write_message(self, message) -> None:
        if settings.DEBUG:
            super().write_message(message)
            return
        recipients = ", ".join(message.recipients())
        self.stream.write(
            f"Mail to {recipients}: {message.subject!r} ({len(message.body)} characters, not logged)\n"
        )
