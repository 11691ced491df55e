"""The one place that decides on agreements: who may book under them (the booking engine's hook), quotas,
their states, and their usage."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from vicinato.booking.models import Reservation, Resource
from vicinato.booking.services import BookingError, cancel
from vicinato.lib import mail
from vicinato.lib.errors import Conflict
from vicinato.lib.transitions import StateMachine, Transition, record_step
from vicinato.register.models import OpeningHours, Organisation

from . import consent
from .errors import ConflictError
from .forms import AgreementForm
from .models import (
    Affiliation,
    Agreement,
    AgreementBooking,
    AgreementEvent,
    Community,
    GuestInvitation,
    cents_to_euros,
)
from .permissions import Action, can, guest_organisations, require

S = Reservation.State
A = Agreement.State
# Reservations that take a desk of the day's quota: those holding a unit, and those used and completed.
USING_STATES = (*Reservation.HOLDING_STATES, S.COMPLETED)
# Agreements a booking may be checked against: drafts are not shown to guests.
PUBLISHED = (A.ACTIVE, A.SUSPENDED, A.ENDED)


def _day(value: date) -> str:
    return date_format(value, "DATE_FORMAT")


def weekday_names(weekdays: list[int]) -> str:
    return ", ".join(str(OpeningHours.Weekday(d).label) for d in sorted(weekdays))


# --- who may book ----------------------------------------------------------------------------------------------
def eligible_guests(person, agreement: Agreement) -> QuerySet[Organisation]:
    """The guest organisations of the agreement in which the person is an active employee or member."""
    return guest_organisations(agreement).filter(
        affiliations__person=person, affiliations__state=Affiliation.State.ACTIVE
    )


def agreements_of(person) -> QuerySet[Agreement]:
    """Agreements (of any state) whose guests include an organisation the person actively belongs to."""
    organisations = Affiliation.objects.filter(person=person, state=Affiliation.State.ACTIVE).values(
        "organisation"
    )
    return Agreement.objects.filter(
        Q(guests__in=organisations) | Q(communities__organisations__in=organisations)
    ).distinct()


def bookable_agreements(person, on: date | None = None) -> QuerySet[Agreement]:
    """Active agreements the person may book under, still running on `on` (default today)."""
    on = on or timezone.localdate()
    return (
        agreements_of(person)
        .filter(state=A.ACTIVE, ends_on__gte=on)
        .select_related("host")
        .prefetch_related("resources__place")
    )


def _quota_used(agreement: Agreement, day: date, exclude: int | None = None) -> int:
    used = (
        AgreementBooking.objects.filter(agreement=agreement, day=day, reservation__state__in=USING_STATES)
        .exclude(reservation_id=exclude)
        .aggregate(units=Sum("reservation__units"))["units"]
    )
    return used or 0


def _days_used(agreement: Agreement, person, day: date, exclude: int | None = None) -> set[date]:
    first = day.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    return set(
        AgreementBooking.objects.filter(
            agreement=agreement,
            reservation__person=person,
            reservation__state__in=USING_STATES,
            day__gte=first,
            day__lt=after,
        )
        .exclude(reservation_id=exclude)
        .values_list("day", flat=True)
    )


def refusal(
    agreement: Agreement,
    person,
    start: datetime,
    end: datetime,
    units: int = 1,
    exclude: int | None = None,
) -> str | None:
    """Why the agreement does not let the person book [start, end) for `units`, or None if it does
    (`exclude`: a reservation not to count, the one being moved)."""
    start, end = timezone.localtime(start), timezone.localtime(end)
    day, name = start.date(), agreement.name
    if agreement.state == A.SUSPENDED:
        return _(
            "The agreement “%(name)s” is suspended; bookings under it are not possible until it resumes."
        ) % {"name": name}
    if agreement.state == A.ENDED:
        return _(
            "The agreement “%(name)s” has ended; ask your organisation whether a new one is planned."
        ) % {"name": name}
    if day < agreement.starts_on:
        return _("The agreement “%(name)s” starts on %(date)s; choose a day from then.") % {
            "name": name,
            "date": _day(agreement.starts_on),
        }
    if day > agreement.ends_on:
        return _("The agreement “%(name)s” ends on %(date)s; choose a day until then.") % {
            "name": name,
            "date": _day(agreement.ends_on),
        }
    if day.weekday() not in agreement.weekdays:
        return _("The agreement “%(name)s” is for %(days)s only; choose one of those days.") % {
            "name": name,
            "days": weekday_names(agreement.weekdays),
        }
    opens, closes = agreement.opens_at, agreement.closes_at
    if (opens and start.time() < opens) or (closes and end.time() > closes):
        return _(
            "The agreement “%(name)s” allows bookings from %(opens)s to %(closes)s; choose a time within them."
        ) % {
            "name": name,
            "opens": (opens or datetime.min.time()).strftime("%H:%M"),
            "closes": closes.strftime("%H:%M") if closes else "24:00",
        }
    free = agreement.desks_per_day - _quota_used(agreement, day, exclude)
    if units > free:
        if free <= 0:
            return ngettext(
                "The %(quota)d desk a day of the agreement “%(name)s” is taken on %(date)s; choose another day.",
                "All %(quota)d desks a day of the agreement “%(name)s” are taken on %(date)s; choose another day.",
                agreement.desks_per_day,
            ) % {"quota": agreement.desks_per_day, "name": name, "date": _day(day)}
        return ngettext(
            "Only %(free)d desk of the agreement “%(name)s” is left on %(date)s; book fewer units.",
            "Only %(free)d desks of the agreement “%(name)s” are left on %(date)s; book fewer units.",
            free,
        ) % {"free": free, "name": name, "date": _day(day)}
    limit = agreement.days_per_month_per_person
    if limit is not None:
        used = _days_used(agreement, person, day, exclude)
        if day not in used and len(used) >= limit:
            return ngettext(
                "You have used your %(limit)d day this month under the agreement “%(name)s”; choose a day in another month.",
                "You have used your %(limit)d days this month under the agreement “%(name)s”; choose a day in another month.",
                limit,
            ) % {"limit": limit, "name": name}
    return None


def _candidates(person, resource: Resource) -> list[Agreement]:
    """The published agreements on the resource the person is a guest of, active first; their rows are locked
    when called in a transaction, so that a day's quota is counted and taken by one booking at a time."""
    ids = list(
        agreements_of(person).filter(resources=resource, state__in=PUBLISHED).values_list("pk", flat=True)
    )
    agreements = Agreement.objects.filter(pk__in=ids).order_by("pk")
    if connection.in_atomic_block:
        # The booking engine holds the resource's lock; agreements are always locked after it, in pk order.
        agreements = agreements.select_for_update()
    return sorted(agreements, key=lambda a: a.state != A.ACTIVE)


