"""422 answers name the refusing rule: `codes` gives a machine-readable code next to each message."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from tests.booking.conftest import at, make_resource
from vicinato.booking import services
from vicinato.register.models import Closure, Membership

from .test_api import URL, booking, client_for

pytestmark = pytest.mark.django_db
JSON = "application/json"


def refused(person, payload) -> dict:
    answer = client_for(person).post(f"{URL}/reservations", payload, content_type=JSON)
    assert answer.status_code == 422, answer.content
    body = answer.json()
    # The shape clients already read is unchanged; each message has its code, in the same order.
    assert set(body) == {"detail", "errors", "codes"}
    assert {f: len(m) for f, m in body["errors"].items()} == {f: len(c) for f, c in body["codes"].items()}
    return body


@pytest.mark.parametrize(
    ("start", "end", "codes"),
    [
        ("08:00", "09:00", {"start": ["opening_hours"]}),
        ("18:30", "19:30", {"end": ["opening_hours"]}),
        ("09:10", "10:10", {"start": ["slot"]}),
        ("09:00", "09:30", {"end": ["min_duration"]}),
        ("09:00", "14:30", {"end": ["max_duration"]}),
        ("10:00", "09:00", {"end": ["order"]}),
    ],
)
def test_each_rule_has_its_code(listed, resource, person, day, start, end, codes):
    assert refused(person, booking(resource, day, start, end))["codes"] == codes


def test_codes_of_the_period_and_the_person(listed, resource, person, day):
    Closure.objects.create(place=listed, start_date=day, end_date=day, reason_it="Holiday")
    assert refused(person, booking(resource, day))["codes"] == {"start": ["closure"]}
    far = day + timedelta(days=28)
    while far.weekday() > 4:
        far += timedelta(days=1)
    assert refused(person, booking(resource, far))["codes"] == {"start": ["days_ahead"]}
    assert refused(person, booking(resource, day, units=3))["codes"]["units"] == ["units"]
    limited = make_resource(listed, max_per_day_per_person=1)
    next_day = day + timedelta(days=1 if day.weekday() < 4 else 3)
    services.reserve(person, limited, at("09:00", next_day), at("10:00", next_day))
    body = refused(person, booking(limited, next_day, "11:00", "12:00"))
    assert body["codes"] == {"start": ["per_day"]}
    assert body["errors"]["start"] == ["You can book at most 1 time a day at this place; choose another day."]


def test_several_refusals_of_one_field_keep_their_order(listed, person, day):
    strict = make_resource(listed, min_notice_minutes=10 * 24 * 60)
    body = refused(person, booking(strict, day, "08:00", "09:00"))
    assert body["codes"] == {"start": ["notice", "opening_hours"]}
    assert body["errors"]["start"][0].startswith("Bookings must be made at least")


def test_other_refusals_have_generic_codes(listed, resource, person, staff, day):
    missing = client_for(person).post(f"{URL}/reservations", {"start": "x"}, content_type=JSON).json()
    assert missing["codes"]["resource"] == ["missing"] and missing["codes"]["start"] == [
        "datetime_from_date_parsing"
    ]
    far = client_for(person).post(
        f"{URL}/reservations",
        {"resource": resource.pk, "start": "9999-12-31T09:00:00+01:00", "end": "9999-12-31T10:00:00+01:00"},
        content_type=JSON,
    )
    assert far.status_code == 422 and set(far.json()["codes"]) <= {"start", "end", "__all__"}
    wrong_code = client_for(staff).post(f"{URL}/check-in", {"code": "1-AAAAAAAA"}, content_type=JSON)
    assert wrong_code.status_code == 422 and wrong_code.json()["codes"] == {"code": ["checkin_code"]}


def test_409_and_404_answers_keep_their_shape(client, listed, resource, person):
    missing = client_for(person).get(f"{URL}/reservations/12345")
    assert missing.status_code == 404 and "codes" not in missing.json()


def test_the_api_docs_list_the_codes():
    description = Client().get("/api/v1/openapi.json").json()["info"]["description"]
    assert '"codes": {field: [codes]}' in description
    for code in ("opening_hours", "notice", "per_day", "closure", "out_of_range", "missing"):
        assert f"`{code}`" in description


def test_the_resource_forms_refusals_keep_their_codes(listed, user_factory, organisation):
    admin = user_factory("placeadmin")
    Membership.objects.create(organisation=organisation, user=admin, role=Membership.Role.ADMIN)
    answer = client_for(admin).post(
        f"{URL}/places/{listed.public_id}/resources",
        {"kind": "desk", "name_it": "Sala", "capacity": 0, "slot_minutes": 30, "min_minutes": 60},
        content_type=JSON,
    )
    assert answer.status_code == 422
    assert answer.json()["errors"]["capacity"] == ["Ensure this value is greater than or equal to 1."]
    assert answer.json()["codes"]["capacity"] == ["min_value"]
