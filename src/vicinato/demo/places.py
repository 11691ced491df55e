"""The Milan demo city: real areas and stations, invented (and marked) organisations, places and people."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db.models import Count
from django.utils import timezone, translation

from vicinato.geo.models import Area, Municipality, Stop
from vicinato.geo.municipalities import import_municipalities
from vicinato.geo.services import (
    get_or_create_municipality,
    import_areas,
    import_stops,
    locate,
    read_population,
)
from vicinato.register.documents import add_document
from vicinato.register.models import (
    Amenity,
    Application,
    Closure,
    Membership,
    OpeningHours,
    Organisation,
    Place,
    Register,
    Requirement,
)
from vicinato.register.taxonomy import seed_amenities
from vicinato.register.validators import luhn_it_check_digit
from vicinato.register.workflow import check_requirements, start_application, tick_check, transition

DEMO_PASSWORD = "vicinato"
DEMO_REGISTERS = (
    "elenco-coworking-milano",
    "elenco-coworking-seregno",
    "smart-working-community",
    "rete-officine-territoriali",
)
MILANO = settings.SOURCE_DATA_DIR / "milano"
LOMBARDIA = settings.SOURCE_DATA_DIR / "lombardia"
SEREGNO_ISTAT_CODE = "108039"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str


USERS = [
    DemoUser("admin", "Ada", "Amministratrice", "site admin"),
    DemoUser("revisore", "Rita", "Revisori", "reviewer: Comune di Milano registers"),
    DemoUser("revisore.seregno", "Sergio", "Brambilla", "reviewer: Comune di Seregno register"),
    DemoUser("operatore.seregno", "Giulia", "Mariani", "organisation admin: Brianza Lavoro Agile (Seregno)"),
    DemoUser("revisore.rete", "Rosa", "Colombo", "reviewer: network of officine territoriali"),
    DemoUser("operatore", "Olga", "Ferrari", "organisation admin: Coworking Ambrosiano"),
    DemoUser("staff", "Stefano", "Russo", "organisation staff: Coworking Ambrosiano"),
    DemoUser("coop", "Carla", "Bianchi", "organisation admin: Cooperativa Officine di Quartiere"),
    DemoUser("sindacato", "Sandro", "Galli", "organisation admin: Camera del Lavoro (demo)"),
    DemoUser("comunita", "Chiara", "Conti", "organisation admin: Associazione Welfare di Comunità"),
    DemoUser("biblioteche", "Bruno", "Marino", "organisation admin: Biblioteche di quartiere"),
    DemoUser("azienda", "Andrea", "Greco", "organisation admin: Lombarda Software and two other companies"),
    DemoUser("lavoratrice", "Laura", "Esposito", "registered worker"),
    DemoUser("lavoratore", "Luca", "Fontana", "registered worker with bookings today and tomorrow"),
]

# Amenities typical of each kind of place; the demo draws most of them, so places differ.
KIND_AMENITIES = {
    "coworking": [
        "broadband",
        "printer",
        "meeting_room",
        "phone_booth",
        "reception",
        "cleaning",
        "secretarial",
        "kitchen",
        "common_areas",
        "lockers",
        "bike_parking",
        "childcare",
    ],
    "company_space": [
        "broadband",
        "printer",
        "meeting_room",
        "reception",
        "cleaning",
        "kitchen",
        "common_areas",
        "canteen",
        "bike_parking",
    ],
    "officina": [
        "broadband",
        "printer",
        "common_areas",
        "kitchen",
        "canteen",
        "showers",
        "changing_room",
        "lockers",
        "bike_parking",
        "bike_repair",
        "ebike_charging",
        "union_desk",
        "pension_advice",
        "tax_advice",
        "training_room",
    ],
    "snodo": [
        "broadband",
        "printer",
        "common_areas",
        "kitchen",
        "training_room",
        "childcare",
        "legal_advice",
        "pension_advice",
        "bike_parking",
    ],
    "union_office": [
        "broadband",
        "printer",
        "meeting_room",
        "union_desk",
        "pension_advice",
        "tax_advice",
        "legal_advice",
        "common_areas",
    ],
    "library": ["broadband", "printer", "common_areas", "training_room", "bike_parking", "meeting_room"],
}
# Amenities a kind always has (the officine are defined by them).
KIND_CORE = {
    "officina": {
        "broadband",
        "printer",
        "common_areas",
        "kitchen",
        "showers",
        "changing_room",
        "bike_repair",
        "union_desk",
    },
    "coworking": {"broadband", "printer", "common_areas", "kitchen"},
    "union_office": {"union_desk", "broadband", "common_areas"},
    "library": {"broadband", "common_areas"},
    "snodo": {"common_areas", "broadband"},
    "company_space": {"broadband"},
}
KIND_DESKS = {
    "coworking": (8, 60),
    "company_space": (4, 20),
    "officina": (12, 30),
    "snodo": (6, 16),
    "union_office": (3, 8),
    "library": (20, 80),
}
KIND_AUDIENCES = {
    "coworking": ["freelancers", "remote_employees", "students"],
    "company_space": ["remote_employees", "municipal_employees"],
    "officina": ["riders", "freelancers", "remote_employees", "everyone"],
    "snodo": ["everyone", "freelancers", "students"],
    "union_office": ["riders", "everyone"],
    "library": ["students", "everyone", "municipal_employees"],
}
KIND_HOURS = {
    "coworking": [(range(5), time(8, 30), time(19, 30))],
    "company_space": [(range(5), time(9), time(18))],
    "officina": [(range(5), time(7), time(21)), ([5], time(8), time(14))],
    "snodo": [(range(5), time(9), time(13)), (range(5), time(14), time(18))],
    "union_office": [(range(5), time(9), time(12, 30)), (range(5), time(14, 30), time(18))],
    "library": [(range(1, 6), time(9), time(19))],
}
KIND_DESCRIPTION = {
    "coworking": (
        "Spazio di coworking con postazioni libere e dedicate, vicino ai servizi del quartiere.",
        "Coworking space with hot and dedicated desks, close to the neighbourhood's services.",
    ),
    "company_space": (
        "Postazioni di un'azienda aperte a dipendenti comunali e di altre imprese aderenti.",
        "A company's desks open to municipal employees and to staff of other member companies.",
    ),
    "officina": (
        "Officina territoriale vicino alla metropolitana: postazioni, docce, spogliatoio, ciclofficina, "
        "mensa e sportelli sindacale e previdenziale.",
        "Officina territoriale near the metro: desks, showers, changing room, bike workshop, canteen, "
        "union and pension advice.",
    ),
    "snodo": (
        "Snodo territoriale di welfare di comunità: postazioni, servizi e laboratori di co-progettazione.",
        "Community welfare node: desks, services and co-design workshops.",
    ),
    "union_office": (
        "Sportello sindacale con qualche postazione per chi lavora in zona.",
        "Union office with a few desks for people working nearby.",
    ),
    "library": (
        "Biblioteca di quartiere con sala studio e postazioni con wi-fi.",
        "Neighbourhood library with a study room and desks with wi-fi.",
    ),
}


def partita_iva(rng: random.Random) -> str:

    body = "".join(str(rng.randint(0, 9)) for _ in range(7)) + "153"  # 153: Milan's provincial office code
    return body + str(luhn_it_check_digit(body))


def load_areas(stdout=None) -> Municipality:
    milano = get_or_create_municipality("milano", "Milano")
    milano.istat_code = "015146"
    milano.save(update_fields=["istat_code"])
    if not milano.areas.exists():
        import_areas(milano, MILANO / "ds379_municipi_label.geojson", Area.Level.DISTRICT, "MUNICIPIO")
        population = read_population(
            MILANO / "nil_population_2021_and_counts.csv", "id_nil", "popolazione_totale_2021"
        )
        import_areas(
            milano, MILANO / "ds964_NIL_WM.geojson", Area.Level.NEIGHBOURHOOD, "ID_NIL", "NIL", population
        )
    if not milano.stops.exists():
        import_stops(milano, MILANO / "tpl_metrofermate.geojson", Stop.Kind.METRO, "id_amat", "nome", "linee")
    if not Municipality.objects.filter(istat_code=SEREGNO_ISTAT_CODE).exists():
        import_municipalities(
            LOMBARDIA / "comuni_mi_mb_2023.geojson", "istat_code", "name", "population_2023"
        )
    milano.refresh_from_db()
    return milano


def ensure_users() -> dict:
    User = get_user_model()
    users = {}
    for demo in USERS:
        user, created = User.objects.get_or_create(
            username=demo.username,
            defaults={
                "first_name": demo.first_name,
                "last_name": demo.last_name,
                "email": f"{demo.username}@demo.vicinato.example",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_staff = user.is_superuser = demo.username == "admin"
            user.save()
        users[demo.username] = user
    return users


def _requirement(register, kind, label_it, label_en, order, *, amenities=(), **fields) -> None:
    requirement = Requirement.objects.create(
        register=register, kind=kind, label_it=label_it, label_en=label_en, order=order, **fields
    )
    requirement.amenities.set(Amenity.objects.filter(code__in=amenities))


def ensure_registers(users: dict, milano: Municipality) -> dict[str, Register]:
    K = Requirement.Kind
    specs = {
        "elenco-coworking-milano": dict(
            name_it="Elenco qualificato coworking — Comune di Milano",
            name_en="Qualified coworking register — City of Milan",
            description_it="L'elenco ufficiale degli spazi di coworking qualificati del Comune di Milano: "
            "almeno 11 postazioni, tecnologie condivise, aree comuni e area ristoro.",
            description_en="The City of Milan's official list of qualified coworking spaces: at least 11 desks, "
            "shared technology, common areas and a refreshment area.",
            owner="Comune di Milano",
            municipality=milano,
            validity_months=24,
            reminder_days=60,
            reviewers=["revisore"],
            requirements=[
                (K.MIN_DESKS, "Più di 10 postazioni di lavoro", "More than 10 desks", {"min_desks": 11}),
                (
                    K.AMENITIES_ALL,
                    "Tecnologie condivise: banda ultralarga e stampante",
                    "Shared technology: ultra-broadband and printer",
                    {"amenities": ["broadband", "printer"]},
                ),
                (K.AMENITIES_ALL, "Aree comuni", "Common areas", {"amenities": ["common_areas"]}),
                (
                    K.AMENITIES_ANY,
                    "Area ristoro o mensa",
                    "Refreshment area or canteen",
                    {"amenities": ["kitchen", "canteen"]},
                ),
                (K.IN_MUNICIPALITY, "Sede nel Comune di Milano", "Located in the City of Milan", {}),
                (
                    K.REVIEWER_CHECK,
                    "Dichiarazione sostitutiva e visura camerale verificate",
                    "Self-declaration and chamber of commerce record verified",
                    {"needs_document": True},
                ),
                (K.REVIEWER_CHECK, "Sopralluogo effettuato", "Site visit done", {}),
            ],
        ),
        "elenco-coworking-seregno": dict(
            name_it="Elenco coworking — Comune di Seregno",
            name_en="Coworking register — Town of Seregno",
            description_it="L'elenco pubblico dei fornitori di spazi di coworking nel territorio di Seregno.",
            description_en="The public list of coworking providers in the town of Seregno.",
            owner="Comune di Seregno",
            municipality=Municipality.objects.get(istat_code=SEREGNO_ISTAT_CODE),
            validity_months=12,
            reminder_days=30,
            reviewers=["revisore.seregno"],
            requirements=[
                (K.MIN_DESKS, "Almeno 5 postazioni", "At least 5 desks", {"min_desks": 5}),
                (
                    K.AMENITIES_ALL,
                    "Connessione a banda ultralarga",
                    "Ultra-broadband connection",
                    {"amenities": ["broadband"]},
                ),
                (K.IN_MUNICIPALITY, "Sede nel Comune di Seregno", "Located in the Town of Seregno", {}),
                (K.REVIEWER_CHECK, "Documentazione completa", "Complete documents", {}),
            ],
        ),
        "smart-working-community": dict(
            name_it="Smart Working Community",
            name_en="Smart Working Community",
            description_it="Aziende associate che aprono le proprie sedi ai dipendenti comunali e al personale "
            "delle altre aziende aderenti, vicino a casa, con un accordo a scadenza.",
            description_en="Member companies that open their offices to municipal employees and to other members' "
            "staff, near where they live, under an agreement with an end date.",
            owner="Comune di Milano e associazione d'imprese (demo)",
            municipality=milano,
            validity_months=12,
            reminder_days=30,
            reviewers=["revisore"],
            requirements=[
                (
                    K.PLACE_KINDS,
                    "Spazio aziendale o coworking",
                    "Company space or coworking",
                    {"place_kinds": ["company_space", "coworking"]},
                ),
                (
                    K.AMENITIES_ALL,
                    "Connessione a banda ultralarga",
                    "Ultra-broadband connection",
                    {"amenities": ["broadband"]},
                ),
                (K.REVIEWER_CHECK, "Accordo firmato con il Comune", "Agreement signed with the City", {}),
            ],
        ),
        "rete-officine-territoriali": dict(
            name_it="Rete delle officine e degli snodi territoriali",
            name_en="Network of officine and community nodes",
            description_it="Luoghi di prossimità nelle periferie proposti da sindacati, cooperative e "
            "associazioni: officine territoriali, snodi di comunità, sportelli e biblioteche.",
            description_en="Proximity places in the periphery proposed by unions, cooperatives and associations: "
            "officine territoriali, community nodes, union offices and libraries.",
            owner="Comune di Milano con sindacati e terzo settore (demo)",
            municipality=milano,
            validity_months=36,
            reminder_days=60,
            reviewers=["revisore.rete"],
            requirements=[
                (
                    K.PLACE_KINDS,
                    "Officina, snodo, sportello o biblioteca",
                    "Officina, community node, union office or library",
                    {"place_kinds": ["officina", "snodo", "union_office", "library"]},
                ),
                (
                    K.AMENITIES_ALL,
                    "Connessione e aree comuni",
                    "Connection and common areas",
                    {"amenities": ["broadband", "common_areas"]},
                ),
                (K.IN_MUNICIPALITY, "Nel Comune di Milano", "In the City of Milan", {}),
                (K.REVIEWER_CHECK, "Sopralluogo effettuato", "Site visit done", {}),
            ],
        ),
    }
    registers = {}
    for slug, spec in specs.items():
        spec = dict(spec)
        reviewers, requirements = spec.pop("reviewers"), spec.pop("requirements")
        register, created = Register.objects.get_or_create(slug=slug, defaults=spec)
        if created:
            register.reviewers.set([users[name] for name in reviewers])
            for order, (kind, label_it, label_en, fields) in enumerate(requirements):
                _requirement(register, kind, label_it, label_en, order, **fields)
        registers[slug] = register
    return registers


def _organisations(users: dict, rng: random.Random) -> dict[str, Organisation]:
    specs = [
        (
            "cowork",
            Organisation.Kind.COWORKING_OPERATOR,
            "Coworking Ambrosiano S.r.l. (demo)",
            [("operatore", "admin"), ("staff", "staff")],
        ),
        (
            "coop",
            Organisation.Kind.COOPERATIVE,
            "Cooperativa Officine di Quartiere (demo)",
            [("coop", "admin")],
        ),
        ("union", Organisation.Kind.UNION, "Camera del Lavoro di zona (demo)", [("sindacato", "admin")]),
        (
            "community",
            Organisation.Kind.ASSOCIATION,
            "Associazione Welfare di Comunità (demo)",
            [("comunita", "admin")],
        ),
        (
            "libraries",
            Organisation.Kind.PUBLIC_BODY,
            "Biblioteche di quartiere — Comune di Milano (demo)",
            [("biblioteche", "admin")],
        ),
    ]
    organisations = {}
    for key, kind, name, members in specs:
        organisation = Organisation.objects.create(
            kind=kind,
            legal_name=name,
            partita_iva=partita_iva(rng),
            is_demo=True,
            email=f"{key}@demo.vicinato.example",
            phone="+39 02 0000 0000",
            address="Milano",
        )
        for username, role in members:
            Membership.objects.create(organisation=organisation, user=users[username], role=role)
        organisations[key] = organisation
    return organisations


def _company(name: str, users: dict, rng: random.Random, with_admin: bool) -> Organisation:
    company = Organisation.objects.create(
        kind=Organisation.Kind.COMPANY,
        legal_name=f"{name} S.p.A. (demo)",
        partita_iva=partita_iva(rng),
        is_demo=True,
        email=f"{name.split()[0].lower()}@demo.vicinato.example",
    )
    if with_admin:
        Membership.objects.create(organisation=company, user=users["azienda"], role=Membership.Role.ADMIN)
    return company


def _create_places(users: dict, rng: random.Random, milano: Municipality) -> list[Place]:

    organisations = _organisations(users, rng)
    operator_by_kind = {
        "coworking": "cowork",
        "officina": "coop",
        "union_office": "union",
        "snodo": "community",
        "library": "libraries",
    }
    places, companies = [], 0
    for spec in json.loads((MILANO / "demo_places.json").read_text(encoding="utf-8")):
        kind = spec["kind"]
        if kind == "company_space":
            company_name = spec["name"].removeprefix("Spazi aperti ")
            operator = _company(company_name, users, rng, with_admin=companies < 3)
            companies += 1
        else:
            operator = organisations[operator_by_kind[kind]]
        places.append(create_place(spec, operator, milano, rng))
    return places


def create_place(spec: dict, operator: Organisation, municipality: Municipality, rng: random.Random) -> Place:
    """A demo place of `spec` (kind, name, address, lat, lon) with the amenities, hours and closures of its kind."""
    kind = spec["kind"]
    location = locate(spec["lat"], spec["lon"])
    low, high = KIND_DESKS[kind]
    description_it, description_en = KIND_DESCRIPTION[kind]
    place = Place.objects.create(
        operator=operator,
        kind=kind,
        name_it=spec["name"],
        name_en=spec["name"],
        description_it=description_it,
        description_en=description_en,
        address=spec["address"],
        lat=spec["lat"],
        lon=spec["lon"],
        municipality=municipality,
        district=location.district,
        neighbourhood=location.neighbourhood,
        desks=rng.randint(low, high),
        audiences=sorted(rng.sample(KIND_AUDIENCES[kind], k=rng.randint(1, len(KIND_AUDIENCES[kind])))),
        accessibility=sorted(
            rng.sample(
                ["step_free_entrance", "accessible_toilet", "lift", "hearing_loop", "adjustable_desks"],
                k=rng.randint(0, 4),
            )
        ),
        email=operator.email,
        is_demo=True,
    )
    optional = [code for code in KIND_AMENITIES[kind] if code not in KIND_CORE[kind]]
    chosen = KIND_CORE[kind] | set(rng.sample(optional, k=rng.randint(len(optional) // 3, len(optional))))
    place.amenities.set(Amenity.objects.filter(code__in=chosen))
    hours = [
        OpeningHours(place=place, weekday=day, opens=opens, closes=closes)
        for days, opens, closes in KIND_HOURS[kind]
        for day in days
    ]
    if kind == "coworking" and rng.random() < 0.4:
        hours.append(OpeningHours(place=place, weekday=5, opens=time(9), closes=time(13)))
    OpeningHours.objects.bulk_create(hours)
    if rng.random() < 0.5:
        Closure.objects.create(
            place=place,
            start_date=date(2026, 12, 24),
            end_date=date(2027, 1, 6),
            reason_it="Chiusura natalizia",
            reason_en="Christmas closure",
        )
    return place


def _register_for(place: Place, registers: dict) -> Register:
    if place.kind == "company_space":
        return registers["smart-working-community"]
    if place.kind in ("officina", "snodo", "union_office", "library"):
        return registers["rete-officine-territoriali"]
    return registers["elenco-coworking-milano"]


def approve(application: Application, reviewer) -> Application:
    for requirement in application.register.requirements.filter(kind=Requirement.Kind.REVIEWER_CHECK):
        tick_check(application, requirement, reviewer)
    return transition(application, "approve", reviewer, "Requisiti verificati")


# A one-page PDF standing for the papers a demo applicant uploads (checked by content as any upload).
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _upload_documents(application: Application, actor) -> None:
    """The papers the register's checks need, uploaded by the applicant before submitting."""
    for requirement in application.register.requirements.filter(needs_document=True):
        add_document(application, requirement, actor, ContentFile(DEMO_PDF, name="documento-demo.pdf"))


