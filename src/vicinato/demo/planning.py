"""The demo city's planning: commuters per NIL, a survey answered in several neighbourhoods, needs reported by the
community manager, site proposals under review, and two saved scenarios; each through the planning app's own
functions."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone, translation

from vicinato.geo.models import Area
from vicinato.planning import commuters, proposals, scenarios, surveys
from vicinato.planning.models import Need, Proposal, Response, Scenario, Survey
from vicinato.register.models import Membership, Organisation

from .places import DEMO_PASSWORD

PLANNER = "urbanista"
CITY = "Comune di Milano (demo)"
COMMUTERS = Path(settings.SOURCE_DATA_DIR) / "milano" / "nil_commute_mode_census2011.csv"
# NIL code -> answers: five neighbourhoods with enough answers to show (Loreto, Padova, Giambellino,
# Lodi-Corvetto, Niguarda), three with fewer than 5 (Brera, Duomo, Isola).
ANSWERS = {"20": 12, "19": 9, "49": 8, "35": 7, "14": 6, "2": 3, "1": 2, "11": 4}
NEEDS = [
    ("35", "Postazioni per caregiver che lavorano da casa", 60, "Sportello Milano Sei l'Altro", 40),
    ("49", "Spazio studio e lavoro per giovani NEET", 35, "Laboratorio di quartiere", 25),
    ("19", "Coworking con servizio di custodia bambini", 80, "Questionario scuole", 15),
    ("76", "Postazioni vicino a casa per chi fa lunghi spostamenti", 50, "Custodi sociali", 60),
]
# (title, kind, address, lat, lon, desks, proposer key, outcome)
PROPOSALS = [
    ("Negozio sfitto in via Padova", "shop", "Via Padova 120", 45.5000, 9.2310, 12, "community", "accept"),
    (
        "Sala della biblioteca Chiesa Rossa",
        "library",
        "Via San Domenico Savio 3",
        45.4330,
        9.1720,
        10,
        "libraries",
        "accept",
    ),
    (
        "Piano libero di una sede aziendale",
        "company",
        "Viale Monza 260",
        45.5170,
        9.2290,
        30,
        "coop",
        "request_changes",
    ),
    ("Ex mercato comunale Lorenteggio", "other", "Via Lorenteggio 170", 45.4500, 9.1330, 20, "coop", None),
]


def _organisation(key: str) -> Organisation | None:
    return Organisation.objects.filter(is_demo=True, email=f"{key}@demo.vicinato.example").first()


def _planner():
    city = Organisation.objects.filter(legal_name=CITY).first()
    if city is None:
        return None
    user, created = get_user_model().objects.get_or_create(
        username=PLANNER,
        defaults={"first_name": "Umberto", "last_name": "Rossi", "email": f"{PLANNER}@demo.vicinato.example"},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    Membership.objects.get_or_create(organisation=city, user=user, defaults={"role": Membership.Role.STAFF})
    return user


@translation.override(
    "it"
)  # the demo's planners and surveys write in Italian, and their notes are stored as such
def load_demo(rng: random.Random | None = None) -> dict[str, int]:
    """Commuters, a survey with its answers, needs and proposals (once)."""
    rng = rng or random.Random(20261207)
    community, coop, libraries = _organisation("community"), _organisation("coop"), _organisation("libraries")
    planner = _planner()
    if (
        None in (community, coop, libraries, planner)
        or Survey.objects.filter(organisation=community).exists()
    ):
        return {"surveys": 0, "proposals": 0}
    if COMMUTERS.exists():
        commuters.import_commuters(COMMUTERS)
    nils = {a.code: a for a in Area.objects.filter(level=Area.Level.NEIGHBOURHOOD)}
    manager = community.memberships.filter(role=Membership.Role.ADMIN).first().user
    survey = surveys.create_survey(
        manager,
        community,
        "Lavorare vicino a casa",
        title_en="Working near home",
        description="Ci aiuta a capire dove aprire nuovi spazi di lavoro di prossimità.",
        description_en="It helps us understand where to open new workspaces close to where people live.",
        counts_as_demand=True,
        questions=[
            {
                "kind": "choice",
                "text": "Lavoreresti in uno spazio vicino a casa?",
                "text_en": "Would you work in a space near your home?",
                "options": ["sì", "forse", "no"],
                "options_en": ["yes", "maybe", "no"],
                "required": True,
            },
            {
                "kind": "multiple",
                "text": "Che cosa ti servirebbe?",
                "text_en": "What would you need?",
                "options": ["scrivania", "sala riunioni", "custodia bambini"],
                "options_en": ["desk", "meeting room", "childcare"],
            },
            {
                "kind": "scale",
                "text": "Quanto ti interessa? (1–5)",
                "text_en": "How interested are you? (1–5)",
            },
            {"kind": "number", "text": "Quanti giorni a settimana?", "text_en": "How many days a week?"},
            {"kind": "text", "text": "Altro?", "text_en": "Anything else?"},
        ],
    )
    surveys.set_state(manager, survey, Survey.State.OPEN)
    questions = [str(q.pk) for q in survey.questions.all()]
    for code, count in ANSWERS.items():
        for _index in range(count if code in nils else 0):
            needs = rng.sample(["scrivania", "sala riunioni", "custodia bambini"], 2)
            surveys.answer(
                None,
                survey,
                nils[code],
                {
                    questions[0]: rng.choice(["sì", "sì", "forse", "no"]),
                    questions[1]: needs,
                    questions[2]: rng.randint(2, 5),
                    questions[3]: rng.randint(1, 4),
                },
            )
    today = timezone.localdate()
    for code, need, people, source, days in NEEDS:
        if code in nils:
            proposals.report_need(
                manager,
                community,
                neighbourhood=nils[code],
                need=need,
                estimated_people=people,
                source=source,
                observed_on=today - timedelta(days=days),
            )
    organisations = {"community": community, "coop": coop, "libraries": libraries}
    made = 0
    for title, kind, address, lat, lon, desks, key, outcome in PROPOSALS:
        proposer = organisations[key].memberships.filter(role=Membership.Role.ADMIN).first().user
        proposal = proposals.propose(
            proposer,
            organisations[key],
            title=title,
            address=address,
            lat=lat,
            lon=lon,
            desks=desks,
            kind=kind,
        )
        if outcome == "accept":
            proposals.transition(proposal, "accept", planner)
        elif outcome == "request_changes":
            proposals.transition(
                proposal, "request_changes", planner, "Indicate la superficie e gli orari di apertura."
            )
        made += 1
    return {"surveys": 1, "proposals": made}


def load_scenarios() -> int:
    """Two saved scenarios on the city's street network (once): ten sites most residents reach on foot in 15
    minutes, and ten sites with the least walking, among the metro stations and the accepted proposals."""
    planner = get_user_model().objects.filter(username=PLANNER).first()
    if planner is None or Scenario.objects.filter(created_by=planner).exists():
        return 0
    common = {"k": 10, "mode": "walk", "minutes": 15, "sources": ["metro", "proposals"], "time_limit_s": 20}
    scenarios.save(
        planner,
        "Dieci nuovi spazi: più residenti a 15 minuti a piedi",
        scenarios.check_params({**common, "objective": "covering", "layers": {"residents": 1, "needs": 5}}),
    )
    scenarios.save(
        planner,
        "Dieci nuovi spazi: meno cammino (p-median)",
        scenarios.check_params({**common, "objective": "median", "layers": {"residents": 1}}),
    )
    return 2


def remove_demo() -> None:
    Response.objects.filter(survey__organisation__is_demo=True).delete()
    Survey.objects.filter(organisation__is_demo=True).delete()
    Need.objects.filter(organisation__is_demo=True).delete()
    Proposal.objects.filter(organisation__is_demo=True).delete()
    Scenario.objects.filter(created_by__username=PLANNER).delete()
    get_user_model().objects.filter(username=PLANNER).delete()
