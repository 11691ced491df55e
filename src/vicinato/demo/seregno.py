"""The Town of Seregno's coworking register in the demo: an invented operator's places at real streets of Seregno,
with applications in every state of the review (listed, waiting, changes requested, rejected, a draft that fails
a requirement)."""

from __future__ import annotations

import random

from django.contrib.auth import get_user_model

from vicinato.geo.models import Municipality
from vicinato.register.models import Membership, Organisation, Register
from vicinato.register.workflow import start_application, transition

from .places import SEREGNO_ISTAT_CODE, approve, create_place, partita_iva

REGISTER = "elenco-coworking-seregno"
OPERATOR = "operatore.seregno"

# Invented places at real streets of Seregno; what happens to each one's application.
PLACES = [
    ("Brianza Cowork Centro (demo)", "Corso del Popolo 15, Seregno", 45.6503, 9.2031, "approved"),
    ("Spazio Stazione Seregno (demo)", "Via Alcide De Gasperi 4, Seregno", 45.6470, 9.1995, "approved"),
    ("Coworking Umberto I (demo)", "Via Umberto I 40, Seregno", 45.6515, 9.2058, "approved"),
    (
        "Officina Digitale San Salvatore (demo)",
        "Via Stefano da Seregno 30, Seregno",
        45.6530,
        9.2010,
        "submitted",
    ),
    ("Coworking Via Milano (demo)", "Via Milano 60, Seregno", 45.6420, 9.2080, "changes_requested"),
    ("Laboratorio Montello (demo)", "Via Montello 100, Seregno", 45.6600, 9.1990, "rejected"),
    ("Postazioni Cavour (demo)", "Via Cavour 12, Seregno", 45.6497, 9.2062, "draft"),
]
NOTES = {
    "changes_requested": "Indicate gli orari di apertura del sabato",
    "rejected": "Lo spazio è un magazzino, non un coworking",
}


def load_places(rng: random.Random) -> None:
    """Seregno's operator, places and applications (once)."""
    if Organisation.objects.filter(is_demo=True, memberships__user__username=OPERATOR).exists():
        return
    register = Register.objects.get(slug=REGISTER)
    seregno = Municipality.objects.get(istat_code=SEREGNO_ISTAT_CODE)
    applicant = get_user_model().objects.get(username=OPERATOR)
    reviewer = register.reviewers.first()
    operator = Organisation.objects.create(
        kind=Organisation.Kind.COWORKING_OPERATOR,
        legal_name="Brianza Lavoro Agile S.r.l. (demo)",
        partita_iva=partita_iva(rng),
        is_demo=True,
        email="brianza@demo.vicinato.example",
        phone="+39 0362 000 000",
        address="Seregno",
    )
    Membership.objects.create(organisation=operator, user=applicant, role=Membership.Role.ADMIN)
    for name, address, lat, lon, outcome in PLACES:
        spec = {"kind": "coworking", "name": name, "address": address, "lat": lat, "lon": lon}
        place = create_place(spec, operator, seregno, rng)
        if outcome == "draft":
            place.desks = 3  # fewer than the register asks: its draft shows the requirement that fails
            place.save(update_fields=["desks"])
        application = start_application(place, register, applicant)
        if outcome == "draft":
            continue
        application = transition(application, "submit", applicant)
        if outcome == "approved":
            approve(application, reviewer)
        elif outcome in NOTES:
            action = "request_changes" if outcome == "changes_requested" else "reject"
            transition(application, action, reviewer, NOTES[outcome])
