"""What the site holds about a person, app by app: each app registers, in its `AppConfig.ready()`, what it keeps
(to show and export), what keeps the person from leaving now (an open booking, a voucher under review), and how
it forgets them. Forgetting deletes what may go and anonymises what the ledger and the statistics must keep: the
account stays as an empty, inactive row with no name, e-mail or password, so that ledger rows and past bookings
still add up while pointing at nobody."""

from __future__ import annotations

import io
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import Conflict
from .spreadsheet import writer

Rows = list[dict]


def _nothing_open(person) -> list[str]:
    return []


def _nothing_to_forget(person) -> None:
    return None


@dataclass(frozen=True)
class Holder:
    """One kind of data an app keeps about a person."""

    name: str  # its key in the export, e.g. "bookings"
    title: Callable[[], str]  # what it is, in the active language
    export: Callable[[object], Rows]  # the person's rows, as JSON values
    still_open: Callable[[object], list[str]] = _nothing_open  # why the person cannot leave now
    forget: Callable[[object], None] = _nothing_to_forget  # delete or anonymise the person's rows


_HOLDERS: dict[str, Holder] = {}


def register(*holders: Holder) -> None:
    for holder in holders:
        _HOLDERS[holder.name] = holder


def holders() -> list[Holder]:
    return list(_HOLDERS.values())


class StillOpen(Conflict):
    """The account cannot be deleted yet; `reasons` say what to close first."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__(" ".join(reasons))


def account_rows(person) -> Rows:
    return [
        {
            "username": person.username,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "email": person.email,
            "date_joined": person.date_joined,
            "last_login": person.last_login,
        }
    ]


def collect(person) -> dict[str, Rows]:
    """Everything the site holds about the person, by kind."""
    return {"account": account_rows(person), **{h.name: h.export(person) for h in holders()}}


# What each field of the export is, for the account page (the export keeps the stable keys).
LABELS = {
    "username": _("Username"),
    "first_name": _("First name"),
    "last_name": _("Surname"),
    "email": _("E-mail"),
    "date_joined": _("Signed up on"),
    "last_login": _("Last signed in"),
    "organisation": _("Organisation"),
    "role": _("Role"),
    "reviews_register": _("Reviewer of the register"),
    "name": _("Name"),
    "scope": _("What it may do"),
    "created_at": _("Created on"),
    "place": _("Place"),
    "resource": _("What"),
    "from": _("From"),
    "until": _("Until"),
    "units": _("Units"),
    "state": _("State"),
    "price_eur": _("Price (EUR)"),
    "booked_at": _("Booked on"),
    "as": _("As"),
    "work_email": _("Work e-mail"),
    "since": _("Since"),
    "programme": _("Programme"),
    "date_of_birth": _("Date of birth"),
    "you_are": _("You are"),
    "about_your_work": _("About your work"),
    "documents": _("Documents"),
    "submitted_at": _("Submitted on"),
    "decided_at": _("Decided on"),
    "day": _("Day"),
    "subsidy_eur": _("Subsidy (EUR)"),
    "service": _("Service"),
    "how": _("How"),
    "reason": _("Reason"),
    "phone": _("Phone"),
    "event": _("Event"),
    "first_session": _("First session"),
    "answers": _("Answers"),
    "consent_given_at": _("Consent given on"),
    "usual_mode": _("Usual mode"),
    "office_days": _("Office days a week"),
    "arrival_time": _("Usual arrival time"),
    "home_cell": _("Home (250 m cell)"),
    "work_cell": _("Workplace (250 m cell)"),
    "survey": _("Survey"),
    "neighbourhood": _("Neighbourhood"),
    "submitted_on": _("Submitted on"),
    "identity": _("Identity"),
    "fiscal_code": _("Fiscal code"),
    "linked_at": _("Linked on"),
    "last_used_at": _("Last used on"),
}


def _shown(value):
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_shown(item)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(str(_shown(item)) for item in value)
    return value


def labelled(rows: Rows) -> list[list[tuple[str, object]]]:
    """Rows as (label, value) pairs in the active language, for a page."""
    return [[(str(LABELS.get(key, key)), _shown(value)) for key, value in row.items()] for row in rows]


def _plain(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def as_json(person) -> str:
    return json.dumps(collect(person), default=_plain, ensure_ascii=False, indent=2)


def as_csv(person) -> str:
    """One row per value: kind, item number, field, value (every cell escaped for spreadsheets)."""
    buffer = io.StringIO()
    out = writer(buffer)
    out.writerow(["kind", "item", "field", "value"])
    for kind, rows in collect(person).items():
        for number, row in enumerate(rows, start=1):
            for field, value in row.items():
                value = _plain(value)
                out.writerow([kind, number, field, "" if value is None else value])
    return buffer.getvalue()


def still_open(person) -> list[str]:
    return [reason for h in holders() for reason in h.still_open(person)]


def forget(person) -> None:
    """Delete the person's data and anonymise what must stay, or refuse (StillOpen) saying what to close first.
    Whoever asks (the person, or a site administrator) gets the same rule."""
    User = get_user_model()
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        reasons = still_open(person)
        if reasons:
            raise StillOpen(reasons)
        for holder in holders():
            holder.forget(person)
        person.username = f"deleted-{person.pk}-{secrets.token_hex(4)}"
        person.first_name = person.last_name = person.email = ""
        person.set_unusable_password()
        person.is_active = person.is_staff = person.is_superuser = False
        person.save()
        person.groups.clear()
        person.user_permissions.clear()
