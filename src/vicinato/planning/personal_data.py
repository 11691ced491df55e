"""What planning keeps about a person: the survey answers they gave signed in (see vicinato.lib.personal_data).
Forgotten, the answers stay in the survey's figures without the person."""

from __future__ import annotations

from django.utils.translation import gettext as _

from vicinato.lib.personal_data import Holder

from .models import Response


def _answers(person) -> list[dict]:
    responses = Response.objects.filter(person=person).select_related("survey", "neighbourhood")
    return [
        {
            "survey": str(r.survey),
            "neighbourhood": r.neighbourhood.name,
            "answers": r.answers,
            "submitted_on": r.submitted_on,
        }
        for r in responses
    ]


ANSWERS = Holder(
    "survey_answers",
    lambda: _("Survey answers"),
    _answers,
    forget=lambda person: Response.objects.filter(person=person).update(person=None),
)
