"""Surveys: written by an organisation's people, answered per neighbourhood (NIL), aggregated with small cells
suppressed.

A respondent gives their NIL (chosen, or found from a street with the city's geocoder) and nothing else about
them unless they sign in; the organisation's surveys need a signed-in person of the organisation. Results are
counted per NIL and question; every cell of fewer than MIN_CELL answers is suppressed in every view that
aggregates (pages, CSV, API), and so is a second cell of the same row where one alone would let it be worked
out from the row's total.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from vicinato.geo import travel
from vicinato.geo.models import Area
from vicinato.geo.services import locate
from vicinato.lib.errors import Conflict, field_error
from vicinato.register.models import Membership

from .models import MIN_CELL, Question, Response, Survey, option_keys
from .permissions import Action, can, require

K = Question.Kind
SCALE = [str(n) for n in range(1, 6)]

# A number as people write it: ASCII digits, a decimal comma or point (no thousands separators, no "1_000").
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")


def create_survey(
    user,
    organisation,
    title: str,
    *,
    title_en: str = "",
    description: str = "",
    description_en: str = "",
    audience: str = Survey.Audience.PUBLIC,
    counts_as_demand: bool = False,
    questions: list[dict[str, Any]] = (),
) -> Survey:
    """A draft survey with its questions: [{"kind", "text", "text_en", "options", "options_en", "required"}];
    `title`, `description`, `text` and `options` (the labels) are the Italian ones, each `_en` its English one
    (options_en: none, or one for each option)."""
    require(user, Action.MANAGE_SURVEY, organisation)
    if not (title or "").strip():
        raise field_error("title_it", _("Give the survey a title."))
    if audience not in Survey.Audience.values:
        raise field_error("audience", _("Choose who may answer: anyone, or the organisation's people."))
    checked = [_check_question(index, q) for index, q in enumerate(questions)]
    with transaction.atomic():
        survey = Survey.objects.create(
            organisation=organisation,
            title_it=title.strip(),
            title_en=(title_en or "").strip()[:200],
            description_it=description or "",
            description_en=description_en or "",
            audience=audience,
            counts_as_demand=counts_as_demand,
            created_by=user,
        )
        for position, question in enumerate(checked):
            Question.objects.create(survey=survey, position=position, **question)
    return survey


def _check_question(index: int, data: dict[str, Any]) -> dict[str, Any]:
    name = f"questions-{index}"
    kind = data.get("kind")
    if kind not in K.values:
        raise field_error(f"{name}-kind", _("Choose the kind of question."))
    text = (data.get("text") or "").strip()
    if not text:
        raise field_error(f"{name}-text", _("Write the question."))
    labels = [str(o).strip() for o in data.get("options") or [] if str(o).strip()]
    labels_en = [str(o).strip() for o in data.get("options_en") or [] if str(o).strip()]
    options = []
    if kind in (K.CHOICE, K.MULTIPLE):
        if len(set(labels)) < 2:
            raise field_error(f"{name}-options", _("Give at least two different options, one a line."))
        if labels_en and len(labels_en) != len(labels):
            raise field_error(
                f"{name}-options_en",
                _("Give the options in English in the same order, one for each Italian one, or none."),
            )
        english = labels_en or [""] * len(labels)
        options = [
            {"key": key, "it": label[:200], "en": label_en[:200]}
            for key, label, label_en in zip(option_keys(labels), labels, english, strict=True)
        ]
    return {
        "kind": kind,
        "text_it": text[:300],
        "text_en": (data.get("text_en") or "").strip()[:300],
        "options": options,
        "required": bool(data.get("required")),
    }


def set_state(user, survey: Survey, state: str) -> Survey:
    """Open a draft or a closed survey, or close an open one."""
    require(user, Action.MANAGE_SURVEY, survey)
    allowed = {
        Survey.State.OPEN: {Survey.State.DRAFT, Survey.State.CLOSED},
        Survey.State.CLOSED: {Survey.State.OPEN},
    }
    if survey.state not in allowed.get(state, set()):
        raise Conflict(
            _("This survey is '%(state)s'; it cannot become '%(target)s'.")
            % {
                "state": survey.get_state_display(),
                "target": Survey.State(state).label if state in Survey.State.values else state,
            }
        )
    if state == Survey.State.OPEN and not survey.questions.exists():
        raise Conflict(_("Add at least one question before opening the survey."))
    survey.state = state
    survey.save(update_fields=["state"])
    return survey


def may_see_results(user, survey: Survey) -> bool:
    """Whether a person may see a survey's results: its managers always; others once it is no longer a draft,
    when it is public or they may answer it (an organisation's survey)."""
    if can(user, Action.MANAGE_SURVEY, survey):
        return True
    return survey.state != Survey.State.DRAFT and (
        survey.audience != Survey.Audience.ORGANISATION or may_answer(user, survey)
    )


def may_answer(user, survey: Survey) -> bool:
    if survey.state != Survey.State.OPEN:
        return False
    if survey.audience == Survey.Audience.PUBLIC:
        return True
    return bool(
        user is not None
        and user.is_authenticated
        and (
            user.is_superuser
            or Membership.objects.filter(user=user, organisation_id=survey.organisation_id).exists()
            or survey.organisation.affiliations.filter(person=user, state="active").exists()
        )
    )


def street_point(text: str) -> tuple[float, float, str] | None:
    """(lat, lon, label) of the best match of a street or an address in the city's map (offline geocoder)."""
    found = travel.streets().search(text) if text and text.strip() else []
    return (found[0].lat, found[0].lon, found[0].label) if found else None


def neighbourhood_of_street(lat: float, lon: float) -> Area | None:
    """The NIL a point found by the geocoder falls in."""
    return locate(lat, lon).neighbourhood


def answer(user, survey: Survey, neighbourhood: Area | None, answers: dict[str, Any]) -> Response:
    """Record one respondent's answers; the person only when signed in (then one answer each)."""
    if survey.state != Survey.State.OPEN:
        raise Conflict(_("This survey is not open for answers."))
    if not may_answer(user, survey):
        raise PermissionDenied(
            _("This survey is for the people of %(organisation)s; sign in as one of them.")
            % {"organisation": survey.organisation}
        )
    if neighbourhood is None or neighbourhood.level != Area.Level.NEIGHBOURHOOD:
        raise field_error("neighbourhood", _("Choose your neighbourhood, or give a street of the city."))
    checked: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for question in survey.questions.all():
        key = str(question.pk)
        value = answers.get(key, answers.get(question.pk))
        try:
            cleaned = _check_answer(question, value)
        except ValueError as error:
            errors[f"q{question.pk}"] = [str(error)]
            continue
        if cleaned is not None:
            checked[key] = cleaned
    if errors:
        raise ValidationError(errors)
    person = user if user is not None and user.is_authenticated else None
    try:
        with transaction.atomic():
            return Response.objects.create(
                survey=survey, neighbourhood=neighbourhood, person=person, answers=checked
            )
    except IntegrityError as error:
        raise Conflict(_("You have already answered this survey; thank you.")) from error


def _check_answer(question: Question, value: Any) -> Any:
    empty = value is None or value == "" or value == []
    if empty:
        if question.required:
            raise ValueError(_("Answer this question."))
        return None
    if question.kind == K.CHOICE:
        key = option_key(question, value)
        if key is None:
            raise ValueError(_("Choose one of the options."))
        return key
    if question.kind == K.MULTIPLE:
        values = value if isinstance(value, list | tuple) else [value]
        keys = [option_key(question, v) for v in values]
        if None in keys:
            raise ValueError(_("Choose among the options."))
        return sorted(set(keys), key=question.option_keys.index)
    if question.kind == K.SCALE:
        if str(value) not in SCALE:
            raise ValueError(_("Choose a value from 1 to 5."))
        return int(value)
    if question.kind == K.NUMBER:
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = float(value)
        elif isinstance(value, str) and NUMBER.fullmatch(value.strip()):
            number = float(value.strip().replace(",", "."))  # "1,5" as Italians write it, or "1.5"
        else:
            raise ValueError(_("Give a number."))
        if not -1e9 < number < 1e9:
            raise ValueError(_("Give a number.")) from None
        return number
    return str(value).strip()[:2000]


def option_key(question: Question, value: Any) -> str | None:
    """The key of the option `value` names: its key, or its label in either language (as older clients send)."""
    text = str(value)
    if text in question.option_keys:
        return text
    for option in question.options:
        if text in (option.get("it"), option.get("en")):
            return option["key"]
    return None


# ----- results -------------------------------------------------------------------------------------------------


@dataclass
class Cell:
    count: int | None  # None: suppressed (fewer than MIN_CELL answers, or would reveal one that is)

    @property
    def suppressed(self) -> bool:
        return self.count is None


@dataclass
class Row:
    code: str
    name: str
    answers: int | None  # respondents of the NIL, None when fewer than MIN_CELL
    cells: dict[str, list[Cell]] = field(default_factory=dict)  # question id -> a cell per option
    means: dict[str, float | None] = field(default_factory=dict)  # scale and number: the mean


def _suppress(counts: list[int]) -> list[Cell]:
    cells = [Cell(c if c == 0 or c >= MIN_CELL else None) for c in counts]
    hidden = [i for i, c in enumerate(cells) if c.suppressed]
    if len(hidden) == 1:
        # One hidden cell of a row whose total is shown could be worked out by difference: hide the next smallest.
        shown = [i for i, c in enumerate(cells) if not c.suppressed and c.count]
        if shown:
            cells[min(shown, key=lambda i: counts[i])] = Cell(None)
    return cells


def columns(question: Question) -> list[str]:
    """What a question's answers are counted by: its options' keys, or the values of the scale."""
    if question.has_options:
        return question.option_keys
    if question.kind == K.SCALE:
        return SCALE
    return []


def column_labels(question: Question) -> list[str]:
    """The columns as people read them: the options' labels in the reader's language."""
    if question.has_options:
        return [label for _key, label in question.option_labels]
    return columns(question)


def results(survey: Survey) -> tuple[list[Question], list[Row], int | None]:
    """Per NIL: respondents and, per question, a cell per option (free text is never aggregated); the rows of
    NILs with fewer than MIN_CELL answers hold nothing. The total answers, None when fewer than MIN_CELL."""
    questions = [q for q in survey.questions.all() if q.kind != K.TEXT]
    by_nil: dict[int, list[dict]] = {}
    for neighbourhood_id, answers in survey.responses.values_list("neighbourhood_id", "answers"):
        by_nil.setdefault(neighbourhood_id, []).append(answers)
    areas = Area.objects.in_bulk(list(by_nil))
    rows = []
    for area_id, answered in by_nil.items():
        area = areas[area_id]
        if len(answered) < MIN_CELL:
            rows.append(Row(area.code, area.name, None))
            continue
        row = Row(area.code, area.name, len(answered))
        for question in questions:
            key = str(question.pk)
            values = [a[key] for a in answered if key in a]
            if question.kind in (K.SCALE, K.NUMBER):
                row.means[key] = round(sum(values) / len(values), 2) if len(values) >= MIN_CELL else None
            if question.kind == K.NUMBER:
                continue
            counts = []
            for option in columns(question):
                if question.kind == K.MULTIPLE:
                    counts.append(sum(1 for v in values if option in v))
                else:
                    counts.append(sum(1 for v in values if str(v) == option))
            row.cells[key] = _suppress(counts)
        rows.append(row)
    rows.sort(key=lambda r: r.name)
    total = sum(len(a) for a in by_nil.values())
    return questions, rows, total if total >= MIN_CELL else None


def csv_rows(survey: Survey) -> list[list[Any]]:
    """The results as a table, suppressed cells as "<5"; one column per option (scale: per value) and mean."""
    questions, rows, _total = results(survey)
    hidden = f"<{MIN_CELL}"
    header: list[Any] = ["nil_code", "nil", "answers"]
    for question in questions:
        header += [f"{question.text} | {option}" for option in column_labels(question)]
        if question.kind in (K.SCALE, K.NUMBER):
            header.append(f"{question.text} | mean")
    out = [header]
    for row in rows:
        line: list[Any] = [row.code, row.name, hidden if row.answers is None else row.answers]
        for question in questions:
            key = str(question.pk)
            cells = row.cells.get(key)
            for index in range(len(columns(question))):
                line.append(hidden if cells is None or cells[index].suppressed else cells[index].count)
            if question.kind in (K.SCALE, K.NUMBER):
                mean = row.means.get(key)
                line.append(hidden if mean is None else mean)
        out.append(line)
    return out


def free_text(user, survey: Survey) -> list[tuple[str, str, str]]:
    """(question, NIL, answer) of the free-text questions: for the survey's organisation only."""
    require(user, Action.MANAGE_SURVEY, survey)
    texts = {str(q.pk): q.text for q in survey.questions.all() if q.kind == K.TEXT}
    found = []
    for name, answers in survey.responses.values_list("neighbourhood__name", "answers").order_by(
        "neighbourhood__name"
    ):
        for key, text in texts.items():
            if answers.get(key):
                found.append((text, name, answers[key]))
    return found
