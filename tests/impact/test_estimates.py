"""The calculator (impact.estimates): each mode with its emissions, refusals with a message per field, places
off the map and a street map that cannot be read, and the answers kept in memory."""

from __future__ import annotations

import json

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from vicinato.impact import checks, estimates, factors, trips
from vicinato.register.models import Place

from .conftest import CADORNA, CINQUE_GIORNATE, DUOMO, LORETO, OUTSIDE_MAP


@pytest.mark.parametrize("mode", ["car_driver", "car_passenger", "motorbike", "bike", "walk", "transit"])
def test_each_mode_is_routed_with_its_own_emissions(commuter, city, mode):
    answer = estimates.estimate(home=CADORNA, work=LORETO, mode=mode, point=CINQUE_GIORNATE)
    assert answer["avoided_km"] > 0 and answer["trip_km"] > 0 and answer["avoided_minutes"] > 0
    table = factors.current()
    if mode in ("bike", "walk"):
        assert answer["co2_g"] == 0 and set(answer["km_by_mode"]) == {mode}
    elif mode == "transit":
        assert set(answer["km_by_mode"]) <= {"walk", "metro", "tram", "bus", "rail"}
        assert answer["km_by_mode"].get("metro", 0) > 0  # M2 from Cadorna to Loreto
    else:
        assert answer["km_by_mode"] == {mode: pytest.approx(answer["saved_km"], abs=0.01)}
        assert answer["co2_g"] == pytest.approx(answer["saved_km"] * table.grams[mode]["co2"], rel=0.01)
    if mode == "car_passenger":
        driver = estimates.estimate(home=CADORNA, work=LORETO, mode="car_driver", point=CINQUE_GIORNATE)
        assert answer["co2_g"] == pytest.approx(driver["co2_g"] / 2, rel=0.01)


def test_the_estimate_refuses_a_mode_the_city_cannot_route(commuter, city, monkeypatch):
    monkeypatch.setattr(trips.transit, "available", lambda: False)
    with pytest.raises(ValidationError) as refused:
        estimates.estimate(home=CADORNA, work=LORETO, mode="transit", point=CINQUE_GIORNATE)
    assert "cannot be computed" in refused.value.message_dict["mode"][0]
    with pytest.raises(ValidationError) as refused:
        estimates.estimate(home=CADORNA, work=LORETO, mode="walk")
    assert "place" in refused.value.message_dict


def test_the_estimate_keeps_its_answers_by_cells_and_factors(commuter, city, settings, tmp_path, monkeypatch):
    """Asked again for the same cells, modes and place, the calculator answers from memory; new factors (or a
    new map, timetable or Municipio 1) are computed afresh; a refusal is kept and said again."""
    estimates._answers.clear()
    first = estimates.estimate(home=CADORNA, work=LORETO, mode="car_driver", point=CINQUE_GIORNATE)
    computed = []
    real = estimates.compute
    monkeypatch.setattr(estimates, "compute", lambda *a, **k: computed.append(1) or real(*a, **k))
    assert estimates.estimate(home=CADORNA, work=LORETO, mode="car_driver", point=CINQUE_GIORNATE) == first
    assert not computed
    data = json.loads(sorted(factors.DATA.glob("factors-*.json"))[-1].read_text())
    data["version"] = "test.2"
    data["factors"]["car_driver"]["co2"] *= 2
    (tmp_path / "factors-test.json").write_text(json.dumps(data))
    settings.IMPACT_FACTORS_FILE = str(tmp_path / "factors-test.json")
    again = estimates.estimate(home=CADORNA, work=LORETO, mode="car_driver", point=CINQUE_GIORNATE)
    assert len(computed) == 1 and again["factors_version"] == "test.2"
    assert again["co2_g"] == pytest.approx(2 * first["co2_g"], rel=0.01)
    none = np.full(1, np.nan)
    monkeypatch.setattr(
        trips, "round_trips", lambda mode, o, *a, **k: trips.RoundTrips(none, none, {mode: np.zeros(1)})
    )
    for _ in range(2):
        with pytest.raises(ValidationError) as refused:
            estimates.estimate(home=CADORNA, work=DUOMO, mode="walk", point=CINQUE_GIORNATE)
        assert "No trip by" in refused.value.message_dict["trip_mode"][0]
    assert len(computed) == 2  # the refusal was computed once


def test_a_place_off_the_map_is_said_on_the_place_field(commuter, near_home, city):
    Place.objects.filter(pk=near_home.pk).update(lat=OUTSIDE_MAP[0], lon=OUTSIDE_MAP[1])
    near_home.refresh_from_db()
    assert not estimates.on_map(near_home)
    with pytest.raises(ValidationError) as refused:
        estimates.estimate(home=CADORNA, work=LORETO, mode="car_driver", place=near_home)
    errors = refused.value.message_dict
    assert list(errors) == ["place"] and "outside the street map" in errors["place"][0]


def test_a_street_map_that_cannot_be_read_is_a_message_on_home(commuter, city, map_gone):
    with pytest.raises(ValidationError) as refused:
        estimates.estimate(home=CADORNA, work=LORETO, mode="car_driver", point=CINQUE_GIORNATE)
    assert refused.value.message_dict == {"home": [str(checks.MAP_UNREADABLE)]}
    assert "street map cannot be read" in str(checks.MAP_UNREADABLE)


def test_no_public_transport_journey_says_how_long_the_journeys_searched_were(commuter, city, monkeypatch):
    none = np.full(1, np.nan)
    monkeypatch.setattr(
        trips, "round_trips", lambda mode, o, *a, **k: trips.RoundTrips(none, none, {mode: np.zeros(1)})
    )
    with pytest.raises(ValidationError) as refused:
        estimates.estimate(home=CADORNA, work=DUOMO, mode="transit", point=LORETO)
    minutes = round(trips.max_journey_minutes())
    assert (
        f"No public transport journey of {minutes} minutes or less"
        in refused.value.message_dict["trip_mode"][0]
    )
