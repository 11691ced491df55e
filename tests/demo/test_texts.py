"""The demo city's texts are in one language each (issue 19): no field of what it loads holds a text and its
translation side by side ("Requisiti verificati / Requirements verified"). Texts with a field for each language
(names, descriptions, reasons) fill both; what a person writes (a review note, a survey, a statement) is written
once, in Italian, as the demo's Milan people would."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from vicinato.booking.models import Block
from vicinato.demo.loader import load_demo, remove_demo
from vicinato.geo.models import Area, Municipality
from vicinato.planning.models import ProposalEvent, Question, Survey
from vicinato.register.models import ApplicationEvent

# A text, a slash between spaces, another text: "sì / yes", "Altro? / Anything else?".
PAIR = re.compile(r"\w[^/]* / \w")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        yield load_demo()
        remove_demo()
        Area.objects.all().delete()
        Municipality.objects.all().delete()


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def text_fields(model) -> list[str]:
    """The fields of free text in no language of their own (a field per language holds one by definition, and may
    name alternatives: "Reception / portineria")."""
    kinds = (models.CharField, models.TextField, models.JSONField)
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, kinds) and not f.choices and not f.name.endswith(("_it", "_en"))
    ]


@pytest.mark.django_db
def test_no_text_of_the_demo_holds_two_languages(demo):
    found = []
    for model in apps.get_app_configs():
        if not model.name.startswith("vicinato."):
            continue
        for each in model.get_models():
            names = text_fields(each)
            for row in each.objects.values_list("pk", *names) if names else ():
                for name, value in zip(names, row[1:], strict=True):
                    found += [
                        f"{each.__name__} {row[0]} {name}: {s}" for s in strings(value) if PAIR.search(s)
                    ]
    assert found == []


def language_pairs(model) -> list[tuple[str, str]]:
    """The fields kept in both languages: (`x_it`, `x_en`)."""
    names = {f.name for f in model._meta.concrete_fields}
    return [
        (name, f"{name[:-3]}_en")
        for name in sorted(names)
        if name.endswith("_it") and f"{name[:-3]}_en" in names
    ]


@pytest.mark.django_db
def test_where_a_text_has_an_english_field_the_demo_fills_both(demo):
    """In English no Italian-only text appears where an English field exists, and in Italian no English-only
    one: each pair of the demo is filled in both languages, or in neither (survey options included)."""
    found = []
    pairs = 0
    for config in apps.get_app_configs():
        if not config.name.startswith("vicinato."):
            continue
        for model in config.get_models():
            for it, en in language_pairs(model):
                for pk, italian, english in model.objects.values_list("pk", it, en):
                    pairs += 1
                    if bool((italian or "").strip()) != bool((english or "").strip()):
                        found.append(f"{model.__name__} {pk} {it[:-3]}: {italian!r} / {english!r}")
    for question in Question.objects.exclude(options=[]):
        for option in question.options:
            if not (option.get("it") and option.get("en")):
                found.append(f"Question {question.pk} option {option['key']}: {option}")
    assert pairs > 100  # the check did look at the demo
    assert found == []


@pytest.mark.django_db
def test_the_demo_reads_in_one_language_at_a_time(demo):
    """What a person reads of the demo's bilingual texts: the survey and the room blocks of events."""
    survey = Survey.objects.get()
    question = Question.objects.get(survey=survey, position=0)
    block = Block.objects.exclude(reason_it="").first()
    with translation.override("en"):
        assert (survey.title, question.text) == (
            "Working near home",
            "Would you work in a space near your home?",
        )
        assert [label for _key, label in question.option_labels] == ["yes", "maybe", "no"]
        english = block.reason
    with translation.override("it"):
        assert (survey.title, question.text) == (
            "Lavorare vicino a casa",
            "Lavoreresti in uno spazio vicino a casa?",
        )
        assert [label for _key, label in question.option_labels] == ["sì", "forse", "no"]
        italian = block.reason
    assert (italian, english) == (block.reason_it, block.reason_en) and italian != english
    assert question.option_keys == ["si", "forse", "no"]
    assert {answer[str(question.pk)] for answer in survey.responses.values_list("answers", flat=True)} <= {
        "si",
        "forse",
        "no",
    }


@pytest.mark.django_db
def test_review_notes_are_written_once_and_marked_with_their_language(demo):
    notes = set(ApplicationEvent.objects.exclude(note="").values_list("note", "note_language"))
    assert {("Requisiti verificati", "it"), ("Caricate la planimetria aggiornata", "it")} <= notes
    assert {language for _note, language in notes} == {"it"}
    assert set(ProposalEvent.objects.exclude(note="").values_list("note_language", flat=True)) == {"it"}
