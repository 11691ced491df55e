"""The reports' aggregates from BookingImpact rows: sums by month, Municipio, NIL, hour and employer, and the
suppression of cells of fewer than five people (and of what would let one be recovered from a total)."""

from __future__ import annotations

from datetime import date

import pytest

from vicinato.impact.models import BookingImpact
from vicinato.impact.reports import aggregates
from vicinato.impact.reports.aggregates import MIN_PEOPLE, report, table

from .report_rows import impact, impacts, nil, people

MARCH, APRIL = date(2030, 3, 4), date(2030, 4, 8)


@pytest.fixture
def rows():
    return BookingImpact.objects.all()


def test_sums_by_month_with_hours_km_emissions_and_counts(place, rows):
    subjects = people(5)
    impacts(place, subjects, MARCH, nil("10"), bookings_each=2)
    impact(place, subjects[0], APRIL, in_peak=False, into_centre=False, saved_minutes=-30.0, co2_g=-500.0)
    months = table(rows, "month", suppress=False)
    march, april = months.rows
    assert (march.label, march.people, march.trips) == ("2030-03", 5, 10)
    assert march.hours == pytest.approx(10.0)
    assert march.km == pytest.approx(180.0)
    assert march.car_km == pytest.approx(200.0)
    assert march.co2_kg == pytest.approx(35.0)
    assert (march.nox_g, march.pm10_g) == (pytest.approx(80.0), pytest.approx(9.0))
    assert (march.into_centre, march.in_peak) == (10, 10)
    assert (april.people, april.trips, april.in_peak, april.into_centre) == (1, 1, 0, 0)
    assert april.hours == pytest.approx(-0.5)  # savings are signed: that trip cost more than it saved
    assert months.total.trips == 11 and months.total.people == 5
    assert months.total.co2_kg == pytest.approx(34.5)


def test_by_municipio_nil_hour_and_employer(place, rows, organisation):
    impacts(place, people(5), MARCH, nil("10"), employer=organisation, arrival_hour=9)
    impacts(place, people(6), MARCH, nil("20"))
    impacts(place, people(2), MARCH, None, arrival_hour=7)
    found = report(rows, aggregates.DIMENSIONS, suppress=False)
    assert [(c.label, c.trips) for c in found.tables["municipio"].rows] == [
        ("Municipio 1", 5),
        ("Municipio 2", 6),
        ("Outside the Municipi, or not known", 2),
    ]
    assert [(c.label, c.trips) for c in found.tables["nil"].rows] == [
        ("Area 20", 6),
        ("Area 10", 5),
        ("Outside the NILs, or not known", 2),
    ]
    assert [(c.label, c.trips) for c in found.tables["hour"].rows] == [
        ("07:00–07:59", 2),
        ("08:00–08:59", 6),
        ("09:00–09:59", 5),
    ]
    assert [(c.label, c.trips) for c in found.tables["employer"].rows] == [
        ("Cowork Test S.r.l.", 5),
        ("No employer given", 8),
    ]
    assert found.factors_versions == ["ispra-2021-urban.1"]


def test_a_cell_of_four_people_is_suppressed_and_one_of_five_is_not(place, rows):
    impacts(place, people(MIN_PEOPLE - 1), MARCH, nil("10"), bookings_each=3)  # 12 bookings, 4 people
    impacts(place, people(MIN_PEOPLE), MARCH, nil("20"))
    impacts(place, people(MIN_PEOPLE + 3), APRIL, nil("20"))
    nils = table(rows, "nil", suppress=True)
    by_label = {c.label: c for c in nils.rows}
    assert by_label["Area 10"].suppressed and by_label["Area 10"].figures()["trips"] is None
    assert by_label["Area 10"].figures()["people"] is None
    # The four people's cell alone would be recovered as total minus Area 20: the smallest other cell goes too.
    assert by_label["Area 20"].suppressed
    assert not nils.total.suppressed and nils.total.trips == 25


def test_the_second_suppression_spares_cells_when_the_hidden_ones_count_five_people(place, rows):
    impacts(place, people(3), MARCH, nil("10"))
    impacts(place, people(2), MARCH, None)
    impacts(place, people(7), MARCH, nil("20"))
    nils = {c.label: c for c in table(rows, "nil", suppress=True).rows}
    assert nils["Area 10"].suppressed and nils["Outside the NILs, or not known"].suppressed
    assert not nils["Area 20"].suppressed  # 3 + 2 people hidden: the difference describes five people
    assert nils["Area 20"].figures()["trips"] == 7


def test_one_person_in_two_small_cells_is_counted_once(place, rows):
    """Two small cells that share people do not add up to five."""
    shared = people(3)
    impacts(place, shared, MARCH, nil("10"), arrival_hour=8)
    impacts(place, shared[:2], MARCH, nil("10"), arrival_hour=9)
    impacts(place, people(6), MARCH, nil("20"), arrival_hour=10)
    hours = {c.key: c for c in table(rows, "hour", suppress=True).rows}
    assert hours[8].suppressed and hours[9].suppressed and hours[10].suppressed


def test_privileged_views_show_small_cells_marked(place, rows):
    impacts(place, people(2), MARCH, nil("10"))
    cell = table(rows, "nil", suppress=False).rows[0]
    assert cell.small and not cell.suppressed and cell.figures()["trips"] == 2


def test_a_total_of_fewer_than_five_people_is_suppressed(place, rows):
    impacts(place, people(4), MARCH, nil("10"), bookings_each=5)
    found = report(rows, ["month", "nil"], suppress=True)
    assert found.total.suppressed and found.total.figures()["co2_kg"] is None
    assert all(c.suppressed for t in found.tables.values() for c in t.rows)


def test_nil_months_suppress_per_month(place, rows):
    impacts(place, people(5), MARCH, nil("10"))
    impacts(place, people(6), MARCH, nil("20"))
    impacts(place, people(1), APRIL, nil("10"))
    impacts(place, people(9), APRIL, nil("20"))
    (march, march_cells, march_total), (april, april_cells, april_total) = aggregates.nil_months(rows)
    assert march == date(2030, 3, 1) and april == date(2030, 4, 1)
    assert not any(c.suppressed for c in march_cells) and march_total.trips == 11
    assert all(c.suppressed for c in april_cells)  # the 1 and, so that it cannot be recovered, the 9
    assert not april_total.suppressed and april_total.trips == 10


def test_factors_sources_name_the_data_file():
    (found,) = aggregates.factors_sources(["ispra-2021-urban.1"])
    assert found["year"] == 2021 and "ISPRA" in found["source"]
    (unknown,) = aggregates.factors_sources(["gone.0"])
    assert unknown == {"version": "gone.0", "source": "", "source_url": "", "year": None, "licence": ""}
