"""The planning pages: scenarios of new sites (for the city's staff), surveys (answered by anyone or an
organisation's people, written by community managers), needs reported per neighbourhood and site proposals."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import json_script
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vicinato.geo.models import Area
from vicinato.lib import spreadsheet
from vicinato.lib.errors import Conflict
from vicinato.lib.forms import add_errors
from vicinato.lib.ids import ids
from vicinato.planning import proposals, scenarios, surveys
from vicinato.planning.models import MIN_CELL, Need, Proposal, Scenario, Survey
from vicinato.planning.permissions import Action, can, organisations, require

from .forms import AnswerForm, NeedForm, ProposalForm, QuestionFormSet, ReviewForm, ScenarioForm, SurveyForm


def _text(error: Exception) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def _csv(filename: str, rows: list[list]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = spreadsheet.writer(response)
    writer.writerows(rows)
    return response


@login_required
def home(request):
    """What the person may do in planning: scenarios, surveys, needs and proposals."""
    user = request.user
    if not can(user, Action.VIEW_SCENARIOS):
        raise PermissionDenied(
            _("Planning is for the city's staff and the organisations' community managers.")
        )
    own = organisations(user)
    return render(
        request,
        "planning/home.html",
        {
            "scenarios": [_described(s) for s in Scenario.objects.all()[:50]],
            "may_plan": can(user, Action.PLAN),
            "surveys": Survey.objects.filter(organisation__in=own).select_related("organisation"),
            "needs": Need.objects.select_related("neighbourhood", "organisation")[:50],
            "proposals": (
                Proposal.objects.all()
                if can(user, Action.REVIEW_PROPOSAL)
                else Proposal.objects.filter(organisation__in=own)
            ).select_related("organisation", "neighbourhood"),
        },
    )


def _described(scenario: Scenario) -> Scenario:
    scenario.description = scenarios.describe(scenario.params)
    return scenario


# ----- scenarios -----------------------------------------------------------------------------------------------


@login_required
def scenario_new(request):
    """The optimiser's form: "Preview" shows the greedy plan at once, "Save" proves the optimum and keeps it."""
    require(request.user, Action.PLAN)
    form = ScenarioForm(request.POST or None)
    plan = None
    if request.method == "POST" and form.is_valid():
        try:
            params = scenarios.check_params(form.params_data())
            if "save" in request.POST:
                if not form.cleaned_data["name"].strip():
                    raise ValidationError({"name": [_("Give the scenario a name.")]})
                scenario = scenarios.save(request.user, form.cleaned_data["name"], params)
                messages.success(request, _("Scenario saved."))
                return redirect("web:planning:scenario", pk=scenario.pk)
            plan = scenarios.preview(params)
        except ValidationError as error:
            add_errors(form, error)
    return render(
        request,
        "planning/scenario_form.html",
        {"form": form, "plan": plan, "reasons": _reasons(plan), "min_cell": MIN_CELL},
    )


def _reasons(plan):
    if not plan:
        return []
    return [
        (
            site,
            scenarios.site_reason(site, plan["model"]),
            scenarios.SOURCES.get(site["source"], site["source"]),
        )
        for site in plan["sites"]
    ]


def _scenario(request, pk: int) -> Scenario:
    require(request.user, Action.VIEW_SCENARIOS)
    return get_object_or_404(Scenario, pk=pk)


@login_required
def scenario_page(request, pk: int):
    scenario = _scenario(request, pk)
    return render(
        request,
        "planning/scenario.html",
        {
            "scenario": scenario,
            "plan": scenario.result,
            "description": scenarios.describe(scenario.params),
            "reasons": _reasons(scenario.result),
            "others": Scenario.objects.exclude(pk=pk)[:50],
            "map_places": _site_markers(scenario),
            "coverage_script": json_script(_coverage_after(scenario), "coverage-data"),
            "may_plan": can(request.user, Action.PLAN),
        },
    )