def _nobody_refusal(resource: Resource) -> str:
    hosts = sorted(
        {a.host.legal_name for a in resource.agreements.filter(state=A.ACTIVE).select_related("host")}
    )
    if not hosts:
        return _("No agreement opens this resource at the moment; ask the place how to book it.")
    return _(
        "This resource is open to people of the organisations that have an agreement with %(hosts)s; "
        "ask your employer or association to join, or to verify your membership."
    ) % {"hosts": ", ".join(hosts)}


def booking_refusal(
    person, resource: Resource, start: datetime, end: datetime, exclude: int | None = None
) -> str | None:
    """The booking engine's gate (`booking.access`): None if an agreement lets the person book, else why not
    (`exclude`: a reservation not to count, the one being moved)."""
    refusals = []
    for agreement in _candidates(person, resource):
        reason = refusal(agreement, person, start, end, exclude=exclude)
        if reason is None:
            return None
        refusals.append(reason)
    return refusals[0] if refusals else _nobody_refusal(resource)


def record_booking(reservation: Reservation, moved: bool = False) -> AgreementBooking:
    """Note the agreement a new (or `moved`) reservation is made under (called inside the booking's
    transaction, after the hook allowed it); undoes the booking if its units exceed what is left of the day's
    quota."""
    if moved:
        # A moved booking counts on its new day only, under the agreement that allows it there.
        AgreementBooking.objects.filter(reservation=reservation).delete()
    reasons = []
    for agreement in _candidates(reservation.person, reservation.resource):
        reason = refusal(agreement, reservation.person, reservation.start, reservation.end, reservation.units)
        if reason is None:
            return AgreementBooking.objects.create(
                reservation=reservation,
                agreement=agreement,
                guest=eligible_guests(reservation.person, agreement).order_by("pk").first(),
                day=timezone.localdate(reservation.start),
            )
        reasons.append(reason)
    raise BookingError(reasons[0] if reasons else _nobody_refusal(reservation.resource))


