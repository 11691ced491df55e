"""The impact reports' pages: the city's dashboard (its staff) and an employer's mobility manager's report (its
administrators), with its CSV and its printable PSCL monitoring annex (decree 179/2021)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vicinato.geo.models import Municipality
from vicinato.impact.reports import aggregates, exports, scope
from vicinato.register.models import Organisation

from .charts import CHART_METRICS, chart, data_table, number

SECTIONS = {
    "month": (gettext_lazy("By month"), gettext_lazy("Month")),
    "municipio": (gettext_lazy("By Municipio of the home"), gettext_lazy("Municipio")),
    "nil": (gettext_lazy("By neighbourhood (NIL) of the home"), gettext_lazy("Neighbourhood (NIL)")),
    "hour": (gettext_lazy("Bookings by arrival hour"), gettext_lazy("Arrival hour")),
    "employer": (gettext_lazy("By employer"), gettext_lazy("Employer")),
}
CITY_TABLES = ("month", "municipio", "nil", "hour", "employer")
EMPLOYER_TABLES = ("month", "municipio", "nil", "hour")


class DashboardFilters(scope.ReportFilters):
    metric = forms.ChoiceField(
        label=gettext_lazy("Figure in the charts"), choices=CHART_METRICS, required=False, initial="trips"
    )


def _filters(request, municipality: Municipality | None = None) -> DashboardFilters:
    filters = DashboardFilters(request.GET or None, municipality=municipality)
    if filters.is_bound and not filters.is_valid():
        messages.error(request, _("Some filters are not valid; see the messages next to them."))
    return filters


def _valid(filters) -> bool:
    return not filters.is_bound or filters.is_valid()


def _summary(report: aggregates.Report) -> list[tuple[str, str, str]]:
    """(name, label, figure) of the report's totals; none when the total itself is suppressed."""
    total = report.total
    if total.suppressed:
        return []
    return [
        ("trips", _("Commutes avoided"), number(total.trips)),
        ("people", _("People"), number(total.people)),
        ("hours", _("Hours saved"), number(total.hours, 1)),
        ("km", _("Km saved"), number(total.km, 1)),
        ("car_km", _("Car-km avoided"), number(total.car_km, 1)),
        ("co2_kg", _("CO2 avoided (kg)"), number(total.co2_kg, 1)),
        ("nox_g", _("NOx avoided (g)"), number(total.nox_g, 1)),
        ("pm10_g", _("PM10 avoided (g)"), number(total.pm10_g, 2)),
        ("into_centre", _("Commutes into the centre avoided"), number(total.into_centre)),
        ("in_peak", _("Commutes in the morning peak avoided"), number(total.in_peak)),
    ]


def _sections(report: aggregates.Report, metric: str) -> list[dict]:
    sections = []
    for dimension, found in report.tables.items():
        title, heading = SECTIONS[dimension]
        shown = "trips" if dimension == "hour" else metric
        sections.append(
            {
                "id": f"impact-{dimension}",
                "title": title,
                "chart": chart(found, shown, str(title)),
                "table": data_table(found, str(title), str(heading)),
            }
        )
    return sections


def _context(report: aggregates.Report | None, filters: DashboardFilters) -> dict:
    metric = (
        filters.cleaned_data.get("metric") if filters.is_bound and filters.is_valid() else ""
    ) or "trips"
    return {
        "filters": filters,
        "report": report,
        "summary": [(label, figure) for _name, label, figure in _summary(report)] if report else [],
        "totals": {name: figure for name, _label, figure in _summary(report)} if report else {},
        "sections": _sections(report, metric) if report and not report.empty else [],
        "factors": aggregates.factors_sources(report.factors_versions) if report else [],
        "min_people": aggregates.MIN_PEOPLE,
        "query": urlencode(filters.query()) if _valid(filters) and filters.is_bound else "",
    }


@login_required
def city_home(request):
    """The dashboard of the first municipality the person may see."""
    municipality = scope.city_municipalities(request.user).order_by("name").first()
    if municipality is None:
        raise PermissionDenied(
            _(
                "The city's impact dashboard is for the city's staff: its registers' reviewers and its funders."
            )
        )
    return redirect("web:impact_reports:city", slug=municipality.slug)


@login_required
def city(request, slug: str):
    municipality = get_object_or_404(Municipality, slug=slug)
    if not scope.may_see_city(request.user, municipality):
        raise PermissionDenied(
            _(
                "The city's impact dashboard is for the city's staff: its registers' reviewers and its funders."
            )
        )
    filters = _filters(request, municipality)
    report = None
    if _valid(filters):
        rows = scope.city_rows(municipality)
        rows = filters.apply(rows) if filters.is_bound else rows
        report = aggregates.report(rows, CITY_TABLES, suppress=False)
    context = _context(report, filters)
    context.update(
        municipality=municipality,
        municipalities=scope.city_municipalities(request.user).order_by("name"),
    )
    return render(request, "web/impact_reports/city.html", context)


def _employer(request, pk: int) -> Organisation:
    organisation = get_object_or_404(Organisation, pk=pk)
    if not scope.may_see_employer(request.user, organisation):
        raise PermissionDenied(
            _("This report is for the organisation's administrators (its mobility manager); ask one of them.")
        )
    return organisation


def _employer_report(request, organisation: Organisation):
    filters = _filters(request)
    report = None
    if _valid(filters):
        rows = scope.employer_rows(organisation)
        rows = filters.apply(rows) if filters.is_bound else rows
        report = aggregates.report(rows, EMPLOYER_TABLES, suppress=True)
    return filters, report


@login_required
def employer(request, pk: int):
    organisation = _employer(request, pk)
    filters, report = _employer_report(request, organisation)
    context = _context(report, filters)
    context["organisation"] = organisation
    return render(request, "web/impact_reports/employer.html", context)


@login_required
def employer_csv(request, pk: int):
    organisation = _employer(request, pk)
    filters, report = _employer_report(request, organisation)
    if report is None:  # the message is already set: back to the page, where the filters show what to fix
        return redirect(reverse("web:impact_reports:employer", args=[pk]) + "?" + request.GET.urlencode())
    response = HttpResponse(exports.report_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="impact-employer-{pk}.csv"'
    return response


@login_required
def employer_print(request, pk: int):
    """The report laid out as the monitoring annex of a home-work travel plan (PSCL, decree 179/2021)."""
    organisation = _employer(request, pk)
    filters, report = _employer_report(request, organisation)
    if report is None:
        return redirect(reverse("web:impact_reports:employer", args=[pk]) + "?" + request.GET.urlencode())
    context = _context(report, filters)
    data = filters.cleaned_data if filters.is_bound else {}
    context.update(
        organisation=organisation,
        start=data.get("start"),
        end=data.get("end"),
        municipio=data.get("municipio"),
        generated_at=timezone.localtime(),
        months=data_table(report.tables["month"], str(SECTIONS["month"][0]), str(SECTIONS["month"][1])),
    )
    return render(request, "web/impact_reports/employer_print.html", context)
