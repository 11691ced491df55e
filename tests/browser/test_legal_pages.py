"""The legal pages on a 320 px phone, in both languages: reached from the footer, axe clean, nothing wider than
the screen; an accessibility report sent with the keyboard only."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import page_width

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 320, "height": 700}, "is_mobile": True, "has_touch": True}
FOOTER_LINKS = {
    "": ["Informativa sulla privacy", "Dichiarazione di accessibilità", "Note legali"],
    "/en": ["Privacy notice", "Accessibility statement", "Legal notes"],
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_legal_pages_from_the_footer_on_a_phone(browsing, prefix, mailoutbox):
    b = browsing(f"legal-pages{prefix.replace('/', '-') or '-it'}", **PHONE)
    page = b.page
    for number, name in enumerate(FOOTER_LINKS[prefix], start=1):
        page.goto(f"{prefix}/")
        page.locator("footer").get_by_role("link", name=name, exact=True).click()
        expect(page.locator("h1")).to_have_text(
            name if number != 1 or prefix else "Informativa sul trattamento dei dati personali"
        )
        width = page_width(page)
        assert width <= 320, (name, width)
        b.shot(name)
        b.audit(name)

    # The accessibility statement's form, with the keyboard only; the answer says what happens next.
    page.goto(f"{prefix}/accessibilita/")
    description = page.locator("#id_description")
    description.focus()
    page.keyboard.type("Il pulsante della mappa non ha un nome.")
    page.keyboard.press("Tab")
    page.keyboard.type("lettrice@example.org")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    thanks = "Rispondiamo a lettrice@example.org" if not prefix else "We answer at lettrice@example.org"
    expect(page.locator(".alert-success")).to_contain_text(thanks)
    b.shot("report-sent")
    b.audit("report sent")


CONTRAST = """(e) => {
    const rgb = (s) => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
    const lum = (c) => { const [r, g, b] = c.map((v) => { v /= 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
    const style = getComputedStyle(e);
    const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_a_demo_place_fits_a_320_px_phone_and_its_badges_read(browsing, prefix, listed):
    listed.is_demo = True
    listed.save()
    b = browsing(f"demo-place{prefix.replace('/', '-') or '-it'}", **PHONE)
    page = b.page
    page.goto(f"{prefix}/luoghi/{listed.public_id}/")
    badges = page.locator("main .badge")
    expect(badges.last).to_be_visible()
    assert page_width(page) <= 320
    for index in range(badges.count()):
        ratio = badges.nth(index).evaluate(CONTRAST)
        assert ratio >= 4.5, (badges.nth(index).inner_text(), ratio)
    b.shot("place")
