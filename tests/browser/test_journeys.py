"""What people do on Vicinato, in a real Chromium: each test asserts what the person sees, step by step.

Screenshots: artifacts/screenshots/<journey>/NN-step.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import page_width, sign_in, sign_out, upload_document, wait_for_map

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ORGANISATION = "Coworking Ambrosiano S.r.l. (demo)"
REGISTER_EN = "Qualified coworking register — City of Milan"
REGISTER_IT = "Elenco qualificato coworking — Comune di Milano"
NAME_IT = "Cowork Città Studi (prova browser)"
NAME_EN = "Città Studi Cowork (browser test)"


def _state(page):
    return page.get_by_test_id("state")


def tick(page, label: str) -> None:
    """Tick a checkbox as a person does: Bootstrap Italia draws the box on the label, which takes the click."""
    box = page.get_by_label(label, exact=True)
    if not box.is_checked():
        page.locator(f"label[for='{box.get_attribute('id')}']").click()
    expect(box).to_be_checked()


def test_register_journey_operator_applies_and_reviewer_approves(browsing, demo):
    """An organisation admin adds a place and applies; the reviewer approves it; the public then sees it."""
    b = browsing("register-journey")
    page = b.page

    # --- the operator signs in -----------------------------------------------------------------------
    page.goto("/en/accedi/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_label("Username").fill("operatore")
    page.get_by_label("Password").fill("vicinato")
    b.shot("operator-sign-in")
    b.audit("login")
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/en/gestione/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage")
    expect(page.get_by_text("Signed in as operatore")).to_be_visible()
    organisation = page.locator("section").filter(has=page.get_by_role("heading", name=ORGANISATION))
    expect(organisation).to_be_visible()
    b.shot("operator-dashboard")
    b.audit("dashboard-operator")

    # --- creates a place ----------------------------------------------------------------------------
    organisation.get_by_role("link", name="Add a place").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Add a place of {ORGANISATION}")
    page.get_by_label("Kind").select_option(label="Coworking space")
    page.get_by_label("Name (Italian)").fill(NAME_IT)
    page.get_by_label("Name (English)").fill(NAME_EN)
    page.get_by_label("Address").fill("Piazza Leonardo da Vinci 7")
    page.get_by_label("Latitude").fill("45.4781")
    page.get_by_label("Longitude").fill("9.2256")
    page.get_by_role("spinbutton", name=re.compile(r"^Desks")).fill("8")
    for amenity in ("Ultra-broadband network", "Printer", "Meeting room", "Bike parking"):
        tick(page, amenity)
    b.shot("new-place-form")
    b.audit("place-form")
    page.locator("main").get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="The place has been saved.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME_EN)
    expect(page.get_by_text("This place is not listed in any register yet")).to_be_visible()
    expect(page.get_by_text("8 desks")).to_be_visible()
    place_url = b.path
    public_id = re.fullmatch(r"/en/luoghi/([\w-]+)/", place_url).group(1)
    wait_for_map(page)
    b.shot("place-saved-unlisted")
    b.audit("place-unlisted")

    # --- applies to the Milan coworking register ----------------------------------------------------
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Manage").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=NAME_EN))
    expect(row).to_contain_text("None")
    row.get_by_label("Register").select_option(label=REGISTER_EN)
    row.get_by_role("button", name="Start application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Application of {NAME_EN}")
    expect(_state(page)).to_have_text("Draft")
    expect(page.get_by_text(REGISTER_EN)).to_be_visible()
    application_url = b.path
    b.shot("application-draft")
    b.audit("application-draft")

    # --- submits, and is told which requirements fail ------------------------------------------------
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("does not meet 3 requirements of the register yet")
    warnings = page.locator(".vicinato-messages .alert-warning")
    expect(warnings.filter(has_text="requires at least 11")).to_have_text(
        re.compile(r"The place has 8 desks; this register requires at least 11\.")
    )
    expect(warnings.filter(has_text="Common areas")).to_be_visible()
    expect(warnings.filter(has_text="Kitchen / refreshment area")).to_be_visible()
    expect(_state(page)).to_have_text("Draft")
    requirements = page.get_by_role("list").filter(has_text="More than 10 desks")
    expect(requirements.get_by_role("listitem").filter(has_text="More than 10 desks")).to_contain_text(
        "not met"
    )
    b.shot("submit-refused-too-few-desks")
    b.audit("application-refused")

    # --- edits the place: 12 desks and the required amenities, then resubmits ------------------------
    page.locator("main dl").get_by_role("link", name=NAME_EN).click()
    expect(page).to_have_url(re.compile(re.escape(place_url) + "$"))
    page.get_by_role("link", name="Edit place").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Edit {NAME_EN}")
    page.get_by_role("spinbutton", name=re.compile(r"^Desks")).fill("12")
    for amenity in ("Ultra-broadband network", "Printer", "Common areas", "Kitchen / refreshment area"):
        tick(page, amenity)
    b.shot("edit-place-12-desks")
    b.audit("place-edit-form")
    page.locator("main").get_by_role("button", name="Save").click()
    expect(page.get_by_text("The place has been saved.")).to_be_visible()
    expect(page.get_by_text("12 desks")).to_be_visible()
    for amenity in ("Common areas", "Kitchen / refreshment area", "Printer"):
        expect(page.locator("main").get_by_role("listitem").filter(has_text=amenity)).to_be_visible()

    page.goto(application_url)
    expect(page.get_by_text("Document needed: not uploaded yet.")).to_be_visible()
    upload_document(page)
    expect(page.get_by_role("link", name="dichiarazione.pdf")).to_be_visible()
    for label in ("More than 10 desks", "Common areas", "Refreshment area or canteen"):
        requirement = page.locator("main li").filter(has_text=label).first
        expect(requirement).to_contain_text("met")  # the ✔'s text for screen readers
        expect(requirement).not_to_contain_text("not met")
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(
        page.get_by_role("status").filter(has_text="Done: the application is now “Submitted”.")
    ).to_be_visible()
    expect(_state(page)).to_have_text("Submitted")
    b.shot("resubmitted")
    b.audit("application-submitted")
    sign_out(page)
    expect(page.locator("header").get_by_role("link", name="Sign in")).to_be_visible()

    # --- the reviewer signs in, opens the queue and the application -----------------------------------
    sign_in(page, "revisore")
    expect(page.get_by_text("Registers you review")).to_be_visible()
    b.audit("dashboard-reviewer")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
    queued = page.get_by_role("row").filter(has=page.get_by_role("link", name=NAME_EN))
    expect(queued).to_contain_text(REGISTER_EN)
    expect(queued).to_contain_text(ORGANISATION)
    b.shot("review-queue")
    b.audit("review-queue")
    queued.get_by_role("link", name=NAME_EN).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Review: {NAME_EN}")
    expect(_state(page)).to_have_text("Submitted")
    b.shot("review-page")
    b.audit("review")

    # --- ticks the reviewer checks ---------------------------------------------------------------------
    checks = page.get_by_role("button", name=re.compile(r"^Mark as checked"))
    expect(checks).to_have_count(2)
    approve = page.get_by_role("button", name="Approve", exact=True)
    approve.click()  # too early: the checks are not ticked yet
    expect(page.get_by_role("alert")).to_contain_text("Tick the remaining checks before approving")
    for label in ("Self-declaration and chamber of commerce record verified", "Site visit done"):
        # The button's name ends with the check's label (visually hidden), so each button says what it ticks.
        page.get_by_role("button", name=re.compile(r"^Mark as checked\s*:\s*" + re.escape(label))).click()
        expect(
            page.get_by_role("button", name=re.compile(r"^Untick\s*:\s*" + re.escape(label)))
        ).to_be_visible()
    expect(checks).to_have_count(0)
    b.shot("checks-ticked")

    # --- approves with a note ---------------------------------------------------------------------------
    page.get_by_label("Note").fill("Documents and site visit verified (browser test).")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(
        page.get_by_role("status").filter(has_text="Done: the application is now “Approved (listed)”.")
    ).to_be_visible()
    expect(_state(page)).to_have_text("Approved (listed)")
    expect(page.get_by_text("Listed until")).to_be_visible()
    expect(page.locator("main q")).to_have_text("Documents and site visit verified (browser test).")
    b.shot("approved")
    b.audit("review-approved")
    sign_out(page)

    # --- the public sees the place on the register page and in the open data ---------------------------
    page.goto("/en/registro/")
    page.get_by_label("Name or address").fill("Città Studi Cowork")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("1 place found")).to_be_visible()
    card = page.locator("main li.card").filter(has=page.get_by_role("link", name=NAME_EN))
    expect(card).to_contain_text("Piazza Leonardo da Vinci 7")
    expect(card).to_contain_text("12 desks")
    wait_for_map(page)
    expect(page.locator(".vicinato-marker")).to_have_count(1)
    b.shot("public-register")
    b.audit("register-filtered")
    card.get_by_role("link", name=NAME_EN).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME_EN)
    expect(page.get_by_text("This place is not listed in any register yet")).to_have_count(0)
    expect(page.locator("main").get_by_text(re.compile(REGISTER_EN + " — listed until"))).to_be_visible()
    wait_for_map(page)
    b.shot("public-place-page")
    b.audit("place-listed")

    # In Italian too, under its Italian name, among the entries of "Elenco qualificato coworking".
    page.goto("/registro/?register=elenco-coworking-milano")
    expect(page.get_by_label("Registro", exact=True).locator("option:checked")).to_have_text(REGISTER_IT)
    expect(page.locator("main").get_by_role("link", name=NAME_IT)).to_be_visible()
    wait_for_map(page)
    b.shot("public-register-italian")
    b.audit("register")

    response = page.request.get("/opendata/places.geojson")
    assert response.ok and response.headers["content-type"].startswith("application/geo+json")
    features = {f["id"]: f for f in response.json()["features"]}
    assert public_id in features, f"{public_id} is not in /opendata/places.geojson"
    assert features[public_id]["geometry"]["coordinates"] == pytest.approx([9.2256, 45.4781])
    assert features[public_id]["properties"]["desks"] == 12


def test_nearby_search_on_a_phone(browsing, demo):
    """On a 360×740 phone: places within 10 minutes by bike of Via Padova, then the first place's page."""
    b = browsing("nearby-search", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = b.page
    page.goto("/en/vicino-a-te/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Places near you")
    page.get_by_label("Street and number").fill("Via Padova")
    page.get_by_role("combobox", name=re.compile(r"^How")).select_option(label="By bike")
    page.get_by_role("spinbutton", name=re.compile(r"^Minutes")).fill("10")
    b.shot("search-form")
    b.audit("nearby-form")
    page.locator("main").get_by_role("button", name="Search").click()

    summary = page.get_by_role("heading", level=2).filter(has_text="within 10 minutes of Via Padova")
    expect(summary).to_be_visible()
    count = int(re.match(r"(\d+) place", summary.inner_text()).group(1))
    assert count >= 1, summary.inner_text()
    results = page.locator("main ol > li.card")
    expect(results).to_have_count(count)
    minutes = [float(m) for m in re.findall(r"([\d.]+) min\b", page.locator("main ol").inner_text())]
    assert len(minutes) == count and all(0 <= m <= 10 for m in minutes) and minutes == sorted(minutes)
    the_map = page.locator(".vicinato-map")
    expect(the_map).to_be_attached()
    expect(the_map).to_have_attribute("aria-label", "Map of the places")
    wait_for_map(page, vector_layers=2)  # the reachable area and the metro stations, drawn without tiles
    assert any("openstreetmap.org" in url for url in b.blocked)  # the tiles were asked for, and refused
    expect(page.locator(".vicinato-map .vicinato-marker")).to_have_count(count)
    # The page fits the phone: nothing wider than the screen.
    assert page_width(page) <= 360
    b.shot("results")
    b.audit("nearby-results")
    results.first.scroll_into_view_if_needed()
    b.shot("results-list", full_page=False)

    first = results.first.get_by_role("link")
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(
        page.get_by_text(re.compile(r"Nearest metro station: .+ \(line .+\), [\d.]+ minutes on foot\."))
    ).to_be_visible()
    wait_for_map(page)
    b.shot("place-page")
    b.audit("place")


def test_coverage_by_neighbourhood(browsing, demo):
    """/copertura/: every NIL of Milan with its share of covered residents, and the choropleth map."""
    b = browsing("coverage")
    page = b.page
    page.goto("/copertura/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Copertura per quartiere")
    table = page.locator("#coverage-table")
    expect(table.get_by_role("columnheader")).to_have_text(
        ["Quartiere (NIL)", "Municipio", "Residenti", "Coperti", "In bici", "Con i mezzi pubblici"]
    )  # the chosen way of travelling first, the others side by side
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(demo["neighbourhoods"])
    shares = table.locator("tbody tr > :nth-child(4)").all_inner_texts()
    percentages = [int(s[:-1]) for s in shares if re.fullmatch(r"\d{1,3}%", s)]
    assert len(percentages) >= demo["neighbourhoods"] // 2, shares
    assert all(0 <= p <= 100 for p in percentages) and max(percentages) > 0
    expect(page.get_by_text(re.compile(r"\d+% dei residenti"))).to_be_visible()
    the_map = page.locator(".vicinato-map")
    expect(the_map).to_be_visible()
    expect(the_map).to_have_attribute("aria-label", "Mappa della copertura per quartiere")
    wait_for_map(page, vector_layers=demo["neighbourhoods"])  # one shape per NIL, without tiles
    assert any("openstreetmap.org" in url for url in b.blocked)  # the tiles were asked for, and refused
    b.shot("coverage")
    b.audit("coverage")
    page.get_by_label("Come", exact=True).select_option("bike")
    page.get_by_label("Minuti", exact=True).fill("10")
    page.get_by_role("button", name="Mostra").click()
    expect(page).to_have_url(re.compile(r"mode=bike&minutes=10"))
    expect(rows).to_have_count(demo["neighbourhoods"])
    expect(table.get_by_role("columnheader")).to_have_text(
        ["Quartiere (NIL)", "Municipio", "Residenti", "Coperti", "A piedi", "Con i mezzi pubblici"]
    )
    b.shot("coverage-bike-10")


def test_keyboard_only(browsing, demo):
    """From the home page, with Tab and Enter only: the skip link, the register link, the search form."""
    b = browsing("keyboard")
    page = b.page
    page.goto("/")

    def focused():
        return page.evaluate(
            """() => { const e = document.activeElement; return {tag: e.tagName.toLowerCase(), id: e.id,
                href: e.getAttribute('href'), text: (e.innerText || e.value || '').trim().split('\\n')[0],
                outline: getComputedStyle(e).outlineStyle, visible: !!(e.offsetWidth || e.offsetHeight)}; }"""
        )

    def tab(expected: dict):
        page.keyboard.press("Tab")
        now = focused()
        assert {k: now[k] for k in expected} == expected, now
        assert now["visible"] and now["outline"] != "none", f"no visible focus on {now}"
        return now

    # The skip link is the first Tab stop, becomes visible, and jumps to the main content.
    tab({"tag": "a", "href": "#main", "text": "Vai al contenuto principale"})
    b.shot("skip-link-focused", full_page=False)
    # Then the header, in reading order, down to the register link.
    tab({"tag": "button", "text": "Italiano"})
    tab({"tag": "button", "text": "English"})
    tab({"tag": "a", "href": "/registrati/?next=/", "text": "Registrati"})
    tab({"tag": "a", "href": "/accedi/?next=/", "text": "Accedi"})
    tab({"tag": "a", "href": "/", "text": "Vicinato"})
    tab({"tag": "a", "href": "/", "text": "Home"})
    tab({"tag": "a", "href": "/registro/", "text": "Registro"})
    b.shot("register-link-focused", full_page=False)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/registro/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Registro pubblico dei luoghi")
    expect(
        page.get_by_role("navigation", name="Navigazione principale").get_by_role("link", name="Registro")
    ).to_have_attribute("aria-current", "page")
    b.shot("register-page")

    # Back on the home page: skip link, Enter, and the next Tab stop is the search form's first field.
    page.goto("/")
    tab({"tag": "a", "href": "#main"})
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/#main$"))
    tab({"tag": "input", "id": "home-q"})
    page.keyboard.type("Cowork")
    tab({"tag": "select", "id": "home-kind"})
    tab({"tag": "button", "text": "Cerca"})
    b.shot("search-form-filled", full_page=False)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/registro/\?q=Cowork&kind=$"))
    expect(page.get_by_label("Nome o indirizzo")).to_have_value("Cowork")
    found = page.get_by_text(re.compile(r"^\d+ luoghi? trovat[oi]$"))
    expect(found).to_be_visible()
    count = int(found.inner_text().split()[0])
    cards = page.locator("main li.card")
    assert count > 0 and cards.count() == min(count, 24)
    for text in cards.all_inner_texts():
        assert "cowork" in text.lower(), text
    b.shot("search-results")


def test_register_reads_without_javascript(browsing, demo):
    """With JavaScript off, the register still lists, filters, pages and opens places (the map is extra)."""
    b = browsing("no-javascript", java_script_enabled=False)
    page = b.page
    page.goto("/en/registro/")
    count = page.locator("#register-count")
    total = int(re.match(r"(\d+) places? found", count.inner_text()).group(1))
    assert total > 1
    expect(page.locator("#register-results ul.list-unstyled > li.card").first).to_be_visible()
    expect(page.locator(".vicinato-map")).to_be_hidden()  # no empty box where the map would be
    b.shot("register")

    page.locator("#filters summary").filter(has_text="What kind of place").click()  # the group opens
    page.get_by_label("Kind", exact=True).select_option(label="Library or public space")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"kind=library"))
    libraries = int(re.match(r"(\d+) places? found", count.inner_text()).group(1))
    assert 0 < libraries < total
    cards = page.locator("#register-results ul.list-unstyled > li.card")
    expect(cards.first).to_be_visible()
    for badge in cards.locator(".badge.bg-primary").all_inner_texts():
        assert badge == "Library or public space"
    b.shot("libraries")

    name = cards.first.get_by_role("link").inner_text()
    cards.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("heading", name=re.compile("Opening hours"))).to_be_visible()
    b.shot("place")


