"""Monthly passes: a person takes one for a calendar month (Rome time) of a resource that offers it, and its
bookings of that resource in the month then cost nothing for one unit (`reservations.price_cents`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import Block, MonthlyPass, Reservation, Resource
from .common import Refusal, _local_midnight, _validation_error, declare
from .rules import _days_ahead_refusals, who_may_book_refusal

NO_PASS = declare("no_pass", "the resource offers no monthly pass")
PASS_MONTH = declare("pass_month", "the month has ended, or a cancelled pass's month has begun")
PASS_HELD = declare("pass_held", "the person already holds a pass for that month of the resource")
PASS_USED = declare("pass_used", "bookings of the month are covered by the pass: cancel them first")


def month_of(day: date) -> date:
    """The first day of `day`'s month: the key of a pass."""
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_text(month: date) -> str:
    """'dicembre 2026', 'December 2026' (lower case in Italian, see lib/calendar_words.py)."""
    return date_format(month, "F Y")


def month_period(month: date) -> tuple[datetime, datetime]:
    """The month as a period of aware datetimes: from its first local midnight to the next month's."""
    return _local_midnight(month), _local_midnight(next_month(month))


def pass_months(resource: Resource, now: datetime | None = None) -> list[date]:
    """The months a pass of the resource may be taken for now, as far as the calendar goes: this month and the
    next ones that open for booking (max_days_ahead reaches their first day). Empty when it offers none."""
    if resource.price_cents_per_month is None:
        return []
    today = timezone.localdate(now or timezone.now())
    last_day = today + timedelta(days=resource.max_days_ahead)
    months = [month_of(today)]
    while next_month(months[-1]) <= last_day:
        months.append(next_month(months[-1]))
    return months


def holding_pass(person, resource: Resource, start: datetime) -> MonthlyPass | None:
    """The person's active pass of the resource for the month of `start`, if any (no query for a resource
    that offers none and has none)."""
    if resource.price_cents_per_month is None or person is None or not person.pk:
        return None
    month = month_of(timezone.localdate(start))
    return MonthlyPass.objects.filter(
        person=person, resource=resource, month=month, state=MonthlyPass.State.ACTIVE
    ).first()


def _refusals(person, resource: Resource, month: date, now: datetime) -> list[Refusal]:
    """Why the person may not take a pass of the resource for `month`, the booking engine's rules as they
    apply to a whole month: it offers one and takes bookings, the month has not ended and opens for booking
    (max_days_ahead reaches its first day), the person may book it, the resource is not closed all month."""
    if not resource.is_active:
        return [
            Refusal(
                "inactive", "resource", _("This resource is not taking bookings now; choose another one.")
            )
        ]
    if resource.price_cents_per_month is None:
        return [Refusal(NO_PASS, "resource", _("This resource has no monthly pass; book it by the slot."))]
    today = timezone.localdate(now)
    if month < month_of(today):
        return [
            Refusal(
                PASS_MONTH,
                "month",
                _("The month of %(month)s has ended; choose this month or a later one.")
                % {"month": month_text(month)},
            )
        ]
    refusals = _days_ahead_refusals(resource, max(month, today), now)
    if refusals:  # a month not open yet: nothing more to say about it
        return refusals
    start, end = month_period(month)
    if resource.who_may_book == Resource.WhoMayBook.AGREEMENT:
        # An agreement lets its holders book day by day, at the agreement's price and within its daily quota: a
        # whole month is not something it grants.
        refusals.append(
            Refusal(
                "who_may_book",
                "resource",
                _(
                    "Only holders of an agreement may book this resource, day by day under their agreement; "
                    "it has no monthly pass for them."
                ),
            )
        )
    elif message := who_may_book_refusal(person, resource, start, end):
        refusals.append(Refusal("who_may_book", "resource", message))
    if Block.objects.filter(resource=resource, unit=None, start__lte=start, end__gte=end).exists():
        refusals.append(
            Refusal(
                "block",
                "month",
                _("This resource is closed for the whole of %(month)s; choose another month.")
                % {"month": month_text(month)},
            )
        )
    return refusals


def buy_pass(person, resource: Resource, month: date, now: datetime | None = None) -> MonthlyPass:
    """Take a monthly pass of `resource` for the month of `month` at its price now, or refuse
    (ValidationError naming the rule, 422). One active pass per person, resource and month.

    Bookings the person already holds in that month keep their price; those made from now on (and those moved
    into the month) are covered. Vouchers do not pay for passes: they cover bookings, and a booking covered by
    a pass costs nothing."""
    now = now or timezone.now()
    month = month_of(month)
    with transaction.atomic():
        # The resource's row lock serialises passes with its bookings, as `reserve` does.
        resource = (
            Resource.objects.select_for_update(of=("self",)).select_related("place").get(pk=resource.pk)
        )
        refusals = _refusals(person, resource, month, now)
        held = MonthlyPass.objects.filter(
            person=person, resource=resource, month=month, state=MonthlyPass.State.ACTIVE
        ).exists()
        if held:
            refusals.append(
                Refusal(
                    PASS_HELD,
                    "month",
                    _("You already hold a monthly pass for %(month)s; it is on your bookings page.")
                    % {"month": month_text(month)},
                )
            )
        if refusals:
            raise _validation_error(refusals)
        try:
            with transaction.atomic():
                return MonthlyPass.objects.create(
                    person=person,
                    resource=resource,
                    month=month,
                    price_cents=resource.price_cents_per_month,
                    created_at=now,
                )
        except IntegrityError:  # a second request of the same person at the same instant
            raise _validation_error(
                [Refusal(PASS_HELD, "month", _("You already hold a monthly pass for that month."))]
            ) from None


def pass_cancellable(monthly_pass: MonthlyPass, now: datetime | None = None) -> bool:
    """Whether the pass can still be cancelled: active, and its month has not begun."""
    now = now or timezone.now()
    return monthly_pass.state == MonthlyPass.State.ACTIVE and timezone.localdate(now) < monthly_pass.month


def cancel_pass(monthly_pass: MonthlyPass, now: datetime | None = None) -> MonthlyPass:
    """Cancel a pass before its month begins, when no booking it covers is held (the person cancels those
    first: they were priced as covered), or refuse (ValidationError, 422)."""
    now = now or timezone.now()
    with transaction.atomic():
        Resource.objects.select_for_update(of=("self",)).filter(pk=monthly_pass.resource_id).first()
        monthly_pass = MonthlyPass.objects.select_for_update().get(pk=monthly_pass.pk)
        if not pass_cancellable(monthly_pass, now):
            message = (
                _("This pass is already cancelled.")
                if monthly_pass.state == MonthlyPass.State.CANCELLED
                else _(
                    "The month of %(month)s has begun: a pass can be cancelled until the day before its month."
                )
                % {"month": month_text(monthly_pass.month)}
            )
            raise _validation_error([Refusal(PASS_MONTH, "month", message)])
        covered = monthly_pass.reservations.filter(state__in=Reservation.HOLDING_STATES).count()
        if covered:
            raise _validation_error(
                [
                    Refusal(
                        PASS_USED,
                        "month",
                        ngettext(
                            "%(count)d booking is covered by this pass; cancel it first, then the pass.",
                            "%(count)d bookings are covered by this pass; cancel them first, then the pass.",
                            covered,
                        )
                        % {"count": covered},
                    )
                ]
            )
        monthly_pass.state, monthly_pass.cancelled_at = MonthlyPass.State.CANCELLED, now
        monthly_pass.save(update_fields=["state", "cancelled_at"])
        return monthly_pass
