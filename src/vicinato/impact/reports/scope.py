"""Which rows a report adds up and who may see it: the city's (bookings at places in the municipality; its
register reviewers and the staff of the funders of its voucher programmes), an employer's (its affiliates'
bookings; the organisation's administrators), and the open data (everything, small cells suppressed)."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vicinato.geo.models import Area, Municipality
from vicinato.register.models import Membership, Organisation

from ..models import BookingImpact

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
FIRST_YEAR, LAST_YEAR = 2000, 2100


def month_start(text: str) -> date:
    """The first day of a month written YYYY-MM; ValidationError otherwise."""
    found = MONTH.match(text.strip())
    if found:
        year, month = int(found[1]), int(found[2])
        if FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12:
            return date(year, month, 1)
    raise forms.ValidationError(
        _("Write the month as year and month, e.g. 2026-03 (years %(first)d to %(last)d).")
        % {"first": FIRST_YEAR, "last": LAST_YEAR},
        code="invalid",
    )


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


class ReportFilters(forms.Form):
    """A month range (both ends included, either may be left open) and a Municipio of the home."""

    start = forms.CharField(label=gettext_lazy("From (month)"), required=False, max_length=7)
    end = forms.CharField(label=gettext_lazy("To (month)"), required=False, max_length=7)
    municipio = forms.CharField(label=gettext_lazy("Municipio of the home"), required=False, max_length=4)

    def __init__(self, *args, municipality: Municipality | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        districts = Area.objects.filter(level=Area.Level.DISTRICT)
        if municipality is not None:
            districts = districts.filter(municipality=municipality)
        self.municipi = sorted({int(c) for c in districts.values_list("code", flat=True) if c.isdigit()})

    def clean_start(self) -> date | None:
        value = self.cleaned_data["start"]
        return month_start(value) if value else None

    def clean_end(self) -> date | None:
        value = self.cleaned_data["end"]
        return month_start(value) if value else None

    def clean_municipio(self) -> int | None:
        value = self.cleaned_data["municipio"].strip()
        if not value:
            return None
        if not (value.isascii() and value.isdigit()) or int(value) not in self.municipi:
            choices = ", ".join(str(n) for n in self.municipi) or "—"
            raise forms.ValidationError(
                _("There is no Municipio “%(value)s” here; choose one of %(choices)s.")
                % {"value": value, "choices": choices},
                code="invalid_choice",
            )
        return int(value)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error(
                "end",
                forms.ValidationError(
                    _("The last month comes before the first one; swap them."), code="invalid"
                ),
            )
        return cleaned

    def apply(self, queryset: QuerySet) -> QuerySet:
        """The rows within the chosen months and Municipio (call after is_valid())."""
        data = self.cleaned_data
        if data.get("start"):
            queryset = queryset.filter(day__gte=data["start"])
        if data.get("end"):
            queryset = queryset.filter(day__lt=next_month(data["end"]))
        if data.get("municipio") is not None:
            queryset = queryset.filter(municipio=data["municipio"])
        return queryset

    def query(self) -> dict[str, str]:
        """The valid filters as they are written in an address (for the CSV and print links)."""
        data = getattr(self, "cleaned_data", {})
        found = {}
        for name in ("start", "end"):
            if data.get(name):
                found[name] = f"{data[name]:%Y-%m}"
        if data.get("municipio") is not None:
            found["municipio"] = str(data["municipio"])
        return found


# --- the rows of each report ------------------------------------------------------------------------------------
def city_rows(municipality: Municipality) -> QuerySet[BookingImpact]:
    """The bookings at the municipality's places (the homes may be anywhere)."""
    return BookingImpact.objects.filter(place__municipality=municipality)


def employer_rows(organisation: Organisation) -> QuerySet[BookingImpact]:
    """The bookings of the people who named the organisation as their employer in their commute profile."""
    return BookingImpact.objects.filter(employer=organisation)


def open_rows() -> QuerySet[BookingImpact]:
    return BookingImpact.objects.all()


# --- who may see which report -----------------------------------------------------------------------------------
def city_municipalities(user) -> QuerySet[Municipality]:
    """The municipalities whose dashboard the user may see: every one for the site's administrators; for the
    others those whose registers they review, or whose registers a voucher programme they fund covers (its
    funder's administrators and staff)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Municipality.objects.none()
    if user.is_superuser:
        return Municipality.objects.all()
    return Municipality.objects.filter(
        Q(registers__reviewers=user) | Q(registers__voucher_programmes__funder__memberships__user=user)
    ).distinct()


def may_see_city(user, municipality: Municipality) -> bool:
    return city_municipalities(user).filter(pk=municipality.pk).exists()


def may_see_employer(user, organisation: Organisation) -> bool:
    """An employer's report is for its administrators (its mobility manager), and the site's."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return (
        user.is_superuser
        or Membership.objects.filter(
            user=user, organisation=organisation, role=Membership.Role.ADMIN
        ).exists()
    )


def runs(user, organisation: Organisation) -> bool:
    """Whether the user is among the organisation's administrators or staff (a 403 for them, a 404 for others)."""
    return bool(
        user.is_authenticated
        and (user.is_superuser or Membership.objects.filter(user=user, organisation=organisation).exists())
    )


def employer_organisations(user) -> QuerySet[Organisation]:
    if user.is_superuser:
        return Organisation.objects.filter(booking_impacts__isnull=False).distinct()
    return Organisation.objects.filter(memberships__user=user, memberships__role=Membership.Role.ADMIN)