# --- saving an agreement and its transitions -------------------------------------------------------------------
TRANSITION_LABELS = {
    "activate": gettext_lazy("Activate"),
    "suspend": gettext_lazy("Suspend"),
    "resume": gettext_lazy("Resume"),
    "end": gettext_lazy("End"),
}
MACHINE = StateMachine(
    {
        name: Transition(moves, Action.EDIT_AGREEMENT, name, note_required=name in Agreement.NOTE_REQUIRED)
        for name, moves in Agreement.TRANSITIONS.items()
    },
    lambda state: A(state).label,
    gettext_lazy("an agreement"),
    note_prompt=gettext_lazy("Write a note for the people who book under the agreement."),
    conflict=ConflictError,
)


def received_agreements(organisation: Organisation) -> QuerySet[Agreement]:
    """The agreements the organisation is a guest of (directly or through a community), drafts aside."""
    return (
        Agreement.objects.filter(Q(guests=organisation) | Q(communities__organisations=organisation))
        .exclude(state=A.DRAFT)
        .select_related("host")
        .distinct()
    )


def allowed_transitions(user, agreement: Agreement) -> list[str]:
    """The transitions the user may apply to the agreement now (for buttons and API hints)."""
    return MACHINE.allowed(agreement.state, lambda spec: can(user, spec.by, agreement))


def is_changeable(agreement: Agreement) -> bool:
    """Whether the agreement's terms may still change: until it has ended."""
    return agreement.state != A.ENDED


def save_agreement(actor, host: Organisation, data, agreement: Agreement | None = None) -> Agreement:
    """Create a draft, or change the terms of an agreement that has not ended."""
    if agreement is None:
        require(actor, Action.OFFER_AGREEMENT, host)
    else:
        _editable(actor, agreement)
    form = AgreementForm(data, instance=agreement or Agreement(host=host, created_by=actor))
    if not form.is_valid():
        raise ValidationError(
            {name: [e["message"] for e in errors] for name, errors in form.errors.get_json_data().items()}
        )
    before = set(agreement.guests.all()) if agreement is not None else set()
    communities_before = set(agreement.communities.all()) if agreement is not None else set()
    with transaction.atomic():
        saved = form.save()
        # A guest organisation or community named for the first time is invited (`consent.invite`,
        # `consent.invite_communities`): it is no guest until its administrators (its owner's) accept.
        ticked_guests = set(saved.guests.all())
        new = ticked_guests - before
        saved.guests.remove(*new)
        # An invited organisation no longer ticked: its invitation is taken back.
        for organisation in consent.invited(saved).exclude(pk__in=[o.pk for o in ticked_guests]):
            consent.withdraw(saved, organisation)
        consent.invite(actor, saved, sorted(new, key=lambda o: o.pk))
        ticked = set(saved.communities.all())
        saved.communities.remove(*(ticked - communities_before))
        consent.withdraw_communities(
            saved, consent.invited_communities(saved).exclude(pk__in=[c.pk for c in ticked])
        )
        consent.invite_communities(actor, saved, sorted(ticked - communities_before, key=lambda c: c.pk))
        return saved


def _editable(actor, agreement: Agreement) -> None:
    require(actor, Action.EDIT_AGREEMENT, agreement)
    agreement.refresh_from_db(fields=["state"])
    if not is_changeable(agreement):
        raise ConflictError(_("This agreement has ended and cannot change; draft a new one instead."))


def add_community(actor, agreement: Agreement, community: Community) -> GuestInvitation | None:
    """Name a community as a guest: its owner's administrators are invited; None when it is a guest (already, or
    at once because the actor answers for it)."""
    _editable(actor, agreement)
    with transaction.atomic():
        sent = consent.invite_communities(actor, agreement, [community])
    return sent[0] if sent else None


def remove_community(actor, agreement: Agreement, community: Community) -> Agreement:
    """Take a guest community out (bookings already made stay), or take back its invitation."""
    _editable(actor, agreement)
    if consent.withdraw_communities(agreement, [community]):
        return agreement
    if not agreement.communities.filter(pk=community.pk).exists():
        raise ValidationError(
            {
                "community": [
                    _("%(community)s is not a guest of %(agreement)s.")
                    % {"community": community.name, "agreement": agreement.name}
                ]
            }
        )
    agreement.communities.remove(community)
    return agreement


