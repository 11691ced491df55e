"""The demo city's activities load on top of the register's and booking's demo, once, and can be removed."""

from __future__ import annotations

import pytest

from vicinato.activities.models import AdviceService, Advisor, Appointment, Event, Registration
from vicinato.activities.services import appointments
from vicinato.booking.models import Block
from vicinato.demo import activities as demo

pytestmark = pytest.mark.django_db


def test_without_the_register_demo_nothing_loads():
    assert demo.load_demo() == {"services": 0, "events": 0}


def test_the_demo_loads_once_with_full_activities_and_is_removed(settings, tmp_path):
    from django.utils import timezone

    from vicinato.demo.loader import load_demo

    settings.ROUTING_OSM_FILE = tmp_path / "none.osm.pbf"  # no street index: not needed here
    load_demo()  # the whole demo city, whose loader loads the activities last
    assert AdviceService.objects.count() == 5 and Event.objects.count() >= 3
    assert demo.load_demo() == {"services": 0, "events": 0}  # once
    kinds = set(AdviceService.objects.values_list("kind", flat=True))
    assert kinds == {"union_desk", "pension", "tax", "legal", "psychologist"}
    assert set(AdviceService.objects.get(kind="pension").places.values_list("kind", flat=True)) == {
        "officina"
    }
    assert set(AdviceService.objects.get(kind="legal").places.values_list("kind", flat=True)) == {"snodo"}
    psychologist = AdviceService.objects.get(kind="psychologist")
    today = timezone.localdate()
    assert appointments.free_slots(psychologist, today, psychologist.days_ahead + 1) == []  # booked up
    italian = Event.objects.get(title_it__startswith="Corso di italiano")
    assert italian.state == "published" and italian.registrations.filter(state="waiting").count() == 3
    assert italian.registrations.filter(state="confirmed").count() == 10
    assert Block.objects.filter(resource__place=italian.place).count() == italian.sessions.count()
    assert Advisor.objects.count() == 4
    demo.remove_demo()
    assert not (Event.objects.exists() or Appointment.objects.exists() or AdviceService.objects.exists())
    assert (
        not Registration.objects.exists()
        and not Block.objects.filter(reason_it__contains="italiano").exists()
    )
