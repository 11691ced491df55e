"""Requests under /api/ go through a leaner middleware stack (settings.API_MIDDLEWARE): the API answers as it did
through the pages' stack (status, headers, body, cookies), in the language asked for, with its security headers,
sessions and CSRF for session-authenticated requests."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from tests.booking.conftest import at
from vicinato.register.models import ApiToken

pytestmark = pytest.mark.django_db
URL = "/api/v1/booking"


class PagesApiLanguage:
    """The API's language middleware as it was inside the pages' stack (after LocaleMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/api/"):
            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


# What every request went through before API_MIDDLEWARE.
PAGES_STACK = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    f"{__name__}.PagesApiLanguage",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]


def booking(resource, day, hour: int) -> dict:
    return {
        "resource": resource.pk,
        "start": at(f"{hour:02d}:00", day).isoformat(),
        "end": at(f"{hour + 1:02d}:00", day).isoformat(),
    }


def answer_shape(response) -> dict:
    headers = {k: v for k, v in response.headers.items() if k != "Vary"}
    vary = {v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()}
    body = response.content
    if response.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        if isinstance(body, dict):  # a new booking: its own id and code
            body = {k: v for k, v in body.items() if k not in ("id", "checkin_code")}
    return {
        "status": response.status_code,
        "headers": headers,
        "vary": vary,
        "cookies": {name: dict(morsel.items()) for name, morsel in response.cookies.items()},
        "body": body,
    }


def cases(listed, resource, person, day):
    """(name, request) pairs: `request(hour)` sends one request and gives the answer; `hour` keeps the bookings
    made through the two stacks apart."""
    token = ApiToken.objects.create(user=person).key
    availability = f"{URL}/places/{listed.public_id}/availability?day={day.isoformat()}"

    def get(path, **headers):
        return lambda hour: Client(**headers).get(path)

    def book(**headers):
        def send(hour):
            return Client(**headers).post(
                f"{URL}/reservations", booking(resource, day, hour), content_type="application/json"
            )

        return send

    def session(csrf: bool):
        def send(hour):
            client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
            client.force_login(person)
            headers = {}
            if csrf:
                client.get("/en/")  # a page sets the CSRF cookie
                headers["HTTP_X_CSRFTOKEN"] = client.cookies[settings.CSRF_COOKIE_NAME].value
            return client.post(
                f"{URL}/reservations",
                booking(resource, day, hour),
                content_type="application/json",
                **headers,
            )

        return send

    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    return [
        ("availability, English", get(availability, HTTP_ACCEPT_LANGUAGE="en")),
        ("availability, Italian", get(availability, HTTP_ACCEPT_LANGUAGE="it-IT,it;q=0.9")),
        ("availability, no language", get(availability)),
        ("not found, English", get(f"{URL}/places/nope/resources", HTTP_ACCEPT_LANGUAGE="en")),
        ("not found, Italian", get(f"{URL}/places/nope/resources", HTTP_ACCEPT_LANGUAGE="it")),
        ("bad query", get(f"{availability[:-3]}xx", HTTP_ACCEPT_LANGUAGE="en")),
        ("no slash", get("/api/v1", HTTP_ACCEPT_LANGUAGE="en")),
        ("unknown host", get(availability, HTTP_HOST="evil.example")),
        ("docs", get("/api/v1/docs")),
        ("book with a token", book(HTTP_ACCEPT_LANGUAGE="en", **bearer)),
        ("book with a token, Italian", book(HTTP_ACCEPT_LANGUAGE="it", **bearer)),
        ("book signed out", book(HTTP_ACCEPT_LANGUAGE="en")),
        ("book with a session, no CSRF token", session(csrf=False)),
        ("book with a session and its CSRF token", session(csrf=True)),
    ]


def test_the_api_answers_as_through_the_pages_stack(listed, resource, staff, day, settings):
    """The same request through both stacks, by the place's staff (who may hold two bookings at one time)."""
    lean = settings.MIDDLEWARE
    assert lean[0] == "vicinato.api.middleware.ApiStackMiddleware"
    for hour, (name, send) in enumerate(cases(listed, resource, staff, day), start=8):
        # Each booking through each stack takes one of the resource's two units at its own hour.
        settings.MIDDLEWARE = lean
        through_api_stack = answer_shape(send(hour))
        settings.MIDDLEWARE = PAGES_STACK
        assert answer_shape(send(hour)) == through_api_stack, name


def test_what_the_lean_stack_keeps(listed, resource, person, day):
    token = ApiToken.objects.create(user=person).key
    italian = Client(HTTP_ACCEPT_LANGUAGE="it").get(f"{URL}/reservations")
    assert italian.status_code == 401 and italian["Content-Language"] == "it"
    assert "Accept-Language" in italian["Vary"]
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"{URL}/reservations")
    assert english["Content-Language"] == "en" and english.json()["detail"] != italian.json()["detail"]
    assert english["X-Frame-Options"] == "DENY" and english["X-Content-Type-Options"] == "nosniff"
    assert english["Referrer-Policy"] == "same-origin"
    # A session needs its CSRF token for an unsafe request; a token does not.
    session = Client(enforce_csrf_checks=True)
    session.force_login(person)
    url = f"{URL}/reservations"
    refused = session.post(url, booking(resource, day, 9), content_type="application/json")
    assert refused.status_code == 403
    with_token = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert (
        with_token.post(url, booking(resource, day, 10), content_type="application/json").status_code == 201
    )
    # The session's user is signed in through the lean stack too.
    assert session.get(url).status_code == 200
    assert Client().get(url).status_code == 401
    assert Client(HTTP_HOST="evil.example").get(url).status_code == 400


def test_api_requests_skip_the_pages_middleware(listed, resource):
    """What makes the stack leaner: no messages, no static files, no second language negotiation."""
    api = Client().get(f"{URL}/places/{listed.public_id}/resources")
    assert api.status_code == 200 and not hasattr(api.wsgi_request, "_messages")
    page = Client().get("/")
    assert hasattr(page.wsgi_request, "_messages")
