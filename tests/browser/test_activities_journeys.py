"""Activities journeys in a real Chromium on the demo city: a rider books pension advice at an officina from a
phone in Italian; a freelancer joins a full course's waiting list, is promoted and confirms; an advisor works
through the day; an organiser creates a series of sessions and marks attendance.
Screenshots: artifacts/screenshots/<journey>/NN-step.png, with the axe audits beside them."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import page_width, sign_in, submit_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def activities(demo):
    from django.core.cache import cache

    from vicinato.demo.activities import load_demo

    cache.clear()  # the agenda's areas and fragments of an earlier test's city

    return load_demo()


def tick(page, label: str) -> None:
    box = page.get_by_label(label, exact=True)
    if not box.is_checked():
        page.locator(f"label[for='{box.get_attribute('id')}']").click()
    expect(box).to_be_checked()


def test_rider_books_pension_advice_at_an_officina_from_a_phone(browsing, activities):
    from vicinato.activities.models import Appointment

    b = browsing(
        "activities-rider",
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        locale="it-IT",
    )
    page = b.page
    page.goto("/consulenze/?tipo=pension")
    expect(page.get_by_role("heading", level=1)).to_have_text("Consulenze e appuntamenti")
    b.audit("services")
    b.shot("services")
    page.locator("main ul.list-unstyled").get_by_role("link", name="Consulenza previdenziale").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consulenza previdenziale")
    officine = page.get_by_label("Luogo").locator("option").all_inner_texts()
    assert any("Officina" in name for name in officine[1:])
    for _week in range(4):  # the advisor's holidays may empty a week: go on to the next
        times = page.locator("main a[href*='slot=']")
        if times.count():
            break
        page.get_by_role("link", name=re.compile("Settimana successiva")).click()
    first = times.first
    label = first.inner_text()
    b.shot("free-times")
    first.click()
    expect(page.get_by_role("heading", name="Il tuo appuntamento")).to_be_visible()
    page.get_by_role("link", name="Accedi per prenotare").click()
    submit_login(page, "lavoratrice")
    expect(page.get_by_role("heading", name="Il tuo appuntamento")).to_be_visible()
    page.get_by_label("Come").select_option(label="In presenza")
    page.get_by_label("Motivo dell'appuntamento (facoltativo)").fill("Contributi da rider: come riscattarli")
    b.audit("booking-form")
    b.shot("form", full_page=False)
    page.get_by_role("button", name="Prenota l'appuntamento").click()
    expect(page.get_by_role("status").filter(has_text="Appuntamento prenotato.")).to_be_visible()
    expect(page.locator("#appointment-state")).to_have_text("Prenotato")
    expect(page.get_by_text("Contributi da rider: come riscattarli")).to_be_visible()
    appointment = Appointment.objects.get(person__username="lavoratrice")
    assert (
        appointment.place.kind == "officina"
        and timezone.localtime(appointment.start).strftime("%H:%M") in label
    )
    b.audit("appointment")
    b.shot("booked")
    assert page_width(page) <= 360


def test_freelancer_waits_for_a_full_course_is_promoted_and_confirms(browsing, activities):
    from vicinato.activities.models import Event, Registration
    from vicinato.activities.services import registrations

    b = browsing("activities-freelancer")
    page = b.page
    page.goto("/en/agenda/")
    page.get_by_label("Kind").select_option(label="Course")
    page.locator("main form").get_by_role("button", name="Show the events").click()
    b.audit("agenda")
    b.shot("agenda")
    page.get_by_role("link", name="Italian for work (A2)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Italian for work (A2)")
    expect(page.get_by_text("0 places left")).to_be_visible()
    page.get_by_role("link", name="Sign in to register").click()
    submit_login(page, "lavoratrice")
    page.get_by_role("button", name="Join the waiting list").click()
    expect(page.get_by_role("status").filter(has_text="you are number 4 on the waiting list")).to_be_visible()
    b.audit("event-waiting")
    b.shot("waiting")
    # Time passes: the three before her leave the line and a registered person cancels.
    course = Event.objects.get(title_en="Italian for work (A2)")
    for registration in course.registrations.filter(state="waiting").exclude(person__username="lavoratrice"):
        registrations.cancel(registration, registration.person)
    leaving = course.registrations.filter(state="confirmed").first()
    registrations.cancel(leaving, leaving.person)
    assert Registration.objects.get(event=course, person__username="lavoratrice").state == "offered"
    page.goto("/en/attivita/")
    mine = (
        page.get_by_role("list", name="Your coming events")
        .locator("li")
        .filter(has_text="Italian for work (A2)")
    )
    expect(mine).to_contain_text("Place offered: confirm it")
    b.audit("my-activities")
    b.shot("offered")
    mine.get_by_role("button", name=re.compile("Confirm my place")).click()
    expect(page.get_by_role("status").filter(has_text="Place confirmed")).to_be_visible()
    expect(
        page.get_by_role("list", name="Your coming events").locator("li").filter(has_text="Italian")
    ).to_contain_text("Registered")
    assert Registration.objects.get(event=course, person__username="lavoratrice").state == "confirmed"
    b.shot("confirmed")


def _day_for_past_appointments() -> tuple:
    """A day whose appointments at 'now minus a few hours' are all over (yesterday just after midnight)."""
    now = timezone.localtime()
    if now.hour >= 4:
        return now.date(), [now - timedelta(minutes=m) for m in (210, 180, 150)]
    day = now.date() - timedelta(days=1)
    return day, [
        datetime.combine(day, time(h, m), tzinfo=now.tzinfo) for h, m in ((10, 0), (10, 30), (11, 0))
    ]


def test_advisor_works_through_the_day(browsing, activities):
    from vicinato.activities.models import Advisor, Appointment

    advisor = Advisor.objects.get(user__username="consulente")
    service = advisor.services.get(kind="pension")
    place = service.places.first()
    day, starts = _day_for_past_appointments()
    people = list(get_user_model().objects.filter(username__startswith="corsista").order_by("username")[:3])
    made = []
    for person, start, reason in zip(
        people, starts, ["Ricongiunzione", "Pensione anticipata", "Estratto conto"], strict=True
    ):
        made.append(
            Appointment.objects.create(
                service=service,
                advisor=advisor,
                place=place,
                person=person,
                start=start,
                end=start + service.length,
                reason=reason,
                created_at=start - timedelta(days=3),
                changed_at=start - timedelta(days=3),
            )
        )
    b = browsing("activities-advisor")
    page = b.page
    sign_in(page, "consulente", "", next="/gestione/attivita/")
    page.get_by_role("link", name="I miei appuntamenti di oggi").click()
    page.goto(f"/gestione/consulente/?giorno={day.isoformat()}")
    day_list = page.get_by_role("list", name="Appuntamenti del giorno")
    for appointment in made:
        expect(day_list.locator(f"#appointment-{appointment.pk}")).to_contain_text(appointment.reason)
    b.audit("day")
    b.shot("day")
    for appointment, button in zip(made, ["Svolto", "Non si è presentato", "Svolto"], strict=True):
        card = page.locator(f"#appointment-{appointment.pk}")
        card.get_by_role("button", name=re.compile(f"^{button}")).click()
        expect(page.get_by_role("status").filter(has_text="Segnato")).to_be_visible()
    assert [a.state for a in Appointment.objects.filter(pk__in=[a.pk for a in made]).order_by("start")] == [
        "done",
        "no_show",
        "done",
    ]
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Appointments of")
    b.audit("day")
    b.shot("day-en")
    page.goto("/en/gestione/consulente/disponibilita/")
    page.locator("#id_weekday").select_option(label="Monday")
    page.locator("#id_start_time").fill("06:00")
    page.locator("#id_end_time").fill("08:00")
    page.get_by_role("button", name="Add the hours").click()
    expect(page.locator("#id_start_time-error")).to_contain_text("choose times within its opening hours")
    b.audit("availability-errors")
    b.shot("availability")


def test_organiser_creates_a_series_and_marks_attendance(browsing, activities):
    from vicinato.activities.models import Event, Registration
    from vicinato.activities.services import registrations

    b = browsing("activities-organiser")
    page = b.page
    sign_in(page, "comunita", "/en", next="/en/gestione/attivita/")
    page.get_by_role("link", name=re.compile("Associazione Welfare")).click()
    page.get_by_role("link", name="New event").click()
    page.get_by_label("Kind").select_option(label="Workshop")
    page.get_by_label("Title (Italian)").fill("Laboratorio di curriculum")
    page.get_by_label("Title (English)").fill("CV workshop")
    snodo = page.locator("#id_place option", has_text="Snodo").first.get_attribute("value")
    page.locator("#id_place").select_option(snodo)
    page.get_by_label("Places", exact=True).fill("8")
    b.audit("event-form")
    page.get_by_role("button", name="Create the event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("CV workshop")
    first = timezone.localdate() + timedelta(
        days=(7 - timezone.localdate().weekday()) % 7 + 7
    )  # a Monday in 1-2 weeks
    page.locator("#id_day").fill(first.isoformat())
    page.locator("#id_start_time").fill("10:00")
    page.locator("#id_end_time").fill("12:00")
    tick(page, "Repeat every week")
    tick(page, "Monday")
    tick(page, "Wednesday")
    page.locator("#id_until").fill((first + timedelta(days=16)).isoformat())
    b.shot("series-form", full_page=False)
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="sessions added")).to_be_visible()
    event = Event.objects.get(title_en="CV workshop")
    count = event.sessions.count()
    assert count >= 4  # Mondays and Wednesdays over two weeks and a bit (holidays aside)
    expect(page.get_by_role("list", name="Sessions").locator("li")).to_have_count(count)
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#event-state")).to_have_text("Published")
    b.audit("event-manage")
    b.shot("published")
    # Two people register; then the first session takes place (time passes: it is moved to this morning).
    people = list(
        get_user_model().objects.filter(username__in=["corsista1", "corsista2"]).order_by("username")
    )
    for person in people:
        registrations.register(person, event)
    session = event.sessions.order_by("start").first()
    start = timezone.now() - timedelta(minutes=30)
    session.start, session.end = start, start + timedelta(hours=2)
    session.save(update_fields=["start", "end"])
    page.reload()
    page.get_by_role("link", name=re.compile("^Attendance")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Attendance")
    tick(page, "Corsista 1")
    b.audit("attendance")
    b.shot("attendance")
    page.get_by_role("button", name="Save the attendance").click()
    expect(page.get_by_role("status").filter(has_text="Attendance saved: 1 present.")).to_be_visible()
    present = dict(session.attendance.values_list("registration__person__username", "present"))
    assert present == {"corsista1": True, "corsista2": False}
    assert Registration.objects.filter(event=event, state="confirmed").count() == 2
