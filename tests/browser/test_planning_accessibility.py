"""axe-core (WCAG 2.0/2.1 A and AA) on every planning page, in Italian and in English, with the demo's survey,
proposals and scenarios; a scenario's preview and a form with its errors."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pages(demo):
    from vicinato.planning.models import Proposal, Scenario, Survey

    survey = Survey.objects.get()
    first, second = Scenario.objects.order_by("pk")
    proposal = Proposal.objects.get(state="changes_requested")
    return {
        "home": "/pianificazione/",
        "scenario": f"/pianificazione/scenari/{first.pk}/",
        "compare": f"/pianificazione/scenari/confronta/?s={first.pk}&s={second.pk}",
        "scenario-form": "/pianificazione/scenari/nuovo/",
        "surveys": "/questionari/",
        "survey": f"/questionari/{survey.pk}/",
        "survey-results": f"/questionari/{survey.pk}/risultati/",
        "survey-form": "/pianificazione/questionari/nuovo/",
        "need-form": "/pianificazione/bisogni/nuovo/",
        "proposal-form": "/pianificazione/proposte/nuova/",
        "proposal": f"/pianificazione/proposte/{proposal.pk}/",
    }


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_every_planning_page_passes_axe(browsing, pages, prefix):
    b = browsing(f"planning-axe{prefix.replace('/', '-') or '-it'}")
    page = b.page
    sign_in(page, "admin", prefix, next=f"{prefix}/pianificazione/")
    for name, path in pages.items():
        page.goto(prefix + path)
        expect(page.locator("h1")).to_be_visible()
        b.audit(name)
    # The preview of a plan, at once, under the form.
    page.goto(prefix + pages["scenario-form"])
    page.locator("#id_k").fill("3")
    page.locator("button[name='preview']").click()
    expect(page.locator("#preview-title")).to_be_visible()
    expect(page.locator("#site-3")).to_be_visible()
    b.audit("scenario-preview")
    b.shot("scenario-preview")
    # A refusal on the page: more sites than candidates.
    page.locator("#id_k").fill("50")
    # Metro stations out: only the two accepted proposals remain.
    page.locator("label[for='id_sources_0']").click()
    page.locator("button[name='preview']").click()
    expect(page.locator("#id_k-error")).to_be_visible()
    b.audit("scenario-form-errors")
