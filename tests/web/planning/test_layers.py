"""Impact's commute profiles as a demand layer of the planner (joined in the pages' layer)."""

from __future__ import annotations

from datetime import time

from django.utils import timezone

from vicinato.impact.models import CommuteProfile
from vicinato.planning import demand, scenarios


def profile(user, lat, lon):
    return CommuteProfile.objects.create(
        person=user,
        consented_at=timezone.now(),
        usual_mode="car",
        arrival_time=time(9),
        home_lat=lat,
        home_lon=lon,
        work_lat=45.48,
        work_lon=9.2,
    )


def test_home_cells_are_a_layer_of_points(stations, user_factory):
    assert "commute_homes" in demand.LAYERS
    for index in range(3):
        profile(user_factory(f"p{index}"), 45.4645, 9.1975)  # one cell by San Babila
    profile(user_factory("p3"), 45.4600, 9.1890)
    assert sorted(demand.LAYERS["commute_homes"].points()) == [(45.46, 9.189, 1.0), (45.4645, 9.1975, 3.0)]
    plan = scenarios.run(
        scenarios.check_params({"k": 1, "minutes": 5, "sources": ["metro"], "layers": {"commute_homes": 1}})
    )
    assert plan["demand"] == 4 and plan["covered_after"] >= 3
    CommuteProfile.objects.all().delete()  # consent withdrawn: the points go with the profiles
    assert demand.LAYERS["commute_homes"].points() == []
