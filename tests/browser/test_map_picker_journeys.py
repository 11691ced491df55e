"""Journeys with the map picker, in a real Chromium on the demo city: a rider on a 320 px phone picks her point
on the map of the nearby search and books a shower; an operator creates a place by its address alone (the
coordinates are found on saving) and sets its hours in the weekly grid. Screenshots:
artifacts/screenshots/<journey>/NN-step.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from vicinato.register.models import Place

from .conftest import page_width, sign_in, submit_login, wait_for_map
from .test_booking_journeys import first_free_slot, tick

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 320, "height": 640}, "is_mobile": True, "has_touch": True}
# Milan's municipality, roughly: a point picked on the map must fall in it.
MILAN = ((45.38, 45.54), (9.04, 9.28))


def inside_milan(lat: float, lon: float) -> bool:
    return MILAN[0][0] < lat < MILAN[0][1] and MILAN[1][0] < lon < MILAN[1][1]


def test_rider_on_a_phone_picks_her_point_on_the_map_and_books_a_shower(browsing, demo):
    b = browsing("map-picker-rider", **PHONE)
    page = b.page
    page.goto("/en/vicino-a-te/")
    wait_for_map(page)
    picker = page.locator(".vicinato-map-picker")
    expect(picker).to_have_attribute("data-vicinato-map", "ready")
    box = picker.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 320
    # The centre of the map is the centre of Milan; a tap a little off it is the rider's point.
    picker.click(position={"x": box["width"] / 2 + 10, "y": box["height"] / 2 - 10})
    status = page.locator("#nearby-picker-status")
    expect(status).to_have_text(re.compile(r"^Point chosen: latitude 45\.\d{5}, longitude 9\.\d{5}\.$"))
    expect(status).to_have_attribute("aria-live", "polite")
    lat = float(page.locator("#id_lat").input_value())
    lon = float(page.locator("#id_lon").input_value())
    assert inside_milan(lat, lon), (lat, lon)
    expect(page.locator(".vicinato-map-picker .vicinato-pick-marker")).to_have_count(1)
    b.audit("picked")
    b.shot("picked")
    assert page_width(page) <= 320

    page.get_by_role("combobox", name=re.compile(r"^How")).select_option(label="By bike")
    page.get_by_role("spinbutton", name=re.compile(r"^Minutes")).fill("20")
    tick(page, "Showers")
    page.locator("main").get_by_role("button", name="Search").click()
    summary = page.get_by_role("heading", level=2).filter(
        has_text=re.compile(rf"within 20 minutes of {lat:.5f}, {lon:.5f}")
    )
    expect(summary).to_be_visible()
    count = int(re.match(r"(\d+) place", summary.inner_text()).group(1))
    assert count >= 1
    results = page.locator("main ol > li.card")
    expect(results).to_have_count(count)
    # One map on the page: the map of the results, which shows the point and picks the next one.
    wait_for_map(page, vector_layers=2)
    expect(page.locator(".vicinato-map")).to_have_count(1)
    expect(page.locator(".vicinato-map .vicinato-pick-marker")).to_have_count(1)
    expect(page.locator(".vicinato-map .vicinato-marker")).to_have_count(count)
    b.audit("results")
    b.shot("results")
    assert page_width(page) <= 320

    first = results.first.get_by_role("link")
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    page.get_by_role("link", name="Showers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Book at {name}")
    page.get_by_role("link", name="Sign in to book").click()
    submit_login(page, "lavoratrice")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Book at {name}")
    slot = first_free_slot(page)
    slot.click()
    b.shot("form", full_page=False)
    page.locator("main").get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Booked.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Showers — {name}")
    expect(page.locator("#booking-state")).to_have_text("Confirmed")
    b.audit("booked")
    b.shot("booked")
    assert page_width(page) <= 320


def test_operator_creates_a_place_by_its_address_and_sets_its_hours_in_the_grid(browsing, demo):
    b = browsing("map-picker-operator", **PHONE)
    page = b.page
    sign_in(page, "operatore")
    page.locator("main").get_by_role("link", name="Add a place").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Add a place of "))
    wait_for_map(page)
    page.get_by_label(re.compile(r"^Kind")).select_option(index=1)
    page.get_by_label(re.compile(r"^Name \(Italian\)")).fill("Spazio Padova")
    page.get_by_label(re.compile(r"^Address")).fill("Via Padova 21")
    page.get_by_label(re.compile(r"^Desks")).fill("10")
    expect(page.locator("#id_lat")).to_have_value("")
    expect(page.locator("#id_lon")).to_have_value("")
    b.audit("new-place")
    b.shot("new-place")
    assert page_width(page) <= 320
    page.locator("main form").get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Spazio Padova"))
    expect(page.get_by_text("The place has been saved.")).to_be_visible()
    place = Place.objects.get(name_it="Spazio Padova")
    assert inside_milan(place.lat, place.lon), (place.lat, place.lon)
    assert place.neighbourhood is not None
    b.audit("saved")
    b.shot("saved")

    # The map picker of the form shows the saved point; the keyboard moves it.
    page.get_by_role("link", name="Edit place").click()
    wait_for_map(page)
    marker = page.locator(".vicinato-map-picker .vicinato-pick-marker")
    expect(marker).to_have_count(1)
    before = float(page.locator("#id_lat").input_value())
    marker.focus()
    page.keyboard.press("ArrowUp")
    expect(page.locator("#place-picker-status")).to_contain_text("Point chosen")
    assert float(page.locator("#id_lat").input_value()) > before
    b.shot("edit-moved")
    page.go_back()

    page.get_by_role("link", name="Edit opening hours").click()
    for day in ("Monday", "Tuesday", "Wednesday"):
        page.get_by_label(f"{day}, opens (1)").fill("09:00")
        page.get_by_label(f"{day}, closes (1)").fill("13:00")
        page.get_by_label(f"{day}, opens (2)").fill("14:00")
        page.get_by_label(f"{day}, closes (2)").fill("18:00")
    b.audit("hours")
    b.shot("hours")
    assert page_width(page) <= 320
    page.locator("main form").first.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Opening hours saved.")).to_be_visible()
    hours = sorted(
        (h.weekday, h.opens.strftime("%H:%M"), h.closes.strftime("%H:%M")) for h in place.opening_hours.all()
    )
    assert hours == [(d, o, c) for d in range(3) for o, c in (("09:00", "13:00"), ("14:00", "18:00"))]
    b.shot("hours-saved")
    assert page_width(page) <= 320