def _activation_problems(agreement: Agreement, today: date) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = defaultdict(list)
    resources = list(agreement.resources.select_related("place"))
    if not resources:
        problems["resources"].append(_("Choose at least one resource to open."))
    if not guest_organisations(agreement).exists():
        problems["guests"].append(_("Choose at least one guest organisation or community."))
    if agreement.ends_on < today:
        problems["ends_on"].append(_("The last day has passed; choose a later last day."))
    for resource in resources:
        where = {"resource": resource.name, "place": resource.place.name}
        if resource.place.operator_id != agreement.host_id:
            problems["resources"].append(
                _("%(resource)s at %(place)s is not run by the host; choose the host's own resources.")
                % where
            )
        if resource.who_may_book != Resource.WhoMayBook.AGREEMENT:
            problems["resources"].append(
                _(
                    "%(resource)s at %(place)s is not reserved to holders of an agreement; set its "
                    "“who may book” to agreements first."
                )
                % where
            )
        if resource.requires_approval != (agreement.approval == Agreement.Approval.HOST):
            problems["approval"].append(
                _(
                    "%(resource)s at %(place)s confirms bookings at once; make it need the operator's "
                    "approval, or choose automatic confirmation."
                )
                % where
                if agreement.approval == Agreement.Approval.HOST
                else _(
                    "%(resource)s at %(place)s needs the operator's approval for every booking; choose "
                    "approval by the host's staff."
                )
                % where
            )
    return problems


@dataclass
class StateChange:
    agreement: Agreement
    affected: list[Reservation] = field(default_factory=list)  # future bookings under the agreement
    cancelled: list[Reservation] = field(default_factory=list)
    kept: list[tuple[Reservation, str]] = field(default_factory=list)  # with the reason


def affected_bookings(agreement: Agreement, now: datetime | None = None) -> list[Reservation]:
    """The bookings under the agreement that have not started yet and still hold a desk."""
    return list(
        Reservation.objects.filter(
            agreement_booking__agreement=agreement,
            state__in=[S.REQUESTED, S.CONFIRMED],
            start__gte=now or timezone.now(),
        ).select_related("resource__place", "person")
    )


def change_agreement_state(
    agreement: Agreement,
    action: str,
    actor,
    note: str = "",
    cancel_bookings: bool = False,
    now: datetime | None = None,
) -> StateChange:
    """Apply one transition of `Agreement.TRANSITIONS`. Suspending or ending offers to cancel the bookings that
    have not started (`cancel_bookings`); either way the people who hold them are told."""
    require(actor, Action.EDIT_AGREEMENT, agreement)
    return _apply_transition(agreement, action, actor, note, cancel_bookings, now or timezone.now())


def _apply_transition(
    agreement: Agreement, action: str, actor, note: str, cancel_bookings: bool, now: datetime
) -> StateChange:
    # A note given lazily (a job's own words) is stored in both languages and put into each mail's language.
    spoken = note if isinstance(note, Promise) else None
    note = mail.in_both_languages(lambda: spoken) if spoken is not None else (note or "").strip()
    # The transition commits before any booking is cancelled: bookings lock the agreement after their resource,
    # and cancelling locks resources, so the two never wait for each other.
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        _spec, target = MACHINE.check(action, agreement.state, note)
        if target == A.ACTIVE:
            problems = _activation_problems(agreement, timezone.localdate(now))
            if problems:
                raise ValidationError(dict(problems))
        source = agreement.state
        agreement.state = target
        agreement.save(update_fields=["state"])
        record_step(AgreementEvent, action, source, agreement.state, actor, now, note, agreement=agreement)
    change = StateChange(agreement)
    if agreement.state in (A.SUSPENDED, A.ENDED):
        change.affected = affected_bookings(agreement, now)
        for reservation in change.affected:
            if not cancel_bookings:
                change.kept.append((reservation, KEPT_BY_HOST))
                continue
            try:
                change.cancelled.append(cancel(reservation, actor, note, now))
            except (ValidationError, Conflict, PermissionDenied) as error:
                change.kept.append((reservation, error))
        _tell_people(change, spoken if spoken is not None else note)
    return change


KEPT_BY_HOST = gettext_lazy("kept: the host honours bookings already made")


def reason_text(reason) -> str:
    """Why a booking was kept, in the active language: lazy texts and refusals are put into words here."""
    if isinstance(reason, Exception):
        return " ".join(getattr(reason, "messages", [str(reason)]))
    return str(reason)


