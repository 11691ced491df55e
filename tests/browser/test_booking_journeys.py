"""Booking journeys in a real Chromium on the demo city: a rider books a shower from a phone, a freelancer
books a desk twice a week for a month. Screenshots: artifacts/screenshots/<journey>/NN-step.png."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from .conftest import page_width, submit_login, wait_for_map

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_DAYS = 20  # days to page through looking for a free slot (holiday closures included)


def tick(page, label: str) -> None:
    """Bootstrap Italia draws the box on the label, which takes the click; a folded group is opened first."""
    box = page.get_by_label(label, exact=True)
    folded = box.locator("xpath=ancestor::details[not(@open)]")
    if folded.count():
        folded.first.locator("summary").first.click()
    if not box.is_checked():
        page.locator(f"label[for='{box.get_attribute('id')}']").click()
    expect(box).to_be_checked()


def first_free_slot(page):
    """Page through the days with "Next day" until a slot has a "Choose" link; gives it back."""
    for _ in range(MAX_DAYS):
        choose = page.locator("#slots").get_by_role("link", name=re.compile(r"^Choose"))
        if choose.count():
            return choose.first
        page.get_by_role("link", name=re.compile("Next day")).click()
        page.wait_for_load_state()
    pytest.fail(f"no free slot in {MAX_DAYS} days at {page.url}")


def test_rider_books_a_shower_from_a_phone_and_cancels_it(browsing, demo):
    """Journey 1: showers and bike repair within 10 minutes by bike from a street, book, QR + .ics, cancel."""
    b = browsing("booking-rider", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = b.page
    page.goto("/en/vicino-a-te/")
    page.get_by_label("Street and number").fill("Via Padova")
    page.get_by_role("combobox", name=re.compile(r"^How")).select_option(label="By bike")
    page.get_by_role("spinbutton", name=re.compile(r"^Minutes")).fill("10")
    tick(page, "Showers")
    tick(page, "Bike and scooter repair workshop")
    b.shot("search")
    page.locator("main").get_by_role("button", name="Search").click()

    summary = page.get_by_role("heading", level=2).filter(has_text="within 10 minutes of Via Padova")
    expect(summary).to_be_visible()
    results = page.locator("main ol > li.card")
    count = int(re.match(r"(\d+) place", summary.inner_text()).group(1))
    assert count >= 1
    expect(results).to_have_count(count)
    minutes = [float(m) for m in re.findall(r"([\d.]+) min\b", page.locator("main ol").inner_text())]
    assert len(minutes) == count and minutes == sorted(minutes) and max(minutes) <= 10
    wait_for_map(page, vector_layers=2)
    expect(page.locator(".vicinato-map .vicinato-marker")).to_have_count(count)
    b.shot("results")

    first = results.first.get_by_role("link")
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("heading", name="Book here")).to_be_visible()
    b.shot("place")
    page.get_by_role("link", name="Showers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Book at {name}")
    expect(page.get_by_role("heading", level=2, name="Showers")).to_be_visible()
    page.get_by_role("link", name="Sign in to book").click()
    submit_login(page, "lavoratrice")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Book at {name}")
    b.audit("calendar")
    b.shot("calendar")

    slot = first_free_slot(page)
    start = re.search(r"\d\d:\d\d", slot.inner_text()).group()
    slot.click()
    expect(page.get_by_label(re.compile(r"^Start time"))).to_have_value(start)
    expect(page.get_by_label(re.compile(r"^Duration"))).to_have_value("20")
    b.shot("form", full_page=False)
    page.locator("main").get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Booked.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Showers — {name}")
    expect(page.locator("#booking-state")).to_have_text("Confirmed")
    code = page.locator("#checkin-code").inner_text()
    assert re.fullmatch(r"\d+-[A-Z2-7]{8}", code), code
    expect(page.get_by_role("img", name="QR code of the check-in code")).to_be_visible()
    assert page.locator("figure svg").count() == 1
    booking_path = b.path
    b.audit("booking")
    b.shot("confirmation")
    with page.expect_download() as download:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    event = Calendar.from_ical(open(download.value.path(), "rb").read()).walk("VEVENT")[0]
    assert code in str(event["description"])
    assert timezone.localtime(event.decoded("dtstart")).strftime("%H:%M") == start

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="My bookings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My bookings")
    upcoming = page.get_by_role("table", name="Your coming bookings")
    mine = upcoming.locator(f"a[href='{booking_path}']")
    expect(mine).to_be_visible()
    expect(mine.locator("xpath=ancestor::tr")).to_contain_text("Showers")
    b.audit("my-bookings")
    b.shot("my-bookings")
    mine.click()
    page.get_by_label("Reason (optional)").fill("Shift moved")
    page.get_by_role("button", name="Cancel the booking").click()
    # A second step says what goes, with the reason kept; "keep it" is as easy to reach as "cancel".
    expect(page.locator("h1")).to_have_text("Cancel this booking?")
    expect(page.get_by_label("Reason (optional)")).to_have_value("Shift moved")
    expect(page.get_by_role("link", name="No, keep it")).to_be_visible()
    b.audit("cancel-confirm")
    b.shot("cancel-confirm")
    page.get_by_role("button", name="Yes, cancel the booking").click()
    expect(page.get_by_role("status").filter(has_text="Booking cancelled.")).to_be_visible()
    expect(page.locator(f"a[href='{booking_path}']")).to_have_count(1)  # only in the past and cancelled
    past = page.get_by_role("table", name="Your past and cancelled bookings")
    expect(past.locator(f"a[href='{booking_path}']").locator("xpath=ancestor::tr")).to_contain_text(
        "Cancelled"
    )
    b.shot("cancelled")
    assert page_width(page) <= 360


def _next_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7 or 7)


def test_freelancer_books_a_desk_twice_a_week_and_cancels_from_a_date(browsing, demo):
    """Journey 2: a desk every Tuesday and Thursday for a month; one date conflicts and is reported; she
    cancels every date from the third week on."""
    from vicinato.booking import services
    from vicinato.booking.models import Reservation, Resource
    from vicinato.register.models import Closure, Place

    desk = (
        Resource.objects.filter(place__in=Place.objects.listed(), place__kind="coworking", kind="desk")
        .select_related("place")
        .order_by("place__name_it")
        .first()
    )
    place = desk.place
    tuesday = _next_weekday(timezone.localdate(), 1)
    closures = Closure.objects.filter(place=place)
    while closures.filter(start_date__lte=tuesday + timedelta(days=28), end_date__gte=tuesday).exists():
        tuesday += timedelta(days=7)  # keep the month clear of the demo's Christmas closure
    # The operator has closed the desks for maintenance on the second Thursday.
    maintenance = tuesday + timedelta(days=9)
    operator = place.operator.memberships.first().user
    tz = timezone.get_current_timezone()
    services.block_resource(
        desk,
        datetime.combine(maintenance, time(0), tzinfo=tz),
        datetime.combine(maintenance + timedelta(days=1), time(0), tzinfo=tz),
        "Manutenzione impianti / maintenance",
        operator,
    )

    b = browsing("booking-freelancer")
    page = b.page
    page.goto(f"/en/accedi/?next=/en/luoghi/{place.public_id}/prenota/")
    submit_login(page, "lavoratrice")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Book at {place.name_en}")
    page.get_by_role("link", name=re.compile(r"^Desks")).click()
    expect(page.get_by_role("heading", level=2, name="Desks")).to_be_visible()
    page.get_by_label("Day", exact=True).first.fill(tuesday.isoformat())
    page.get_by_role("button", name="Show the day").click()
    # The whole date, so that the old page (today, maybe the same month) cannot pass for the new one.
    expect(page.locator("#slots h3")).to_have_text(f"Tuesday {tuesday.day} {tuesday.strftime('%B %Y')}")
    form = page.locator("form").filter(has=page.get_by_role("button", name="Book", exact=True))
    form.get_by_label(re.compile(r"^Start time")).select_option("08:30")
    form.get_by_label(re.compile(r"^Duration")).select_option(label="8 hours")
    tick(page, "Repeat every week")
    tick(page, "Tuesday")
    tick(page, "Thursday")
    until = tuesday + timedelta(days=27)
    form.get_by_label("Until", exact=True).fill(until.isoformat())
    b.shot("series-form")
    b.audit("series-form")
    form.get_by_role("button", name="Book", exact=True).click()

    expect(page.get_by_role("status").filter(has_text="7 dates booked, 1 not booked.")).to_be_visible()
    conflicts = page.locator("#conflicts")
    expect(conflicts).to_contain_text("Dates not booked")
    expect(conflicts.locator("li")).to_have_count(1)
    expect(conflicts).to_contain_text(f"{maintenance.day} {maintenance.strftime('%B')}")
    expect(conflicts).to_contain_text("maintenance")
    rows = page.get_by_role("table", name="The dates of the series").locator("tbody tr")
    expect(rows).to_have_count(7)
    b.audit("series")
    b.shot("series")

    cut = tuesday + timedelta(days=14)
    page.get_by_label("Cancel every date from").fill(cut.isoformat())
    page.get_by_role("button", name="Cancel from this date").click()
    expect(page.locator("h1")).to_have_text("Cancel these dates?")
    expect(
        page.get_by_role("table", name="The dates that will be cancelled").locator("tbody tr")
    ).to_have_count(4)
    b.audit("series-cancel-confirm")
    b.shot("series-cancel-confirm")
    page.get_by_role("button", name="Yes, cancel these dates").click()
    expect(page.get_by_role("status").filter(has_text="4 bookings cancelled.")).to_be_visible()
    b.shot("after-cancel")
    mine = Reservation.objects.filter(person__username="lavoratrice", resource=desk)
    assert sorted(r.start.date() for r in mine if r.state == "confirmed") == [
        tuesday,
        tuesday + timedelta(days=2),
        tuesday + timedelta(days=7),
    ]
    assert all(r.state == "cancelled" for r in mine if timezone.localdate(r.start) >= cut)
    page.get_by_role("link", name=re.compile(r"^Desks, ")).click()
    expect(page.get_by_role("table", name="The dates of the series")).to_contain_text("Cancelled")


FOCUSED = """() => { const e = document.activeElement; return {tag: e.tagName.toLowerCase(), id: e.id,
    host: e.matches(':focus'), name: e.getAttribute('name'), href: e.getAttribute('href'), type: e.getAttribute('type'),
    text: (e.innerText || e.value || '').trim().replace(/\\s+/g, ' '),
    outline: getComputedStyle(e).outlineStyle, shadow: getComputedStyle(e).boxShadow,
    visible: (r => r.width > 0 || r.height > 0)(e.getBoundingClientRect())}; }"""


def tab_to(page, matches, limit: int = 150) -> dict:
    """Press Tab until the focused element satisfies `matches`; every stop on the way must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = page.evaluate(FOCUSED)
        for _ in range(5):  # Bootstrap Italia draws the focus ring from a focus handler: give it a moment
            if now["outline"] != "none" or now["shadow"] != "none" or now["tag"] == "body":
                break
            page.wait_for_timeout(100)
            now = page.evaluate(FOCUSED)
        if now["tag"] != "body":
            assert now["visible"], f"focus on an invisible element: {now}"
            # The picker button inside Chromium's native date and time fields draws its own ring, which the
            # field's computed style does not show (the field itself no longer matches :focus); every other
            # stop, the fields' own segments included, must show ours.
            if not (now["type"] in ("date", "time") and not now["host"]):
                assert now["outline"] != "none" or now["shadow"] != "none", f"no visible focus on {now}"
        if matches(now):
            return now
    page.screenshot(path="/tmp/tabfail.png", full_page=True)
    pytest.fail(f"not reachable with Tab in {limit} presses on {page.url}")


