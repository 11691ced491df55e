"""“Apply to” offers first the registers of the place's own municipality, and none it has applied to already."""

import pytest

from vicinato.geo.models import Municipality
from vicinato.register.models import Application, Register
from vicinato.register.services import registers_to_apply

pytestmark = pytest.mark.django_db


@pytest.fixture
def elsewhere(register) -> Register:
    seregno = Municipality.objects.create(name="Seregno", slug="seregno")
    return Register.objects.create(
        slug="aaa-seregno", name_it="Albo di Seregno", owner="Seregno", municipality=seregno
    )


@pytest.fixture
def anywhere(db) -> Register:
    return Register.objects.create(slug="rete", name_it="Rete regionale", owner="Regione")


def test_the_places_municipality_first_then_none_then_others(place, register, elsewhere, anywhere):
    offered = registers_to_apply(place, Register.objects.all())
    assert offered == [register, anywhere, elsewhere]
    Application.objects.create(place=place, register=register)
    assert registers_to_apply(place, Register.objects.all()) == [anywhere, elsewhere]


def test_the_dashboard_chooses_the_places_municipality(client, place, register, elsewhere, people):
    client.force_login(people["org_admin"])
    html = client.get("/en/gestione/").content.decode()
    options = html.split(f'id="apply-{place.pk}"')[1].split("</select>")[0]
    assert options.index(register.slug) < options.index(elsewhere.slug)  # the first option is the one chosen
