"""The demo city's texts are in one language each (issue 19): no field of what it loads holds a text and its
translation side by side ("Requisiti verificati / Requirements verified"). Texts with a field for each language
(names, descriptions, reasons) fill both; what a person writes (a review note, a survey, a statement) is written
once, in Italian, as the demo's Milan people would."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.db import models

from vicinato.demo.loader import load_demo, remove_demo
from vicinato.geo.models import Area, Municipality
from vicinato.planning.models import Question, Survey
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


@pytest.mark.django_db
def test_review_notes_and_the_survey_are_written_once(demo):
    notes = set(ApplicationEvent.objects.exclude(note="").values_list("note", flat=True))
    assert {"Requisiti verificati", "Caricate la planimetria aggiornata"} <= notes
    survey = Survey.objects.get()
    assert survey.title == "Lavorare vicino a casa"
    assert Question.objects.get(survey=survey, position=0).options == ["sì", "forse", "no"]