def test_register_map_clusters_colours_and_credits(browsing, demo):
    """The register's map: many places cluster, markers take their kind's colour, the tile credits show, and
    with the tiles unreachable (the tests block other hosts) the shipped boundaries and stations are drawn."""
    b = browsing("register-map")
    page = b.page
    page.goto("/en/registro/")
    wait_for_map(page, vector_layers=2)
    clusters = page.locator(".vicinato-map .marker-cluster")
    expect(clusters.first).to_be_visible()
    counts = [int(text) for text in clusters.all_inner_texts() if text.strip().isdigit()]
    assert counts and max(counts) > 1, counts
    expect(page.locator(".vicinato-map .leaflet-control-attribution")).to_contain_text("OpenStreetMap")
    b.shot("clusters")

    # Closer in, single markers, each coloured by its kind.
    page.goto("/en/registro/?district=2")
    wait_for_map(page, vector_layers=2)
    page.locator(".vicinato-map .leaflet-control-zoom-in").click()
    page.locator(".vicinato-map .leaflet-control-zoom-in").click()
    markers = page.locator(".vicinato-map .vicinato-marker")
    expect(markers.first).to_be_visible()
    colours = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('.vicinato-map .vicinato-marker')].map(
            m => [[...m.classList].find(c => c.startsWith('vicinato-kind-')),
                  getComputedStyle(m.querySelector('.vicinato-marker-dot')).backgroundColor]))"""
    )
    assert None not in colours and len(colours) >= 2, colours
    assert len(set(colours.values())) == len(colours), f"two kinds share a colour: {colours}"
    b.shot("markers-by-kind")
