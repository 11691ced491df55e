"""Places: saving them with their hours, filtering the register, and describing opening hours."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from vicinato.lib.errors import Conflict

from . import staff
from .forms import OrganisationForm, PlaceForm
from .models import Closure, Membership, OpeningHours, Organisation, Place, Register, StaffInvitation
from .permissions import Action, require

WEEKDAY_CODES = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]


def save_place(
    actor, organisation: Organisation, data: dict, files=None, place: Place | None = None
) -> Place:
    """Create or update a place with the same rules for pages, API and commands."""
    if place is None:
        require(actor, Action.CREATE_PLACE, organisation)
    else:
        require(actor, Action.EDIT_PLACE, place)
    old_photo = place.photo.name if place is not None and place.photo else ""
    form = PlaceForm(data, files, instance=place or Place(operator=organisation))
    if not form.is_valid():
        raise ValidationError(
            {field: [e["message"] for e in errors] for field, errors in form.errors.get_json_data().items()}
        )
    with transaction.atomic():
        saved = form.save()
        if old_photo and old_photo != saved.photo.name:
            # The replaced (or removed) photo goes once the change is kept.
            storage = saved.photo.storage
            transaction.on_commit(lambda: storage.delete(old_photo))
    return saved


def set_opening_hours(actor, place: Place, intervals: list[tuple[int, time, time]]) -> None:
    """Replace the weekly hours; intervals of one day may not overlap."""
    require(actor, Action.EDIT_PLACE, place)
    by_day: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for weekday, opens, closes in intervals:
        if not 0 <= weekday <= 6:
            raise ValidationError({"opening_hours": [_("Weekday must be 0 (Monday) to 6 (Sunday).")]})
        if closes <= opens:
            raise ValidationError(
                {
                    "opening_hours": [
                        _("On %(day)s the closing time %(closes)s is not after the opening time %(opens)s.")
                        % {
                            "day": OpeningHours.Weekday(weekday).label,
                            "opens": opens.strftime("%H:%M"),
                            "closes": closes.strftime("%H:%M"),
                        }
                    ]
                }
            )
        by_day[weekday].append((opens, closes))
    for weekday, day in by_day.items():
        day.sort()
        for (_o1, c1), (o2, _c2) in zip(day, day[1:], strict=False):
            if o2 < c1:
                raise ValidationError(
                    {
                        "opening_hours": [
                            _("The hours of %(day)s overlap; merge them into one interval.")
                            % {"day": OpeningHours.Weekday(weekday).label}
                        ]
                    }
                )
    with transaction.atomic():
        place.opening_hours.all().delete()
        OpeningHours.objects.bulk_create(
            OpeningHours(place=place, weekday=w, opens=o, closes=c) for w, o, c in intervals
        )
        # The hours are part of the place's public record: mark it changed.
        Place.objects.filter(pk=place.pk).update(updated_at=timezone.now())


def add_closure(
    actor, place: Place, start_date, end_date, reason_it: str = "", reason_en: str = ""
) -> Closure:
    require(actor, Action.EDIT_PLACE, place)
    if end_date < start_date:
        raise ValidationError({"end_date": [_("The closure must end on or after the day it starts.")]})
    return Closure.objects.create(
        place=place, start_date=start_date, end_date=end_date, reason_it=reason_it, reason_en=reason_en
    )


def open_at(places: QuerySet, moment: datetime) -> QuerySet:
    local = timezone.localtime(moment)
    return places.filter(
        opening_hours__weekday=local.weekday(),
        opening_hours__opens__lte=local.time(),
        opening_hours__closes__gt=local.time(),
    ).exclude(closures__start_date__lte=local.date(), closures__end_date__gte=local.date())


def filter_places(places: QuerySet, filters: dict, now: datetime | None = None) -> QuerySet:
    """Apply the register's filters (cleaned by PlaceFilterForm or the API schema)."""
    if filters.get("q"):
        q = filters["q"]
        places = places.filter(Q(name_it__icontains=q) | Q(name_en__icontains=q) | Q(address__icontains=q))
    if filters.get("register"):
        places = places.filter(
            applications__register=filters["register"],
            applications__state="approved",
            applications__expires_at__gt=now or timezone.now(),
        )
    if filters.get("kind"):
        places = places.filter(kind=filters["kind"])
    for amenity in filters.get("amenity") or []:
        places = places.filter(amenities=amenity)
    if filters.get("audience"):
        # JSON lists are matched as text so that the same query runs on SQLite and PostgreSQL.
        places = places.filter(audiences__icontains=f'"{filters["audience"]}"')
    if filters.get("district"):
        places = places.filter(district=filters["district"])
    if filters.get("neighbourhood"):
        places = places.filter(neighbourhood=filters["neighbourhood"])
    if filters.get("open_now"):
        places = open_at(places, now or timezone.now())
    return places.distinct()