def follow(page) -> None:
    """Press Enter on the focused link or button and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()


def test_keyboard_only_booking_in_italian(browsing, demo):
    """Journey 1 with the keyboard alone (Tab, Space, arrows, Enter), in Italian, auditing each page."""
    b = browsing("booking-keyboard")
    page = b.page
    page.goto("/vicino-a-te/")
    tab_to(page, lambda e: e["id"] == "id_address")
    page.keyboard.type("Via Padova")
    tab_to(page, lambda e: e["id"] == "id_mode")
    page.keyboard.press("ArrowDown")  # a piedi -> in bici
    expect(page.locator("#id_mode")).to_have_value("bike")
    tab_to(page, lambda e: e["id"] == "id_minutes")
    page.keyboard.press("Control+A")
    page.keyboard.type("10")
    # The filters are folded: Enter on their summary opens them.
    tab_to(page, lambda e: e["tag"] == "summary" and e["text"].startswith("Filtra i luoghi"))
    page.keyboard.press("Enter")
    showers = page.get_by_label("Docce", exact=True)
    repair = page.get_by_label("Officina riparazione bici e monopattini", exact=True)
    for box in (showers, repair):
        box_id = box.get_attribute("id")
        tab_to(page, lambda e, box_id=box_id: e["id"] == box_id)
        page.keyboard.press("Space")
        expect(box).to_be_checked()
    tab_to(page, lambda e: e["tag"] == "button" and e["text"] == "Cerca")
    follow(page)
    expect(page.get_by_role("heading", level=2).filter(has_text="entro 10 minuti")).to_be_visible()
    b.audit("nearby-results")

    first = page.locator("main ol > li.card a").first
    href, name = first.get_attribute("href"), first.inner_text()
    tab_to(page, lambda e: e["href"] == href)
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    tab_to(page, lambda e: e["text"] == "Docce" and "/prenota/" in (e["href"] or ""))
    follow(page)
    expect(page.get_by_role("heading", level=2, name="Docce")).to_be_visible()
    tab_to(page, lambda e: (e["href"] or "").startswith("/accedi/"))
    follow(page)
    tab_to(page, lambda e: e["id"] == "id_username")
    page.keyboard.type("lavoratrice")
    tab_to(page, lambda e: e["id"] == "id_password")
    page.keyboard.type("vicinato")
    follow(page)
    expect(page.get_by_role("heading", level=2, name="Docce")).to_be_visible()
    b.audit("calendar")

    for _ in range(MAX_DAYS):
        if page.locator("#slots a", has_text="Scegli").count():
            break
        tab_to(page, lambda e: e["text"].startswith("Giorno successivo"))
        follow(page)
    tab_to(page, lambda e: e["text"].startswith("Scegli"))
    follow(page)
    tab_to(page, lambda e: e["tag"] == "button" and e["text"] == "Prenota")
    b.shot("form-focused", full_page=False)
    follow(page)
    expect(page.locator("#booking-state")).to_have_text("Confermata")
    booking_path = b.path
    b.audit("booking")
    b.shot("booked")
    tab_to(page, lambda e: e["href"] == "/prenotazioni/" and e["text"] == "Le mie prenotazioni")
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Le mie prenotazioni")
    b.audit("my-bookings")
    tab_to(page, lambda e: e["href"] == booking_path)
    follow(page)
    tab_to(page, lambda e: e["tag"] == "button" and e["text"] == "Annulla la prenotazione")
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Annullare questa prenotazione?")
    b.audit("cancel-confirm")
    tab_to(page, lambda e: e["tag"] == "button" and e["text"] == "Sì, annulla la prenotazione")
    follow(page)
    expect(page.get_by_role("status").filter(has_text="Prenotazione annullata.")).to_be_visible()
    b.shot("cancelled")


def _operators_first(operator, kind: str):
    """The resource of `kind` at the first (by name) of the coworking spaces the operator works for."""
    from vicinato.booking.models import Resource

    return (
        Resource.objects.filter(
            kind=kind, place__operator__memberships__user=operator, place__kind="coworking"
        )
        .select_related("place")
        .order_by("place__name_it")
        .first()
    )


def test_operator_plans_the_day_checks_in_and_blocks_a_room(browsing, demo):
    """Journey 3: an operator signs in, sees today's plan, checks a person in by code and blocks a room for
    maintenance, cancelling the booking it covers with a reason. "Now" is a Tuesday at 10:35 in Milan, for the
    whole site (the live server included), so the check-in window is open whatever the hour of the test run."""
    from unittest import mock

    from django.contrib.auth import get_user_model

    from vicinato.booking import services
    from vicinato.booking.models import Reservation

    users = get_user_model().objects
    operator = users.get(username="operatore")
    room = _operators_first(operator, "meeting_room")
    place = room.place
    desk = place.resources.get(kind="desk")
    tz = timezone.get_current_timezone()
    day = _next_weekday(timezone.localdate() + timedelta(days=7), 1)
    now = datetime.combine(day, time(10, 35), tzinfo=tz)
    at = lambda hh, mm=0: datetime.combine(day, time(hh, mm), tzinfo=tz)  # noqa: E731
    laura, andrea = users.get(username="lavoratrice"), users.get(username="azienda")
    desk_booking = services.reserve(laura, desk, at(10, 30), at(12, 30), now=now - timedelta(hours=20))
    room_booking = services.reserve(andrea, room, at(15), at(16), now=now - timedelta(hours=20))

    with mock.patch("django.utils.timezone.now", return_value=now):
        b = browsing("booking-operator")
        page = b.page
        page.goto("/en/accedi/")
        submit_login(page, "operatore")
        expect(page.get_by_role("heading", level=1)).to_have_text("Manage")
        page.locator(f"a[href='/en/gestione/luoghi/{place.public_id}/piano/']").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Day plan of {place.name_en}")
        expect(page.locator("#day-title")).to_contain_text(f"{day.day} {day.strftime('%B')}")
        booking = page.locator(f"#booking-{desk_booking.pk}")
        expect(booking).to_contain_text("10:30–12:30")
        expect(booking).to_contain_text("Laura Esposito")
        expect(booking).to_contain_text("Confirmed")
        b.audit("day-plan")
        b.shot("day-plan")

        page.get_by_role("link", name="Check-in", exact=True).first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Check-in at {place.name_en}")
        page.get_by_label(re.compile(r"^Check-in code")).fill("12-NOTACODE")
        page.locator("main").get_by_role("button", name="Check in").click()
        expect(page.locator(".invalid-feedback")).to_contain_text("not valid")
        page.get_by_label(re.compile(r"^Check-in code")).fill(desk_booking.checkin_code.lower())
        page.locator("main").get_by_role("button", name="Check in").click()
        checked = page.get_by_role("status").filter(has_text="Checked in")
        expect(checked).to_contain_text("Laura Esposito")
        expect(checked).to_contain_text("10:30–12:30")
        b.audit("check-in")
        b.shot("checked-in")
        desk_booking.refresh_from_db()
        assert desk_booking.state == Reservation.State.CHECKED_IN
        assert desk_booking.events.last().actor == operator

        page.get_by_role("link", name="Blocks", exact=True).first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Blocks at {place.name_en}")
        page.get_by_label(re.compile(r"^Resource")).select_option(label=str(room.name_en))
        page.get_by_label("Reason (Italian)").fill("Riparazione del condizionatore")
        page.get_by_label("Reason (English)").fill("air conditioning repair")
        page.get_by_label(re.compile(r"^From")).fill(at(14).strftime("%Y-%m-%dT%H:%M"))
        page.get_by_label(re.compile(r"^Until")).fill(at(18).strftime("%Y-%m-%dT%H:%M"))
        b.audit("blocks")
        page.locator("main").get_by_role("button", name="Block", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Block of {room.name_en}")
        covered = page.locator("main li").filter(has_text="Andrea Greco")
        expect(covered).to_have_count(1)
        expect(covered).to_contain_text("15:00–16:00")
        b.shot("block-covers-a-booking")
        page.get_by_label(re.compile(r"^Reason, sent to each person")).fill("Room closed for repairs, sorry.")
        page.get_by_role("button", name="Cancel it and tell the person").click()
        expect(page.get_by_role("status").first).to_be_visible()
        b.audit("block-done")
        b.shot("block-done")
        room_booking.refresh_from_db()
        assert room_booking.state == Reservation.State.CANCELLED
        assert room_booking.events.last().note == "Room closed for repairs, sorry."

        # The room can no longer be booked in the block; the day plan shows it.
        page.goto(f"/en/gestione/luoghi/{place.public_id}/piano/")
        expect(page.get_by_text(re.compile(r"^Blocked .*air conditioning repair"))).to_be_visible()
        expect(page.locator(f"#booking-{desk_booking.pk}")).to_contain_text("Checked in")


def test_booking_pages_in_italian_pass_axe(browsing, demo):
    """The pages of journeys 2 and 3 that the journeys audit in English, audited in Italian."""
    from django.contrib.auth import get_user_model

    from vicinato.booking import services

    users = get_user_model().objects
    operator, laura = users.get(username="operatore"), users.get(username="lavoratrice")
    desk = _operators_first(operator, "desk")
    place = desk.place
    tz = timezone.get_current_timezone()
    day = _next_weekday(timezone.localdate() + timedelta(days=7), 1)
    result = services.create_series(
        laura, desk, [1, 3], time(9, 30), time(12, 30), day, day + timedelta(days=13)
    )
    block, _ = services.block_resource(
        desk,
        datetime.combine(day, time(9), tzinfo=tz),
        datetime.combine(day, time(13), tzinfo=tz),
        "Manutenzione",
        operator,
    )

    b = browsing("booking-italian")
    page = b.page
    page.goto(f"/accedi/?next=/prenotazioni/serie/{result.series.pk}/")
    submit_login(page, "lavoratrice")
    expect(page.get_by_role("heading", level=1)).to_contain_text(place.name_it)
    b.audit("series")
    page.locator("header form[action$='/esci/'] button").click()
    page.wait_for_load_state()
    page.goto("/accedi/")
    submit_login(page, "operatore")
    base = f"/gestione/luoghi/{place.public_id}/"
    for name, path, heading in [
        ("day-plan", f"piano/?giorno={day.isoformat()}", "Piano del giorno"),
        ("check-in", "check-in/", "Check-in presso"),
        ("blocks", "blocchi/", "Blocchi presso"),
        ("block", f"blocchi/{block.pk}/", "Blocco di"),
        ("resources", "risorse/", "Risorse di"),
        ("resource-form", f"risorse/{desk.pk}/", "Regole di"),
        ("new-resource", "risorse/nuova/", "Nuova risorsa"),
    ]:
        page.goto(base + path)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        b.audit(name)
    b.shot("resource-form")
