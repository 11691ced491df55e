"""The pages of memberships, agreements and vouchers in a real Chromium on the demo city: who sees what (names of
the people who booked only for their own employer and the host's operators), the usage CSV, axe on every page
in English on a desktop and in Italian on a 360 px phone, and the forms' errors next to their fields.
Screenshots: artifacts/screenshots/<journey>/NN-step.png, with axe-results.json beside them."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from .conftest import page_width, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "locale": "it-IT"}
ENGLISH_DESKTOP_AND_ITALIAN_PHONE = pytest.mark.parametrize(
    "language, options", [("en", {}), ("it", PHONE)], ids=["english-desktop", "italian-phone"]
)
USAGE_HEADER = [
    "day",
    "place",
    "guest",
    "bookings",
    "check_ins",
    "no_shows",
    "cancelled",
    "desk_days",
    "amount_eur",
]
CITY = "Comune di Milano (demo)"


@dataclass
class Scene:
    """The demo's agreement with two bookings under it, from guests whose operators differ; a subsidised
    booking of the worker's; an application waiting at the programme's desk."""

    agreement: object
    host: object
    association: object  # a named guest, run by `comunita`
    laura_day: date  # the worker's booking under the agreement (her guest: the City of Milan)
    marco_day: date  # an employee of the association's booking under the agreement
    programme: object
    statement_place: str
    subsidy: str
    subsidy_day: date
    waiting: object  # Chiara Conti's application, to review


def _book(person, resource):
    """The first free slot from the day after tomorrow (the demo books today and tomorrow) that the rules allow."""
    from django.core.exceptions import ValidationError

    from vicinato.booking import services

    length = timedelta(minutes=max(resource.min_minutes, resource.slot_minutes))
    for slot in services.availability(resource, timezone.localdate() + timedelta(days=2), days=21):
        if slot.free:
            try:
                return services.reserve(person, resource, slot.start, slot.start + length)
            except (ValidationError, services.BookingError):
                continue
    pytest.fail(f"no free slot for {person} at {resource} in three weeks")


@pytest.fixture
def scene(demo) -> Scene:
    from django.contrib.auth import get_user_model

    from vicinato.agreements import vouchers
    from vicinato.agreements.models import Affiliation, Agreement, LedgerEntry, VoucherProgramme
    from vicinato.booking.models import Resource
    from vicinato.demo import agreements as agreements_demo
    from vicinato.register.models import Application, Organisation

    users = get_user_model().objects
    laura, chiara = users.get(username="lavoratrice"), users.get(username="comunita")
    agreement = Agreement.objects.select_related("host").get(name=agreements_demo.AGREEMENT_NAME)
    association = Organisation.objects.get(memberships__user=chiara)
    agreement.guests.add(association)
    marco = users.create_user("marco", "marco@example.org", first_name="Marco", last_name="Bianchi")
    Affiliation.objects.create(
        person=marco,
        organisation=association,
        state=Affiliation.State.ACTIVE,
        method=Affiliation.Method.ADMIN,
        started_at=timezone.now(),
    )
    desk = agreement.resources.get()
    laura_booking, marco_booking = _book(laura, desk), _book(marco, desk)
    assert laura_booking.agreement_booking.guest.legal_name == CITY
    assert marco_booking.agreement_booking.guest == association

    programme = VoucherProgramme.objects.get(name_it=agreements_demo.PROGRAMME_NAME)
    if programme.valid_until < timezone.localdate() + timedelta(days=30):
        programme.valid_until += timedelta(days=60)  # late December: the booking below falls in January
        programme.save(update_fields=["valid_until"])
    listed = Application.objects.listed().filter(register__in=programme.registers.all()).values("place")
    cowork = (
        Resource.objects.filter(kind=Resource.Kind.DESK, place__in=listed, price_cents_per_slot__gt=0)
        .exclude(who_may_book=Resource.WhoMayBook.AGREEMENT)
        .select_related("place")
        .order_by("place__name_it")
        .first()
    )
    entry = LedgerEntry.objects.get(reservation=_book(laura, cowork))
    waiting = vouchers.apply(chiara, programme, date(1990, 6, 1), "freelancers", "Progettista / designer")
    return Scene(
        agreement=agreement,
        host=agreement.host,
        association=association,
        laura_day=timezone.localdate(laura_booking.start),
        marco_day=timezone.localdate(marco_booking.start),
        programme=programme,
        statement_place=cowork.place.name_en,
        subsidy=f"{entry.amount:.2f}",
        subsidy_day=entry.day,
        waiting=waiting,
    )


def url(name: str, language: str, *args) -> str:
    with translation.override(language):
        return reverse(f"agreements:{name}", args=args)


def heading(page):
    return page.get_by_role("heading", level=1)


def row_with(table, *texts: str):
    rows = table.locator("tbody tr")
    for text in texts:
        rows = rows.filter(has_text=text)
    return rows


def test_who_sees_what_under_the_agreement_in_english(browsing, scene):
    """Journey: the host's administrator reads the usage and downloads it; a guest's administrator sees only
    her own people's names; the worker finds her agreements, vouchers and statement; the reviewer, his desk."""
    agreement, host = scene.agreement, scene.host
    b = browsing("agreements-en")
    page = b.page
    sign_in(page, "azienda", "/en")
    page.locator("main").get_by_role("link", name=host.legal_name, exact=True).click()
    page.locator("main").get_by_role("link", name="Agreements", exact=True).click()
    expect(heading(page)).to_have_text(host.legal_name)
    offered = page.get_by_role("table", name="Agreements offered")
    expect(row_with(offered, agreement.name)).to_contain_text("Active")
    expect(page.get_by_role("link", name="Draft an agreement")).to_be_visible()
    b.audit("organisation-agreements")
    b.shot("organisation-agreements")

    offered.get_by_role("link", name=agreement.name).click()
    expect(heading(page)).to_have_text(agreement.name)
    expect(page.get_by_text(f"Offered by {host.legal_name} · Active")).to_be_visible()
    per_day = page.get_by_role("table", name=re.compile(r"^Bookings, check-ins and no-shows per day"))
    laura_row = row_with(per_day, scene.laura_day.strftime("%m/%d/%Y"), CITY)
    expect(laura_row).to_have_count(1)
    expect(laura_row.locator("td").nth(2)).to_have_text("1")  # bookings, after the place and the guest
    expect(
        row_with(per_day, scene.marco_day.strftime("%m/%d/%Y"), scene.association.legal_name)
    ).to_have_count(1)
    each = page.get_by_role("table", name="Each booking")
    # The host's operators see every name.
    expect(row_with(each, CITY)).to_contain_text("Laura Esposito")
    expect(row_with(each, scene.association.legal_name)).to_contain_text("Marco Bianchi")
    expect(page.get_by_role("region", name="Each booking")).to_have_attribute("tabindex", "0")
    b.audit("agreement-as-host")
    b.shot("agreement-as-host")

    with page.expect_download() as download:
        page.get_by_role("link", name="Usage (CSV)").click()
    assert download.value.suggested_filename == f"agreement-{agreement.pk}-usage.csv"
    with open(download.value.path(), encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == USAGE_HEADER
    assert rows[1:] and all(len(row) == len(USAGE_HEADER) for row in rows[1:])
    usage = [dict(zip(USAGE_HEADER, row, strict=True)) for row in rows[1:]]
    laura = [r for r in usage if r["day"] == scene.laura_day.isoformat() and r["guest"] == CITY]
    assert len(laura) == 1 and laura[0]["bookings"] == "1" and laura[0]["cancelled"] == "0"
    assert re.fullmatch(r"\d+\.\d\d", laura[0]["amount_eur"])  # an exact decimal, not 0E-2 or 1,00
    assert any(r["guest"] == scene.association.legal_name for r in usage)
    assert not any("Laura" in cell or "Marco" in cell for row in rows for cell in row)  # no names in usage
    sign_out(page)

    # A guest's administrator: her own employee's bookings with his name; the other guest's bookings not at all
    # (issue 18, finding 11: they were listed, with the name hidden).
    sign_in(page, "comunita", "/en", next=url("organisation_agreements", "en", scene.association.pk))
    received = page.get_by_role("table", name="Agreements received")
    received.get_by_role("link", name=agreement.name).click()
    each = page.get_by_role("table", name="Each booking")
    expect(row_with(each, scene.association.legal_name)).to_contain_text("Marco Bianchi")
    expect(row_with(each, CITY)).to_have_count(0)
    expect(each).not_to_contain_text("Laura Esposito")
    expect(page.get_by_role("link", name="Change the terms")).to_have_count(0)
    b.audit("agreement-as-guest")
    b.shot("agreement-as-guest")
    sign_out(page)

    # The worker: her memberships and agreements, her vouchers and statement; no usage of the agreement.
    sign_in(page, "lavoratrice", "/en")
    page.locator("header").get_by_role("link", name="Agreements and vouchers").click()
    expect(heading(page)).to_have_text("My organisations and agreements")
    assert b.path == url("mine", "en")
    mine = page.get_by_role("table", name="Organisations you belong to")
    expect(row_with(mine, CITY)).to_contain_text("Active")
    expect(page.get_by_role("heading", level=3, name=agreement.name)).to_be_visible()
    b.audit("mine")
    b.shot("mine")
    page.get_by_role("heading", level=3, name=agreement.name).get_by_role("link").click()
    expect(heading(page)).to_have_text(agreement.name)
    expect(page.get_by_role("heading", name="Usage")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("Laura Esposito")
    b.audit("agreement-as-booker")
    page.go_back()
    page.locator("main").get_by_role("link", name="Voucher programmes").click()
    expect(heading(page)).to_have_text("Voucher programmes")
    expect(page.get_by_role("heading", level=2, name=scene.programme.name_en)).to_be_visible()
    expect(page.locator("main li").filter(has_text=scene.programme.name_en).last).to_contain_text("Approved")
    b.audit("vouchers")
    page.locator("main").get_by_role("link", name="My voucher statement").click()
    expect(heading(page)).to_have_text("My voucher statement")
    year = scene.subsidy_day.year
    expect(page.get_by_role("heading", level=2, name=f"{scene.programme.name_en} — {year}")).to_be_visible()
    entries = page.get_by_role("table", name="Each subsidised booking")
    expect(row_with(entries, scene.statement_place)).to_contain_text(scene.subsidy)
    b.audit("statement")
    b.shot("statement")
    sign_out(page)

    # The programme's reviewer: the desk, with the applicant's name (reviewers decide on people).
    sign_in(page, "revisore", "/en", next=url("vouchers", "en"))
    page.get_by_role("link", name="Programme desk").click()
    expect(heading(page)).to_have_text(f"Programme desk: {scene.programme.name_en}")
    expect(page.get_by_role("heading", level=2, name="1 application to review")).to_be_visible()
    queue = page.get_by_role("table", name="Applications to review, priorities first")
    expect(queue.get_by_role("link", name="Chiara Conti")).to_be_visible()
    expect(page.locator("main li").filter(has_text="Laura Esposito")).to_contain_text("Approved")
    report = page.get_by_role("table", name="Per month, programme and place")
    expect(row_with(report, scene.subsidy_day.strftime("%Y-%m"), scene.statement_place)).to_have_count(1)
    b.audit("programme-desk")
    b.shot("programme-desk")
    queue.get_by_role("link", name="Chiara Conti").click()
    expect(heading(page)).to_have_text(f"Application to {scene.programme.name_en}")
    expect(page.get_by_role("button", name="Approve")).to_be_visible()
    b.audit("application-to-review")


PHONE_PAGES = [
    # (who, page, arguments from the scene, what the first heading says)
    ("azienda", "organisation_agreements", lambda s: [s.host.pk], lambda s: s.host.legal_name),
    ("azienda", "agreement", lambda s: [s.agreement.pk], lambda s: s.agreement.name),
    ("azienda", "members", lambda s: [s.host.pk], lambda s: s.host.legal_name),
    ("azienda", "operator_vouchers", lambda s: [s.host.pk], lambda s: s.host.legal_name),
    ("azienda", "agreement_edit", lambda s: [s.agreement.pk], lambda s: f"Modifica «{s.agreement.name}»"),
    ("comunita", "agreement", lambda s: [s.agreement.pk], lambda s: s.agreement.name),
    ("lavoratrice", "mine", lambda s: [], lambda s: "Le mie organizzazioni e convenzioni"),
    ("lavoratrice", "vouchers", lambda s: [], lambda s: "Programmi voucher"),
    ("lavoratrice", "statement", lambda s: [], lambda s: "Il mio estratto conto voucher"),
    ("revisore", "programme_desk", lambda s: [s.programme.pk], lambda s: s.programme.name_it),
    ("revisore", "voucher_application", lambda s: [s.waiting.pk], lambda s: s.programme.name_it),
]


def _fits_the_phone(page) -> None:
    width = page_width(page)
    assert width <= 360, f"{page.url} is {width} px wide on a 360 px phone"


def test_the_pages_in_italian_on_a_phone(browsing, scene):
    """The journey's pages (and the organisation's other pages) in Italian, 360 px wide: axe and no sideways
    scrolling of the page (wide tables scroll inside their own region, which takes the keyboard focus)."""
    b = browsing("agreements-it-phone", **PHONE)
    page = b.page
    who = None
    for person, name, args, title in PHONE_PAGES:
        if person != who:
            if who:
                sign_out(page)
            sign_in(page, person, "")
            who = person
        page.goto(url(name, "it", *args(scene)))
        expect(heading(page)).to_contain_text(title(scene))
        assert page.evaluate("document.documentElement.lang") == "it"
        _fits_the_phone(page)
        if (person, name) == ("azienda", "agreement"):
            # The usage table is wider than the phone: it scrolls inside its region, which the keyboard reaches.
            region = page.get_by_role("region", name=re.compile(r"^Prenotazioni, check-in e mancate"))
            expect(region).to_have_attribute("tabindex", "0")
            assert region.evaluate("e => e.scrollWidth > e.clientWidth")
            expect(page.get_by_role("table", name="Ogni prenotazione")).to_contain_text("Laura Esposito")
        label = f"{name}-{person}"
        b.audit(label)
        b.shot(label)


def _error_next_to(page, field_id: str, message: str) -> None:
    """The field is marked invalid, described by its message, and the message is shown right below it."""
    field = page.locator(f"#{field_id}")
    expect(field).to_have_attribute("aria-invalid", "true")
    error = page.locator(f"#{field_id}-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(message)
    assert f"{field_id}-error" in (field.get_attribute("aria-describedby") or "").split()
    # Next to it: in the same field group, just after the field (and its help), not in a summary elsewhere.
    assert page.evaluate(
        "([f, e]) => document.getElementById(f).parentElement.contains(document.getElementById(e))",
        [field_id, f"{field_id}-error"],
    )
    # Both boxes measured in one frame: two separate measures may straddle a (smooth) scroll of the page.
    gap = page.evaluate(
        "([f, e]) => document.getElementById(e).getBoundingClientRect().top"
        " - document.getElementById(f).getBoundingClientRect().bottom",
        [field_id, f"{field_id}-error"],
    )
    assert 0 <= gap < 80


@ENGLISH_DESKTOP_AND_ITALIAN_PHONE
def test_forms_with_errors(browsing, scene, language, options):
    """An empty agreement, an invalid invitation, an empty e-mail domain, an empty voucher application and a
    wrong work e-mail: each error next to its field, and axe on each page as it shows them."""
    english = language == "en"
    prefix = "/en" if english else ""
    b = browsing(f"agreements-errors-{language}", **options)
    page = b.page
    required = "This field is required." if english else "Questo campo è obbligatorio."
    invalid_email = "Enter a valid email address." if english else "Inserisci un indirizzo email valido."

    def check(name: str) -> None:
        if not english:
            _fits_the_phone(page)
        b.audit(name)
        b.shot(name)

    sign_in(page, "azienda", prefix)
    page.goto(url("agreement_create", language, scene.host.pk))
    page.locator("main form").get_by_role("button", name="Save" if english else "Salva").click()
    expect(
        page.get_by_role("alert").filter(has_text="not saved" if english else "non è stata salvata")
    ).to_be_visible()
    _error_next_to(page, "id_name", required)
    _error_next_to(page, "id_starts_on", required)
    expect(page.locator("#id_resources-error")).to_contain_text(required)
    check("agreement-form-errors")

    page.goto(url("members", language, scene.host.pk))
    page.locator("#id_invite-email").fill("andrea.greco@")
    page.locator("main button[name='invite']").click()
    _error_next_to(page, "id_invite-email", invalid_email)
    expect(page.locator("#id_invite-email")).to_have_value("andrea.greco@")  # kept, to correct
    check("invitation-errors")
    page.locator("main button[name='domain']").click()
    _error_next_to(page, "id_domain-domain", required)
    check("domain-errors")

    page.goto(url("voucher_apply", language, scene.programme.pk))
    page.locator("main form").get_by_role("button").click()
    expect(
        page.get_by_role("alert").filter(has_text="not sent" if english else "non è stata inviata")
    ).to_be_visible()
    _error_next_to(page, "id_birth_date", required)
    check("voucher-application-errors")

    page.goto(url("mine", language))
    page.locator("#id_email-email").fill("andrea@")
    page.locator("main button[name='email']").click()
    _error_next_to(page, "id_email-email", invalid_email)
    check("work-email-errors")


@ENGLISH_DESKTOP_AND_ITALIAN_PHONE
def test_the_funders_programme_desk(browsing, scene, language, options):
    """The funder's administrator lists the programmes, changes one (a budget below what the ledger holds is
    refused next to the field), opens an empty new one (errors next to the fields), and sees the documents of
    an application ticked one by one; axe on each page."""
    from django.contrib.auth import get_user_model

    from vicinato.register.models import Membership

    english = language == "en"
    prefix = "/en" if english else ""
    funder = scene.programme.funder
    rita = get_user_model().objects.get(username="revisore")
    Membership.objects.get_or_create(organisation=funder, user=rita, defaults={"role": Membership.Role.ADMIN})
    b = browsing(f"programme-desk-{language}", **options)
    page = b.page

    def check(name: str) -> None:
        if not english:
            _fits_the_phone(page)
        b.audit(name)
        b.shot(name)

    sign_in(page, "revisore", prefix)
    page.goto(url("organisation_programmes", language, funder.pk))
    expect(
        page.get_by_role(
            "table", name="Voucher programmes we fund" if english else "Programmi voucher che finanziamo"
        )
    ).to_contain_text(scene.programme.name_en if english else scene.programme.name_it)
    check("funded-programmes")

    page.goto(url("programme_edit", language, scene.programme.pk))
    expect(page.locator("#id_documents-0-label_it")).to_have_value("Documento d'identità")
    page.locator("#id_budget").fill("0.00")
    page.locator("main form").get_by_role("button", name="Save" if english else "Salva").click()
    _error_next_to(
        page,
        "id_budget",
        "The budget cannot be lower than" if english else "Il budget non può essere inferiore",
    )
    check("programme-form-budget-error")

    page.goto(url("programme_create", language, funder.pk))
    page.locator("main form").get_by_role("button", name="Save" if english else "Salva").click()
    expect(
        page.get_by_role("alert").filter(has_text="not saved" if english else "non è stato salvato")
    ).to_be_visible()
    _error_next_to(
        page, "id_name_it", "This field is required." if english else "Questo campo è obbligatorio."
    )
    _error_next_to(
        page, "id_budget", "This field is required." if english else "Questo campo è obbligatorio."
    )
    check("programme-form-errors")

    page.goto(url("voucher_application", language, scene.waiting.pk))
    documents = page.get_by_role(
        "table", name="Documents the programme asks for" if english else "Documenti richiesti dal programma"
    )
    expect(documents.locator("tbody tr")).to_have_count(2)
    expect(documents).to_contain_text("Not uploaded yet" if english else "Non ancora caricato")
    check("application-documents")
