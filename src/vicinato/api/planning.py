"""The planning REST API (/api/v1/planning/): scenarios of new sites, surveys and their suppressed results, needs
and site proposals. Thin: every decision is the planning services'; refusals follow the API's contract (422 per
field, 409 for the state, 403 for the person, 404 for what the caller may not see)."""

from __future__ import annotations

import io

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router

from vicinato.geo.models import Area
from vicinato.lib import spreadsheet
from vicinato.lib.errors import field_error
from vicinato.planning import demand, proposals, scenarios, surveys
from vicinato.planning.models import MIN_CELL, Need, Proposal, Scenario, Survey
from vicinato.planning.permissions import Action, can, organisations, require

from .auth import AUTH
from .schemas.common import ErrorOut
from .schemas.planning import (
    LayerOut,
    NeedIn,
    NeedOut,
    ProposalIn,
    ProposalOut,
    ResponseIn,
    ResultsOut,
    ScenarioIn,
    ScenarioOut,
    ScenarioSaveIn,
    ScenarioSummaryOut,
    SurveyOut,
    TransitionIn,
)

router = Router(tags=["planning"])
REFUSALS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _scenario_out(scenario: Scenario) -> dict:
    return {
        "id": scenario.pk,
        "name": scenario.name,
        "description": scenarios.describe(scenario.params),
        "created_at": scenario.created_at,
        "params": scenario.params,
        "result": scenario.result,
    }


@router.get("/layers", response=list[LayerOut], summary="Demand layers the planner combines")
def layers(request):
    return [
        {"key": k, "label": str(layer.label), "default_weight": layer.default_weight}
        for k, layer in demand.LAYERS.items()
    ]


@router.post(
    "/scenarios/preview", auth=AUTH, response={200: dict, **REFUSALS}, summary="Preview a plan at once"
)
def preview(request, payload: ScenarioIn):
    """The greedy-plus-swap plan (not proven), in milliseconds to a few seconds."""
    require(request.user, Action.PLAN)
    return scenarios.preview(scenarios.check_params(payload.dict()))


@router.post("/scenarios", auth=AUTH, response={201: ScenarioOut, **REFUSALS}, summary="Optimise and save")
def save(request, payload: ScenarioSaveIn):
    """The optimum within the time limit (status, proven gap), kept as a named scenario."""
    data = payload.dict()
    name = data.pop("name")
    require(request.user, Action.PLAN)
    return 201, _scenario_out(scenarios.save(request.user, name, scenarios.check_params(data)))


@router.get(
    "/scenarios", auth=AUTH, response={200: list[ScenarioSummaryOut], **REFUSALS}, summary="Saved scenarios"
)
def list_scenarios(request):
    require(request.user, Action.VIEW_SCENARIOS)
    return [
        {
            "id": s.pk,
            "name": s.name,
            "description": scenarios.describe(s.params),
            "created_at": s.created_at,
            "covered_before": s.result.get("covered_before", 0),
            "covered_after": s.result.get("covered_after", 0),
            "demand": s.result.get("demand", 0),
            "optimal": s.result.get("solver", {}).get("optimal", False),
            "gap": s.result.get("solver", {}).get("gap"),
        }
        for s in Scenario.objects.all()
    ]


def _scenario(request, pk: int) -> Scenario:
    require(request.user, Action.VIEW_SCENARIOS)
    return get_object_or_404(Scenario, pk=pk)


@router.get("/scenarios/{pk}", auth=AUTH, response={200: ScenarioOut, **REFUSALS}, summary="One scenario")
def scenario(request, pk: int):
    return _scenario_out(_scenario(request, pk))


@router.get(
    "/scenarios/{pk}/sites.geojson", auth=AUTH, response={200: dict, **REFUSALS}, summary="Sites as GeoJSON"
)
def scenario_geojson(request, pk: int):
    return JsonResponse(scenarios.geojson(_scenario(request, pk)), content_type="application/geo+json")


@router.get(
    "/scenarios/{pk}/scenario.csv", auth=AUTH, response={200: str, **REFUSALS}, summary="Scenario as CSV"
)
def scenario_csv(request, pk: int):
    out = io.StringIO()
    spreadsheet.writer(out).writerows(scenarios.csv_rows(_scenario(request, pk)))
    return HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")


@router.delete("/scenarios/{pk}", auth=AUTH, response={204: None, **REFUSALS}, summary="Delete a scenario")
def delete_scenario(request, pk: int):
    scenarios.delete(request.user, _scenario(request, pk))
    return 204, None


# ----- surveys -------------------------------------------------------------------------------------------------


def _survey_out(survey: Survey) -> dict:
    return {
        "id": survey.pk,
        "title": survey.title,
        "title_it": survey.title_it,
        "title_en": survey.title_en,
        "description": survey.description,
        "description_it": survey.description_it,
        "description_en": survey.description_en,
        "organisation": survey.organisation.legal_name,
        "audience": survey.audience,
        "state": survey.state,
        "questions": list(survey.questions.all()),
    }


@router.get("/surveys", response=list[SurveyOut], summary="Open surveys anyone may answer")
def list_surveys(request):
    found = Survey.objects.filter(state=Survey.State.OPEN, audience=Survey.Audience.PUBLIC)
    return [_survey_out(s) for s in found.select_related("organisation").prefetch_related("questions")]


def _visible_survey(request, pk: int) -> Survey:
    survey = get_object_or_404(Survey.objects.select_related("organisation"), pk=pk)
    if not surveys.may_see_results(request.user, survey):
        raise Http404(_("No survey with published results has this number."))
    return survey


