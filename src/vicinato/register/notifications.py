"""E-mails about applications, written in Italian and English."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation


def _recipients(application) -> list[str]:
    place = application.place
    emails = {place.email, place.operator.email}
    emails |= {m.user.email for m in place.operator.memberships.select_related("user") if m.role == "admin"}
    return sorted(e for e in emails if e)


def _render_both(template: str, context: dict) -> tuple[str, str]:
    parts, subjects = [], []
    for language in ("it", "en"):
        with translation.override(language):
            text = render_to_string(template, context).strip()
        subject, _sep, body = text.partition("\n")
        subjects.append(subject.strip())
        parts.append(body.strip())
    return " / ".join(subjects), "\n\n----------\n\n".join(parts)


def _send(template: str, context: dict, recipients: list[str]) -> None:
    if not recipients:
        return
    subject, body = _render_both(template, {**context, "site_url": settings.SITE_URL})
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=True)


def application_changed(application, action: str, note: str) -> None:
    context = {"application": application, "action": action, "note": note}
    _send("register/email/application_changed.txt", context, _recipients(application))
    if action == "submit" or (action == "renew" and application.state == "submitted"):
        reviewers = [u.email for u in application.register.reviewers.all() if u.email]
        _send("register/email/application_to_review.txt", context, reviewers)


def expiry_reminder(application) -> None:
    _send("register/email/expiry_reminder.txt", {"application": application}, _recipients(application))
