"""The demo city's commutes: profiles for its commuters and months of checked-in bookings with their savings,
enough for the reports' cells of at least five people; removed with the demo."""

from __future__ import annotations

import pytest
from django.db.models import Count
from django.db.models.functions import TruncMonth

from vicinato.demo import impact as demo
from vicinato.demo.loader import load_demo
from vicinato.impact.models import BookingImpact, CommuteProfile
from vicinato.impact.reports.aggregates import MIN_PEOPLE
from vicinato.register.models import Membership

pytestmark = pytest.mark.django_db


def test_the_demo_gives_commutes_and_savings_in_several_neighbourhoods():
    load_demo()
    assert CommuteProfile.objects.count() >= 35
    impacts = BookingImpact.objects.all()
    assert impacts.count() > 200 and set(impacts.values_list("avoided_mode", flat=True)) >= {
        "car_driver",
        "transit",
        "bike",
    }
    cells = (
        impacts.annotate(month=TruncMonth("day"))
        .values("home_area", "month")
        .annotate(people=Count("subject", distinct=True))
    )
    big = {(c["home_area"], c["month"]) for c in cells if c["people"] >= 5}
    assert len({area for area, _month in big}) >= 3 and len({month for _area, month in big}) >= 2
    assert impacts.filter(into_centre=True).exists() and impacts.filter(in_peak=True).exists()
    # Every employer's commuters are enough for its report (at least MIN_PEOPLE), the demo's "azienda" manages one.
    employers = impacts.values("employer").annotate(people=Count("subject", distinct=True))
    assert employers and all(e["employer"] and e["people"] >= MIN_PEOPLE for e in employers)
    managed = Membership.objects.filter(
        user__username="azienda", organisation__in=[e["employer"] for e in employers]
    )
    assert managed.exists()
    assert demo.load_demo() == 0  # once
    demo.remove_demo()
    assert not CommuteProfile.objects.exists() and not BookingImpact.objects.exists()