def _tell_people(change: StateChange, note) -> None:
    by_person: dict = defaultdict(list)
    for reservation in change.cancelled:
        by_person[reservation.person].append((reservation, None))
    for reservation, reason in change.kept:
        by_person[reservation.person].append((reservation, reason))
    agreement = change.agreement
    for person, bookings in by_person.items():

        def render(agreement=agreement, bookings=bookings):
            subject = (
                _("Agreement suspended: %(name)s")
                if agreement.state == A.SUSPENDED
                else _("Agreement ended: %(name)s")
            ) % {"name": agreement.name}
            lines = [subject, _("Note from %(host)s: %(note)s") % {"host": agreement.host, "note": note}, ""]
            for reservation, reason in bookings:
                start = timezone.localtime(reservation.start)
                outcome = _("cancelled") if reason is None else reason_text(reason)
                lines.append(f"{start:%Y-%m-%d %H:%M} {reservation.resource.place.name}: {outcome}")
            return subject, "\n".join(lines)

        mail.send(person.email, render)


def end_finished_agreements(now: datetime | None = None) -> int:
    """End the agreements whose last day has passed (the scheduled job; bookings after it are refused anyway)."""
    now = now or timezone.now()
    finished = Agreement.objects.filter(
        state__in=[A.ACTIVE, A.SUSPENDED], ends_on__lt=timezone.localdate(now)
    )
    for agreement in finished:
        _apply_transition(
            agreement, "end", None, gettext_lazy("The agreement reached its last day."), False, now
        )
    return len(finished)


# --- usage -----------------------------------------------------------------------------------------------------
@dataclass
class UsageRow:
    day: date
    place: str
    guest: str
    bookings: int = 0  # made and not cancelled or rejected
    check_ins: int = 0
    no_shows: int = 0
    cancelled: int = 0
    desk_days: int = 0  # units checked in: what the guest is charged for
    amount: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class BookingRow:
    day: date
    start: datetime
    end: datetime
    place: str
    resource: str
    guest: str
    person: str  # empty when the viewer may not see who booked
    state: str
    units: int


def _bookings(user, agreement: Agreement, first_day: date | None, last_day: date | None):
    require(user, Action.VIEW_USAGE, agreement)
    bookings = AgreementBooking.objects.filter(agreement=agreement).select_related(
        "reservation__resource__place", "reservation__person", "guest", "agreement"
    )
    if first_day:
        bookings = bookings.filter(day__gte=first_day)
    if last_day:
        bookings = bookings.filter(day__lte=last_day)
    return bookings.order_by("day", "reservation__start", "pk")


def usage(
    user, agreement: Agreement, first_day: date | None = None, last_day: date | None = None
) -> list[UsageRow]:
    """Bookings, check-ins, no-shows and cancellations per day, place and guest organisation (both sides of
    the agreement see every guest's numbers; names only in `booking_rows`, to those allowed)."""
    rows: dict[tuple, UsageRow] = {}
    for booking in _bookings(user, agreement, first_day, last_day):
        reservation = booking.reservation
        key = (booking.day, reservation.resource.place.name, booking.guest.legal_name)
        row = rows.setdefault(key, UsageRow(*key))
        if reservation.state in (S.CANCELLED, S.REJECTED):
            row.cancelled += 1
            continue
        row.bookings += 1
        if reservation.state in (S.CHECKED_IN, S.COMPLETED):
            row.check_ins += 1
            row.desk_days += reservation.units
            row.amount += cents_to_euros(agreement.price_cents_per_day * reservation.units)
        elif reservation.state == S.NO_SHOW:
            row.no_shows += 1
    return list(rows.values())


def booking_rows(
    user, agreement: Agreement, first_day: date | None = None, last_day: date | None = None
) -> list[BookingRow]:
    """Each booking under the agreement; who booked is shown only to the host's operators and the employer's.
    A guest's operators see their own organisation's bookings only (the totals of every guest are in `usage`)."""
    rows = []
    bookings = _bookings(user, agreement, first_day, last_day)
    if not can(user, Action.SEE_EVERY_GUESTS_BOOKINGS, agreement):
        bookings = bookings.filter(guest__memberships__user=user)
    for booking in bookings:
        reservation = booking.reservation
        person = reservation.person
        rows.append(
            BookingRow(
                day=booking.day,
                start=timezone.localtime(reservation.start),
                end=timezone.localtime(reservation.end),
                place=reservation.resource.place.name,
                resource=reservation.resource.name,
                guest=booking.guest.legal_name,
                person=(person.get_full_name() or person.username)
                if can(user, Action.SEE_BOOKER_NAMES, booking)
                else "",
                state=str(reservation.get_state_display()),
                units=reservation.units,
            )
        )
    return rows
