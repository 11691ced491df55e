"""By public transport, in a real Chromium, on the demo city and its 2014 ATM feed: a person looks for places
reachable from Cadorna arriving by 09:00, reads the trip to each and which date of the timetable answered, then
asks a place's page for the trip from their street."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import page_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_near_you_by_public_transport_with_the_trip_to_each_place(browsing, demo):
    b = browsing("transit-nearby", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = b.page
    page.goto("/en/vicino-a-te/")
    page.get_by_label("Street and number").fill("Piazzale Luigi Cadorna")
    page.get_by_role("combobox", name=re.compile(r"^How")).select_option(label="By public transport")
    page.get_by_role("spinbutton", name=re.compile(r"^Minutes")).fill("25")
    # Phone first: the day and time of a public transport trip are folded away until asked for.
    page.locator("#nearby-form summary", has_text="When, by public transport").click()
    page.get_by_label("Day", exact=True).fill("2027-03-09")
    page.get_by_label("Time", exact=True).fill("09:00")
    b.shot("search-form")
    page.locator("main").get_by_role("button", name="Search").click()

    summary = page.get_by_role("heading", level=2).filter(has_text="within 25 minutes of")
    expect(summary).to_be_visible()
    service = page.locator("#nearby-service")
    expect(service).to_contain_text("By public transport, arriving by 09:00 on Tuesday 9 March 2027.")
    expect(service).to_contain_text("the same weekday")
    trips = page.locator("main ol.trip")
    expect(trips.first).to_be_visible()
    assert any("towards" in text for text in trips.all_inner_texts()), trips.all_inner_texts()
    assert page_width(page) <= 360
    b.shot("results")
    b.audit("transit-results")

    first = page.locator("main ol > li.card").first.get_by_role("link")
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    section = page.locator("#trip-here")
    section.get_by_label("Your street").fill("Piazzale Luigi Cadorna")
    section.get_by_role("button", name="Show the trip").click()
    expect(page.locator("#trip-here")).to_contain_text("From Piazzale Luigi Cadorna")
    expect(page.locator("#trip-here ol.trip li").first).to_be_visible()
    b.shot("place-trip")
    b.audit("place-trip")
