"""The demo city's activities: union desk, pension and tax advice at the officine, legal advice and a
psychologist at the community nodes, and a budget course, an Italian course, a co-design lab and a union
assembly in the coming weeks (the Italian course full, with a waiting list; the psychologist booked up).

Needs the register's demo (places, organisations, users) and the booking demo (rooms); `load_demo()` does
nothing when the activities are there already."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from vicinato.activities.models import (
    AdviceService,
    Advisor,
    Appointment,
    AvailabilityException,
    Event,
    Mode,
    Session,
)
from vicinato.activities.services import appointments, availability, events, registrations
from vicinato.activities.services.common import ActivityError, local
from vicinato.booking.models import Block, Resource
from vicinato.register.models import Membership, Organisation, Place

DEMO_PASSWORD = "vicinato"


@dataclass(frozen=True)
class DemoAdvisor:
    username: str
    first_name: str
    last_name: str
    organisation: str  # the demo organisation's e-mail key ("union", "community")


ADVISORS = [
    DemoAdvisor("consulente", "Paolo", "Sala", "union"),  # pension advice and the union desk
    DemoAdvisor("fisco", "Franca", "Villa", "union"),  # tax assistance
    DemoAdvisor("avvocata", "Lucia", "Moretti", "community"),  # legal advice
    DemoAdvisor("psicologa", "Sara", "Longo", "community"),  # psychologist
]
# People registered to the courses and booked with the psychologist (the demo's "full" activities).
PEOPLE = [f"corsista{n}" for n in range(1, 15)]


def _organisation(key: str) -> Organisation | None:
    return Organisation.objects.filter(is_demo=True, email=f"{key}@demo.vicinato.example").first()


def _user(username: str, first: str, last: str):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "email": f"{username}@demo.vicinato.example"},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _room(place: Place) -> Resource:
    """The place's training or meeting room (a room for assemblies is added where it has none)."""
    room = events.rooms_of(place).first()
    if room is None:
        room = Resource.objects.create(
            place=place,
            kind=Resource.Kind.MEETING_ROOM,
            name_it="Sala riunioni",
            name_en="Meeting room",
            capacity=1,
            slot_minutes=30,
            min_minutes=30,
            max_minutes=4 * 60,
        )
    return room


def _places(kind: str, count: int) -> list[Place]:
    """Listed demo places of a kind, those with a room first."""
    places = list(Place.objects.listed().filter(is_demo=True, kind=kind).order_by("name_it"))
    places.sort(key=lambda p: not events.rooms_of(p).exists())
    return places[:count]


def _admin(organisation: Organisation):
    return organisation.memberships.filter(role=Membership.Role.ADMIN).first().user


def _service(organisation, kind, name_it, name_en, places, modes, minutes, **extra) -> AdviceService:
    service = AdviceService.objects.create(
        organisation=organisation,
        kind=kind,
        name_it=name_it,
        name_en=name_en,
        modes=modes,
        minutes=minutes,
        audiences=extra.pop("audiences", ["everyone"]),
        **extra,
    )
    service.places.set(places)
    return service


def _advisor(spec: DemoAdvisor, services: list[AdviceService]) -> Advisor:
    organisation = _organisation(spec.organisation)
    user = _user(spec.username, spec.first_name, spec.last_name)
    Membership.objects.get_or_create(
        organisation=organisation, user=user, defaults={"role": Membership.Role.STAFF}
    )
    advisor = Advisor.objects.create(
        user=user, organisation=organisation, display_name=f"{spec.first_name} {spec.last_name}"
    )
    advisor.services.set(services)
    return advisor


def _weekly(actor, advisor: Advisor, place: Place, weekdays, start: time, end: time, since: date) -> None:
    for weekday in weekdays:
        try:
            availability.add_weekly(actor, advisor, place, weekday, start, end, since)
        except ValidationError:
            continue  # the place is closed then: the demo skips that day


