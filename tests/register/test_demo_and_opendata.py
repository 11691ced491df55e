"""The Milan demo city loads from the real files, and its open data parse and list only approved places."""

import csv
import io
from datetime import datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from shapely.geometry import Point, shape

from vicinato.booking.models import Resource
from vicinato.booking.services import check_rules
from vicinato.demo.loader import load_demo, remove_demo
from vicinato.geo.models import Area, Municipality
from vicinato.register.models import Application, Place


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        counts = load_demo()
        yield counts
        remove_demo()
        Area.objects.all().delete()
        Municipality.objects.all().delete()


@pytest.mark.django_db
def test_demo_city_contents(demo):
    assert demo["districts"] == 9 and demo["neighbourhoods"] == 88 and demo["stations"] == 130
    assert demo["places"] >= 60
    assert sum(Area.objects.filter(level="neighbourhood").values_list("population", flat=True)) == 1_386_285
    places = Place.objects.filter(is_demo=True)
    assert {p.kind for p in places} == set(Place.Kind.values)
    assert places.values("district").distinct().count() == 9
    assert set(Application.objects.values_list("state", flat=True)) == set(Application.State.values)
    assert all(p.neighbourhood_id for p in places)


@pytest.mark.django_db
def test_demo_is_idempotent(demo):
    before = (Place.objects.count(), Application.objects.count())
    assert load_demo() == demo
    assert (Place.objects.count(), Application.objects.count()) == before


@pytest.mark.django_db
def test_open_data_lists_only_approved_places_inside_milan(client, demo):
    listed = set(Place.objects.listed().values_list("public_id", flat=True))
    assert 0 < len(listed) < Place.objects.count()
    milan = Municipality.objects.get(slug="milano").shape

    geojson = client.get("/opendata/places.geojson")
    assert geojson["Content-Type"] == "application/geo+json"
    features = geojson.json()["features"]
    assert {f["id"] for f in features} == listed
    for feature in features:
        point = shape(feature["geometry"])
        assert isinstance(point, Point) and milan.covers(point)
        assert feature["properties"]["url"].endswith(f"/luoghi/{feature['id']}/")

    rows = list(csv.DictReader(io.StringIO(client.get("/opendata/places.csv").content.decode())))
    assert {r["id"] for r in rows} == listed
    required = {
        "id",
        "name",
        "kind",
        "register",
        "address",
        "nil",
        "municipio",
        "desks",
        "amenities",
        "audiences",
        "opening_hours",
        "url",
        "lat",
        "lon",
    }
    assert required <= set(rows[0])
    assert all(r["opening_hours"] and r["nil"] and r["municipio"] for r in rows)

    data = client.get("/opendata/places.json").json()
    assert data["count"] == len(listed) and data["licence"] == "CC-BY-4.0"

    catalog = client.get("/opendata/catalog.json").json()
    dataset = catalog["dcat:dataset"][0]
    assert {d["dct:license"]["@id"] for d in dataset["dcat:distribution"]} == {
        "https://creativecommons.org/licenses/by/4.0/"
    }
    assert len(dataset["dcat:distribution"]) == 3


@pytest.mark.django_db
def test_demo_command_prints_users(demo, capsys):
    call_command("demo")
    out = capsys.readouterr().out
    assert "revisore" in out and "password 'vicinato'" in out


@pytest.mark.django_db
def test_every_demo_place_says_who_may_book_as_its_desks_decide(demo, user_factory, client):
    """What a place's page says agrees with its desks' rules, as it is made from them: a company's desks are
    for its staff or an agreement's people, never for a stranger; a coworking charges what its page says."""
    stranger = user_factory("sconosciuta")
    monday = timezone.localdate() + timedelta(days=7 - timezone.localdate().weekday())
    start = datetime.combine(monday, time(10), tzinfo=timezone.get_current_timezone())
    company_desks = 0
    listed = set(Place.objects.listed().values_list("pk", flat=True))
    for place in Place.objects.filter(is_demo=True).prefetch_related("resources"):
        # The page of a listed place (the others are the operator's and the reviewers' only).
        page = client.get(f"/en/luoghi/{place.public_id}/").content.decode() if place.pk in listed else ""
        desks = [r for r in place.resources.all() if r.kind == Resource.Kind.DESK]
        if place.kind == "company_space":
            assert not page or ("Who may book:" in page and "Free of charge." in page), place
            for desk in desks:
                assert desk.who_may_book != Resource.WhoMayBook.EVERYONE, desk
                end = start + timedelta(minutes=max(desk.min_minutes, desk.slot_minutes))
                codes = {refusal.rule for refusal in check_rules(stranger, desk, start, end)}
                assert codes & {"who_may_book", "agreement"}, (desk, codes)
                company_desks += 1
        elif place.kind == "coworking":
            assert not page or "€ 2.00 per slot of 1 h. At most € 12.00 per day." in page, place
            for desk in desks:
                assert (desk.price_cents_per_slot, desk.price_cents_per_day) == (200, 1200), desk
    assert company_desks > 0 and listed