@router.post("/surveys/{pk}/responses", response={201: dict, **REFUSALS}, summary="Answer a survey")
def answer(request, pk: int, payload: ResponseIn):
    """The NIL by its code, or found from a street; nothing else about the person unless signed in."""
    survey = _visible_survey(request, pk)
    neighbourhood = None
    if payload.neighbourhood:
        neighbourhood = Area.objects.filter(
            level=Area.Level.NEIGHBOURHOOD, code=payload.neighbourhood
        ).first()
        if neighbourhood is None:
            raise field_error("neighbourhood", _("No neighbourhood has this code."))
    elif payload.street:
        point = surveys.street_point(payload.street)
        neighbourhood = surveys.neighbourhood_of_street(point[0], point[1]) if point else None
        if neighbourhood is None:
            raise field_error("street", _("No neighbourhood of the city matches this street; give its code."))
    response = surveys.answer(request.user, survey, neighbourhood, payload.answers)
    return 201, {"id": response.pk, "neighbourhood": response.neighbourhood.code}


@router.get(
    "/surveys/{pk}/results", response={200: ResultsOut, **REFUSALS}, summary="Results per NIL (suppressed)"
)
def results(request, pk: int):
    """Counts per NIL and option; null where fewer than 5 answers (or where one would reveal such a cell)."""
    survey = _visible_survey(request, pk)
    questions, rows, total = surveys.results(survey)
    return {
        "survey": survey.pk,
        "min_cell": MIN_CELL,
        "total": total,
        "questions": questions,
        "rows": [
            {
                "code": r.code,
                "name": r.name,
                "answers": r.answers,
                "cells": {k: [c.count for c in cells] for k, cells in r.cells.items()},
                "means": r.means,
            }
            for r in rows
        ],
    }


# ----- needs and proposals -------------------------------------------------------------------------------------


def _need_out(need: Need) -> dict:
    return {
        "id": need.pk,
        "organisation": need.organisation.legal_name,
        "neighbourhood": need.neighbourhood.code,
        "need": need.need,
        "estimated_people": need.estimated_people,
        "source": need.source,
        "observed_on": need.observed_on,
    }


def _organisation(request, pk: int):
    found = organisations(request.user).filter(pk=pk).first()
    if found is None:
        raise field_error("organisation", _("You do not act for an organisation with this number."))
    return found


@router.get("/needs", auth=AUTH, response={200: list[NeedOut], **REFUSALS}, summary="Needs reported per NIL")
def list_needs(request):
    require(request.user, Action.VIEW_NEEDS)
    return [_need_out(n) for n in Need.objects.select_related("organisation", "neighbourhood")]


@router.post("/needs", auth=AUTH, response={201: NeedOut, **REFUSALS}, summary="Report a need")
def report_need(request, payload: NeedIn):
    neighbourhood = Area.objects.filter(level=Area.Level.NEIGHBOURHOOD, code=payload.neighbourhood).first()
    if neighbourhood is None:
        raise field_error("neighbourhood", _("No neighbourhood has this code."))
    need = proposals.report_need(
        request.user,
        _organisation(request, payload.organisation),
        neighbourhood=neighbourhood,
        need=payload.need,
        estimated_people=payload.estimated_people,
        source=payload.source,
        observed_on=payload.observed_on,
    )
    return 201, _need_out(need)


def _proposal_out(request, proposal: Proposal) -> dict:
    return {
        "id": proposal.pk,
        "organisation": proposal.organisation.legal_name,
        "kind": proposal.kind,
        "title": proposal.title,
        "address": proposal.address,
        "lat": proposal.lat,
        "lon": proposal.lon,
        "neighbourhood": proposal.neighbourhood.code if proposal.neighbourhood_id else None,
        "desks": proposal.desks,
        "notes": proposal.notes,
        "state": proposal.state,
        "allowed_actions": proposals.allowed_actions(request.user, proposal),
    }


@router.get("/proposals", auth=AUTH, response={200: list[ProposalOut], **REFUSALS}, summary="Site proposals")
def list_proposals(request):
    """All of them for the city's staff; your organisations' for the others."""
    found = Proposal.objects.select_related("organisation", "neighbourhood")
    if not can(request.user, Action.REVIEW_PROPOSAL):
        found = found.filter(organisation__in=organisations(request.user))
    return [_proposal_out(request, p) for p in found]


@router.post("/proposals", auth=AUTH, response={201: ProposalOut, **REFUSALS}, summary="Propose a site")
def propose(request, payload: ProposalIn):
    organisation = _organisation(request, payload.organisation)
    if payload.kind not in Proposal.Kind.values:
        raise field_error("kind", _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(Proposal.Kind.values)})
    lat, lon = payload.lat, payload.lon
    if lat is None or lon is None:
        point = surveys.street_point(payload.address)
        if point is None:
            raise field_error("address", _("No street of the map matches this address; check the spelling."))
        lat, lon = point[0], point[1]
    proposal = proposals.propose(
        request.user,
        organisation,
        title=payload.title,
        address=payload.address,
        lat=lat,
        lon=lon,
        desks=payload.desks,
        kind=payload.kind,
        notes=payload.notes,
    )
    return 201, _proposal_out(request, proposal)


@router.post(
    "/proposals/{pk}/transitions",
    auth=AUTH,
    response={200: ProposalOut, **REFUSALS},
    summary="Review a proposal",
)
def transition(request, pk: int, payload: TransitionIn):
    proposal = get_object_or_404(Proposal, pk=pk)
    if not (can(request.user, Action.REVIEW_PROPOSAL) or can(request.user, Action.PROPOSE_SITE, proposal)):
        raise Http404(_("No proposal of yours has this number."))
    proposal = proposals.transition(proposal, payload.action, request.user, payload.note)
    return _proposal_out(request, proposal)