def weekly_hours(place: Place) -> list[tuple[str, list[OpeningHours]]]:
    """Each weekday with its intervals, for display (uses prefetched hours when present)."""
    by_day = defaultdict(list)
    for interval in place.opening_hours.all():
        by_day[interval.weekday].append(interval)
    return [
        (label, sorted(by_day.get(value, []), key=lambda i: i.opens))
        for value, label in OpeningHours.Weekday.choices
    ]


def osm_opening_hours(place: Place) -> str:
    """Opening hours in OpenStreetMap's `opening_hours` syntax, e.g. 'Mo-Fr 08:30-19:00; Sa 09:00-13:00'."""
    days = {}
    for interval in place.opening_hours.all():
        days.setdefault(interval.weekday, []).append(f"{interval.opens:%H:%M}-{interval.closes:%H:%M}")
    groups: list[tuple[int, int, str]] = []
    for weekday in range(7):
        spec = ",".join(sorted(days[weekday])) if weekday in days else None
        if spec and groups and groups[-1][1] == weekday - 1 and groups[-1][2] == spec:
            groups[-1] = (groups[-1][0], weekday, spec)
        elif spec:
            groups.append((weekday, weekday, spec))
    parts = []
    for first, last, spec in groups:
        span = WEEKDAY_CODES[first] if first == last else f"{WEEKDAY_CODES[first]}-{WEEKDAY_CODES[last]}"
        if last == first + 1:
            span = f"{WEEKDAY_CODES[first]},{WEEKDAY_CODES[last]}"
        parts.append(f"{span} {spec}")
    return "; ".join(parts)


def is_open(place: Place, moment: datetime | None = None) -> bool:
    local = timezone.localtime(moment or timezone.now())
    if any(c.start_date <= local.date() <= c.end_date for c in place.closures.all()):
        return False
    return any(
        i.weekday == local.weekday() and i.opens <= local.time() < i.closes for i in place.opening_hours.all()
    )


def create_organisation(actor, data: dict) -> Organisation:
    """Any signed-in person may register an organisation; they become its first administrator. It stays pending
    (no members, domains, agreements or submissions) until a site administrator approves it (`approve`)."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Sign in to register an organisation."))
    form = OrganisationForm(data)
    if not form.is_valid():
        raise ValidationError(
            {field: [e["message"] for e in errors] for field, errors in form.errors.get_json_data().items()}
        )
    with transaction.atomic():
        organisation = form.save(commit=False)
        organisation.approved_at = None  # pending until a site administrator approves it
        organisation.save()
        Membership.objects.create(organisation=organisation, user=actor, role=Membership.Role.ADMIN)
    return organisation


def approve_organisation(organisation: Organisation, now: datetime | None = None) -> None:
    """A site administrator's approval, refused while another approved organisation has its partita IVA or
    codice fiscale (one body, one organisation)."""
    twin = organisation.same_identity().first()
    if twin is not None:
        raise Conflict(
            _("%(name)s already has this partita IVA or codice fiscale; it cannot be approved twice.")
            % {"name": twin.legal_name}
        )
    organisation.approved_at = now or timezone.now()
    organisation.save(update_fields=["approved_at"])


def set_membership(
    actor, organisation: Organisation, username_or_email: str, role: str | None
) -> StaffInvitation | None:
    """Change a member's role, or remove them (role None); someone not yet a member is sent an invitation to
    their e-mail address instead (answered: the invitation), and joins only by accepting it. An organisation keeps
    one admin at least. Nobody outside the organisation is looked up: no answer tells whether an account exists."""
    require(actor, Action.MANAGE_ORGANISATION, organisation)
    membership = staff.member_of(organisation, username_or_email)
    if membership is None:
        if role is None:
            raise ValidationError(
                {"user": [_("No member of this organisation has this username or e-mail.")]}
            )
        return staff.invite(actor, organisation, username_or_email, role)
    user = membership.user
    if role is not None and role not in Membership.Role.values:
        raise ValidationError({"role": [_("Choose a role: administrator or staff.")]})
    with transaction.atomic():
        admins = Membership.objects.select_for_update().filter(
            organisation=organisation, role=Membership.Role.ADMIN
        )
        is_last_admin = list(admins.values_list("user_id", flat=True)) == [user.pk]
        if is_last_admin and role != Membership.Role.ADMIN:
            raise ValidationError(
                {
                    "user": [
                        _("This is the organisation's only administrator; name another administrator first.")
                    ]
                }
            )
        if role is None:
            Membership.objects.filter(organisation=organisation, user=user).delete()
        else:
            Membership.objects.filter(pk=membership.pk).update(role=role)
    return None


def registers_to_apply(place: Place, registers) -> list[Register]:
    """The registers a place may apply to, in the order to offer them: those of its own municipality first (the
    first is the one chosen unless the person picks another), then those of no municipality, then the others;
    without those it has an application to already."""
    applied = {application.register_id for application in place.applications.all()}

    def nearness(register: Register) -> tuple[int, str]:
        if register.municipality_id == place.municipality_id:
            return 0, register.name
        return (1 if register.municipality_id is None else 2), register.name

    return sorted((r for r in registers if r.pk not in applied), key=nearness)