def _site_markers(scenario: Scenario) -> list[dict]:
    label = _("New site")
    return [
        {
            "id": site["id"],
            "name": f"{site['rank']}. {site['name']}",
            "kind": "new_site",
            "kind_label": str(label),
            "lat": site["lat"],
            "lon": site["lon"],
            "url": f"#site-{site['rank']}",
        }
        for site in scenario.result.get("sites", [])
    ]


def _coverage_after(scenario: Scenario) -> dict:
    """The neighbourhoods coloured by their share covered after the plan (the map's choropleth)."""
    groups = {g["code"]: g for g in scenario.result.get("groups", [])}
    areas = Area.objects.filter(level=Area.Level.NEIGHBOURHOOD, code__in=list(groups))
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": area.outline or area.geometry,
                "properties": {
                    "name": area.name,
                    "share": groups[area.code]["share_after"],
                    "population": groups[area.code]["demand"],
                },
            }
            for area in areas
        ],
    }


@login_required
def scenario_csv(request, pk: int):
    scenario = _scenario(request, pk)
    return _csv(f"scenario-{scenario.pk}.csv", scenarios.csv_rows(scenario))


@login_required
def scenario_geojson(request, pk: int):
    scenario = _scenario(request, pk)
    response = JsonResponse(scenarios.geojson(scenario), content_type="application/geo+json")
    response["Content-Disposition"] = f'attachment; filename="scenario-{scenario.pk}.geojson"'
    return response


@login_required
@require_POST
def scenario_delete(request, pk: int):
    scenario = _scenario(request, pk)
    scenarios.delete(request.user, scenario)
    messages.success(request, _("Scenario deleted."))
    return redirect("web:planning:home")


@login_required
def scenario_compare(request):
    """Two or more saved scenarios side by side: per neighbourhood before and after, and the sites of each."""
    require(request.user, Action.VIEW_SCENARIOS)
    chosen = ids(request.GET.getlist("s"))
    found = Scenario.objects.in_bulk(chosen)
    compared = [found[pk] for pk in chosen if pk in found]
    if len(compared) < 2:
        messages.error(request, _("Choose two saved scenarios to compare."))
        return redirect("web:planning:home")
    return render(
        request,
        "planning/compare.html",
        {
            "compared": [(s, _reasons(s.result), scenarios.describe(s.params)) for s in compared],
            "rows": scenarios.compare(compared),
        },
    )


# ----- surveys -------------------------------------------------------------------------------------------------


@login_required
def survey_new(request):
    own = organisations(request.user)
    if not own.exists():
        raise PermissionDenied(_("Surveys are written by an organisation's people; join one first."))
    form = SurveyForm(own, request.POST or None)
    questions = QuestionFormSet(request.POST or None, prefix="questions")
    if request.method == "POST" and form.is_valid() and questions.is_valid():
        written = [
            {
                **q,
                "options": (q.get("options") or "").splitlines(),
                "options_en": (q.get("options_en") or "").splitlines(),
            }
            for q in questions.cleaned_data
            if q and (q.get("kind") or q.get("text"))
        ]
        try:
            survey = surveys.create_survey(
                request.user,
                form.cleaned_data["organisation"],
                form.cleaned_data["title_it"],
                title_en=form.cleaned_data["title_en"],
                description=form.cleaned_data["description_it"],
                description_en=form.cleaned_data["description_en"],
                audience=form.cleaned_data["audience"],
                counts_as_demand=form.cleaned_data["counts_as_demand"],
                questions=written,
            )
        except ValidationError as error:
            for field, found in error.message_dict.items():
                if field.startswith("questions-"):
                    index, name = field.removeprefix("questions-").split("-", 1)
                    position = [
                        i
                        for i, q in enumerate(questions.cleaned_data)
                        if q and (q.get("kind") or q.get("text"))
                    ]
                    questions.forms[position[int(index)]].add_error(name, found)
                else:
                    add_errors(form, ValidationError({field: found}))
        else:
            messages.success(request, _("Survey saved as a draft; open it when it is ready."))
            return redirect("web:planning:survey_results", pk=survey.pk)
    return render(request, "planning/survey_form.html", {"form": form, "questions": questions})


