"""Surveys: answers per neighbourhood, and no cell of fewer than 5 answers in any aggregated view."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import INSIDE_EAST
from vicinato.geo.models import Area
from vicinato.lib.errors import Conflict
from vicinato.planning import surveys
from vicinato.planning.models import Question, Survey


@pytest.fixture
def nils(city):
    return {a.code: a for a in Area.objects.filter(level=Area.Level.NEIGHBOURHOOD)}


@pytest.fixture
def survey(manager, cooperative):
    made = surveys.create_survey(
        manager,
        cooperative,
        "Lavorare vicino a casa",
        questions=[
            {
                "kind": "choice",
                "text": "Would you work near home?",
                "options": ["yes", "no"],
                "required": True,
            },
            {"kind": "multiple", "text": "What do you need?", "options": ["desk", "room", "childcare"]},
            {"kind": "scale", "text": "How much?"},
            {"kind": "number", "text": "Days a week"},
            {"kind": "text", "text": "Anything else?"},
        ],
    )
    return surveys.set_state(manager, made, Survey.State.OPEN)


def ids(survey):
    return [str(q.pk) for q in survey.questions.all()]


def answer(survey, nil, choice="yes", needs=("desk",), scale=4, days=2, text="", user=None):
    q = ids(survey)
    return surveys.answer(
        user, survey, nil, {q[0]: choice, q[1]: list(needs), q[2]: scale, q[3]: days, q[4]: text}
    )


def test_a_neighbourhood_with_four_answers_is_suppressed_and_five_shown(survey, nils):
    for _ in range(4):
        answer(survey, nils["10"])
    for _ in range(5):
        answer(survey, nils["20"], text="a quiet room")
    questions, rows, total = surveys.results(survey)
    west, east = rows
    assert (west.name, west.answers, west.cells) == ("Area 10", None, {})
    assert east.answers == 5
    choice = east.cells[ids(survey)[0]]
    assert [c.count for c in choice] == [5, 0]
    assert east.means[ids(survey)[2]] == 4
    assert total == 9
    assert all(q.kind != Question.Kind.TEXT for q in questions)
    table = surveys.csv_rows(survey)
    assert table[1][:3] == ["10", "Area 10", "<5"] and set(table[1][3:]) == {"<5"}
    assert table[2][:4] == ["20", "Area 20", 5, 5]


def test_small_option_cells_are_hidden_with_the_one_that_would_reveal_them(survey, nils):
    for index in range(7):
        answer(survey, nils["20"], choice="yes" if index < 5 else "no")
    _questions, rows, _total = surveys.results(survey)
    # "no" has 2 answers: hidden; "yes" would give it away as 7 - 5: hidden too.
    assert [c.count for c in rows[0].cells[ids(survey)[0]]] == [None, None]


def test_fewer_than_five_answers_in_all_hide_the_total(survey, nils):
    answer(survey, nils["20"])
    assert surveys.results(survey)[2] is None


def test_free_text_only_for_the_organisation(survey, nils, manager, outsider):
    answer(survey, nils["20"], text="a quiet room")
    assert surveys.free_text(manager, survey) == [("Anything else?", "Area 20", "a quiet room")]
    with pytest.raises(PermissionDenied):
        surveys.free_text(outsider, survey)


def test_bad_answers_name_their_question(survey, nils):
    q = ids(survey)
    with pytest.raises(ValidationError) as refused:
        surveys.answer(None, survey, nils["10"], {q[0]: "maybe", q[2]: 9, q[3]: "many"})
    assert set(refused.value.message_dict) == {f"q{q[0]}", f"q{q[2]}", f"q{q[3]}"}
    with pytest.raises(ValidationError) as refused:
        surveys.answer(None, survey, None, {q[0]: "yes"})
    assert "neighbourhood" in refused.value.message_dict


@pytest.mark.parametrize("days", ["1,5", "1.5", " 2 ", "-3", ",5", 2, 2.5])
def test_a_number_is_taken_as_people_write_it(survey, nils, days):
    got = answer(survey, nils["10"], days=days).answers[ids(survey)[3]]
    assert got == float(str(days).strip().replace(",", "."))


@pytest.mark.parametrize("days", ["1_000", "١٢", "1.000,5", "nan", "inf", "1e3", True, "1e309"])
def test_what_is_not_a_number_is_said(survey, nils, days):
    with pytest.raises(ValidationError) as refused:
        answer(survey, nils["10"], days=days)
    assert refused.value.message_dict[f"q{ids(survey)[3]}"] == ["Give a number."]


def test_the_street_gives_the_neighbourhood(nils):
    assert surveys.neighbourhood_of_street(*INSIDE_EAST) == nils["20"]


def test_a_signed_in_person_answers_once(survey, nils, outsider):
    answer(survey, nils["10"], user=outsider)
    with pytest.raises(Conflict):
        answer(survey, nils["10"], user=outsider)


def test_an_organisation_survey_is_for_its_people(manager, cooperative, nils, outsider):
    made = surveys.create_survey(
        manager,
        cooperative,
        "Interno",
        audience="organisation",
        questions=[{"kind": "scale", "text": "How much?"}],
    )
    with pytest.raises(Conflict):
        surveys.answer(manager, made, nils["10"], {})
    surveys.set_state(manager, made, Survey.State.OPEN)
    with pytest.raises(PermissionDenied):
        surveys.answer(None, made, nils["10"], {})
    with pytest.raises(PermissionDenied):
        surveys.answer(outsider, made, nils["10"], {})
    assert surveys.answer(manager, made, nils["10"], {str(made.questions.get().pk): 3}).person == manager


def test_only_the_organisation_writes_its_surveys(cooperative, outsider, planner):
    for user in (outsider, planner):
        with pytest.raises(PermissionDenied):
            surveys.create_survey(user, cooperative, "Mine")


def test_questions_are_checked(manager, cooperative):
    with pytest.raises(ValidationError) as refused:
        surveys.create_survey(
            manager, cooperative, "X", questions=[{"kind": "choice", "text": "Which?", "options": ["a"]}]
        )
    assert "questions-0-options" in refused.value.message_dict
    made = surveys.create_survey(manager, cooperative, "Empty")
    with pytest.raises(Conflict):
        surveys.set_state(manager, made, Survey.State.OPEN)


def test_the_csv_escapes_what_a_spreadsheet_would_run(manager, cooperative, nils):
    made = surveys.create_survey(
        manager,
        cooperative,
        "X",
        questions=[{"kind": "choice", "text": "=HYPERLINK(1)", "options": ["+a", "b"]}],
    )
    surveys.set_state(manager, made, Survey.State.OPEN)
    from django.test import Client
    from django.urls import reverse

    text = Client().get(reverse("web:planning:survey_csv", args=[made.pk])).content.decode()
    assert text.splitlines()[0] == "nil_code,nil,answers,'=HYPERLINK(1) | +a,'=HYPERLINK(1) | b"
