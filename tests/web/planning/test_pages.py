"""The planning pages: what each person sees and may do, and bad input answered on the page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.web.pages import NOT_IDS
from vicinato.geo.models import Area
from vicinato.planning import proposals, scenarios, surveys
from vicinato.planning.models import Proposal, Scenario, Survey

FORM = {
    "k": 2,
    "mode": "walk",
    "minutes": 5,
    "objective": "covering",
    "equity": "none",
    "sources": ["metro"],
    "time_limit_s": 10,
    "layer_residents": 1,
}


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def url(name, *args):
    return reverse(f"web:planning:{name}", args=args)


def test_preview_then_save_a_scenario(stations, planner):
    client = signed_in(planner)
    preview = client.post(url("scenario_new"), {**FORM, "preview": "1"})
    assert preview.status_code == 200
    assert b"Preview (greedy and swaps)" in preview.content and b"Area 20" in preview.content
    missing_name = client.post(url("scenario_new"), {**FORM, "save": "1"})
    assert b"Give the scenario a name." in missing_name.content
    saved = client.post(url("scenario_new"), {**FORM, "save": "1", "name": "Two stations"}, follow=True)
    scenario = Scenario.objects.get()
    assert saved.redirect_chain[-1][0] == url("scenario", scenario.pk)
    assert b"Proven optimal" in saved.content and b"Two stations" in saved.content
    assert client.get(url("scenario_csv", scenario.pk))["Content-Type"].startswith("text/csv")
    assert client.get(url("scenario_geojson", scenario.pk)).json()["type"] == "FeatureCollection"
    other = scenarios.save(
        planner, "Three", scenarios.check_params({**FORM, "k": 3, "layers": {"residents": 1}})
    )
    compared = client.get(url("scenario_compare") + f"?s={scenario.pk}&s={other.pk}")
    assert compared.status_code == 200 and b"After: Three" in compared.content


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"k": 7}, b"only 6 candidate sites"),
        ({"layer_residents": 0}, b"There is no demand"),
        ({"mode": "teleport"}, b"Select a valid choice"),
    ],
)
def test_bad_input_is_said_on_the_page(stations, planner, changes, message):
    response = signed_in(planner).post(url("scenario_new"), {**FORM, **changes, "preview": "1"})
    assert response.status_code == 200 and message in response.content


def test_who_may_plan(stations, planner, manager, outsider):
    scenario = scenarios.save(planner, "Mine", scenarios.check_params({**FORM, "layers": {"residents": 1}}))
    assert signed_in(manager).get(url("scenario_new")).status_code == 403
    assert signed_in(manager).get(url("scenario", scenario.pk)).status_code == 200
    assert signed_in(manager).post(url("scenario_delete", scenario.pk)).status_code == 403
    assert signed_in(outsider).get(url("home")).status_code == 403
    assert signed_in(outsider).get(url("scenario", scenario.pk)).status_code == 403
    assert Client().get(url("home")).status_code == 302


@pytest.mark.parametrize("value", NOT_IDS)
def test_a_scenario_that_is_not_an_id_is_left_out_of_the_comparison(stations, planner, value):
    scenario = scenarios.save(planner, "Mine", scenarios.check_params({**FORM, "layers": {"residents": 1}}))
    client = signed_in(planner)
    for chosen in ([value], [scenario.pk, value]):
        response = client.get(url("scenario_compare"), {"s": chosen}, follow=True)
        assert response.redirect_chain == [(url("home"), 302)]
        assert b"Choose two saved scenarios to compare." in response.content
    assert Scenario.objects.get() == scenario


@pytest.fixture
def survey(manager, cooperative):
    made = surveys.create_survey(
        manager,
        cooperative,
        "Near home",
        questions=[{"kind": "choice", "text": "Work near home?", "options": ["yes", "no"]}],
    )
    return surveys.set_state(manager, made, Survey.State.OPEN)


def test_answer_by_street_and_see_suppressed_results(city, survey):
    question = survey.questions.get()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert b"Near home" in client.get(url("surveys")).content
    east = Area.objects.get(level=Area.Level.NEIGHBOURHOOD, code="20")
    for _ in range(4):
        response = client.post(url("survey", survey.pk), {"neighbourhood": east.pk, f"q{question.pk}": "yes"})
        assert response.status_code == 302
    page = client.get(url("survey_results", survey.pk))
    assert b"&lt;5" in page.content and b"Fewer than 5 answers so far." in page.content
    client.post(url("survey", survey.pk), {"neighbourhood": east.pk, f"q{question.pk}": "yes"})
    page = client.get(url("survey_results", survey.pk)).content.decode()
    assert "5 answers." in page
    assert '"share": 1.0' in page and "Map: the share of each neighbourhood" in page
    csv_text = client.get(url("survey_csv", survey.pk)).content.decode()
    assert "20,Area 20,5,5,0" in csv_text
    refused = client.post(url("survey", survey.pk), {f"q{question.pk}": "yes"})
    assert b"Choose your neighbourhood" in refused.content
    by_street = client.post(url("survey", survey.pk), {"street": "Via Torino 20", f"q{question.pk}": "no"})
    assert by_street.status_code == 302
    assert survey.responses.order_by("pk").last().neighbourhood.code == "10"
    unknown = client.post(
        url("survey", survey.pk), {"street": "Via Inesistente Qwerty", f"q{question.pk}": "no"}
    )
    assert b"No neighbourhood of the city matches this street" in unknown.content


def test_a_draft_survey_is_hidden(manager, cooperative, city):
    draft = surveys.create_survey(
        manager, cooperative, "Draft", questions=[{"kind": "scale", "text": "How?"}]
    )
    assert Client().get(url("survey", draft.pk)).status_code == 404
    assert Client().get(url("survey_results", draft.pk)).status_code == 404
    assert signed_in(manager).get(url("survey_results", draft.pk)).status_code == 200


def test_write_a_survey(manager, city):
    client = signed_in(manager)
    data = {
        "organisation": manager.organisations.get().pk,
        "title_it": "Bisogni",
        "title_en": "Needs",
        "description_it": "",
        "description_en": "",
        "audience": "public",
        "questions-TOTAL_FORMS": 2,
        "questions-INITIAL_FORMS": 0,
        "questions-0-kind": "multiple",
        "questions-0-text": "Che cosa?",
        "questions-0-text_en": "What?",
        "questions-0-options": "scrivania\nsala",
        "questions-0-options_en": "desk",
        "questions-1-kind": "choice",
        "questions-1-text": "Quale?",
        "questions-1-options": "solo una",
    }
    refused = client.post(url("survey_new"), data)
    assert b"Give the options in English in the same order" in refused.content
    data["questions-0-options_en"] = "desk\nroom"
    refused = client.post(url("survey_new"), data)
    assert b"Give at least two different options" in refused.content
    data["questions-1-options"] = "a\nb"
    assert client.post(url("survey_new"), data).status_code == 302
    survey = Survey.objects.get()
    assert (survey.title_it, survey.title_en) == ("Bisogni", "Needs")
    first = survey.questions.get(position=0)
    assert (first.text_it, first.text_en) == ("Che cosa?", "What?")
    assert first.options == [
        {"key": "scrivania", "it": "scrivania", "en": "desk"},
        {"key": "sala", "it": "sala", "en": "room"},
    ]


def test_review_a_proposal_on_its_page(city, planner, manager, cooperative):
    proposal = proposals.propose(
        manager, cooperative, title="Shop", address="Via Torino 20", lat=45.465, lon=9.18, desks=4
    )
    client = signed_in(planner)
    refused = client.post(url("proposal", proposal.pk), {"action": "reject", "note": ""})
    assert b"Write a note for the proposer" in refused.content
    client.post(url("proposal", proposal.pk), {"action": "accept"})
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.ACCEPTED
    assert signed_in(manager).get(url("proposal", proposal.pk)).status_code == 200


def test_report_a_need(city, manager):
    client = signed_in(manager)
    east = Area.objects.get(level=Area.Level.NEIGHBOURHOOD, code="20")
    data = {
        "organisation": manager.organisations.get().pk,
        "neighbourhood": east.pk,
        "need": "Desks",
        "estimated_people": 0,
        "source": "Sportello",
        "observed_on": "2026-01-10",
    }
    assert b"Give an estimate of the people concerned" in client.post(url("need_new"), data).content
    data["estimated_people"] = 30
    assert client.post(url("need_new"), data).status_code == 302


def test_the_refusal_is_in_italian_on_the_italian_page(stations, planner):
    from django.utils import translation

    client = Client(HTTP_ACCEPT_LANGUAGE="it")
    client.force_login(planner)
    with translation.override("it"):
        address = reverse("web:planning:scenario_new")
    body = client.post(address, {**FORM, "k": 9, "preview": "1"}).content.decode()
    assert "Nuovo scenario" in body and "ci sono solo 6 siti candidati" in body


def test_points_of_ones_own_and_desks_against_demand_on_the_page(stations, planner):
    client = signed_in(planner)
    data = {**FORM, "sources": [], "k": 1, "points": "45.4642, 9.1900, Ex cinema Duomo, 2", "preview": "1"}
    page = client.post(url("scenario_new"), {**data, "per_desk": 5}).content.decode()
    assert "Ex cinema Duomo" in page and "Its desks serve" in page and "of the 10 they can" in page
    refused = client.post(url("scenario_new"), {**data, "points": "45.46 9.19"}).content.decode()
    assert "Point 1 is not valid" in refused


def test_a_survey_in_both_languages_counts_answers_together(city, yes_no_survey):
    """Each reader sees the survey in their language only; answers hold the option's key, so an Italian and
    an English respondent's answers are counted as one."""
    survey = yes_no_survey
    question = survey.questions.get()
    east = Area.objects.get(level=Area.Level.NEIGHBOURHOOD, code="20")
    pages = {}
    for language in ("it", "en"):
        with translation.override(language):
            client = Client(HTTP_ACCEPT_LANGUAGE=language)
            form = client.get(url("survey", survey.pk)).content.decode()
            for _ in range(3 if language == "it" else 2):
                sent = client.post(
                    url("survey", survey.pk), {"neighbourhood": east.pk, f"q{question.pk}": "si"}
                )
                assert sent.status_code == 302
            pages[language] = (form, client)
    italian_form, english_form = pages["it"][0], pages["en"][0]
    assert "Lavoreresti vicino a casa?" in italian_form and "Would you work near home?" not in italian_form
    assert "Would you work near home?" in english_form and "Lavoreresti" not in english_form
    assert 'value="si"' in english_form and ">yes<" not in italian_form
    assert {r.answers[str(question.pk)] for r in survey.responses.all()} == {"si"}
    with translation.override("en"):
        results = pages["en"][1].get(url("survey_results", survey.pk)).content.decode()
        csv_text = pages["en"][1].get(url("survey_csv", survey.pk)).content.decode()
    with translation.override("it"):
        risultati = pages["it"][1].get(url("survey_results", survey.pk)).content.decode()
    assert "5 answers." in results and ">yes</th>" in results and ">sì</th>" not in results
    assert ">sì</th>" in risultati and ">yes</th>" not in risultati and "Near home" not in risultati
    assert "Would you work near home? | yes" in csv_text and "20,Area 20,5,5,0" in csv_text