@login_required
@require_POST
def survey_state(request, pk: int):
    survey = get_object_or_404(Survey, pk=pk)
    try:
        surveys.set_state(request.user, survey, request.POST.get("state", ""))
    except Conflict as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The survey is now: %(state)s.") % {"state": survey.get_state_display()})
    return redirect("web:planning:survey_results", pk=pk)


def survey_list(request):
    """The surveys open to anyone, newest first."""
    found = Survey.objects.filter(state=Survey.State.OPEN, audience=Survey.Audience.PUBLIC).select_related(
        "organisation"
    )
    return render(request, "planning/survey_list.html", {"surveys": found})


def survey_answer(request, pk: int):
    """The public form of a survey: the neighbourhood, and the questions."""
    survey = get_object_or_404(Survey.objects.select_related("organisation"), pk=pk)
    if survey.state == Survey.State.DRAFT and not can(request.user, Action.MANAGE_SURVEY, survey):
        raise Http404(_("No open survey has this number."))
    form = AnswerForm(survey, request.POST or None)
    if request.method == "POST" and form.is_valid():
        neighbourhood = form.cleaned_data["neighbourhood"]
        street = form.cleaned_data["street"]
        if neighbourhood is None and street:
            point = surveys.street_point(street)
            neighbourhood = surveys.neighbourhood_of_street(point[0], point[1]) if point else None
            if neighbourhood is None:
                form.add_error(
                    "street", _("No neighbourhood of the city matches this street; choose it from the list.")
                )
        if not form.errors:
            try:
                surveys.answer(request.user, survey, neighbourhood, form.answers())
            except ValidationError as error:
                add_errors(form, error)
            except (Conflict, PermissionDenied) as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Thank you: your answers are recorded."))
                return redirect("web:planning:survey_thanks", pk=pk)
    return render(
        request,
        "planning/survey_answer.html",
        {"survey": survey, "form": form, "may_answer": surveys.may_answer(request.user, survey)},
    )


def survey_thanks(request, pk: int):
    survey = get_object_or_404(Survey, pk=pk)
    return render(request, "planning/survey_thanks.html", {"survey": survey})


def _results_survey(request, pk: int) -> Survey:
    survey = get_object_or_404(Survey.objects.select_related("organisation"), pk=pk)
    if not surveys.may_see_results(request.user, survey):
        raise Http404(_("No survey with published results has this number."))
    return survey


def survey_results(request, pk: int):
    """Results per neighbourhood, cells of fewer than 5 answers hidden (for everyone)."""
    survey = _results_survey(request, pk)
    questions, rows, total = surveys.results(survey)
    manages = can(request.user, Action.MANAGE_SURVEY, survey)
    return render(
        request,
        "planning/survey_results.html",
        {
            "survey": survey,
            "tables": _tables(questions, rows),
            **_answers_map(questions, rows),
            "total": total,
            "min_cell": MIN_CELL,
            "manages": manages,
            "texts": surveys.free_text(request.user, survey) if manages else [],
        },
    )


def _tables(questions, rows) -> list[dict]:
    """Per question: its columns and, per NIL, the texts of its cells ("<5" where hidden)."""
    hidden = f"<{MIN_CELL}"
    tables = []
    for question in questions:
        key = str(question.pk)
        columns = surveys.columns(question)
        with_mean = question.kind in ("scale", "number")
        lines = []
        for row in rows:
            cells = row.cells.get(key)
            counts = [
                hidden if cells is None or cells[i].suppressed else cells[i].count
                for i in range(len(columns))
            ]
            mean = row.means.get(key) if with_mean else None
            lines.append(
                {
                    "name": row.name,
                    "answers": hidden if row.answers is None else row.answers,
                    "counts": counts,
                    "mean": hidden if mean is None else mean,
                }
            )
        tables.append(
            {
                "question": question,
                "columns": surveys.column_labels(question),
                "with_mean": with_mean,
                "rows": lines,
            }
        )
    return tables


