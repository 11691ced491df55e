"""Phone first, in a real Chromium at 320 and 360 px: the register's results come before its filters (grouped,
folded, working without JavaScript), and a place's day of slots shows its free times compactly with the booking
form close by; nothing is wider than the screen, and axe finds nothing to fix."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.booking.conftest import make_resource
from vicinato.register.models import Amenity
from vicinato.register.taxonomy import seed_amenities

from .conftest import page_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [320, 360]


def phone(browsing, name: str, width: int, scripts: bool = True):
    return browsing(
        f"{name}-{width}",
        viewport={"width": width, "height": 740},
        is_mobile=True,
        has_touch=True,
        java_script_enabled=scripts,
    )


@pytest.fixture
def amenities_seeded(transactional_db):
    """The amenities a migration seeds, again: a journey before this one flushed them with its data."""
    seed_amenities(Amenity)


def top(locator) -> float:
    return locator.bounding_box()["y"]


@pytest.mark.parametrize("width", WIDTHS)
def test_the_register_shows_results_before_its_folded_filters(browsing, amenities_seeded, listed, width):
    make_resource(listed, name_en="Desks", price_cents_per_slot=250)
    b = phone(browsing, "register-phone", width, scripts=False)  # the folded filters work without it
    page = b.page
    page.goto("/en/registro/")
    card = page.locator("main li.card").first
    expect(card).to_contain_text("From € 2.50")
    filters = page.get_by_role("heading", level=2, name="Filters")
    assert top(card) < top(filters)
    assert page_width(page) <= width
    amenities = page.locator("#filters details").filter(has=page.locator("summary", has_text="Amenities"))
    summary = amenities.locator("summary")
    expect(amenities.get_by_label("Printer", exact=True)).to_be_hidden()  # folded until opened
    page.get_by_role("link", name="Filter the results").click()
    summary.click()
    box = amenities.get_by_label("Printer", exact=True)
    page.locator(f"label[for='{box.get_attribute('id')}']").click()
    page.get_by_role("button", name="Apply filters").click()  # no JavaScript: the page reloads
    expect(page.locator("main li.card")).to_have_count(1)
    expect(amenities).to_have_attribute("open", "")
    assert page_width(page) <= width
    b.shot("register")
    audited = phone(browsing, "register-phone-audit", width)  # axe runs as a script
    audited.page.goto("/en/registro/?amenity=printer")
    audited.audit("register")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_day_of_short_slots_is_compact_with_the_form_close(browsing, listed, day, width):
    showers = make_resource(listed, kind="shower", name_en="Showers", slot_minutes=15, min_minutes=15)
    b = phone(browsing, "slots-phone", width)
    page = b.page
    page.goto(f"/en/luoghi/{listed.public_id}/prenota/?risorsa={showers.pk}&giorno={day:%Y-%m-%d}")
    times = page.get_by_role("list", name="Free times").get_by_role("listitem")
    expect(times).to_have_count(42)  # 08:30 to 19:00, every 15 minutes
    expect(times.first).to_contain_text("08:30")
    every = page.locator("#slots details table")
    expect(every).to_be_hidden()  # the full table is folded under the free times
    form = page.locator("#prenota")
    assert top(form) < 4 * 740, top(form)  # the 42 rows came before it: now a few screens at most
    assert page_width(page) <= width
    b.audit("day")
    b.shot("day")
    page.get_by_role("link", name="Go to the booking form").click()
    assert page.evaluate("location.hash") == "#prenota"
    times.first.get_by_role("link").click()
    expect(page.get_by_role("link", name="Sign in to book")).to_be_visible()
    assert page_width(page) <= width
