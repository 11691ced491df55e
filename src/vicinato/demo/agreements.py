"""The demo's Smart Working Community (an agreement between demo companies and the City of Milan) and its
coworking voucher; needs the register's demo and the demo places' resources, and skips what they lack."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from vicinato.agreements import services
from vicinato.agreements.models import (
    Affiliation,
    Agreement,
    AllowedDomain,
    Community,
    LedgerEntry,
    VoucherApplication,
    VoucherProgramme,
)
from vicinato.booking.models import Resource
from vicinato.register.models import Membership, Organisation, Register

AGREEMENT_NAME = "Smart Working Community — pilota 2026"
COMMUNITY_NAME = "Smart Working Community (demo)"
PROGRAMME_NAME = "Milano coworking voucher 50%"


def _city_of_milan() -> Organisation:
    city, _created = Organisation.objects.get_or_create(
        legal_name="Comune di Milano (demo)",
        defaults={
            "kind": Organisation.Kind.PUBLIC_BODY,
            "is_demo": True,
            "email": "comune@demo.vicinato.example",
        },
    )
    AllowedDomain.objects.get_or_create(organisation=city, domain="comune.milano.demo.vicinato.example")
    return city


def _affiliate(person, organisation: Organisation) -> None:
    if person and not Affiliation.objects.filter(person=person, organisation=organisation).exists():
        Affiliation.objects.create(
            person=person,
            organisation=organisation,
            state=Affiliation.State.ACTIVE,
            method=Affiliation.Method.ADMIN,
            started_at=timezone.now(),
        )


def _agreement(city: Organisation, users: dict) -> bool:
    if Agreement.objects.filter(name=AGREEMENT_NAME).exists():
        return False
    companies = Organisation.objects.filter(
        is_demo=True, kind=Organisation.Kind.COMPANY, memberships__user__username="azienda"
    ).order_by("pk")
    host = companies.filter(places__resources__kind=Resource.Kind.DESK).first()
    desks = Resource.objects.filter(place__operator=host, kind=Resource.Kind.DESK, requires_approval=False)
    if host is None or not desks.exists():
        return False  # the demo places or their resources are not loaded: nothing to open
    desks.update(who_may_book=Resource.WhoMayBook.AGREEMENT)
    community, _created = Community.objects.get_or_create(
        name=COMMUNITY_NAME,
        defaults={
            "description": "Aziende dell'associazione e Comune di Milano",
            "is_demo": True,
        },
    )
    community.organisations.set([*companies.distinct(), city])
    today = timezone.localdate()
    agreement = Agreement.objects.create(
        host=host,
        name=AGREEMENT_NAME,
        description="Postazioni aperte ai dipendenti comunali e delle aziende aderenti, vicino a casa, senza "
        "costi per il Comune.",
        desks_per_day=4,
        weekdays=[0, 1, 2, 3, 4],
        opens_at=time(8, 30),
        closes_at=time(18, 30),
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=180),
        days_per_month_per_person=8,
        created_by=users.get("azienda"),
    )
    # The demo community has no owner: the site runs it, and the site naming it is its consent
    # (`consent.invite_communities`).
    agreement.communities.add(community)
    agreement.resources.set(desks)
    services.change_agreement_state(agreement, "activate", users["azienda"])
    return True


def _programme(city: Organisation, users: dict) -> bool:
    if VoucherProgramme.objects.filter(name_it=PROGRAMME_NAME).exists():
        return False
    year = timezone.localdate().year
    programme = VoucherProgramme.objects.create(
        funder=city,
        name_it=PROGRAMME_NAME,
        name_en="Milan coworking voucher 50%",
        description_it="Il Comune rimborsa il 50% di quanto speso negli spazi di coworking dell'elenco qualificato, "
        "fino a 1.500 € l'anno per persona.",
        description_en="The City refunds 50% of what you spend in qualified coworking spaces, up to EUR 1,500 a "
        "year per person.",
        budget=Decimal("200000.00"),
        coverage_percent=Decimal("50"),
        cap_per_person_year=Decimal("1500.00"),
        audiences=["freelancers", "remote_employees"],
        priority_younger_than=35,
        applications_from=date(year, 1, 1),
        applications_until=date(year, 12, 31),
        valid_from=date(year, 1, 1),
        valid_until=date(year, 12, 31),
        is_demo=True,
    )
    for order, (label_it, label_en) in enumerate(
        [("Documento d'identità", "Identity card"), ("Visura della partita IVA", "VAT registration")]
    ):
        programme.required_documents.create(label_it=label_it, label_en=label_en, order=order)
    programme.registers.set(Register.objects.filter(slug="elenco-coworking-milano"))
    programme.reviewers.set([u for u in (users.get("revisore"),) if u])
    worker = users.get("lavoratrice")
    if worker:
        application = VoucherApplication.objects.create(
            programme=programme,
            person=worker,
            birth_date=date(year - 31, 4, 12),
            audience="freelancers",
            statement="Grafica freelance",
            state=VoucherApplication.State.APPROVED,
            submitted_at=timezone.now(),
            decided_at=timezone.now(),
        )
        for action, source, target, actor in (
            ("submit", "", "submitted", worker),
            ("approve", "submitted", "approved", users.get("revisore")),
        ):
            application.events.create(
                action=action, from_state=source, to_state=target, actor=actor, at=timezone.now()
            )
    return True


def load_demo() -> dict[str, int]:
    """Load the agreement and the voucher programme (once). Call it after the demo places' resources exist and
    before the demo bookings, so that the worker's bookings find her voucher and the agreement."""
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=["azienda", "revisore", "lavoratrice"])
    }
    if "azienda" not in users:
        return {"agreements": 0, "voucher_programmes": 0}
    with transaction.atomic():
        city = _city_of_milan()
        if users.get("revisore"):  # the city's reviewer also runs its voucher desk (programmes, communities)
            Membership.objects.get_or_create(
                organisation=city, user=users["revisore"], defaults={"role": Membership.Role.ADMIN}
            )
        _affiliate(users.get("lavoratrice"), city)  # a municipal employee, who may book under the agreement
        agreements = _agreement(city, users)
        programmes = _programme(city, users)
    return {"agreements": int(agreements), "voucher_programmes": int(programmes)}


def remove_demo() -> None:
    """Remove what `load_demo` made; call it before the demo's reservations and organisations are deleted
    (ledger entries protect the bookings they account for)."""
    LedgerEntry.objects.filter(programme__is_demo=True).delete()
    VoucherProgramme.objects.filter(is_demo=True).delete()
    Community.objects.filter(is_demo=True).delete()
    Agreement.objects.filter(host__is_demo=True).delete()