def _applicant(place: Place):
    return place.operator.memberships.filter(role=Membership.Role.ADMIN).first().user


@translation.override("it")  # the demo's reviewers write their notes in Italian, and they are stored as such
def _create_applications(places: list[Place], registers: dict, users: dict) -> None:
    superuser = users["admin"]
    reviewer_of = {r.slug: r.reviewers.first() for r in registers.values()}
    # Places of companies without a demo admin are handled by the site admin.
    for index, place in enumerate(places):
        register = _register_for(place, registers)
        reviewer = reviewer_of[register.slug]
        actor = _applicant(place) if place.operator.memberships.exists() else superuser
        application = start_application(place, register, actor)
        meets = all(r.passed for r in check_requirements(place, register))
        if not meets:
            continue  # stays a draft: its page shows which requirements fail
        scenario = index % 24
        if scenario == 3:
            continue  # a complete draft, not yet submitted
        _upload_documents(application, actor)
        application = transition(application, "submit", actor)
        if scenario in (5, 17):
            continue  # waiting in the reviewer's queue
        if scenario == 7:
            transition(
                application,
                "request_changes",
                reviewer,
                "Caricate la planimetria aggiornata",
            )
            continue
        if scenario == 9:
            transition(application, "reject", reviewer, "Documentazione non conforme")
            continue
        application = approve(application, reviewer)
        if scenario == 10:
            transition(
                application,
                "suspend",
                reviewer,
                "Segnalazione di chiusura temporanea",
            )
        elif scenario == 11:
            transition(application, "withdraw", actor, "Spazio in ristrutturazione")
        elif scenario == 13:
            Application.objects.filter(pk=application.pk).update(
                expires_at=timezone.now() - timedelta(days=3)
            )
            transition(application, "expire")
        elif scenario == 14:
            Application.objects.filter(pk=application.pk).update(
                expires_at=timezone.now() + timedelta(days=20)
            )
    # Applications to a second register: officine also join Milan's coworking register; one Milan coworking
    # tries Seregno's and is told it is outside that town.
    for place in [p for p in places if p.kind == "officina"][:6]:
        application = start_application(place, registers["elenco-coworking-milano"], _applicant(place))
        _upload_documents(application, _applicant(place))
        application = transition(application, "submit", _applicant(place))
        approve(application, reviewer_of["elenco-coworking-milano"])
    start_application(places[0], registers["elenco-coworking-seregno"], _applicant(places[0]))


