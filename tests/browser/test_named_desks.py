"""Named desks in a real Chromium with JavaScript off, on the demo city: a worker picks desk A2 of the demo
operator's coworking (or would let the place assign any free desk); "my bookings" shows the desk."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from vicinato.booking.models import Resource

from .conftest import submit_login
from .test_booking_journeys import first_free_slot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _worker_at_the_named_desks(browsing, name: str):
    """A browser without JavaScript on the booking page of the demo's named desks, signed in as the worker."""
    resource = Resource.objects.select_related("place").get(has_named_units=True, place__is_demo=True)
    b = browsing(name, java_script_enabled=False)
    b.page.goto(f"/en/luoghi/{resource.place.public_id}/prenota/?risorsa={resource.pk}")
    b.page.get_by_role("link", name="Sign in to book").click()
    submit_login(b.page, "lavoratrice")
    return b


def test_a_worker_picks_a_desk_without_javascript(browsing, demo):
    b = _worker_at_the_named_desks(browsing, "named-desks")
    page = b.page
    expect(page.get_by_text("8 named units: choose one below, or take any free one.")).to_be_visible()
    expect(page.get_by_text("Price: € 2.00 per slot of 1 h. At most € 12.00 per day.")).to_be_visible()
    first_free_slot(page).click()
    desk = page.get_by_label("Desk", exact=True)
    expect(desk.locator("option:checked")).to_have_text("Any free desk")
    desk.select_option(label="A2")
    b.shot("desk-chosen")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.locator("#booking-unit")).to_have_text("A2")
    b.shot("booked")
    page.goto("/en/prenotazioni/")
    expect(page.locator(".unit-name").filter(has_text="Desk A2")).to_have_count(1)
    b.shot("my-bookings")


def test_a_worker_changes_a_booking_without_javascript(browsing, demo):
    """The booking keeps its number while its desk changes; a period that ends before it starts is refused
    next to the fields, with nothing changed."""
    b = _worker_at_the_named_desks(browsing, "booking-change")
    page = b.page
    first_free_slot(page).click()
    page.get_by_label("Desk", exact=True).select_option(label="A2")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.locator("#booking-unit")).to_have_text("A2")
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    page.locator("#booking-move").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change time")
    start = page.locator("#id_start").input_value()
    until = page.locator("#id_end")
    end = until.input_value()
    until.fill(start)
    page.get_by_role("button", name="Change the booking").click()
    invalid = page.locator('[aria-invalid="true"]')
    expect(invalid.first).to_be_visible()
    described = invalid.first.get_attribute("aria-describedby") or ""
    expect(page.locator(f"#{described.split()[-1]}")).to_be_visible()
    b.shot("change-refused")
    until.fill(end)
    page.get_by_label("Desk", exact=True).select_option(label="A3")
    page.get_by_role("button", name="Change the booking").click()
    expect(page.get_by_text("Booking changed.")).to_be_visible()
    expect(page.locator("#booking-unit")).to_have_text("A3")
    assert page.url.rstrip("/").rsplit("/", 1)[-1] == number
    b.shot("changed")
