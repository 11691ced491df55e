"""axe-core (WCAG 2.0/2.1 A and AA) on every page of the activities, in Italian and in English, with content
(the demo's services, events, appointments and registrations), and a form with its errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pages(demo):
    """The addresses of every activities page, filled by the demo (and a session that has begun)."""
    from django.core.cache import cache

    from vicinato.activities.models import AdviceService, Advisor, Appointment, Event, Registration
    from vicinato.demo.activities import load_demo

    cache.clear()  # the agenda's areas and fragments of an earlier test's city
    load_demo()
    italian = Event.objects.get(title_en="Italian for work (A2)")
    session = italian.sessions.order_by("start").first()
    start = timezone.now() - timedelta(minutes=10)
    session.start, session.end = start, start + timedelta(hours=2)
    session.save(update_fields=["start", "end"])
    pension = AdviceService.objects.get(kind="pension")
    appointment = Appointment.objects.filter(service=pension).first()
    advisor = Advisor.objects.get(user__username="consulente")
    registration = Registration.objects.filter(event=italian).first()
    return {
        "agenda": "/agenda/?kind=course",
        "event": italian.get_absolute_url().removeprefix("/en"),
        "services": "/consulenze/",
        "service": f"/consulenze/{pension.pk}/",
        "appointment": f"/appuntamenti/{appointment.pk}/",
        "mine": "/attivita/",
        "manage": "/gestione/attivita/",
        "advisor-day": f"/gestione/consulente/?consulente={advisor.pk}&giorno={timezone.localtime(appointment.start).date()}",
        "availability": f"/gestione/consulente/disponibilita/?consulente={advisor.pk}",
        "organisation": f"/gestione/organizzazioni/{italian.organiser_id}/attivita/",
        "event-form": f"/gestione/organizzazioni/{italian.organiser_id}/eventi/nuovo/",
        "service-form": f"/gestione/organizzazioni/{pension.organisation_id}/consulenze/{pension.pk}/modifica/",
        "event-manage": f"/gestione/eventi/{italian.public_id}/",
        "attendance": f"/gestione/eventi/{italian.public_id}/sessioni/{session.pk}/presenze/",
        "place-day": f"/gestione/luoghi/{appointment.place.public_id}/appuntamenti/?giorno={timezone.localtime(appointment.start).date()}",
        "place": f"/luoghi/{appointment.place.public_id}/",
        "_registration": registration,
    }


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_every_activities_page_passes_axe(browsing, pages, prefix):
    b = browsing(f"activities-axe{prefix.replace('/', '-') or '-it'}")
    page = b.page
    sign_in(page, "admin", prefix, next=f"{prefix}/gestione/attivita/")
    for name, path in pages.items():
        if name.startswith("_"):
            continue
        page.goto(prefix + path)
        expect(page.locator("h1")).to_be_visible()
        b.audit(name)
    # A form with its errors next to the fields.
    page.goto(prefix + pages["event-form"])
    page.locator("main form button[type='submit']").click()
    expect(page.locator("[aria-invalid='true']").first).to_be_visible()
    b.audit("event-form-errors")
    b.shot("event-form-errors")
