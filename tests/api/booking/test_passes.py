"""Monthly passes in the API: an operator offers one on a resource, a person takes one, lists and cancels it;
refusals answer 422 with the rule's code in the house's error shape, and the booking says the pass covers it."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from tests.booking.conftest import MONTHLY_PASS_DESKS, at, make_resource
from vicinato.booking.models import MonthlyPass, Resource
from vicinato.booking.services import reserve

from .test_api import URL, client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("at_now")]
JSON = "application/json"


@pytest.fixture
def monthly(listed) -> Resource:
    return make_resource(listed, **MONTHLY_PASS_DESKS)


def test_an_operator_offers_a_monthly_pass_and_the_form_refuses_it_for_agreements(listed, resource, admin):
    url = f"{URL}/resources/{resource.pk}"
    answer = client_for(admin).patch(url, {"price_cents_per_month": 15050}, content_type=JSON)
    assert answer.status_code == 200 and answer.json()["price_cents_per_month"] == 15050
    refused = client_for(admin).patch(url, {"who_may_book": "agreement"}, content_type=JSON)
    assert refused.status_code == 422
    assert refused.json()["errors"]["price_cents_per_month"] == [
        "Holders of an agreement book day by day at the agreement's price: leave the monthly pass empty, or "
        "let others book this resource."
    ]
    cleared = client_for(admin).patch(
        url, {"who_may_book": "agreement", "price_cents_per_month": None}, content_type=JSON
    )
    assert cleared.status_code == 200 and cleared.json()["price_cents_per_month"] is None


def test_a_person_takes_lists_and_cancels_a_pass(monthly, person):
    api = client_for(person)
    taken = api.post(f"{URL}/resources/{monthly.pk}/passes", {"month": "2030-04"}, content_type=JSON)
    assert taken.status_code == 201, taken.content
    body = taken.json()
    assert {k: body[k] for k in ("resource", "month", "month_label", "price_cents", "currency", "state")} == {
        "resource": monthly.pk,
        "month": "2030-04",
        "month_label": "April 2030",
        "price_cents": 18000,
        "currency": "EUR",
        "state": "active",
    }
    assert body["cancellable"] is True
    again = api.post(f"{URL}/resources/{monthly.pk}/passes", {"month": "2030-04"}, content_type=JSON)
    assert again.status_code == 422
    assert again.json()["codes"] == {"month": ["pass_held"]}
    assert again.json()["errors"]["month"] == [
        "You already hold a monthly pass for April 2030; it is on your bookings page."
    ]
    listed_answer = api.get(f"{URL}/passes")
    assert listed_answer.status_code == 200 and listed_answer["X-Total-Count"] == "1"
    assert [p["id"] for p in listed_answer.json()] == [body["id"]]
    # Its bookings in April say the pass covers them.
    booked = api.post(
        f"{URL}/reservations",
        {"resource": monthly.pk, "start": "2030-04-02T08:30:00+02:00", "end": "2030-04-02T11:30:00+02:00"},
        content_type=JSON,
    )
    assert booked.status_code == 201, booked.content
    assert (booked.json()["price_cents"], booked.json()["monthly_pass"]) == (0, body["id"])
    refused = api.post(f"{URL}/passes/{body['id']}/cancel")
    assert refused.status_code == 422 and refused.json()["codes"] == {"month": ["pass_used"]}
    api.post(f"{URL}/reservations/{booked.json()['id']}/cancel", {"reason": ""}, content_type=JSON)
    cancelled = api.post(f"{URL}/passes/{body['id']}/cancel")
    assert cancelled.status_code == 200
    assert (cancelled.json()["state"], cancelled.json()["cancellable"]) == ("cancelled", False)
    assert api.get(f"{URL}/passes", {"state": "active"}).json() == []


def test_refusals_answer_in_the_error_shape(monthly, place, person, other_person):
    api = client_for(person)
    url = f"{URL}/resources/{monthly.pk}/passes"
    bad = api.post(url, {"month": "2030-13"}, content_type=JSON)
    assert bad.status_code == 422 and "month" in bad.json()["errors"]
    ended = api.post(url, {"month": "2030-02"}, content_type=JSON)
    assert ended.status_code == 422 and ended.json()["codes"] == {"month": ["pass_month"]}
    assert (
        api.post(f"{URL}/resources/999999/passes", {"month": "2030-04"}, content_type=JSON).status_code == 404
    )
    agreement = make_resource(place, who_may_book=Resource.WhoMayBook.AGREEMENT)
    stranger = api.post(f"{URL}/resources/{agreement.pk}/passes", {"month": "2030-04"}, content_type=JSON)
    assert stranger.status_code == 422 and stranger.json()["codes"]["resource"] == ["no_pass"]
    MonthlyPass.objects.create(
        person=other_person, resource=monthly, month=date(2030, 4, 1), price_cents=1, created_at=at("08:30")
    )
    theirs = MonthlyPass.objects.get(person=other_person)
    assert api.post(f"{URL}/passes/{theirs.pk}/cancel").status_code == 404
    assert Client().post(url, {"month": "2030-04"}, content_type=JSON).status_code == 401
    assert Client().get(f"{URL}/passes").status_code == 401


def test_a_booking_made_before_the_pass_keeps_its_price(monthly, person):
    before = reserve(person, monthly, at("08:30", date(2030, 3, 5)), at("10:30", date(2030, 3, 5)))
    client_for(person).post(f"{URL}/resources/{monthly.pk}/passes", {"month": "2030-03"}, content_type=JSON)
    before.refresh_from_db()
    assert (before.price_cents, before.monthly_pass) == (400, None)


@pytest.mark.parametrize("month", ["9999-12", "0000-01", "2030-00"])
def test_months_at_the_ends_of_the_calendar_are_refused_not_failed(monthly, person, month):
    answer = client_for(person).post(
        f"{URL}/resources/{monthly.pk}/passes", {"month": month}, content_type=JSON
    )
    assert answer.status_code == 422 and answer.json()["errors"]