def _answers_map(questions, rows) -> dict:
    """The first choice question's first option, as each NIL's share of answers on a map (hidden cells grey)."""
    question = next((q for q in questions if q.kind == "choice"), None)
    if question is None or not rows:
        return {}
    key = str(question.pk)
    shares = {}
    for row in rows:
        cells = row.cells.get(key)
        if row.answers and cells and not cells[0].suppressed:
            shares[row.code] = cells[0].count / row.answers
        else:
            shares[row.code] = None
    areas = Area.objects.filter(level=Area.Level.NEIGHBOURHOOD, code__in=list(shares))
    features = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": area.outline or area.geometry,
                "properties": {"name": area.name, "share": shares[area.code], "population": None},
            }
            for area in areas
        ],
    }
    return {
        "map_script": json_script(features, "coverage-data"),
        "map_label": _(
            "Map: the share of each neighbourhood's answers “%(option)s” to “%(question)s”; grey where hidden."
        )
        % {"option": question.option_labels[0][1], "question": question.text},
    }


def survey_csv(request, pk: int):
    survey = _results_survey(request, pk)
    return _csv(f"survey-{survey.pk}.csv", surveys.csv_rows(survey))


# ----- needs and proposals -------------------------------------------------------------------------------------


@login_required
def need_new(request):
    own = organisations(request.user)
    if not own.exists():
        raise PermissionDenied(_("Needs are reported by an organisation's people; join one first."))
    form = NeedForm(own, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            proposals.report_need(
                request.user,
                data["organisation"],
                neighbourhood=data["neighbourhood"],
                need=data["need"],
                estimated_people=data["estimated_people"],
                source=data["source"],
                observed_on=data["observed_on"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Need recorded."))
            return redirect("web:planning:home")
    return render(request, "planning/need_form.html", {"form": form})


@login_required
def proposal_new(request):
    own = organisations(request.user)
    if not own.exists():
        raise PermissionDenied(_("Sites are proposed by an organisation's people; join one first."))
    form = ProposalForm(own, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        point = surveys.street_point(data["address"])
        if point is None:
            form.add_error("address", _("No street of the map matches this address; check the spelling."))
        else:
            try:
                proposal = proposals.propose(
                    request.user,
                    data["organisation"],
                    title=data["title"],
                    address=data["address"],
                    lat=point[0],
                    lon=point[1],
                    desks=data["desks"],
                    kind=data["kind"],
                    notes=data["notes"],
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("Proposal sent to the city for review."))
                return redirect("web:planning:proposal", pk=proposal.pk)
    return render(request, "planning/proposal_form.html", {"form": form})


def _proposal(request, pk: int) -> Proposal:
    proposal = get_object_or_404(Proposal.objects.select_related("organisation", "neighbourhood"), pk=pk)
    if not (can(request.user, Action.REVIEW_PROPOSAL) or can(request.user, Action.PROPOSE_SITE, proposal)):
        raise Http404(_("No proposal of yours has this number."))
    return proposal


@login_required
def proposal_page(request, pk: int):
    proposal = _proposal(request, pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = proposals.transition(
                proposal, request.POST.get("action", ""), request.user, form.cleaned_data["note"]
            )
        except ValidationError as error:
            add_errors(form, error)
        except (Conflict, PermissionDenied) as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("The proposal is now: %(state)s.") % {"state": proposal.get_state_display()}
            )
            return redirect("web:planning:proposal", pk=pk)
    actions = [
        (name, proposals.TRANSITIONS[name]) for name in proposals.allowed_actions(request.user, proposal)
    ]
    return render(
        request,
        "planning/proposal.html",
        {
            "proposal": proposal,
            "form": form,
            "actions": actions,
            "events": proposal.events.select_related("actor"),
        },
    )
