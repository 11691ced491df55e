"""Commute profiles, the savings of a booking by each mode, withdrawal, the hook on check-in, bad input."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, time

import pytest
import time_machine
from django.core.exceptions import ValidationError

from vicinato.booking.services import reserve, transition
from vicinato.impact import factors, recompute, services, trips
from vicinato.impact.models import BookingImpact, CommuteProfile, Mode

from .conftest import CADORNA, CINQUE_GIORNATE, DUOMO, LORETO, NOW, OUTSIDE_MAP, ROME, at, make_profile


def test_points_are_kept_as_the_centre_of_their_250_m_cell():
    lat, lon = services.coarse(*CADORNA)
    assert (lat, lon) != CADORNA
    # Within half a cell's diagonal of the point, and every point of the cell gives the same centre.
    assert abs(lat - CADORNA[0]) * 111_320 <= 125.1
    assert abs(lon - CADORNA[1]) * 111_320 * math.cos(math.radians(lat)) <= 125.1
    assert services.coarse(lat + 0.0005, lon + 0.0005) == (lat, lon)
    assert services.coarse(lat, lon) == (lat, lon)


def test_a_profile_needs_consent_and_stores_coarse_points_and_the_nil(commuter, city):
    with pytest.raises(ValidationError) as refused:
        services.save_profile(commuter, consent=False, home=CADORNA, work=LORETO, usual_mode="car_driver")
    assert "consent" in refused.value.message_dict
    profile = make_profile(commuter)
    assert (profile.home_lat, profile.home_lon) == services.coarse(*CADORNA)
    assert profile.home_area.code == "10" and profile.work_area is None  # Loreto is outside the test city
    assert profile.consented_at == NOW and profile.subject


def test_bad_input_gives_a_message_per_field(commuter, city):
    with pytest.raises(ValidationError) as refused:
        services.save_profile(
            commuter, consent=True, home=OUTSIDE_MAP, work=None, usual_mode="rocket", office_days=9
        )
    errors = refused.value.message_dict
    assert "outside the map" in errors["home"][0]
    assert errors["work"] and "rocket" in errors["usual_mode"][0] and errors["office_days"]


def _trip(commuter, desks, mode=None, start="09:00", end="18:00"):
    with time_machine.travel(NOW, tick=False):
        booking = reserve(commuter, desks, at(start), at(end), now=NOW)
    if mode:
        services.choose_trip_mode(booking, mode)
    return booking


@pytest.mark.django_db(transaction=True)
def test_check_in_records_the_savings_of_a_car_commuter(commuter, desks, staff, city):
    make_profile(commuter, "car_driver")
    booking = _trip(commuter, desks, mode="walk")
    transition(booking, "check_in", staff, now=at("08:55"))
    impact = BookingImpact.objects.get(reservation=booking)
    assert impact.person == commuter and impact.place == desks.place
    assert impact.trip_mode == "walk" and impact.avoided_mode == "car_driver"
    assert impact.day == at("09:00").date() and impact.arrival_hour == 9
    # Cadorna → Loreto by car and back is longer than the walk to Cinque Giornate and back.
    assert 8 < impact.avoided_km < 20 and 4 < impact.trip_km < 10
    assert impact.saved_km == pytest.approx(impact.avoided_km - impact.trip_km, abs=0.01)
    assert impact.km_by_mode["car_driver"] == pytest.approx(impact.avoided_km, abs=0.01)
    assert impact.km_by_mode["walk"] == pytest.approx(-impact.trip_km, abs=0.01)
    car = factors.current().grams["car_driver"]
    assert impact.co2_g == pytest.approx(impact.avoided_km * car["co2"], rel=0.01)
    assert impact.into_centre and impact.in_peak  # home in Municipio 1; arriving at 09:00
    assert impact.factors_version == factors.current().version
    assert impact.home_area.code == "10" and impact.municipio == 1


@pytest.mark.django_db(transaction=True)
def test_no_profile_no_result_and_withdrawal_keeps_the_aggregates(commuter, desks, staff, city, user_factory):
    booking = _trip(commuter, desks, end="12:00")
    transition(booking, "check_in", staff, now=at("08:55"))
    assert not BookingImpact.objects.exists()  # no profile, no consent: nothing computed
    make_profile(commuter, "transit")
    second = _trip(commuter, desks, start="14:00", end="16:00")
    transition(second, "check_in", staff, now=at("13:55"))
    impact = BookingImpact.objects.get()
    assert impact.avoided_mode == impact.trip_mode == Mode.TRANSIT
    subject = impact.subject
    assert services.withdraw(commuter) == 1
    assert not CommuteProfile.objects.filter(person=commuter).exists()
    impact.refresh_from_db()
    assert impact.person is None and impact.reservation is None and impact.subject == subject
    assert impact.co2_g is not None


@pytest.mark.django_db(transaction=True)
def test_a_change_of_factors_is_applied_by_recompute_without_routing(
    commuter, desks, staff, city, settings, tmp_path
):
    make_profile(commuter, "car_driver")
    booking = _trip(commuter, desks, mode="bike")
    transition(booking, "check_in", staff, now=at("08:55"))
    before = BookingImpact.objects.get()
    edition = factors.read(sorted(factors.DATA.glob("factors-*.json"))[-1])
    changed = tmp_path / "factors-test.json"

    data = json.loads(sorted(factors.DATA.glob("factors-*.json"))[-1].read_text())
    data["version"] = "test.2"
    data["factors"]["car_driver"]["co2"] = edition.grams["car_driver"]["co2"] * 2
    changed.write_text(json.dumps(data))
    settings.IMPACT_FACTORS_FILE = str(changed)
    summary = recompute.recompute()
    assert summary["factors_applied"] == 1 and summary["computed"] == 0
    after = BookingImpact.objects.get()
    assert after.factors_version == "test.2"
    assert after.co2_g == pytest.approx(before.co2_g * 2, rel=0.001)
    assert after.saved_km == before.saved_km  # no routing again


@pytest.mark.django_db(transaction=True)
def test_recompute_computes_what_is_missing(commuter, desks, staff, city):
    booking = _trip(commuter, desks)
    transition(booking, "check_in", staff, now=at("08:55"))
    make_profile(commuter, "motorbike", arrival_time=time(10, 0))
    summary = recompute.recompute()
    assert summary["computed"] == 1
    impact = BookingImpact.objects.get()
    assert impact.avoided_mode == "motorbike" and not impact.in_peak


@pytest.mark.django_db(transaction=True)
def test_completion_without_check_in_records_and_completion_after_one_does_not_again(
    commuter, desks, staff, city
):
    from django.db import transaction
    from django.utils import timezone as tz

    from vicinato.booking.models import Reservation
    from vicinato.booking.signals import reservation_changed

    make_profile(commuter, "car_driver")
    booking = _trip(commuter, desks)
    # The booking engine completes only checked-in bookings today; a place without check-in would complete a
    # confirmed one: the hook computes then.
    Reservation.objects.filter(pk=booking.pk).update(state=Reservation.State.COMPLETED)
    booking.refresh_from_db()
    with transaction.atomic():  # as the engine sends it: inside the change's transaction
        reservation_changed.send(
            Reservation,
            reservation=booking,
            action="complete",
            source="confirmed",
            actor=None,
            at=tz.now(),
            note="",
        )
    first = BookingImpact.objects.get(reservation=booking)
    with transaction.atomic():  # as the engine sends it: inside the change's transaction
        reservation_changed.send(
            Reservation,
            reservation=booking,
            action="complete",
            source="checked_in",
            actor=None,
            at=tz.now(),
            note="",
        )
    assert BookingImpact.objects.get(reservation=booking).computed_at == first.computed_at


@pytest.mark.django_db(transaction=True)
def test_a_routing_failure_never_undoes_the_check_in(commuter, desks, staff, city, monkeypatch):
    make_profile(commuter, "car_driver")
    booking = _trip(commuter, desks)

    def broken(*args, **kwargs):
        raise RuntimeError("no graph")

    monkeypatch.setattr(services, "compute", broken)
    transition(booking, "check_in", staff, now=at("08:55"))
    booking.refresh_from_db()
    assert booking.state == "checked_in" and not BookingImpact.objects.exists()


def test_impact_recompute_prints_a_json_line_and_fails_in_one_line(db, settings, tmp_path, capsys):

    from django.core.management import call_command
    from django.core.management.base import CommandError

    call_command("impact-recompute")
    summary = json.loads(capsys.readouterr().out)
    assert summary["computed"] == 0 and summary["factors_version"] == factors.current().version
    settings.IMPACT_FACTORS_FILE = str(tmp_path / "missing.json")
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("impact-recompute")


def test_journeys_sharing_a_destination_are_those_of_one_search_each(city):
    """The batch routes public transport by destination and time (one backward search each, every origin
    walking to the stops once): its answers are the one-by-one arrive_by's, to the digit."""
    origins = [CADORNA, DUOMO, LORETO, (45.4780, 9.2270)]
    destinations = [CINQUE_GIORNATE, LORETO]
    days = [date(2030, 3, 5), date(2030, 3, 9)]  # a Tuesday and a Saturday
    arrivals = [time(9, 0), time(8, 0)]
    asked = [
        (o, d, day, hour)
        for o in origins
        for d in destinations
        for day in days
        for hour in arrivals
        if o != d
    ]
    trips._journeys.clear()
    together = trips.journeys(asked, ROME)
    assert sum(a is not None for a in together) >= len(asked) - 2
    router = trips.transit.router()
    for (o, d, day, hour), answer in zip(asked, together, strict=True):
        alone = router.arrive_by(
            o, d, datetime.combine(day, hour, tzinfo=ROME), max_minutes=trips.max_journey_minutes()
        )
        assert answer == trips._answer(router, alone)
