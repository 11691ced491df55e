"""Survey options have stable keys: answers hold the key, whatever language the respondent read; the migration
that introduced keys turns answers stored by their (Italian) label into keys."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from vicinato.geo.models import Area
from vicinato.planning import surveys
from vicinato.planning.models import Question, Response, Survey, option_keys

MIGRATION = importlib.import_module("vicinato.planning.migrations.0003_surveys_in_two_languages")


def test_keys_are_stable_readable_and_unique():
    assert option_keys(["Sì, spesso", "sì spesso", "???", "No"]) == [
        "si-spesso",
        "si-spesso-2",
        "option-3",
        "no",
    ]


@pytest.mark.django_db
def test_the_migration_turns_answers_by_label_into_keys(city, cooperative):
    survey = Survey.objects.create(organisation=cooperative, title_it="Vecchio")
    one = Question.objects.create(
        survey=survey, kind="choice", text_it="Lavori?", options=["sì", "forse", "no"]
    )
    many = Question.objects.create(
        survey=survey, kind="multiple", text_it="Serve?", options=["scrivania", "sala"]
    )
    scale = Question.objects.create(survey=survey, kind="scale", text_it="Quanto?")
    nil = Area.objects.filter(level=Area.Level.NEIGHBOURHOOD).first()
    old = Response.objects.create(
        survey=survey,
        neighbourhood=nil,
        answers={str(one.pk): "sì", str(many.pk): ["scrivania", "sala"], str(scale.pk): 4},
    )
    MIGRATION.labels_to_keys(apps, None)
    MIGRATION.labels_to_keys(apps, None)  # run twice (e.g. re-applied): nothing changes the second time
    one.refresh_from_db()
    old.refresh_from_db()
    assert one.options == [
        {"key": "si", "it": "sì", "en": ""},
        {"key": "forse", "it": "forse", "en": ""},
        {"key": "no", "it": "no", "en": ""},
    ]
    assert old.answers == {str(one.pk): "si", str(many.pk): ["scrivania", "sala"], str(scale.pk): 4}
    # An answer given afterwards in English to the same option counts with it.
    Question.objects.filter(pk=one.pk).update(
        options=[{**o, "en": en} for o, en in zip(one.options, ["yes", "maybe", "no"], strict=True)]
    )
    Survey.objects.filter(pk=survey.pk).update(state=Survey.State.OPEN)
    survey.refresh_from_db()
    new = surveys.answer(None, survey, nil, {str(one.pk): "yes"})
    assert new.answers[str(one.pk)] == "si"
