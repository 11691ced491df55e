"""The impact reports (/api/v1/impact/reports/...): the city's report (its staff), an employer's report (its
administrators) and the open monthly aggregates by NIL (anyone), the same figures as the pages and open data."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router

from vicinato.geo.models import Municipality
from vicinato.impact.reports import aggregates, opendata, scope
from vicinato.register.models import Organisation

from .auth import AUTH
from .schemas.common import ErrorOut
from .schemas.impact_reports import MonthsQuery, OpenOut, ReportOut, ReportQuery

router = Router(tags=["impact reports"])
REFUSALS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
CITY_TABLES = ("month", "municipio", "nil", "hour", "employer")
EMPLOYER_TABLES = ("month", "municipio", "nil", "hour")


def _filters(query, municipality: Municipality | None = None) -> scope.ReportFilters:
    data = {k: v for k, v in query.dict().items() if v is not None}
    filters = scope.ReportFilters(data, municipality=municipality)
    if not filters.is_valid():
        raise ValidationError(filters.errors.as_data())
    return filters


def _cell(cell: aggregates.Cell, privileged: bool) -> dict:
    return {
        "code": cell.code,
        "label": cell.label,
        "suppressed": cell.suppressed,
        "small": cell.small if privileged else None,
        **cell.figures(),
    }


def _report(found: aggregates.Report, filters: scope.ReportFilters) -> dict:
    privileged = not found.suppressed
    data = filters.cleaned_data
    return {
        "start": f"{data['start']:%Y-%m}" if data.get("start") else None,
        "end": f"{data['end']:%Y-%m}" if data.get("end") else None,
        "municipio": data.get("municipio"),
        "suppressed": found.suppressed,
        "min_people": aggregates.MIN_PEOPLE,
        "total": _cell(found.total, privileged),
        "tables": [
            {
                "dimension": dimension,
                "rows": [_cell(c, privileged) for c in table.rows],
                "total": _cell(table.total, privileged),
                "suppressed": table.suppressed,
            }
            for dimension, table in found.tables.items()
        ],
        "factors": aggregates.factors_sources(found.factors_versions),
    }


@router.get("/reports/city/{slug}", response={200: ReportOut, **REFUSALS}, auth=AUTH)
def city_report(request, slug: str, query: Query[ReportQuery]):
    """The city's dashboard: bookings at the municipality's places by month, Municipio and NIL of the home,
    arrival hour and employer. For the city's staff (its registers' reviewers, its voucher funders' staff):
    every cell is given, the small ones marked `small`."""
    municipality = Municipality.objects.filter(slug=slug).first()
    if municipality is None:
        raise Http404(_("No municipality is called “%(slug)s”.") % {"slug": slug})
    if not scope.may_see_city(request.user, municipality):
        raise PermissionDenied(
            _(
                "The city's impact dashboard is for the city's staff: its registers' reviewers and its funders."
            )
        )
    filters = _filters(query, municipality)
    found = aggregates.report(filters.apply(scope.city_rows(municipality)), CITY_TABLES, suppress=False)
    return _report(found, filters)


@router.get("/reports/employers/{pk}", response={200: ReportOut, **REFUSALS}, auth=AUTH)
def employer_report(request, pk: int, query: Query[ReportQuery]):
    """An employer's report, for its administrators (the mobility manager): its affiliates' bookings by month,
    Municipio and NIL of the home and arrival hour; cells of fewer than 5 people suppressed."""
    organisation = Organisation.objects.filter(pk=pk).first()
    if organisation is None or not scope.runs(request.user, organisation):
        raise Http404(_("No organisation you run has id %(id)d.") % {"id": pk})
    if not scope.may_see_employer(request.user, organisation):
        raise PermissionDenied(
            _("This report is for the organisation's administrators (its mobility manager); ask one of them.")
        )
    filters = _filters(query)
    found = aggregates.report(
        filters.apply(scope.employer_rows(organisation)), EMPLOYER_TABLES, suppress=True
    )
    return _report(found, filters)


@router.get("/reports/open", response={200: OpenOut, 422: ErrorOut}, auth=None)
def open_aggregates(request, query: Query[MonthsQuery]):
    """The open data (CC BY 4.0): per month, each NIL of the home and the month's total; cells of fewer than
    5 people suppressed. The same as /opendata/impact.csv."""
    filters = _filters(query)
    data = filters.cleaned_data
    start = f"{data['start']:%Y-%m}" if data.get("start") else ""
    end = f"{data['end']:%Y-%m}" if data.get("end") else "9999-99"
    cells = [r for r in opendata.records() if start <= r["month"] <= end]
    return {"licence": "CC-BY-4.0", "min_people": aggregates.MIN_PEOPLE, "cells": cells}
