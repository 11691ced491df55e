"""The Milan demo city loads from the real files, and its open data parse and list only approved places."""

import csv
import io
from datetime import datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from shapely.geometry import Point, shape
from shapely.ops import unary_union

from vicinato.booking.models import Resource
from vicinato.booking.services import check_rules
from vicinato.demo.loader import load_demo, remove_demo
from vicinato.geo.models import Area, Municipality
from vicinato.geo.services import locate
from vicinato.register.models import Application, Place, Register
from vicinato.register.workflow import check_requirements


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
    milan = places.filter(municipality__slug="milano")
    assert milan.values("district").distinct().count() == 9
    assert set(Application.objects.values_list("state", flat=True)) == set(Application.State.values)
    assert all(p.neighbourhood_id for p in milan)


@pytest.mark.django_db
def test_demo_is_idempotent(demo):
    before = (Place.objects.count(), Application.objects.count())
    assert load_demo() == demo
    assert (Place.objects.count(), Application.objects.count()) == before


@pytest.mark.django_db
def test_open_data_lists_only_approved_places_inside_their_towns(client, demo):
    listed = set(Place.objects.listed().values_list("public_id", flat=True))
    assert 0 < len(listed) < Place.objects.count()
    towns = Municipality.objects.get(slug="milano").shape.union(
        Municipality.objects.get(slug="seregno").shape
    )

    geojson = client.get("/opendata/places.geojson")
    assert geojson["Content-Type"] == "application/geo+json"
    features = geojson.json()["features"]
    assert {f["id"] for f in features} == listed
    for feature in features:
        point = shape(feature["geometry"])
        assert isinstance(point, Point) and towns.covers(point)
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
    assert all(r["opening_hours"] for r in rows)
    # Milan's places name their NIL and Municipio; Seregno has no such areas.
    assert {bool(r["nil"] and r["municipio"]) for r in rows} == {True, False}

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
    for its staff or an agreement's people, never for a stranger; a coworking charges what its page says (€ 2 an
    hour, at most € 12 a day, or a monthly pass of € 180)."""
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
            stated = (
                "€ 2.00 per slot of 1 h. At most € 12.00 per day. Monthly pass: € 180.00 per calendar month."
            )
            assert not page or stated in page, place
            for desk in desks:
                prices = (desk.price_cents_per_slot, desk.price_cents_per_day, desk.price_cents_per_month)
                assert prices == (200, 1200, 18000), desk
    assert company_desks > 0 and listed


@pytest.mark.django_db
def test_demo_has_the_metropolitan_municipalities(demo):
    """ISTAT's 188 municipalities of the provinces of Milan and Monza-Brianza, with their 2023 residents; Milan
    keeps the boundary drawn by its own Municipi."""
    assert Municipality.objects.count() == 188
    assert sum(Municipality.objects.values_list("population", flat=True)) == 4_090_937
    milano, seregno = Municipality.objects.get(slug="milano"), Municipality.objects.get(slug="seregno")
    assert (milano.istat_code, milano.population) == ("015146", 1_354_196)
    assert (seregno.istat_code, seregno.population) == ("108039", 44_917)
    assert locate(45.6503, 9.2031).municipality == seregno  # Corso del Popolo, Seregno
    assert locate(45.4642, 9.1900).municipality == milano  # the Duomo
    assert locate(45.5845, 9.2744).municipality.name == "Monza"
    districts = unary_union([a.shape for a in milano.areas.filter(level="district")])
    assert milano.shape.area == pytest.approx(districts.area, rel=1e-4)


@pytest.mark.django_db
def test_seregno_register_has_places_in_every_state_of_its_review(client, demo):
    register = Register.objects.get(slug="elenco-coworking-seregno")
    seregno = Municipality.objects.get(slug="seregno")
    applications = Application.objects.filter(register=register, place__municipality=seregno)
    assert {a.state for a in applications} == {
        "draft",
        "submitted",
        "changes_requested",
        "approved",
        "rejected",
    }
    for application in applications:
        assert seregno.shape.covers(Point(application.place.lon, application.place.lat)), application.place
    # The register's requirements are checked: the draft fails the desks, the others pass every one.
    for application in applications:
        failed = {r.requirement.kind for r in check_requirements(application.place, register) if not r.passed}
        assert failed == ({"min_desks"} if application.state == "draft" else set()), application
    # A Milan place that applied to Seregno's register is told it is outside the town.
    outsider = Application.objects.get(register=register, place__municipality__slug="milano")
    assert {r.requirement.kind for r in check_requirements(outsider.place, register) if not r.passed} == {
        "in_municipality"
    }

    listed = set(Place.objects.listed().filter(municipality=seregno).values_list("public_id", flat=True))
    assert len(listed) == 3
    page = client.get("/registro/", {"register": register.slug})
    assert {p.public_id for p in page.context["page"].object_list} == listed
    assert {marker["id"] for marker in page.context["map_places"]} == listed
    assert listed <= {m["id"] for m in client.get("/registro/").context["map_places"]}
    for place in Place.objects.filter(public_id__in=listed):
        page = client.get(place.get_absolute_url())
        assert page.status_code == 200 and place.address.encode() in page.content


@pytest.mark.django_db
def test_seregno_reviewer_signs_in_and_approves(client, demo, settings):
    # The module's demo was loaded before the tests' cheap hasher was set: its passwords use Django's default.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    signed_in = client.post("/accedi/", {"username": "revisore.seregno", "password": "vicinato"})
    assert signed_in.status_code == 302, signed_in.context["form"].errors
    queue = client.get("/revisione/")
    waiting = list(queue.context["applications"])
    assert [a.place.municipality.slug for a in waiting] == ["seregno"]
    application = waiting[0]
    check = application.register.requirements.get(kind="reviewer_check")
    client.post(f"/revisione/candidature/{application.pk}/", {"requirement": check.pk, "ticked": "1"})
    client.post(
        f"/gestione/candidature/{application.pk}/azione/", {"action": "approve", "note": "", "from": "review"}
    )
    application.refresh_from_db()
    assert application.state == "approved"
    assert client.get("/opendata/places.json").json()["count"] == Place.objects.listed().count()
    assert application.place.public_id in {
        f["id"] for f in client.get("/opendata/places.geojson").json()["features"]
    }