def _next_monday(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


def _course(actor, organiser, place, weekdays, start, end, first, until, **values) -> Event:
    event = events.create_event(actor, organiser, place=place, **values)
    events.add_series(actor, event, weekdays, start, end, first, until, _room(place))
    if event.sessions.exists():
        events.publish(actor, event)
    return event


def _one_date(actor, organiser, place, weekday, start, end, first, **values) -> Event:
    """An event of one date: the first `weekday` from `first` on which the place is open (holidays aside)."""
    event = events.create_event(actor, organiser, place=place, **values)
    room = _room(place)
    day = first + timedelta(days=(weekday - first.weekday()) % 7)
    for _week in range(6):
        try:
            events.add_session(actor, event, local(day, start), local(day, end), room)
        except (ActivityError, ValidationError):
            day += timedelta(days=7)
            continue
        events.publish(actor, event)
        break
    return event


def _register(event: Event, usernames: list[str], now: datetime) -> None:
    User = get_user_model()
    for username in usernames:
        try:
            registrations.register(User.objects.get(username=username), event, now=now)
        except (ActivityError, ValidationError):
            return


def load_demo(now: datetime | None = None) -> dict[str, int]:
    """Create the demo's services, advisors, appointments and events (once)."""
    now = now or timezone.now()
    union, community, coop = _organisation("union"), _organisation("community"), _organisation("coop")
    if None in (union, community, coop) or AdviceService.objects.filter(organisation__is_demo=True).exists():
        return {"services": 0, "events": 0}
    officine, snodi = _places("officina", 3), _places("snodo", 2)
    union_offices = _places("union_office", 1)
    if len(officine) < 2 or len(snodi) < 2:
        return {"services": 0, "events": 0}
    today = timezone.localdate(now)
    since = today - timedelta(days=today.weekday())
    with transaction.atomic():
        union_admin, community_admin, coop_admin = _admin(union), _admin(community), _admin(coop)
        for username in PEOPLE:
            _user(username, "Corsista", username.removeprefix("corsista"))
        desk = _service(
            union,
            "union_desk",
            "Sportello sindacale",
            "Union desk",
            officine,
            [Mode.IN_PERSON],
            30,
            description_it="Contratti, buste paga, diritti dei rider e di chi lavora con partita IVA.",
            description_en="Contracts, payslips, the rights of riders and of the self-employed.",
            audiences=["riders", "freelancers", "everyone"],
        )
        pension = _service(
            union,
            "pension",
            "Consulenza previdenziale",
            "Pension advice",
            officine,
            [Mode.IN_PERSON, Mode.PHONE],
            30,
            description_it="Contributi, riscatti, calcolo della pensione, gestione separata INPS.",
            description_en="Contributions, buy-backs, pension estimates, INPS separate scheme.",
        )
        tax = _service(
            union,
            "tax",
            "Assistenza fiscale (730, forfettario)",
            "Tax assistance (730, flat rate)",
            officine[:2],
            [Mode.IN_PERSON, Mode.VIDEO],
            45,
            price_cents=1500,
            description_it="Dichiarazione dei redditi e regime forfettario.",
            description_en="Tax returns and the flat-rate regime.",
        )
        legal = _service(
            community,
            "legal",
            "Consulenza legale",
            "Legal advice",
            snodi,
            [Mode.IN_PERSON, Mode.VIDEO],
            45,
            description_it="Prima consulenza gratuita su casa, lavoro, famiglia.",
            description_en="A free first consultation on housing, work and family.",
        )
        psychologist = _service(
            community,
            "psychologist",
            "Sportello psicologico",
            "Psychologist",
            snodi[:1],
            [Mode.IN_PERSON, Mode.VIDEO],
            60,
            days_ahead=14,
            description_it="Ascolto e sostegno, fino a quattro colloqui.",
            description_en="Listening and support, up to four meetings.",
        )
        paolo = _advisor(ADVISORS[0], [pension, desk])
        franca = _advisor(ADVISORS[1], [tax])
        lucia = _advisor(ADVISORS[2], [legal])
        sara = _advisor(ADVISORS[3], [psychologist])
        # Paolo receives at two officine on different days: never twice at the same time.
        _weekly(union_admin, paolo, officine[0], [0, 2], time(9), time(13), since)
        _weekly(union_admin, paolo, officine[1], [1, 3], time(9), time(13), since)
        _weekly(union_admin, paolo, officine[0], [4], time(14), time(18), since)
        _weekly(union_admin, paolo, officine[1], [5], time(9), time(12), since)
        _weekly(union_admin, franca, officine[0], [1, 3], time(15), time(19), since)
        _weekly(union_admin, franca, officine[1], [0, 2, 4], time(10), time(13), since)
        _weekly(community_admin, lucia, snodi[0], [1], time(9), time(13), since)
        _weekly(community_admin, lucia, snodi[1], [3], time(14), time(18), since)
        _weekly(community_admin, sara, snodi[0], [2], time(9), time(13), since)
        availability.add_exception(
            union_admin,
            paolo,
            AvailabilityException.Kind.OFF,
            local(today + timedelta(days=21), time(0)),
            local(today + timedelta(days=26), time(0)),
            note="Ferie",
        )
        # The psychologist's next two weeks are booked up: the waiting list is open.
        User = get_user_model()
        people = iter(PEOPLE)
        for slot in appointments.free_slots(psychologist, today, psychologist.days_ahead + 1, now=now):
            person = User.objects.get(username=next(people, PEOPLE[0]))
            try:
                appointments.book(
                    person,
                    psychologist,
                    slot.advisor_id,
                    slot.place_id,
                    slot.start,
                    Mode.IN_PERSON,
                    "Colloquio",
                    now=now,
                )
            except (ActivityError, ValidationError):
                continue
        # A few appointments of the demo worker with Paolo in the coming days.
        worker = User.objects.filter(username="lavoratore").first()
        if worker is not None:
            slots = appointments.free_slots(pension, today + timedelta(days=1), 7, now=now)
            if slots:
                appointments.book(
                    worker,
                    pension,
                    slots[0].advisor_id,
                    slots[0].place_id,
                    slots[0].start,
                    Mode.IN_PERSON,
                    "Riscatto della laurea",
                    now=now,
                )
        monday = _next_monday(today)
        budget = _course(
            community_admin,
            community,
            snodi[0],
            [0],
            time(14, 30),
            time(16, 30),
            monday,
            monday + timedelta(days=35),
            kind=Event.Kind.COURSE,
            title_it="Gestire il bilancio familiare",
            title_en="Managing the household budget",
            description_it="Sei incontri per organizzare entrate e spese, risparmio, debiti e bonus.",
            description_en="Six meetings on income and spending, saving, debts and benefits.",
            capacity=12,
            audiences=["everyone"],
            language="it",
        )
        italian = _course(
            coop_admin,
            coop,
            officine[0],
            [1, 3],
            time(18),
            time(20),
            monday,
            monday + timedelta(days=55),
            kind=Event.Kind.COURSE,
            title_it="Corso di italiano per il lavoro (A2)",
            title_en="Italian for work (A2)",
            description_it="Italiano per chi lavora: colloqui, contratti, sicurezza. Livello A2.",
            description_en="Italian for workers: interviews, contracts, safety. A2 level.",
            capacity=10,
            audiences=["riders", "everyone"],
            language="it",
        )
        lab = _one_date(
            community_admin,
            community,
            snodi[1],
            2,
            time(16, 30),
            time(18),
            monday + timedelta(days=7),
            kind=Event.Kind.CODESIGN,
            title_it="Laboratorio di co-progettazione: il cortile dello snodo",
            title_en="Co-design lab: the node's courtyard",
            capacity=25,
            audiences=["everyone"],
            description_it="Decidiamo insieme come usare il cortile: orti, panchine, ciclofficina.",
            description_en="Let's decide together how to use the courtyard: gardens, benches, a bike workshop.",
        )
        where, host = (union_offices[0], union_admin) if union_offices else (officine[1], coop_admin)
        assembly = _one_date(
            host,
            union if union_offices else coop,
            where,
            3,
            time(16, 30),
            time(18),
            monday + timedelta(days=7),
            kind=Event.Kind.ASSEMBLY,
            title_it="Assemblea dei rider e dei lavoratori delle piattaforme",
            title_en="Assembly of riders and platform workers",
            capacity=None,
            registration=False,
            audiences=["riders"],
            description_it="Contratto, sicurezza, tutele: ne parliamo insieme.",
            description_en="Contract, safety, protections: let's talk about them.",
        )
        _register(italian, PEOPLE[:13], now)  # ten places, three waiting
        _register(budget, PEOPLE[:5], now)
        _register(lab, PEOPLE[5:9], now)
        created = [e for e in (budget, italian, lab, assembly) if e.sessions.exists()]
    return {"services": 5, "advisors": 4, "events": len(created)}


def remove_demo() -> None:
    """Remove the demo's activities and the people it added."""
    Appointment.objects.filter(service__organisation__is_demo=True).delete()
    sessions = Session.objects.filter(event__organiser__is_demo=True)
    Block.objects.filter(pk__in=sessions.values("block_id")).delete()
    Event.objects.filter(organiser__is_demo=True).delete()
    Advisor.objects.filter(organisation__is_demo=True).delete()
    AdviceService.objects.filter(organisation__is_demo=True).delete()
    get_user_model().objects.filter(username__in=[a.username for a in ADVISORS] + PEOPLE).delete()