def remove_places() -> None:
    """Remove the demo's applications, places, organisations, registers and people (what books at them first)."""
    Application.objects.filter(place__is_demo=True).delete()
    Place.objects.filter(is_demo=True).delete()
    Organisation.objects.filter(is_demo=True).delete()
    Register.objects.filter(slug__in=DEMO_REGISTERS).delete()
    get_user_model().objects.filter(username__in=[u.username for u in USERS]).delete()


def load_places(rng: random.Random) -> None:
    """The areas, people, registers, places and their applications (once)."""
    seed_amenities(Amenity)
    milano = load_areas()
    users = ensure_users()
    registers = ensure_registers(users, milano)
    if not Place.objects.filter(is_demo=True).exists():
        places = _create_places(users, rng, milano)
        _create_applications(places, registers, users)


def counts() -> dict[str, int]:
    return {
        "municipalities": Municipality.objects.count(),
        "districts": Area.objects.filter(level=Area.Level.DISTRICT).count(),
        "neighbourhoods": Area.objects.filter(level=Area.Level.NEIGHBOURHOOD).count(),
        "stations": Stop.objects.filter(kind=Stop.Kind.METRO).count(),
        "places": Place.objects.filter(is_demo=True).count(),
        "listed": Place.objects.listed().count(),
        "applications": Application.objects.count(),
        "resources": Place.objects.filter(is_demo=True).aggregate(n=Count("resources"))["n"],
    }
