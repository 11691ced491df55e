"""E-mails about applications: to the place's operator, and to the register's reviewers when there is work."""

from __future__ import annotations

from vicinato.lib import mail


def _recipients(application) -> list[str]:
    place = application.place
    emails = {place.email, place.operator.email}
    emails |= {m.user.email for m in place.operator.memberships.select_related("user") if m.role == "admin"}
    return sorted(e for e in emails if e)


def application_changed(application, action: str, note: str) -> None:
    context = {"application": application, "action": action, "note": note}
    mail.send(_recipients(application), mail.template("register/email/application_changed.txt", context))
    if action == "submit" or (action == "renew" and application.state == "submitted"):
        reviewers = [u.email for u in application.register.reviewers.all() if u.email]
        mail.send(reviewers, mail.template("register/email/application_to_review.txt", context))


def expiry_reminder(application) -> None:
    mail.send(
        _recipients(application),
        mail.template("register/email/expiry_reminder.txt", {"application": application}),
    )
