"""The Content-Security-Policy breaks neither the API's docs nor a page with a map (issue 18, finding 7): the
fixture `browsing` fails a test on any policy violation reported by Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_the_api_docs_work_under_the_policy(browsing):
    b = browsing("csp-api-docs")
    page = b.page
    answer = page.goto("/api/v1/docs")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    expect(page.locator(".opblock").first).to_be_visible()  # Swagger UI rendered the operations
    b.shot("api-docs")


@pytest.mark.django_db(transaction=True)
def test_the_register_map_page_works_under_the_policy(browsing):
    b = browsing("csp-register")
    page = b.page
    answer = page.goto("/registro/")
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    b.shot("register")
